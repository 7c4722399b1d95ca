//! The client against the loopback test server: enrolment, batching, gzip and the token on
//! the wire, retries and what is not retried, clock correction, revocation, cancellation, and
//! carrying on after an interrupted sync. No test sleeps: retry waits are a few milliseconds.

use super::test_server::{Reply, TestServer};
use super::*;
use crate::ids::{NoteId, TeamId, UserId};
use crate::model::{NewNote, NoteCategory, Role};
use crate::sync::protocol::{EnrolledUser, ErrorCode, PushRequest, PROTOCOL_VERSION};
use crate::StoreKey;
use chrono::Utc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use tempfile::TempDir;

pub(super) fn options() -> SyncOptions {
    SyncOptions {
        backoff_base: Duration::from_millis(1),
        backoff_max: Duration::from_millis(4),
        max_retries: 3,
        ..SyncOptions::default()
    }
}

pub(super) fn client(server: &TestServer, options: SyncOptions) -> SyncClient {
    SyncClient::new(&server.url, options).expect("client")
}

pub(super) struct Device {
    pub(super) dir: TempDir,
    pub(super) store: Store,
    pub(super) actor: Actor,
}

impl Device {
    pub(super) fn token(&self) -> String {
        self.store
            .enrolment()
            .expect("enrolment")
            .expect("enrolled")
            .token
    }

    fn note(&self, text: &str) -> NoteId {
        self.store
            .add_note(
                &self.actor,
                NewNote {
                    observed_at: Utc::now(),
                    text: text.into(),
                    category: NoteCategory::Environmental,
                    place: None,
                    patrol_id: None,
                    problem_id: None,
                },
            )
            .expect("note")
            .id
    }

    pub(super) fn notes(&self, n: usize) -> Vec<NoteId> {
        (0..n).map(|i| self.note(&format!("Note {i}"))).collect()
    }

    pub(super) fn pending(&self) -> u64 {
        self.store.pending_count().expect("pending")
    }
}

fn new_store() -> (TempDir, Store) {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open(
        dir.path().join("beatbook.db"),
        &StoreKey::from_bytes([9; 32]),
    )
    .expect("open");
    (dir, store)
}

fn user(name: &str, team: TeamId) -> EnrolledUser {
    EnrolledUser {
        id: UserId::new(),
        display_name: name.into(),
        role: Role::Pcso,
        team_id: Some(team),
    }
}

fn enrolled(server: &TestServer, client: &SyncClient, team: TeamId, name: &str) -> Device {
    let code = format!("CODE-{name}");
    server.add_code(&code, user(name, team));
    let (dir, store) = new_store();
    let actor = client.enrol(&store, &code, "Test phone").expect("enrol");
    Device { dir, store, actor }
}

pub(super) fn one_device(server: &TestServer, options: SyncOptions) -> (SyncClient, Device) {
    let client = client(server, options);
    let device = enrolled(server, &client, TeamId::new(), "Sam");
    (client, device)
}

pub(super) fn sync(client: &SyncClient, device: &Device) -> Result<SyncReport, SyncError> {
    client.sync(&device.store, &NoProgress, &CancelFlag::new())
}

#[test]
fn the_client_types_can_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<SyncClient>();
    send_sync::<CancelFlag>();
    send_sync::<SyncProgress>();
    send_sync::<SyncReport>();
    send_sync::<SyncError>();
}

