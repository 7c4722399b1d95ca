//! A field device that records and syncs at the same time, for the device crash test
//! (`tests/tests/device_crash.rs`): one thread records contacts and notes as fast as the store
//! takes them and prints `ack <kind> <id>` as soon as each is acknowledged; another syncs with
//! the server in a loop and prints `synced <accepted> <pulled>` after each complete sync. The
//! test kills it with SIGKILL at random moments — mid-write, mid-push, mid-pull — and checks
//! that nothing it printed was lost.
//!
//! Usage: `field_device STORE_PATH SERVER_URL` with the store's key as 64 hex characters in
//! `BEATBOOK_KEY`; the store must be enrolled already. Runs until killed.

use beatbook_core::model::*;
use beatbook_core::sync::client::{CancelFlag, NoProgress, SyncClient, SyncOptions};
use beatbook_core::{Store, StoreKey};
use chrono::Utc;
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
        let line = if i % 3 == 2 {
            let note = store.add_note(&actor, note(i))?;
            format!("ack note {}\n", note.id)
        } else {
            let recorded = store.record_contact(&actor, contact(i))?;
            format!("ack contact {}\n", recorded.contact.id)
        };
        // One write per line, so the sync thread's lines never split one.
        out.write_all(line.as_bytes())?;
        out.flush()?;
    }
    Ok(())
}

fn note(i: u64) -> NewNote {
    NewNote {
        observed_at: Utc::now(),
        text: format!("Crash-test note number {i}"),
        category: NoteCategory::Observation,
        place: None,
        patrol_id: None,
        problem_id: None,
    }
}

fn contact(i: u64) -> NewContact {
    NewContact {
        occurred_at: Utc::now(),
        place: GeoPoint::new(52.4 + (i % 100) as f64 * 0.0001, -1.5),
        lsoa_code: None,
        method: ContactMethod::FootPatrol,
        audience: Audience::Resident,
        people_count: 1,
        issues: vec![CrimeCategory::AntiSocialBehaviour],
        issues_text: Some(format!("Crash-test contact number {i}")),
        promised: (i % 4 == 0).then(|| "Call back".to_owned()),
        follow_up_due: None,
        follow_up_owner: None,
        consent_to_recontact: false,
        personal: None,
        ethnicity: None,
        repeat_caller: false,
        vulnerable: false,
        problem_id: None,
        patrol_id: None,
    }
}
