//! Sync benchmark (prints figures; not a test): N notes recorded on one device go through a
//! real `beatbook-server` on loopback to a second device, beside a bulk insert of the same rows
//! into a bare SQLCipher table with the same durability. Prints changes per second, bytes on
//! the wire per change, the ratio to the bulk insert, and this process's peak RSS.
//!
//! `cargo run --release -p beatbook-e2e --bin sync_bench` (N = 20,000; set
//! `BEATBOOK_SYNC_BENCH_N=100000` for the full run). `BEATBOOK_BENCH_DATABASE=postgres://…` runs
//! the server on that database instead of the embedded store (give it an empty database or
//! schema); `BEATBOOK_BENCH_INSTANCES=N` then starts N instances on it, with a sender and a
//! receiver per instance: the senders push their share of the notes at once, each through its
//! own instance, then every receiver pulls all of them at once, each through its own.

use beatbook_core::model::{NewNote, NoteCategory};
use beatbook_core::sync::client::{CancelFlag, NoProgress, SyncClient, SyncOptions, SyncReport};
use beatbook_e2e::device::Device;
use beatbook_e2e::server::ServerProcess;
use std::time::Instant;

fn main() {
    let n: usize = std::env::var("BEATBOOK_SYNC_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let instances: usize = std::env::var("BEATBOOK_BENCH_INSTANCES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1);
    let servers: Vec<ServerProcess> = match std::env::var("BEATBOOK_BENCH_DATABASE") {
        Ok(database) if !database.is_empty() => (0..instances)
            .map(|_| ServerProcess::start_on(&database, &[]))
            .collect(),
        _ => {
            assert_eq!(
                instances, 1,
                "several instances need BEATBOOK_BENCH_DATABASE"
            );
            vec![ServerProcess::start(&[])]
        }
    };
    let urls: Vec<&str> = servers.iter().map(|s| s.url.as_str()).collect();
    // A sender and a receiver per instance, each talking to its own.
    let mut people = Vec::new();
    for i in 0..instances {
        people.push((format!("Sender {i}"), "pcso"));
        people.push((format!("Receiver {i}"), "pcso"));
    }
    let people: Vec<(&str, &str)> = people.iter().map(|(n, r)| (n.as_str(), *r)).collect();
    let enrolled = servers[0].enrol_team_through(
        &urls.iter().flat_map(|u| [*u, *u]).collect::<Vec<_>>(),
        &people,
    );
    let (mut senders, mut receivers) = (Vec::new(), Vec::new());
    for (i, device) in enrolled.into_iter().enumerate() {
        if i % 2 == 0 {
            senders.push(device);
        } else {
            receivers.push(device);
        }
    }
    let texts: Vec<String> = (0..n)
        .map(|i| format!("Bench note {i}: youths gathering by the garages on Elm Road again"))
        .collect();

    let started = Instant::now();
    for (i, text) in texts.iter().enumerate() {
        let a = &senders[i % instances];
        a.store
            .add_note(
                &a.actor,
                NewNote {
                    observed_at: chrono::Utc::now(),
                    text: text.clone(),
                    category: NoteCategory::Observation,
                    place: None,
                    patrol_id: None,
                    problem_id: None,
                },
            )
            .expect("note");
    }
    let record_s = started.elapsed().as_secs_f64();

    // The app's default batch sizes (500 ops per push, 500 records per page), not the tests'.
    // Every device of a kind syncs at once, each through its own instance.
    let sync_all = |devices: &[Device]| {
        std::thread::scope(|s| {
            let running: Vec<_> = devices
                .iter()
                .zip(&urls)
                .map(|(d, url)| {
                    s.spawn(move || {
                        let client = SyncClient::new(url, SyncOptions::default()).expect("client");
                        client
                            .sync(&d.store, &NoProgress, &CancelFlag::new())
                            .expect("sync")
                    })
                })
                .collect();
            running
                .into_iter()
                .map(|h| h.join().expect("sync thread"))
                .collect::<Vec<_>>()
        })
    };
    let started = Instant::now();
    let push = sync_all(&senders);
    let push_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let pull = sync_all(&receivers);
    let pull_s = started.elapsed().as_secs_f64();
    let pushed: u64 = push.iter().map(|r| r.pushed).sum();
    let pulled: u64 = pull.iter().map(|r| r.pulled).sum();
    for r in &pull {
        assert!(r.pulled >= n as u64, "a receiver got {} of {n}", r.pulled);
    }

    // Baseline: the same rows, one bulk transaction, same cipher and durability.
    let dir = tempfile::tempdir().expect("dir");
    let conn = rusqlite_baseline(&dir.path().join("bulk.db"));
    let started = Instant::now();
    conn.execute_batch("BEGIN").expect("begin");
    for (i, text) in texts.iter().enumerate() {
        conn.execute(
            "INSERT INTO notes (id, text) VALUES (?1, ?2)",
            (i as i64, text),
        )
        .expect("insert");
    }
    conn.execute_batch("COMMIT").expect("commit");
    let bulk_s = started.elapsed().as_secs_f64();

    let sync_s = push_s + pull_s;
    let bytes = |reports: &[SyncReport]| -> u64 {
        reports
            .iter()
            .map(|r| r.bytes_sent + r.bytes_received)
            .sum()
    };
    println!(
        "Beatbook sync benchmark: {n} notes, {instances} instance(s), {instances} sender(s) → \
         server → {instances} receiver(s) (each through its own instance), loopback"
    );
    println!("  recording on the sender(s) (add_note each): {record_s:8.2} s");
    println!(
        "  push ({pushed} ops, senders at once):       {push_s:8.2} s  ({:.0} ops/s)",
        pushed as f64 / push_s
    );
    println!(
        "  pull ({pulled} records, receivers at once): {pull_s:8.2} s  ({:.0} records/s)",
        pulled as f64 / pull_s
    );
    println!(
        "  sync throughput (notes in, per receiver):  {:8.0} changes/s",
        n as f64 / sync_s
    );
    println!(
        "  bytes on the wire per change (gzip):      {:8.1} B (push {:.1} B a note up, pull \
         {:.1} B a record down)",
        (bytes(&push) + bytes(&pull) / instances as u64) as f64 / n as f64,
        bytes(&push) as f64 / n as f64,
        bytes(&pull) as f64 / pulled.max(1) as f64,
    );
    println!("  bulk insert of the same rows:             {bulk_s:8.3} s");
    println!(
        "  sync / bulk insert:                       {:8.1}x (target <= 5x)",
        sync_s / bulk_s
    );
    println!("  peak RSS of this process (all devices):   {}", peak_rss());
}

fn rusqlite_baseline(path: &std::path::Path) -> rusqlite::Connection {
    let conn =
        beatbook_e2e::keyed::open_keyed(path, &"05".repeat(32), beatbook_e2e::keyed::read_write());
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    conn.pragma_update(None, "synchronous", "FULL")
        .expect("sync");
    conn.execute_batch("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
        .expect("table");
    conn
}

fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}