#[test]
fn enrolment_makes_the_store_the_enrolled_users() {
    let server = TestServer::start();
    let client = client(&server, options());
    let team = TeamId::new();
    let sam = user("PCSO Sam Patel", team);
    server.add_code("ABCD-1234", sam.clone());
    let (_dir, store) = new_store();

    let actor = client
        .enrol(&store, " ABCD-1234 ", " Sam's phone ")
        .expect("enrol");

    assert_eq!(actor.user_id, sam.id);
    assert_eq!(actor.role, Role::Pcso);
    assert_eq!(store.device_actor().expect("actor"), Some(actor));
    assert_eq!(
        store.user(sam.id).expect("user").display_name,
        "PCSO Sam Patel"
    );
    let enrolment = store.enrolment().expect("enrolment").expect("enrolled");
    assert_eq!(enrolment.server_url, client.server_url());
    assert_eq!(enrolment.device_id, actor.device_id);
    assert_eq!(enrolment.token.len(), 64);
    let sent = server.requests_to("/v1/enrol");
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].headers.get("content-encoding").map(String::as_str),
        Some("gzip")
    );
    let body: serde_json::Value = serde_json::from_slice(&sent[0].body).expect("json");
    assert_eq!(body["code"], "ABCD-1234");
    assert_eq!(body["device_name"], "Sam's phone");
    assert!(!sent[0].headers.contains_key("authorization"));
}

#[test]
fn the_trust_given_at_enrolment_is_stored_and_later_clients_take_it_on() {
    let server = TestServer::start();
    let pins = vec![
        // Written unpadded and with a prefix: stored in the canonical form.
        "sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU".to_owned(),
        "6ynifvWFypZgpNBwgeCgyvDFXraFy9q3oXv9HBGfQTk=".to_owned(),
    ];
    let ca = include_str!("tls_test_ca.pem").to_owned();
    let enrolling = client(
        &server,
        SyncOptions {
            pinned_server_keys: pins,
            private_ca_pem: Some(ca.clone()),
            ..options()
        },
    );
    server.add_code("TRUST", user("Sam", TeamId::new()));
    let (_dir, store) = new_store();
    enrolling.enrol(&store, "TRUST", "Phone").expect("enrol");

    let trust = store.enrolment().expect("read").expect("enrolled").trust;
    assert_eq!(
        trust.pinned_server_keys,
        [
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
            "6ynifvWFypZgpNBwgeCgyvDFXraFy9q3oXv9HBGfQTk="
        ]
    );
    assert_eq!(trust.private_ca_pem.as_deref(), Some(ca.as_str()));
    // A later client without TLS options syncs with the stored ones, pins replacing its own.
    let later = client(
        &server,
        SyncOptions {
            pinned_server_keys: vec!["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into()],
            ..options()
        },
    );
    let taken_on = later
        .with_stored_trust(&store)
        .expect("stored trust")
        .expect("a client with the stored trust");
    assert_eq!(
        taken_on.options.pinned_server_keys,
        trust.pinned_server_keys
    );
    assert_eq!(taken_on.options.private_ca_pem, Some(ca));
    // The enrolling client already trusts the server so: no second client is built.
    let same = client(
        &server,
        SyncOptions {
            pinned_server_keys: trust.pinned_server_keys.clone(),
            private_ca_pem: trust.private_ca_pem.clone(),
            ..options()
        },
    );
    assert!(same.with_stored_trust(&store).expect("stored").is_none());
}

#[test]
fn a_malformed_pin_is_refused_before_anything_is_sent() {
    let bad = SyncClient::new(
        "https://sync.force.example",
        SyncOptions {
            pinned_server_keys: vec!["not-a-pin".into()],
            ..options()
        },
    )
    .expect_err("bad pin");
    assert!(
        matches!(bad, SyncError::BadPin(pinning::PinError::NotBase64(_))),
        "{bad:?}"
    );
}

#[test]
fn an_owned_store_is_refused_before_the_code_is_spent() {
    let server = TestServer::start();
    let (client, device) = one_device(&server, options());
    server.add_code("SECOND", user("Kim", TeamId::new()));

    let err = client
        .enrol(&device.store, "SECOND", "Phone")
        .expect_err("owned store");

    assert!(
        matches!(err, SyncError::Store(Error::Denied(d)) if d.code == crate::policy::DenialCode::StoreEnrolledElsewhere),
        "{err:?}"
    );
    assert_eq!(server.requests_to("/v1/enrol").len(), 1);
    assert!(server.state().model.codes.contains_key("SECOND"));
}

#[test]
fn a_refused_code_is_a_typed_error_and_is_not_retried() {
    let server = TestServer::start();
    let client = client(&server, options());
    let (_dir, store) = new_store();

    let err = client
        .enrol(&store, "WRONG", "Phone")
        .expect_err("bad code");

    match &err {
        SyncError::Server { status, code, .. } => {
            assert_eq!((*status, code.as_str()), (400, "enrolment_code_invalid"))
        }
        other => panic!("expected a server error, got {other:?}"),
    }
    assert_eq!(server.requests_to("/v1/enrol").len(), 1);
    assert_eq!(store.enrolment().expect("enrolment"), None);
    assert!(matches!(
        client.enrol(&store, "  ", "Phone"),
        Err(SyncError::Store(Error::Invalid(_)))
    ));
}

#[test]
fn an_enrolment_that_may_have_reached_the_server_is_not_sent_again() {
    let server = TestServer::start();
    let client = client(&server, options());
    server.add_code("CODE", user("Sam", TeamId::new()));
    server
        .state()
        .scripted
        .push_back(Reply::error(500, ErrorCode::Internal, "failed"));
    let (_dir, store) = new_store();

    let err = client.enrol(&store, "CODE", "Phone").expect_err("500");

    assert_eq!(err.server_code(), Some("internal"));
    assert_eq!(server.requests_to("/v1/enrol").len(), 1);
}

#[test]
fn an_unreachable_server_is_a_network_error_after_retries() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let client = SyncClient::new(&format!("http://127.0.0.1:{port}"), options()).expect("client");
    let (_dir, store) = new_store();

    let err = client
        .enrol(&store, "CODE", "Phone")
        .expect_err("nobody there");

    match err {
        SyncError::Network(message) => assert!(message.contains("connect"), "{message}"),
        other => panic!("expected a network error, got {other:?}"),
    }
}

