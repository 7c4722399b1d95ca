//! `beatbook-server`: parses the command line and dispatches; the work is in the library.

#[cfg(not(target_env = "msvc"))]
mod allocator;

use beatbook_server::cli::Cli;
use beatbook_server::commands;
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    beatbook_server::logging::init(cli.log_format, cli.log_level);
    match commands::run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("beatbook-server: {e}");
            ExitCode::FAILURE
        }
    }
}
