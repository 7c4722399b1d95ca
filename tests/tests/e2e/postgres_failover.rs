//! One of several instances on one PostgreSQL database going away in the middle of a device's
//! pushes, and the device carrying on through another instance:
//!
//! - **graceful** (SIGTERM, as systemd or an orchestrator stops it during a stream of pushes):
//!   the instance exits cleanly, and every op the device saw acknowledged is in the feed once;
//!   the rest go through the other instance;
//! - **crash** (SIGKILL while a large push is inside its database transaction): the
//!   transaction dies with the connection, and the device's retry through a second instance
//!   lands every op exactly once (as `accepted` or, had the commit made it, `duplicate`).
//!
//! Each test on a fresh schema of the test server (`BEATBOOK_TEST_POSTGRES`,
//! `sync-server/src/storage/postgres/testing.rs`).

use beatbook_core::sync::client::{SyncClient, SyncOptions};
use beatbook_e2e::device::{test_options, Device};
use beatbook_e2e::inspect;
use beatbook_e2e::server::ServerProcess;
use beatbook_e2e::workload;
use beatbook_server::storage::postgres::testing::TestSchema;
use postgres::{Client, NoTls};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How long a condition below may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(60);

fn count(db: &mut Client, sql: &str) -> i64 {
    db.query_one(sql, &[]).expect("count").get(0)
}

/// Polls `condition` until it holds or `stop` says the work it watches has ended; whether it
/// held.
fn wait_until(stop: &AtomicBool, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + DEADLINE;
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        if stop.load(Ordering::SeqCst) {
            return false;
        }
        // Poll interval while waiting for the condition above.
        std::thread::sleep(Duration::from_millis(1));
    }
    panic!("timed out");
}

/// Syncs through `url` (the first sync there must complete); its accepted and duplicate ops.
fn sync_through(device: &mut Device, url: &str, options: SyncOptions) -> (u64, u64) {
    device.client = SyncClient::new(url, options).expect("client");
    let report = device.sync();
    (report.accepted, report.duplicate)
}

/// The notes the device holds, the notes and op ids on the server: each the count written.
fn assert_each_op_once(device: &Device, db: &mut Client, written: i64, context: &str) {
    assert_eq!(
        device.store.pending_count().expect("pending"),
        0,
        "{context}"
    );
    assert_eq!(
        device.store.sync_status().expect("status").rejected_changes,
        0,
        "{context}"
    );
    assert_eq!(
        count(db, "SELECT count(*) FROM records WHERE kind = 'note'"),
        written,
        "{context}: every note on the server once"
    );
    assert_eq!(
        count(db, "SELECT count(*) FROM applied_ops"),
        written,
        "{context}: every op applied once"
    );
}

#[test]
fn an_instance_stopped_by_sigterm_during_a_stream_of_pushes_loses_no_acknowledged_op() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let mut instances: Vec<ServerProcess> = (0..2)
        .map(|_| ServerProcess::start_on(schema.url(), &[]))
        .collect();
    let mut devices = instances[0]
        .enrol_team_through(
            &[&instances[0].url, &instances[1].url],
            &[("PCSO Avery", "pcso"), ("PCSO Blake", "pcso")],
        )
        .into_iter();
    let (Some(mut avery), Some(blake)) = (devices.next(), devices.next()) else {
        panic!("two devices");
    };
    let notes: i64 = 2_000;
    for i in 0..notes {
        avery
            .store
            .add_note(&avery.actor, workload::note(i as u64))
            .expect("note");
    }
    // A stream of small pushes (10 ops each) through instance 0.
    let streaming = SyncOptions {
        push_batch: 10,
        max_retries: 1,
        ..test_options()
    };
    avery.client = SyncClient::new(&instances[0].url, streaming.clone()).expect("client");
    let mut db = Client::connect(schema.url(), NoTls).expect("connect");
    let ended = AtomicBool::new(false);
    let (interrupted, status) = std::thread::scope(|s| {
        let pushing = s.spawn(|| {
            let outcome = avery.try_sync();
            ended.store(true, Ordering::SeqCst);
            outcome
        });
        let mid_stream = wait_until(&ended, || {
            count(&mut db, "SELECT count(*) FROM applied_ops") >= 100
        });
        assert!(mid_stream, "the stream ended before the SIGTERM");
        let status = instances[0].terminate();
        (pushing.join().expect("push thread").is_err(), status)
    });
    assert!(status.success(), "a graceful exit: {status}");
    assert!(interrupted, "the SIGTERM landed mid-stream");
    let acknowledged = notes - avery.store.pending_count().expect("pending") as i64;
    assert!(acknowledged >= 100, "{acknowledged} acknowledged");
    assert!(
        count(&mut db, "SELECT count(*) FROM applied_ops") >= acknowledged,
        "every op acknowledged before the shutdown is on the server"
    );

    // The device carries on through instance 1; nothing is lost or doubled.
    sync_through(&mut avery, &instances[1].url, test_options());
    assert_each_op_once(&avery, &mut db, notes, "after SIGTERM");
    blake.sync();
    assert_eq!(
        inspect::device_record_count(&blake.store, &["note"]),
        notes as u64,
        "a device pulling through instance 1 has every note once"
    );
}