#[test]
fn sync_pushes_the_outbox_in_gzipped_batches_with_the_token() {
    let server = TestServer::start();
    let (client, device) = one_device(
        &server,
        SyncOptions {
            push_batch: 2,
            ..options()
        },
    );
    device.notes(5);
    let queued = device.pending();
    assert!(queued >= 5);

    let report = sync(&client, &device).expect("sync");

    assert_eq!(report.pushed, queued);
    assert_eq!(report.accepted, queued);
    assert_eq!(
        (report.duplicate, report.rejected, report.pending),
        (0, 0, 0)
    );
    assert_eq!(device.pending(), 0);
    let pushes = server.requests_to("/v1/sync/push");
    assert_eq!(pushes.len() as u64, queued.div_ceil(2));
    let bearer = format!("Bearer {}", device.token());
    for push in &pushes {
        assert_eq!(push.headers.get("authorization"), Some(&bearer));
        assert_eq!(
            push.headers.get("content-encoding").map(String::as_str),
            Some("gzip")
        );
        let request = push.push();
        assert_eq!(request.protocol, PROTOCOL_VERSION);
        assert!((1..=2).contains(&request.ops.len()));
    }
    let sent: usize = server
        .state()
        .requests
        .iter()
        .filter(|r| r.path.starts_with("/v1/sync/"))
        .map(|r| r.wire_len)
        .sum();
    assert_eq!(report.bytes_sent, sent as u64);
    assert!(report.bytes_received > 0);
    let status = device.store.sync_status().expect("status");
    assert!(status.last_success_at.is_some());
    assert_eq!(status.last_error, None);
}

#[test]
fn a_second_device_pulls_the_first_ones_changes_page_by_page() {
    let server = TestServer::start();
    let team = TeamId::new();
    let client_a = client(&server, options());
    let a = enrolled(&server, &client_a, team, "Sam");
    let client_b = client(
        &server,
        SyncOptions {
            pull_page: 2,
            ..options()
        },
    );
    let b = enrolled(&server, &client_b, team, "Kim");
    let ids = a.notes(3);
    sync(&client_a, &a).expect("a syncs");
    let records = server.state().model.records.len() as u64;

    let report = sync(&client_b, &b).expect("b syncs");

    assert_eq!(report.pulled, records);
    assert_eq!(report.changed, records);
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(
            b.store.note(*id).expect("pulled note").text,
            format!("Note {i}")
        );
    }
    let cursors: Vec<String> = server
        .requests_to("/v1/sync/pull")
        .iter()
        .filter(|r| r.headers.get("authorization") == Some(&format!("Bearer {}", b.token())))
        .map(|r| format!("{}/{}", r.query["cursor"], r.query["limit"]))
        .collect();
    assert_eq!(cursors.first().map(String::as_str), Some("0/2"));
    assert_eq!(cursors.len() as u64, records / 2 + 1);
    assert_eq!(
        b.store.pull_cursor().expect("cursor"),
        server.state().model.seq
    );
    // Nothing new: one empty page.
    let again = sync(&client_b, &b).expect("again");
    assert_eq!((again.pulled, again.changed), (0, 0));
}

