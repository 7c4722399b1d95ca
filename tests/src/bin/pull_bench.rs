//! Pull benchmark (prints figures; not a test): a device's first sync of a large feed — N
//! notes (default 1,000,000) — from a real `beatbook-server` on loopback, with the receiving
//! device's peak memory.
//!
//! Recording a million notes one by one would take a quarter of an hour, so the server's feed
//! is seeded: one real note is recorded on a device and pushed, and its server record is cloned
//! N − 1 times in SQL (new ids and texts, fresh feed positions). The receiver is a separate
//! process (this binary, run again), so its peak RSS is its own: the store, the client and one
//! page at a time.
//!
//! `cargo run --release -p beatbook-e2e --bin pull_bench` (`BEATBOOK_PULL_BENCH_N` to change N).

use beatbook_core::model::{NewNote, NoteCategory};
use beatbook_core::sync::client::{CancelFlag, NoProgress, SyncClient, SyncOptions};
use beatbook_core::{Store, StoreKey};
use beatbook_e2e::device::Device;
use beatbook_e2e::server::ServerProcess;
use std::process::Command;
use std::time::Instant;

/// Set in the receiver's environment: `URL CODE`.
const RECEIVER_ENV: &str = "BEATBOOK_PULL_BENCH_RECEIVER";

fn main() {
    if let Ok(args) = std::env::var(RECEIVER_ENV) {
        let (url, code) = args.split_once(' ').expect("URL CODE");
        receive(url, code);
        return;
    }
    let n: u64 = std::env::var("BEATBOOK_PULL_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let server = ServerProcess::start(&[]);
    let team = server
        .admin(&["create-team", "--name", "Northvale NPT"])
        .trim()
        .to_owned();
    let code_for = |name: &str| {
        let user = server
            .admin(&[
                "create-user",
                "--name",
                name,
                "--role",
                "pcso",
                "--team",
                &team,
            ])
            .trim()
            .to_owned();
        server
            .admin(&["enrol-code", "--user", &user])
            .trim()
            .to_owned()
    };
    let sender = Device::enrol(&server.url, &code_for("Sender"));
    sender
        .store
        .add_note(
            &sender.actor,
            NewNote {
                observed_at: chrono::Utc::now(),
                text: "Seed note: youths gathering by the garages on Elm Road again".into(),
                category: NoteCategory::Observation,
                place: None,
                patrol_id: None,
                problem_id: None,
            },
        )
        .expect("note");
    sender.sync();

    let started = Instant::now();
    seed(&server, n - 1);
    let seed_s = started.elapsed().as_secs_f64();

    let output = Command::new(std::env::current_exe().expect("this binary"))
        .env(
            RECEIVER_ENV,
            format!("{} {}", server.url, code_for("Receiver")),
        )
        .output()
        .expect("run the receiver");
    assert!(
        output.status.success(),
        "receiver failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    println!("Beatbook pull benchmark: a new device's first sync of {n} notes, loopback");
    println!("  seeding the server's feed (SQL clones):   {seed_s:8.1} s");
    print!("{}", String::from_utf8_lossy(&output.stdout));
}

/// Clones the one note on the server `extra` times, with fresh ids, texts and feed positions.
fn seed(server: &ServerProcess, extra: u64) {
    let mut conn = beatbook_e2e::inspect::server_db_with(
        server.data.path(),
        beatbook_e2e::keyed::read_write(),
    );
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .expect("busy timeout");
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .expect("begin");
    // The templates in plain JSON, so that SQL can edit their clones; all packed again below.
    beatbook_e2e::inspect::unpack_records(&tx);
    let id = "printf('01900000-0000-7000-8000-%012x', i)";
    // The server keeps record ids that are UUIDs as their 16 bytes (its schema 19).
    let stored_id = format!("unhex(replace({id}, '-', ''))");
    tx.execute(
        &format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
             INSERT INTO records (kind, record_id, team_id, owner_user_id, subject_kind,
               subject_id, field_values, clocks, erased, seq, created_at, updated_at)
             SELECT t.kind, {stored_id}, t.team_id, t.owner_user_id, NULL, NULL,
               json_set(t.field_values, '$.id', {id}, '$.text', 'Seeded note ' || i),
               t.clocks, 0, f.last_seq + i, t.created_at, t.updated_at
             FROM n, (SELECT * FROM records WHERE kind = 'note' LIMIT 1) t, feed f"
        ),
        [extra as i64],
    )
    .expect("clone notes");
    tx.execute(
        &format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
             INSERT INTO record_members (kind, record_id, user_id)
             SELECT 'note', {stored_id}, m.user_id
             FROM n, (SELECT user_id FROM record_members WHERE kind = 'note') m"
        ),
        [extra as i64],
    )
    .expect("clone members");
    tx.execute("UPDATE feed SET last_seq = last_seq + ?1", [extra as i64])
        .expect("advance the feed");
    beatbook_server::storage::packed_values::pack_plain_rows(&tx).expect("pack the clones");
    tx.commit().expect("commit");
}

/// The receiving device: enrol, pull everything with the app's default pages, print figures.
fn receive(url: &str, code: &str) {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open(dir.path().join("device.db"), &StoreKey::from_bytes([5; 32]))
        .expect("open store");
    let client = SyncClient::new(url, SyncOptions::default()).expect("client");
    client.enrol(&store, code, "bench phone").expect("enrol");
    let rss_before = peak_rss_kib();
    let started = Instant::now();
    let report = client
        .sync(&store, &NoProgress, &CancelFlag::new())
        .expect("sync");
    let pull_s = started.elapsed().as_secs_f64();
    let notes = count_notes(&dir.path().join("device.db"));
    let db_bytes = std::fs::metadata(dir.path().join("device.db"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "  records pulled:                           {:8}",
        report.pulled
    );
    println!("  notes in the receiver's store:            {notes:8}");
    println!("  pull time:                                {pull_s:8.1} s");
    println!(
        "  pull throughput:                          {:8.0} records/s",
        report.pulled as f64 / pull_s
    );
    println!(
        "  bytes on the wire per record:             {:8.1} B",
        report.bytes_received as f64 / report.pulled.max(1) as f64
    );
    println!(
        "  receiver's store on disk:                 {:8.1} MB",
        db_bytes as f64 / 1e6
    );
    println!("  receiver peak RSS after enrolment:        {rss_before:8} kB");
    println!(
        "  receiver peak RSS (whole pull):           {:8} kB (target < 100 MB)",
        peak_rss_kib()
    );
}

/// Notes in the receiver's store, read through a second connection with the same raw key.
fn count_notes(path: &std::path::Path) -> u64 {
    let conn =
        beatbook_e2e::keyed::open_keyed(path, &"05".repeat(32), beatbook_e2e::keyed::read_write());
    conn.query_row("SELECT count(*) FROM notes", [], |r| r.get(0))
        .expect("count")
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}
