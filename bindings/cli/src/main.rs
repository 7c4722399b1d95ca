//! `beatbook`, the terminal client of the Beatbook core.
//!
//! This file only parses the command line, runs the command and turns a failure into one line
//! on stderr and an exit code; everything else is in small modules with one job each:
//! `args` (the command line), `commands/*` (one file per command group), `session` (opening
//! the store as its owner), `key` (where the key comes from), `dates`, `ids`, `vocab` (how
//! typed values are read), `output` (how results are shown) and `error`.

mod args;
mod commands;
mod dates;
mod error;
mod field_words;
mod ids;
mod key;
mod output;
mod paging;
mod people;
mod session;
mod terminal;
mod vocab;

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = commands::run(cli, &mut out).and_then(|()| Ok(out.flush()?));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.broken_pipe => ExitCode::SUCCESS,
        Err(e) => {
            let _ = out.flush();
            eprintln!("error: {}", e.message);
            if let Some(hint) = &e.hint {
                eprintln!("hint: {hint}");
            }
            ExitCode::from(e.code)
        }
    }
}