#[test]
fn progress_is_reported_after_each_batch_and_page() {
    let server = TestServer::start();
    let (client, device) = one_device(
        &server,
        SyncOptions {
            push_batch: 2,
            pull_page: 2,
            ..options()
        },
    );
    device.notes(4);
    let queued = device.pending();
    let seen = Mutex::new(Vec::new());
    let listener = |p: &SyncProgress| seen.lock().expect("lock").push(*p);

    let report = client
        .sync(&device.store, &listener, &CancelFlag::new())
        .expect("sync");

    let seen = seen.into_inner().expect("lock");
    let split = seen
        .iter()
        .position(|p| p.phase == SyncPhase::Pull)
        .expect("a pull phase");
    assert!(split > 1 && seen[..split].iter().all(|p| p.phase == SyncPhase::Push));
    assert!(seen[split..].iter().all(|p| p.phase == SyncPhase::Pull));
    assert_eq!(seen[0].records_done, 0);
    assert_eq!(seen[0].records_total, Some(queued));
    let last_push = seen[split - 1];
    assert_eq!(
        (last_push.records_done, last_push.records_total),
        (queued, Some(queued))
    );
    assert!(seen[split..].iter().all(|p| p.records_total.is_none()));
    assert_eq!(seen.last().map(|p| p.records_done), Some(report.pulled));
    assert!(seen
        .windows(2)
        .all(|w| w[0].bytes_sent <= w[1].bytes_sent && w[0].bytes_received <= w[1].bytes_received));
    assert_eq!(seen.last().map(|p| p.bytes_sent), Some(report.bytes_sent));
}

#[test]
fn a_device_recording_throughout_a_sync_still_finishes_it_and_the_next_sync_sends_the_rest() {
    let server = TestServer::start();
    let (client, device) = one_device(
        &server,
        SyncOptions {
            push_batch: 1,
            ..options()
        },
    );
    device.notes(3);
    let queued = device.pending();
    // Every batch the push sends, the officer records another note: a push that chased the
    // outbox would never end.
    let recorded = AtomicU64::new(0);
    let listener = |p: &SyncProgress| {
        if p.phase == SyncPhase::Push && p.records_done > 0 {
            device.note("Written mid-sync");
            recorded.fetch_add(1, Ordering::SeqCst);
        }
    };

    let report = client
        .sync(&device.store, &listener, &CancelFlag::new())
        .expect("sync");

    let recorded = recorded.load(Ordering::SeqCst);
    assert_eq!(recorded, queued, "one note recorded per batch sent");
    assert_eq!(report.pushed, queued, "the push stopped at what was queued");
    assert_eq!((report.pending, device.pending()), (recorded, recorded));
    let next = sync(&client, &device).expect("next sync");
    assert_eq!((next.pushed, next.pending), (recorded, 0));
}

