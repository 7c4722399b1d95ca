//! Server epochs (`docs/sync-protocol.md#server-epochs`): every push and pull answer names the
//! store's epoch; a push naming another is refused `409 epoch_changed` with nothing applied; and
//! `echoes=include` gives a device back its own changes, which pulls otherwise leave out.

use crate::common::{new_id, note, statuses, Harness};
use beatbook_core::sync::protocol::{PullResponse, RecordKind};
use reqwest::StatusCode;
use serde_json::{json, Value};

#[test]
fn answers_name_the_epoch_and_a_push_from_another_epoch_is_refused_unapplied() {
    let h = Harness::start();
    let device = h.enrol(&h.pcso);
    let epoch = h.server.storage().epoch().expect("epoch");
    let id = new_id();
    let op = device.op(RecordKind::Note, &id, note(&id, h.pcso.id, "Before"));
    let pushed = h.push(&device, std::slice::from_ref(&op));
    assert_eq!(pushed.epoch, Some(epoch));
    assert_eq!(h.pull(&device, 0, 10).epoch, Some(epoch));

    // Naming the store's own epoch is fine.
    let id2 = new_id();
    let same = device.op(RecordKind::Note, &id2, note(&id2, h.pcso.id, "Same epoch"));
    let (status, text) = h.post_json(
        "/v1/sync/push",
        Some(&device.token),
        &json!({"protocol": 1, "ops": [same], "epoch": epoch}),
    );
    assert_eq!(status, StatusCode::OK, "{text}");

    // Another epoch: refused, and nothing applied.
    let id3 = new_id();
    let other = device.op(RecordKind::Note, &id3, note(&id3, h.pcso.id, "Other epoch"));
    let head = h.server.storage().feed_head().expect("head");
    let (status, text) = h.post_json(
        "/v1/sync/push",
        Some(&device.token),
        &json!({"protocol": 1, "ops": [other.clone()], "epoch": uuid::Uuid::now_v7()}),
    );
    assert_eq!(status, StatusCode::CONFLICT, "{text}");
    let body: Value = serde_json::from_str(&text).expect("error body");
    assert_eq!(body["code"], "epoch_changed");
    assert_eq!(h.server.storage().feed_head().expect("head"), head);
    // The same op pushed again in this epoch is applied: it was not remembered as applied.
    assert_eq!(statuses(&h.push(&device, &[other])), ["accepted"]);
}

#[test]
fn echoes_include_returns_the_devices_own_changes_that_pulls_leave_out() {
    let h = Harness::start();
    let device = h.enrol(&h.pcso);
    let id = new_id();
    let op = device.op(RecordKind::Note, &id, note(&id, h.pcso.id, "Mine"));
    let (status, text) = h.post_json(
        "/v1/sync/push",
        Some(&device.token),
        &json!({"protocol": 1, "ops": [op], "pulled_through": 0}),
    );
    assert_eq!(status, StatusCode::OK, "{text}");
    let mine = |page: &PullResponse| page.changes.iter().any(|c| c.record_id == id);
    assert!(!mine(&h.pull(&device, 0, 100)), "no echo by default");
    let (status, text) = h.get(
        "/v1/sync/pull?cursor=0&limit=100&echoes=include",
        Some(&device.token),
    );
    assert_eq!(status, StatusCode::OK, "{text}");
    let page: PullResponse = serde_json::from_str(&text).expect("page");
    assert!(mine(&page), "echoes=include sends the device's own change");
    let (status, _) = h.get("/v1/sync/pull?cursor=0&echoes=all", Some(&device.token));
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
