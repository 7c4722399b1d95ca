//! Device crash test (docs/reliability.md): a field device recording and syncing at once
//! (`field_device`) is killed with SIGKILL at random moments. After each kill the store opens
//! and passes `integrity_check`, every record the device acknowledged is there, and after the
//! next sync the server holds exactly the device's records, field for field and clock for
//! clock, with no op refused and none applied twice.
//!
//! Short run under `cargo test`; `BEATBOOK_RELIABILITY=full` kills 200 times. A failure prints
//! the seed; `BEATBOOK_SEED=<seed>` replays the same kill schedule.

use beatbook_core::sync::client::{CancelFlag, NoProgress, SyncClient};
use beatbook_core::{Store, StoreKey};
use beatbook_e2e::device::{test_options, Device};
use beatbook_e2e::inspect;
use beatbook_e2e::rng::{run_size, seed, Rng};
use beatbook_e2e::server::ServerProcess;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const KINDS: &[&str] = &["contact", "note", "follow_up"];

/// The key `Device::enrol` gives every test store.
fn device_key() -> StoreKey {
    StoreKey::from_bytes([5; 32])
}

#[test]
fn a_device_killed_while_recording_and_syncing_loses_nothing_and_converges() {
    let kills = run_size(20, 200);
    let seed = seed();
    println!("device crash: {kills} kills, BEATBOOK_SEED={seed}");
    let mut rng = Rng::new(seed);
    let server = ServerProcess::start(&[]);
    let Device { dir, store, .. } = server
        .enrol_team(&server.url, &[("Casey", "pcso")])
        .pop()
        .expect("a device");
    let path = dir.path().join("device.db");
    drop(store);
    let client = SyncClient::new(&server.url, test_options()).expect("client");

    let mut acked: Vec<(String, String)> = Vec::new();
    let (mut driver_syncs, mut duplicates, mut pending_at_kill) = (0u64, 0u64, 0u64);
    let started = Instant::now();
    for round in 0..kills {
        let context = format!("round {round} (BEATBOOK_SEED={seed})");
        let mut child = Command::new(env!("CARGO_BIN_EXE_field_device"))
            .arg(&path)
            .arg(&server.url)
            .env("BEATBOOK_KEY", device_key().to_hex())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn field_device");
        let stdout = child.stdout.take().expect("stdout");
        let (lines_tx, lines) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Kill after a random number of acknowledged records, plus a random fraction of a
        // record's time, so that kills land mid-write, mid-push and mid-pull alike.
        // Every fourth round also waits for one of the device's own syncs to complete first, so
        // that kills land after the device has synced as well as before, however slow the
        // machine is (a loaded CI runner can take longer than 40 records to finish a sync).
        let kill_after = rng.range(1, 40);
        let wait_for_a_sync = round % 4 == 0;
        let syncs_before = driver_syncs;
        let mut seen = 0;
        while seen < kill_after || (wait_for_a_sync && driver_syncs == syncs_before) {
            let line = lines
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("{context}: field_device stopped early"));
            seen += u64::from(take(&line, &mut acked, &mut driver_syncs));
        }
        std::thread::sleep(Duration::from_micros(rng.range(0, 3000)));
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        reader.join().expect("reader");
        // Lines printed before the kill are acknowledgements too.
        for line in lines.try_iter() {
            take(&line, &mut acked, &mut driver_syncs);
        }

        let store = Store::open(&path, &device_key())
            .unwrap_or_else(|e| panic!("{context}: the store does not open: {e}"));
        assert_eq!(
            store.integrity_check().expect("check"),
            Vec::<String>::new(),
            "{context}"
        );
        for (kind, id) in &acked {
            let found = match kind.as_str() {
                "contact" => store.contact(id.parse().expect("id")).is_ok(),
                _ => store.note(id.parse().expect("id")).is_ok(),
            };
            assert!(found, "{context}: acknowledged {kind} {id} lost");
        }
        pending_at_kill += store.pending_count().expect("pending");
        let report = client
            .sync(&store, &NoProgress, &CancelFlag::new())
            .unwrap_or_else(|e| panic!("{context}: the sync after the kill failed: {e}"));
        duplicates += report.duplicate;
        assert_eq!(report.pending, 0, "{context}");
        drop(store);
        inspect::assert_agree(
            &inspect::device_db(&path, &device_key()),
            &inspect::server_db(server.data.path()),
            KINDS,
            &context,
        );
    }
    let server_db = inspect::server_db(server.data.path());
    let contacts = acked.iter().filter(|(k, _)| k == "contact").count() as u64;
    let on_server = inspect::count(
        &server_db,
        "SELECT count(*) FROM records WHERE kind = 'contact'",
        &[],
    );
    assert!(on_server >= contacts, "contacts on the server");
    assert!(
        driver_syncs > 0,
        "the device never completed a sync of its own"
    );
    println!(
        "device crash: {kills} kills in {:.1} s; {} records acknowledged, all present; {} \
         contacts on the server; {driver_syncs} syncs completed by the device between kills; \
         {pending_at_kill} ops queued at the kills; {duplicates} ops answered duplicate after a \
         kill (applied once)",
        started.elapsed().as_secs_f64(),
        acked.len(),
        on_server,
    );
}

/// Notes one line of the driver's output; true if it acknowledged a record.
fn take(line: &str, acked: &mut Vec<(String, String)>, syncs: &mut u64) -> bool {
    let mut words = line.split_whitespace();
    match (words.next(), words.next(), words.next()) {
        (Some("ack"), Some(kind), Some(id)) => {
            acked.push((kind.to_owned(), id.to_owned()));
            true
        }
        (Some("synced"), _, _) => {
            *syncs += 1;
            false
        }
        _ => false,
    }
}