#[test]
fn a_fast_clock_is_corrected_and_the_queue_restamped() {
    let server = TestServer::start();
    let (client, device) = one_device(&server, options());
    device.notes(2);
    let queued = device.pending();
    {
        let mut state = server.state();
        state.model.clock_ahead_pushes = 1;
        // The server's clock is 10 minutes behind this device's.
        state.model.clock_behind = chrono::Duration::minutes(10);
    }

    let report = sync(&client, &device).expect("sync");

    assert_eq!((report.accepted, report.restamped), (queued, 1));
    let pushes = server.requests_to("/v1/sync/push");
    assert_eq!(pushes.len(), 2);
    let (first, second) = (pushes[0].push(), pushes[1].push());
    let ids = |r: &PushRequest| r.ops.iter().map(|o| o.op_id).collect::<Vec<_>>();
    assert_eq!(ids(&first), ids(&second));
    for (old, new) in first.ops.iter().zip(&second.ops) {
        // Re-stamped from the corrected clock: about ten minutes earlier.
        assert!(
            new.hlc.wall_ms + 9 * 60 * 1000 < old.hlc.wall_ms,
            "{} vs {}",
            new.hlc.wall_ms,
            old.hlc.wall_ms
        );
    }
}

#[test]
fn a_restamp_carries_the_bases_between_queued_edits_of_one_record() {
    use crate::model::{
        AreaRef, NewPatrol, PatrolClosure, PatrolKind, PurposeMet, ValueAssessment,
    };
    let server = TestServer::start();
    let (client, device) = one_device(&server, options());
    // Opened, then closed before a sync: the closing op's fields are based on the opening op.
    let started = Utc::now() - chrono::Duration::hours(1);
    let patrol = device
        .store
        .start_patrol(
            &device.actor,
            NewPatrol {
                kind: PatrolKind::Foot,
                area: AreaRef::Lap("LAP-NV".into()),
                purpose: "Reassurance patrol".into(),
                operation_name: None,
                participants: vec![],
                started_at: started,
            },
        )
        .expect("start");
    device
        .store
        .close_patrol(
            &device.actor,
            patrol.id,
            PatrolClosure {
                ended_at: started + chrono::Duration::minutes(30),
                observations: Some("Quiet".into()),
                assessment: Some(ValueAssessment {
                    purpose_met: PurposeMet::Yes,
                    value_rating: 4,
                    summary: "Quiet".into(),
                }),
            },
        )
        .expect("close");
    {
        let mut state = server.state();
        state.model.clock_ahead_pushes = 1;
        state.model.clock_behind = chrono::Duration::minutes(10);
    }

    sync(&client, &device).expect("sync");

    let pushes = server.requests_to("/v1/sync/push");
    let (first, second) = (pushes[0].push(), pushes[1].push());
    let old: Vec<_> = first.ops.iter().map(|op| op.hlc).collect();
    let new: Vec<_> = second.ops.iter().map(|op| op.hlc).collect();
    let bases: Vec<_> = second
        .ops
        .iter()
        .flat_map(|op| op.fields.values().filter_map(|f| f.base))
        .collect();
    assert!(
        !bases.is_empty(),
        "the closing op is based on the opening one"
    );
    for base in bases {
        // A base left on a replaced stamp would make the server log the device's own
        // sequential edits as a conflict.
        assert!(!old.contains(&base), "a base still names a replaced stamp");
        assert!(new.contains(&base), "a base names no re-stamped op");
    }
}

#[test]
fn a_clock_the_server_keeps_refusing_stops_after_three_restamps() {
    let server = TestServer::start();
    let (client, device) = one_device(&server, options());
    device.notes(2);
    let queued = device.pending();
    server.state().model.clock_ahead_pushes = 100;

    let report = sync(&client, &device).expect("sync ends");

    assert_eq!(report.restamped, MAX_RESTAMPS_PER_SYNC);
    assert_eq!((report.accepted, report.pending), (0, queued));
    assert_eq!(
        server.requests_to("/v1/sync/push").len() as u32,
        MAX_RESTAMPS_PER_SYNC + 1
    );
    assert_eq!(server.requests_to("/v1/sync/pull").len(), 1);
    let status = device.store.sync_status().expect("status");
    assert!(status
        .last_error
        .as_deref()
        .is_some_and(|e| e.contains("clock")));
}

