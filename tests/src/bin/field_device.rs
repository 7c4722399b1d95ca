//! A field device that records and syncs at the same time, for the device crash test
//! (`tests/tests/e2e/device_crash.rs`): one thread records contacts and notes as fast as the store
//! takes them and prints `ack <kind> <id>` as soon as each is acknowledged; another syncs with
//! the server in a loop and prints `synced <accepted> <pulled>` after each complete sync. The
//! test kills it with SIGKILL at random moments — mid-write, mid-push, mid-pull — and checks
//! that nothing it printed was lost.
//!
//! Usage: `field_device STORE_PATH SERVER_URL` with the store's key as 64 hex characters in
//! `BEATBOOK_KEY`; the store must be enrolled already. Runs until killed.

use beatbook_core::sync::client::{CancelFlag, NoProgress, SyncClient, SyncOptions};
use beatbook_core::{Store, StoreKey};
use beatbook_e2e::workload;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("field_device: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(url)) = (args.next(), args.next()) else {
        return Err("usage: field_device STORE_PATH SERVER_URL".into());
    };
    let key = StoreKey::from_hex(&std::env::var("BEATBOOK_KEY")?)?;
    let store = Arc::new(Store::open(&path, &key)?);
    let actor = store.device_actor()?.ok_or("the store is not enrolled")?;
    let client = SyncClient::new(
        &url,
        SyncOptions {
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(10),
            max_retries: 2,
            backoff_base: Duration::from_millis(10),
            backoff_max: Duration::from_millis(50),
            // Small batches and pages: more requests, so more kills land mid-sync.
            push_batch: 7,
            pull_page: 11,
            ..SyncOptions::default()
        },
    )?;
    let syncing = Arc::clone(&store);
    std::thread::spawn(move || loop {
        if let Ok(report) = client.sync(&syncing, &NoProgress, &CancelFlag::new()) {
            println!("synced {} {}", report.accepted, report.pulled);
        }
    });
    let mut out = std::io::stdout();
    for i in 0u64.. {
        let written = workload::record(&store, &actor, i)?;
        let line = format!("ack {} {}\n", written.kind, written.id);
        // One write per line, so the sync thread's lines never split one.
        out.write_all(line.as_bytes())?;
        out.flush()?;
    }
    Ok(())
}
