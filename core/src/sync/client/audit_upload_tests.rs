//! The device's s.62 log handed to the (test) server: every entry once, kept until
//! acknowledged, and handed in by a revoked device before it wipes.

use super::test_server::{Hold, Reply, TestServer};
use super::tests::{one_device, options, sync, Device};
use super::*;
use crate::sync::protocol::ErrorCode;

fn held_by_server(server: &TestServer, device: &Device) -> Vec<i64> {
    let device_id = device
        .store
        .enrolment()
        .expect("enrolment")
        .expect("enrolled")
        .device_id;
    server
        .state()
        .model
        .audit
        .get(&device_id)
        .map(|entries| entries.iter().map(|e| e.seq).collect())
        .unwrap_or_default()
}

/// Answers the next upload with `reply` instead of the model.
fn answer_audit_once(server: &TestServer, reply: Reply) {
    let mut once = Some(reply);
    server.state().hook = Some(Box::new(move |request, _| {
        (request.path == "/v1/sync/audit")
            .then(|| once.take())
            .flatten()
    }));
}

#[test]
fn every_entry_reaches_the_server_once_across_syncs() {
    let server = TestServer::start();
    let (client, device) = one_device(&server, options());
    device.notes(3);
    let logged = device.store.audit_entries(None).expect("log").len() as u64;
    assert!(logged >= 3, "each note is a collection entry");

    let report = sync(&client, &device).expect("sync");

    assert_eq!(report.audit_entries_sent, logged);
    assert_eq!(held_by_server(&server, &device).len() as u64, logged);
    assert_eq!(
        device.store.audit_entries_unacknowledged().expect("count"),
        0
    );

    device.notes(2);
    let report = sync(&client, &device).expect("second sync");
    assert_eq!(report.audit_entries_sent, 2);
    let held = held_by_server(&server, &device);
    let mut unique = held.clone();
    unique.dedup();
    assert_eq!(unique, held, "no entry twice");
    assert_eq!(held.len() as u64, logged + 2);
    assert_eq!(server.requests_to("/v1/sync/audit").len(), 2);
}

#[test]
fn the_log_is_handed_in_beside_the_push_not_after_it() {
    let server = TestServer::start();
    let (client, device) = one_device(&server, options());
    device.notes(3);
    let queued = device.pending();
    let logged = device.store.audit_entries(None).expect("log").len() as u64;
    // The push's answer waits for the log: a client that hands its log in only after the
    // push has its answer would keep it waiting until the server gives up.
    server.state().hold = Some(Hold {
        answers_to: "/v1/sync/push",
        until_seen: "/v1/sync/audit",
        gave_up: false,
    });

    let report = sync(&client, &device).expect("sync");

    let hold = server.state().hold.clone().expect("still set");
    assert!(
        !hold.gave_up,
        "the push's answer waited out the limit: the log did not go beside it"
    );
    assert_eq!(report.accepted, queued);
    assert_eq!(report.audit_entries_sent, logged);
    assert_eq!(held_by_server(&server, &device).len() as u64, logged);
    assert_eq!(device.pending(), 0);
}

#[test]
fn a_refused_push_is_the_syncs_error_and_the_log_still_reaches_the_server() {
    let server = TestServer::start();
    let (client, device) = one_device(&server, options());
    device.notes(2);
    let logged = device.store.audit_entries(None).expect("log").len();
    server
        .state()
        .scripted
        .push_back(Reply::error(400, ErrorCode::BadRequest, "bad push"));

    let err = sync(&client, &device).expect_err("the push is refused");

    assert_eq!(err.server_code(), Some("bad_request"));
    assert!(device.pending() > 0, "the refused ops wait in the outbox");
    assert_eq!(held_by_server(&server, &device).len(), logged);
    assert_eq!(
        device.store.audit_entries_unacknowledged().expect("count"),
        0
    );
}