#[test]
fn server_failures_and_dropped_connections_are_retried() {
    let server = TestServer::start();
    let (client, device) = one_device(&server, options());
    device.notes(1);
    server.state().scripted.extend([
        Reply::error(503, ErrorCode::Internal, "starting"),
        Reply::error(500, ErrorCode::Internal, "oops"),
        Reply::hang_up(),
    ]);

    let report = sync(&client, &device).expect("sync");

    assert_eq!(report.accepted, 1);
    assert_eq!(server.requests_to("/v1/sync/push").len(), 4);
}

#[test]
fn retry_after_is_honoured_and_too_long_a_wait_gives_up() {
    let server = TestServer::start();
    let (client, device) = one_device(&server, options());
    device.notes(1);
    server
        .state()
        .scripted
        .push_back(Reply::error(429, ErrorCode::SlowDown, "later").with_header("retry-after", "0"));
    assert_eq!(sync(&client, &device).expect("sync").accepted, 1);
    assert_eq!(server.requests_to("/v1/sync/push").len(), 2);

    device.notes(1);
    server.state().scripted.push_back(
        Reply::error(429, ErrorCode::SlowDown, "come back in an hour")
            .with_header("retry-after", "3600"),
    );
    let err = sync(&client, &device).expect_err("gives up");
    assert_eq!(err.server_code(), Some("slow_down"));
    assert_eq!(server.requests_to("/v1/sync/push").len(), 3);
}

#[test]
fn client_errors_are_final_and_recorded_without_the_token() {
    let server = TestServer::start();
    let (client, device) = one_device(&server, options());
    device.notes(1);
    server
        .state()
        .scripted
        .push_back(Reply::error(400, ErrorCode::BadRequest, "bad push"));

    let err = sync(&client, &device).expect_err("400");

    assert_eq!(err.server_code(), Some("bad_request"));
    assert_eq!(server.requests_to("/v1/sync/push").len(), 1);
    let status = device.store.sync_status().expect("status");
    let recorded = status.last_error.expect("recorded");
    assert!(recorded.contains("bad_request"), "{recorded}");
    assert!(!recorded.contains(&device.token()));
    assert_eq!(status.pending_changes, device.pending());
    assert!(device.pending() > 0);
}

#[test]
fn retries_run_out() {
    let server = TestServer::start();
    let (client, device) = one_device(
        &server,
        SyncOptions {
            max_retries: 2,
            ..options()
        },
    );
    device.notes(1);
    server
        .state()
        .scripted
        .extend((0..5).map(|_| Reply::error(503, ErrorCode::Internal, "down")));

    let err = sync(&client, &device).expect_err("still down");

    match err {
        SyncError::Server { status, .. } => assert_eq!(status, 503),
        other => panic!("expected a server error, got {other:?}"),
    }
    assert_eq!(server.requests_to("/v1/sync/push").len(), 3);
}

#[test]
fn a_revoked_device_is_wiped() {
    let server = TestServer::start();
    let (client, device) = one_device(&server, options());
    device.notes(2);
    server.state().model.revoked.insert(device.token());

    assert!(matches!(
        sync(&client, &device),
        Err(SyncError::DeviceRevoked)
    ));
    let Device { dir, store, .. } = device;
    let path = dir.path().join("beatbook.db");
    assert!(path.exists());

    let outcome = sync_or_wipe(&client, store, &NoProgress, &CancelFlag::new()).expect("outcome");

    assert_eq!(outcome, SyncOutcome::Wiped);
    assert!(!path.exists());
    let leftovers = std::fs::read_dir(dir.path()).expect("dir").count();
    assert_eq!(leftovers, 0);
}

#[test]
fn sync_or_wipe_reports_an_ordinary_sync() {
    let server = TestServer::start();
    let (client, device) = one_device(&server, options());
    device.notes(1);
    let Device { dir, store, .. } = device;

    let outcome = sync_or_wipe(&client, store, &NoProgress, &CancelFlag::new()).expect("outcome");

    assert!(matches!(outcome, SyncOutcome::Synced(r) if r.accepted == 1));
    assert!(dir.path().join("beatbook.db").exists());
}