#[test]
fn an_instance_killed_inside_a_large_push_leaves_the_retry_through_another_to_land_every_op_once() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    // Instance 0's connections carry a name of their own, to see its push's transaction.
    let marker = format!("bb_killed_{}", uuid_suffix(&schema));
    let victim_url = format!("{}&application_name={marker}", schema.url());
    let mut victim = ServerProcess::start_on(&victim_url, &[]);
    let survivor = ServerProcess::start_on(schema.url(), &[]);
    let mut devices = survivor
        .enrol_team_through(&[&victim.url, &survivor.url], &[("PCSO Avery", "pcso")])
        .into_iter();
    let Some(mut avery) = devices.next() else {
        panic!("a device");
    };
    let notes: i64 = 1_500;
    for i in 0..notes {
        avery
            .store
            .add_note(&avery.actor, workload::note(i as u64))
            .expect("note");
    }
    let large = SyncOptions {
        push_batch: 500,
        max_retries: 0,
        ..test_options()
    };
    avery.client = SyncClient::new(&victim.url, large.clone()).expect("client");
    let mut db = Client::connect(schema.url(), NoTls).expect("connect");
    // A write transaction of instance 0's (it holds a transaction id) that is not the
    // device's last-seen stamp: a batch of the push, between its first and last statement.
    let in_push = format!(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = '{marker}'
           AND backend_xid IS NOT NULL AND query NOT ILIKE '%devices%'"
    );
    let ended = AtomicBool::new(false);
    let broken = std::thread::scope(|s| {
        let pushing = s.spawn(|| {
            let outcome = avery.try_sync();
            ended.store(true, Ordering::SeqCst);
            outcome
        });
        let caught = wait_until(&ended, || count(&mut db, &in_push) > 0);
        assert!(caught, "the push ended before its transaction was seen");
        victim.kill();
        pushing.join().expect("push thread").is_err()
    });
    assert!(broken, "the kill broke the sync");
    let unanswered = avery.store.pending_count().expect("pending");
    assert!(unanswered > 0, "the push in flight got no answer");

    // The device retries through the survivor: every op lands, none twice; what the killed
    // instance had committed (if its commit won the race with the kill) is answered
    // `duplicate`, the rest `accepted`.
    let (accepted, duplicate) = sync_through(&mut avery, &survivor.url, large);
    assert_eq!(
        accepted + duplicate,
        unanswered,
        "the retry resent what had no answer"
    );
    assert_each_op_once(&avery, &mut db, notes, "after SIGKILL");
}

/// A short suffix unique to this test's schema.
fn uuid_suffix(schema: &TestSchema) -> String {
    schema
        .name()
        .trim_start_matches("bb_test_")
        .chars()
        .take(12)
        .collect()
}
