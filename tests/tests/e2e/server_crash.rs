//! Server crash test (docs/reliability.md): the server is SIGKILLed while one device pushes and
//! another pulls through a proxy that counts the bytes — at a random point of the push in half
//! the rounds, of the pull in the others — and restarted on the same data. After each round:
//! every op the pushing device saw accepted is on the server (it left the device's outbox, so
//! nothing would resend it), field for field; nothing was applied twice (no conflict, no
//! refusal); and the pulling device, whose syncs crossed the restarts, holds exactly the
//! server's records: its cursor never skipped a change.
//!
//! Short run under `cargo test`; `BEATBOOK_RELIABILITY=full` kills 60 times. A failure prints
//! the seed; `BEATBOOK_SEED=<seed>` replays the same kill points.

use beatbook_core::sync::client::{SyncClient, SyncOptions};
use beatbook_core::StoreKey;
use beatbook_e2e::device::{test_options, Device};
use beatbook_e2e::inspect;
use beatbook_e2e::proxy::{Direction, Proxy};
use beatbook_e2e::rng::{full_run, run_size, seed, Rng};
use beatbook_e2e::server::ServerProcess;
use beatbook_e2e::workload;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const KINDS: &[&str] = &["contact", "note", "follow_up"];

/// Small batches and pages, so that a sync is many requests and a kill lands inside one.
fn options() -> SyncOptions {
    SyncOptions {
        max_retries: 2,
        backoff_base: Duration::from_millis(20),
        backoff_max: Duration::from_millis(100),
        push_batch: 10,
        pull_page: 8,
        ..test_options()
    }
}

/// Syncs until a sync completes (the server may still be coming back); returns how many ops
/// the server answered `duplicate` (applied before, answer lost to the kill).
fn sync_until_done(device: &Device, context: &str) -> u64 {
    for _ in 0..20 {
        if let Ok(report) = device.try_sync() {
            return report.duplicate;
        }
    }
    panic!("{context}: no sync completed in 20 tries after the restart");
}

#[test]
fn a_server_killed_mid_push_and_mid_pull_keeps_every_accepted_op_once_and_skips_nothing() {
    let kills = run_size(10, 60);
    let per_round: u64 = if full_run() { 120 } else { 40 };
    let seed = seed();
    println!("server crash: {kills} kills, {per_round} records a round, BEATBOOK_SEED={seed}");
    let mut rng = Rng::new(seed);
    let mut server = ServerProcess::start(&[]);
    let proxy = Proxy::start(server.port);
    let mut devices = server
        .enrol_team(&server.url, &[("Avery", "pcso"), ("Blake", "pcso")])
        .into_iter();
    let (Some(mut a), Some(mut b)) = (devices.next(), devices.next()) else {
        panic!("two devices");
    };
    a.client = SyncClient::new(&proxy.url, options()).expect("client");
    b.client = SyncClient::new(&proxy.url, options()).expect("client");
    let key = StoreKey::from_bytes([5; 32]);

    let mut written = 0u64;
    let mut record = |d: &Device, n: u64| {
        for _ in 0..n {
            workload::record(&d.store, &d.actor, written).expect("record");
            written += 1;
        }
    };
    // Bytes a round moves each way, to aim the kill inside the transfer (refined each round).
    let mut estimate = [20_000u64, 20_000u64];
    // Kills that landed while a sync was still running: [push rounds, pull rounds].
    let mut mid_sync = [0usize; 2];
    let (mut failed_syncs, mut duplicates) = (0, 0);
    let started = Instant::now();
    for round in 0..kills {
        let (direction, slot) = if round % 2 == 0 {
            (Direction::Upstream, 0)
        } else {
            (Direction::Downstream, 1)
        };
        let context = format!("round {round} ({direction:?}, BEATBOOK_SEED={seed})");
        if direction == Direction::Downstream {
            // Something on the server for the pull to be busy with, while more is pushed.
            record(&a, per_round);
            sync_until_done(&a, &context);
        }
        record(&a, per_round);
        let before = proxy.traffic.get(direction);
        let threshold = rng.range(1, estimate[slot]);
        let finished = AtomicUsize::new(0);
        let outcomes = std::thread::scope(|s| {
            let syncing = [&a, &b].map(|d| {
                let finished = &finished;
                s.spawn(move || {
                    let outcome = d.try_sync().map(|r| r.duplicate).ok();
                    finished.fetch_add(1, Ordering::SeqCst);
                    outcome
                })
            });
            // Wait for the transfer to reach the kill point (or for both syncs to end).
            while proxy.traffic.get(direction) - before < threshold
                && finished.load(Ordering::SeqCst) < 2
            {
                std::thread::sleep(Duration::from_micros(200));
            }
            if finished.load(Ordering::SeqCst) < 2 {
                mid_sync[slot] += 1;
            }
            server.kill();
            server.restart();
            syncing.map(|h| h.join().expect("sync thread"))
        });
        failed_syncs += outcomes.iter().filter(|o| o.is_none()).count();
        duplicates += outcomes.iter().flatten().sum::<u64>();
        estimate[slot] = (proxy.traffic.get(direction) - before).max(2);
        duplicates += sync_until_done(&a, &context);
        sync_until_done(&b, &context);

        let server_db = inspect::server_db(server.data.path());
        inspect::assert_agree(
            &inspect::device_db(&a.path(), &key),
            &server_db,
            KINDS,
            &format!("{context}: pushing device"),
        );
        let pulled = inspect::device_fields(&inspect::device_db(&b.path(), &key), KINDS);
        if let Some(diff) =
            inspect::first_difference(&pulled, &inspect::server_fields(&server_db, KINDS))
        {
            panic!("{context}: the pulling device skipped or doubled a change: {diff}");
        }
    }
    let landed = mid_sync[0] + mid_sync[1];
    assert!(
        landed * 2 >= kills,
        "only {landed} of {kills} kills landed mid-sync"
    );
    println!(
        "server crash: {kills} kills in {:.1} s ({} mid-push, {} mid-pull, {failed_syncs} syncs \
         broken by them); {written} records pushed, every accepted op on the server once \
         ({duplicates} resent ops answered duplicate); the pulling device matched the server \
         after every restart",
        started.elapsed().as_secs_f64(),
        mid_sync[0],
        mid_sync[1],
    );
}