#[test]
fn a_cancelled_sync_stops_between_batches_and_the_next_one_carries_on() {
    let server = TestServer::start();
    let (client, device) = one_device(
        &server,
        SyncOptions {
            push_batch: 2,
            ..options()
        },
    );
    device.notes(5);
    let queued = device.pending();
    let cancel = CancelFlag::new();
    let listener = |p: &SyncProgress| {
        if p.records_done > 0 {
            cancel.cancel();
        }
    };

    let err = client
        .sync(&device.store, &listener, &cancel)
        .expect_err("cancelled");

    assert!(matches!(err, SyncError::Cancelled));
    // The push is pipelined: the second batch may already be on its way when the first answer
    // (and so the cancel) comes; it is then answered and applied before the sync stops.
    let left = device.pending();
    let pushes = server.requests_to("/v1/sync/push").len() as u64;
    assert!(
        left == queued - 2 * pushes && (1..=2).contains(&pushes),
        "{left} ops left of {queued} after {pushes} pushes"
    );
    assert!(server.requests_to("/v1/sync/pull").is_empty());

    cancel.reset();
    let report = client
        .sync(&device.store, &NoProgress, &cancel)
        .expect("carries on");
    assert_eq!((report.accepted, report.duplicate), (left, 0));
    assert_eq!(server.state().model.applied.len() as u64, queued);
    assert_eq!(device.pending(), 0);
}

#[test]
fn a_cancelled_flag_stops_a_sync_before_any_request() {
    let server = TestServer::start();
    let (client, device) = one_device(&server, options());
    device.notes(1);
    let cancel = CancelFlag::new();
    cancel.cancel();

    let err = client
        .sync(&device.store, &NoProgress, &cancel)
        .expect_err("cancelled");

    assert!(matches!(err, SyncError::Cancelled));
    assert!(server.requests_to("/v1/sync/push").is_empty());
}

#[test]
fn a_push_whose_answer_was_lost_is_answered_duplicate_when_resent() {
    let server = TestServer::start();
    let (client, device) = one_device(&server, options());
    device.notes(3);
    let queued = device.pending();
    let mut lost = false;
    server.state().hook = Some(Box::new(move |req, model| {
        if req.path == "/v1/sync/push" && !lost {
            lost = true;
            model.answer(req); // Applied, but the answer never arrives.
            return Some(Reply::hang_up());
        }
        None
    }));

    let report = sync(&client, &device).expect("sync");

    assert_eq!((report.accepted, report.duplicate), (0, queued));
    assert_eq!(device.pending(), 0);
    assert_eq!(server.requests_to("/v1/sync/push").len(), 2);
}

#[test]
fn an_interrupted_pull_resumes_from_the_last_page_applied() {
    let server = TestServer::start();
    let team = TeamId::new();
    let client_a = client(&server, options());
    let a = enrolled(&server, &client_a, team, "Sam");
    let client_b = client(
        &server,
        SyncOptions {
            pull_page: 2,
            max_retries: 0,
            ..options()
        },
    );
    let b = enrolled(&server, &client_b, team, "Kim");
    let ids = a.notes(5);
    sync(&client_a, &a).expect("a syncs");
    let b_token = format!("Bearer {}", b.token());
    let mut failed = false;
    let bearer = b_token.clone();
    server.state().hook = Some(Box::new(move |req, _| {
        let second_page = req.path == "/v1/sync/pull"
            && req.headers.get("authorization") == Some(&bearer)
            && req.query.get("cursor").is_some_and(|c| c != "0");
        if second_page && !failed {
            failed = true;
            return Some(Reply::error(500, ErrorCode::Internal, "crashed"));
        }
        None
    }));

    let err = sync(&client_b, &b).expect_err("interrupted");
    assert_eq!(err.server_code(), Some("internal"));
    let cursor = b.store.pull_cursor().expect("cursor");
    assert!(cursor > 0);

    let report = sync(&client_b, &b).expect("resumes");

    let resumed_at = server
        .requests_to("/v1/sync/pull")
        .iter()
        .filter(|r| r.headers.get("authorization") == Some(&b_token))
        .nth(2)
        .map(|r| r.query["cursor"].clone());
    assert_eq!(resumed_at, Some(cursor.to_string()));
    assert_eq!(report.pulled, server.state().model.records.len() as u64 - 2);
    for id in ids {
        assert!(b.store.note(id).is_ok());
    }
}

