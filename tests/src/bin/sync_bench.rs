//! Sync benchmark (prints figures; not a test): N notes recorded on one device go through a
//! real `beatbook-server` on loopback to a second device, beside a bulk insert of the same rows
//! into a bare SQLCipher table with the same durability. Prints changes per second, bytes on
//! the wire per change, the ratio to the bulk insert, and this process's peak RSS.
//!
//! `cargo run --release -p beatbook-e2e --bin sync_bench` (N = 20,000; set
//! `BEATBOOK_SYNC_BENCH_N=100000` for the full run). `BEATBOOK_BENCH_DATABASE=postgres://…` runs
//! the server on that database instead of the embedded store (give it an empty database or
//! schema).

use beatbook_core::model::{NewNote, NoteCategory};
use beatbook_core::sync::client::{CancelFlag, NoProgress, SyncClient, SyncOptions};
use beatbook_e2e::device::Device;
use beatbook_e2e::server::ServerProcess;
use std::time::Instant;

fn main() {
    let n: usize = std::env::var("BEATBOOK_SYNC_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let server = match std::env::var("BEATBOOK_BENCH_DATABASE") {
        Ok(database) if !database.is_empty() => ServerProcess::start_on(&database, &[]),
        _ => ServerProcess::start(&[]),
    };
    let mut devices = server
        .enrol_team(&server.url, &[("Sender", "pcso"), ("Receiver", "pcso")])
        .into_iter();
    let (Some(a), Some(b)) = (devices.next(), devices.next()) else {
        panic!("two devices");
    };
    let texts: Vec<String> = (0..n)
        .map(|i| format!("Bench note {i}: youths gathering by the garages on Elm Road again"))
        .collect();

    let started = Instant::now();
    for text in &texts {
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
    let sync = |d: &Device| {
        let client = SyncClient::new(&server.url, SyncOptions::default()).expect("client");
        client
            .sync(&d.store, &NoProgress, &CancelFlag::new())
            .expect("sync")
    };
    let started = Instant::now();
    let push = sync(&a);
    let push_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let pull = sync(&b);
    let pull_s = started.elapsed().as_secs_f64();
    assert!(
        pull.pulled >= n as u64,
        "the receiver got {} of {n}",
        pull.pulled
    );

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
    let bytes = push.bytes_sent + push.bytes_received + pull.bytes_sent + pull.bytes_received;
    println!("Beatbook sync benchmark: {n} notes, one device → server → another, loopback");
    println!("  recording on the sender (add_note each):  {record_s:8.2} s");
    println!(
        "  push ({} ops):                         {push_s:8.2} s",
        push.pushed
    );
    println!(
        "  pull ({} records):                      {pull_s:8.2} s",
        pull.pulled
    );
    println!(
        "  sync throughput:                          {:8.0} changes/s",
        n as f64 / sync_s
    );
    println!(
        "  bytes on the wire per change (gzip):      {:8.1} B",
        bytes as f64 / n as f64
    );
    println!("  bulk insert of the same rows:             {bulk_s:8.3} s");
    println!(
        "  sync / bulk insert:                       {:8.1}x (target <= 5x)",
        sync_s / bulk_s
    );
    println!("  peak RSS of this process (both devices):  {}", peak_rss());
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