#[test]
fn an_unanswered_upload_keeps_its_entries_and_the_next_sync_sends_them() {
    let server = TestServer::start();
    let (client, device) = one_device(
        &server,
        SyncOptions {
            max_retries: 0,
            ..options()
        },
    );
    device.notes(2);
    // The push goes through; the upload is refused.
    answer_audit_once(&server, Reply::error(400, ErrorCode::BadRequest, "not now"));

    let err = sync(&client, &device).expect_err("the upload fails");

    assert_eq!(err.server_code(), Some("bad_request"));
    assert!(held_by_server(&server, &device).is_empty());
    assert!(device.store.audit_entries_unacknowledged().expect("count") >= 2);

    let report = sync(&client, &device).expect("next sync");
    assert!(report.audit_entries_sent >= 2);
    assert_eq!(
        device.store.audit_entries_unacknowledged().expect("count"),
        0
    );
}

#[test]
fn an_acknowledgement_beyond_the_batch_is_a_protocol_error_and_moves_nothing() {
    let server = TestServer::start();
    let (client, device) = one_device(&server, options());
    device.notes(1);
    answer_audit_once(
        &server,
        Reply::json(
            200,
            &crate::sync::audit_wire::AuditUploadResponse {
                acknowledged_through: 9_999,
            },
        ),
    );

    let err = sync(&client, &device).expect_err("refused answer");

    assert!(matches!(err, SyncError::Protocol(_)), "{err:?}");
    assert!(device.store.audit_entries_unacknowledged().expect("count") >= 1);
}

#[test]
fn a_revoked_device_hands_in_its_log_before_it_wipes() {
    let server = TestServer::start();
    let (client, device) = one_device(&server, options());
    sync(&client, &device).expect("first sync");
    device.notes(2);
    let logged = device.store.audit_entries(None).expect("log").len();
    server.state().model.revoked.insert(device.token());
    let device_id = device
        .store
        .enrolment()
        .expect("enrolment")
        .expect("enrolled")
        .device_id;
    let Device { dir, store, .. } = device;

    let outcome = sync_or_wipe(&client, store, &NoProgress, &CancelFlag::new()).expect("outcome");

    assert_eq!(outcome, SyncOutcome::Wiped);
    assert!(!dir.path().join("beatbook.db").exists());
    let held = server
        .state()
        .model
        .audit
        .get(&device_id)
        .map_or(0, Vec::len);
    assert_eq!(
        held, logged,
        "the whole log reached the server before the wipe"
    );
}

#[test]
fn a_server_that_lost_acknowledged_entries_gets_them_again() {
    let server = TestServer::start();
    let (client, device) = one_device(&server, options());
    device.notes(3);
    sync(&client, &device).expect("first sync");
    let logged = held_by_server(&server, &device).len();
    assert!(logged >= 3);
    // Restored from a backup taken before the first sync: it holds none of them.
    server.state().model.audit.clear();
    device.notes(1);

    let report = sync(&client, &device).expect("sync after the restore");

    assert_eq!(held_by_server(&server, &device).len(), logged + 1);
    assert!(report.audit_entries_sent > 1);
    assert_eq!(
        device.store.audit_entries_unacknowledged().expect("count"),
        0
    );
}

#[test]
fn a_server_without_the_endpoint_keeps_the_entries_here_and_the_sync_goes_on() {
    let server = TestServer::start();
    let (client, device) = one_device(&server, options());
    device.notes(2);
    answer_audit_once(
        &server,
        Reply::error(404, ErrorCode::BadRequest, "no such route"),
    );

    let report = sync(&client, &device).expect("the sync goes on");

    assert_eq!(report.accepted, 2);
    assert_eq!(report.audit_entries_sent, 0);
    assert!(device.store.audit_entries_unacknowledged().expect("count") >= 2);
    assert!(held_by_server(&server, &device).is_empty());
}

#[test]
fn entries_logged_after_an_upload_began_are_left_for_the_next_one() {
    let server = TestServer::start();
    let (_client, device) = one_device(&server, options());
    device.notes(2);
    let when_the_upload_began = device.store.audit_log_newest().expect("newest");
    // Recorded while the upload is under way.
    device.notes(1);

    let taken = device
        .store
        .audit_entries_to_send(500, when_the_upload_began)
        .expect("entries");

    assert!(taken.len() >= 2, "the two notes' entries at least");
    assert_eq!(taken.last().map(|e| e.seq), Some(when_the_upload_began));
    assert!(device.store.audit_log_newest().expect("newest") > when_the_upload_began);
}