#[test]
fn a_too_large_push_is_split() {
    let server = TestServer::start();
    let (client, device) = one_device(
        &server,
        SyncOptions {
            push_batch: 4,
            ..options()
        },
    );
    device.notes(4);
    let queued = device.pending();
    server.state().hook = Some(Box::new(|req, _| {
        (req.path == "/v1/sync/push" && req.push().ops.len() > 2)
            .then(|| Reply::error(413, ErrorCode::BodyTooLarge, "too large"))
    }));

    let report = sync(&client, &device).expect("sync");

    assert_eq!(report.accepted, queued);
    let sizes: Vec<usize> = server
        .requests_to("/v1/sync/push")
        .iter()
        .map(|r| r.push().ops.len())
        .collect();
    assert_eq!(sizes.first(), Some(&4));
    assert!(sizes[1..].iter().all(|n| *n <= 2), "{sizes:?}");
}

#[test]
fn a_pipelined_push_sends_every_op_once_in_order_through_a_refusal_mid_way() {
    let server = TestServer::start();
    let (client, device) = one_device(
        &server,
        SyncOptions {
            push_batch: 2,
            ..options()
        },
    );
    device.notes(9);
    let queue: Vec<_> = device
        .store
        .pending_ops(100)
        .expect("queue")
        .iter()
        .map(|op| op.op_id)
        .collect();
    // The third push is refused as too large, once: by then the fourth batch has been read.
    let pushes = AtomicU64::new(0);
    server.state().hook = Some(Box::new(move |req, _| {
        (req.path == "/v1/sync/push" && pushes.fetch_add(1, Ordering::SeqCst) == 2)
            .then(|| Reply::error(413, ErrorCode::BodyTooLarge, "too large"))
    }));

    let report = sync(&client, &device).expect("sync");

    assert_eq!((report.accepted, report.duplicate), (queue.len() as u64, 0));
    assert_eq!(device.pending(), 0);
    assert_eq!(server.state().model.applied.len(), queue.len());
    let requests = server.requests_to("/v1/sync/push");
    let sent: Vec<_> = requests
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 2)
        .flat_map(|(_, r)| r.push().ops.into_iter().map(|op| op.op_id))
        .collect();
    assert_eq!(sent, queue, "each op once, oldest first");
}

#[test]
fn a_store_that_is_not_enrolled_cannot_sync() {
    let server = TestServer::start();
    let client = client(&server, options());
    let (_dir, store) = new_store();

    let err = client
        .sync(&store, &NoProgress, &CancelFlag::new())
        .expect_err("not enrolled");

    assert!(matches!(err, SyncError::NotEnrolled));
    assert!(server.state().requests.is_empty());
}

#[test]
fn a_store_syncs_through_another_address_for_its_server() {
    let server = TestServer::start();
    let (_client, device) = one_device(&server, options());
    device.notes(1);
    // The same server at a new address (moved, or behind a gateway): it knows the device.
    let moved = TestServer::start();
    moved.state().model.devices = server.state().model.devices.clone();

    let report = sync(&client(&moved, options()), &device).expect("sync");

    assert_eq!(report.accepted, 1);
    assert_eq!(
        moved.requests_to("/v1/sync/push")[0]
            .headers
            .get("authorization"),
        Some(&format!("Bearer {}", device.token()))
    );
    // The enrolment still names the address it was made with.
    assert_eq!(
        device
            .store
            .enrolment()
            .expect("enrolment")
            .map(|e| e.server_url),
        Some(format!("{}/", server.url))
    );
}

#[test]
fn the_server_says_who_the_device_is() {
    let server = TestServer::start();
    let (client, device) = one_device(&server, options());

    let status = client
        .server_status(&device.store, &CancelFlag::new())
        .expect("status");

    assert_eq!(status.device_id, device.actor.device_id);
    assert_eq!(status.user_id, device.actor.user_id);
}
