//! `beatbook-server`: a placeholder until the sync issue builds the real server. It exists so
//! the workspace has its final shape; it says what it is and exits with a failure code so no
//! script mistakes it for a running server.

use std::process::ExitCode;

fn main() -> ExitCode {
    eprintln!(
        "beatbook-server {}: the sync server is not built yet (see sync-server/README.md)",
        env!("CARGO_PKG_VERSION")
    );
    ExitCode::from(2)
}
