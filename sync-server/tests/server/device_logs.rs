//! `POST /v1/sync/audit` over HTTP: a device's log entries chained with who and which device
//! from the token, malformed batches refused whole with the entry named, and a revoked device
//! allowed this one request while every other answers `device_revoked`.

use crate::common::{error_code, Harness};
use beatbook_core::audit::AuditAction;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn entry(seq: i64) -> Value {
    json!({
        "seq": seq,
        "at": "2026-06-01T09:00:00Z",
        "action": "consultation",
        "record_kind": "contact_personal",
        "record_id": format!("record-{seq}"),
        "justification": "Calling back",
    })
}

fn upload(entries: Vec<Value>) -> Value {
    json!({"protocol": 1, "entries": entries})
}

#[test]
fn entries_are_chained_as_the_tokens_device_once_each() {
    let h = Harness::start();
    let pcso = h.enrol(&h.pcso);

    let (status, text) = h.post_json(
        "/v1/sync/audit",
        Some(&pcso.token),
        &upload(vec![entry(1), entry(2)]),
    );
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(
        serde_json::from_str::<Value>(&text).expect("json")["acknowledged_through"],
        2
    );
    // A retry with one more adds only the new one.
    let (_, text) = h.post_json(
        "/v1/sync/audit",
        Some(&pcso.token),
        &upload(vec![entry(1), entry(2), entry(3)]),
    );
    assert!(text.contains("\"acknowledged_through\":3"), "{text}");

    let log = h.storage().audit_log(50).expect("log");
    let from_device: Vec<_> = log
        .iter()
        .filter(|e| {
            e.detail
                .as_deref()
                .is_some_and(|d| d.starts_with("device log entry"))
        })
        .collect();
    assert_eq!(from_device.len(), 3, "{log:?}");
    for e in &from_device {
        assert_eq!(e.device_id, Some(pcso.id));
        assert_eq!(e.user_id, Some(h.pcso.id));
        assert_eq!(e.role, "pcso");
        assert_eq!(e.action, AuditAction::Consultation);
        assert_eq!(e.justification.as_deref(), Some("Calling back"));
    }
}

#[test]
fn a_malformed_batch_is_refused_whole() {
    let h = Harness::start();
    let pcso = h.enrol(&h.pcso);
    let cases = [
        (
            upload(vec![entry(2), entry(2)]),
            StatusCode::BAD_REQUEST,
            "entry 1",
        ),
        (upload(vec![entry(0)]), StatusCode::BAD_REQUEST, "entry 0"),
        (
            upload((1..=501).map(entry).collect()),
            StatusCode::PAYLOAD_TOO_LARGE,
            "at most 500",
        ),
        (
            upload(vec![{
                let mut e = entry(1);
                e["detail"] = json!("x".repeat(1_001));
                e
            }]),
            StatusCode::BAD_REQUEST,
            "detail",
        ),
        (
            upload(vec![{
                let mut e = entry(1);
                e["name"] = json!("Ottoline");
                e
            }]),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
    ];
    for (body, status, says) in cases {
        let (got, text) = h.post_json("/v1/sync/audit", Some(&pcso.token), &body);
        assert_eq!(got, status, "{text}");
        assert!(text.contains(says), "{text}");
        assert!(!text.contains("Ottoline"), "{text}");
    }
    assert!(h
        .storage()
        .audit_log(50)
        .expect("log")
        .iter()
        .all(|e| e.device_id != Some(pcso.id)));
}

#[test]
fn a_revoked_device_may_hand_in_its_log_and_nothing_else() {
    let h = Harness::start();
    let pcso = h.enrol(&h.pcso);
    assert!(h
        .storage()
        .revoke_device(pcso.id, chrono::Utc::now().timestamp_millis())
        .expect("revoke"));

    let (status, text) = h.post_json("/v1/sync/audit", Some(&pcso.token), &upload(vec![entry(1)]));
    assert_eq!(status, StatusCode::OK, "{text}");
    let log = h.storage().audit_log(10).expect("log");
    assert!(log.iter().any(|e| e.device_id == Some(pcso.id)
        && e.detail
            .as_deref()
            .is_some_and(|d| d.contains("handed in after the device was revoked"))));

    let (status, text) = h.get("/v1/sync/pull", Some(&pcso.token));
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&text), "device_revoked");
    let (status, _) = h.post_json("/v1/sync/audit", Some(&"ab".repeat(32)), &upload(vec![]));
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
