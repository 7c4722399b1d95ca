//! Bad networks (docs/reliability.md): hundreds of seeded fault schedules (`chaos`: delays,
//! throttling, dropped and reset connections, truncated and held-back responses) between two
//! devices and the server. Under each, one device records a few records and syncs until a sync
//! completes, then the other does; sync must complete within a bounded number of attempts and
//! leave every change on the server and the other device exactly once.
//!
//! Short run under `cargo test`; `BEATBOOK_RELIABILITY=full` runs 3,000 schedules. A failure
//! prints the schedule's seed; `BEATBOOK_SEED=<seed> BEATBOOK_RELIABILITY_COUNT=1` replays it.

use beatbook_core::sync::client::{CancelFlag, NoProgress, SyncClient, SyncOptions};
use beatbook_core::StoreKey;
use beatbook_e2e::chaos::{ChaosProxy, Plan, Profile};
use beatbook_e2e::device::Device;
use beatbook_e2e::inspect;
use beatbook_e2e::rng::{run_size, seed, Rng};
use beatbook_e2e::server::ServerProcess;
use beatbook_e2e::workload;
use std::time::{Duration, Instant};

const KINDS: &[&str] = &["contact", "note", "follow_up"];

/// Most sync attempts one device gets under one schedule.
const MAX_ATTEMPTS: usize = 40;

/// Short timeouts and tiny batches: many requests, each fault costs little time.
fn options() -> SyncOptions {
    SyncOptions {
        connect_timeout: Duration::from_millis(500),
        request_timeout: Duration::from_millis(700),
        // One retry: a sync fails often, and the next must resume where it broke off.
        max_retries: 1,
        backoff_base: Duration::from_millis(2),
        backoff_max: Duration::from_millis(10),
        push_batch: 3,
        pull_page: 4,
        ..SyncOptions::default()
    }
}

fn profile() -> Profile {
    Profile {
        fault_percent: 70,
        horizon: 12,
        max_delay: Duration::from_millis(40),
        hold: Duration::from_millis(900),
        hold_percent: 4,
    }
}

/// Syncs `device` through `client` until a sync completes; returns the attempts it took and
/// how many ops the server answered `duplicate` (applied before, the answer lost).
fn sync_through(client: &SyncClient, device: &Device, context: &str) -> (usize, u64) {
    for attempt in 1..=MAX_ATTEMPTS {
        if let Ok(report) = client.sync(&device.store, &NoProgress, &CancelFlag::new()) {
            return (attempt, report.duplicate);
        }
    }
    panic!("{context}: no sync completed in {MAX_ATTEMPTS} attempts");
}

#[test]
fn sync_under_seeded_network_faults_completes_with_each_change_once() {
    let schedules = run_size(200, 3000);
    let base = seed();
    println!("bad networks: {schedules} schedules from BEATBOOK_SEED={base}");
    let server = ServerProcess::start(&[]);
    let mut devices = server
        .enrol_team(&server.url, &[("Avery", "pcso"), ("Blake", "pcso")])
        .into_iter();
    let (Some(a), Some(b)) = (devices.next(), devices.next()) else {
        panic!("two devices");
    };
    let key = StoreKey::from_bytes([5; 32]);
    let (mut written, mut faults, mut failed_attempts, mut duplicates) =
        (0u64, [0usize; 7], 0usize, 0u64);
    let started = Instant::now();
    for s in 0..schedules {
        let seed = base.wrapping_add(s as u64);
        let context = format!("schedule {s} (BEATBOOK_SEED={seed})");
        let mut rng = Rng::new(seed);
        for _ in 0..rng.range(1, 5) {
            workload::record(&a.store, &a.actor, written).expect("record");
            written += 1;
        }
        let proxy = ChaosProxy::start(server.port, seed, profile());
        // A new client per schedule: no pooled connection from the last one.
        let client = SyncClient::new(&proxy.url, options()).expect("client");
        let (pushing, resent) = sync_through(&client, &a, &context);
        let (pulling, _) = sync_through(&client, &b, &context);
        failed_attempts += pushing + pulling - 2;
        duplicates += resent;
        for plan in proxy.faults() {
            faults[fault_index(plan)] += 1;
        }
        assert_eq!(a.store.pending_count().expect("pending"), 0, "{context}");

        let server_db = inspect::server_db(server.data.path());
        let on_server = inspect::count(
            &server_db,
            "SELECT count(*) FROM records WHERE kind IN ('contact', 'note', 'follow_up')",
            &[],
        );
        let b_db = inspect::device_db(&b.path(), &key);
        let on_b = inspect::device_record_count(&b_db, &["contact", "note", "follow_up"]);
        assert_eq!(on_b, on_server, "{context}: the other device's records");
        if s % 25 == 24 || s + 1 == schedules {
            inspect::assert_agree(
                &inspect::device_db(&a.path(), &key),
                &server_db,
                KINDS,
                &context,
            );
            if let Some(diff) = inspect::first_difference(
                &inspect::device_fields(&b_db, KINDS),
                &inspect::server_fields(&server_db, KINDS),
            ) {
                panic!("{context}: the pulling device differs from the server: {diff}");
            }
        }
    }
    let names = [
        "delay", "throttle", "drop", "reset", "truncate", "hold", "pass",
    ];
    let tally: Vec<String> = names
        .iter()
        .zip(faults)
        .take(6)
        .map(|(n, c)| format!("{n} {c}"))
        .collect();
    println!(
        "bad networks: {schedules} schedules in {:.1} s; {written} records synced exactly once; \
         faults met: {}; {failed_attempts} sync attempts failed and were retried; {duplicates} \
         resent ops answered duplicate",
        started.elapsed().as_secs_f64(),
        tally.join(", ")
    );
}

fn fault_index(plan: Plan) -> usize {
    match plan {
        Plan::Delay(_) => 0,
        Plan::Throttle { .. } => 1,
        Plan::Drop => 2,
        Plan::ResetRequest(_) => 3,
        Plan::TruncateResponse(_) => 4,
        Plan::HoldResponse(_) => 5,
        Plan::Pass => 6,
    }
}
