//! Enrolment codes (good, used, expired, unknown), bearer auth, and revocation.

use crate::common::{error_code, Harness};
use beatbook_server::admin;
use beatbook_server::secrets;
use reqwest::StatusCode;
use serde_json::json;

#[test]
fn a_good_code_enrols_once_and_the_token_authenticates() {
    let h = Harness::start();
    let code = h.code_for(&h.pcso);
    let body = json!({"code": code.to_lowercase(), "device_name": "Alex's phone"});
    let (status, text) = h.post_json("/v1/enrol", None, &body);
    assert_eq!(status, StatusCode::OK, "{text}");
    let enrolled: beatbook_core::sync::protocol::EnrolResponse =
        serde_json::from_str(&text).expect("EnrolResponse");
    assert_eq!(enrolled.user.id, h.pcso.id);
    assert_eq!(enrolled.user.team_id, Some(h.team.id));
    assert!(secrets::is_token_shaped(&enrolled.token));

    let (status, text) = h.get("/v1/sync/status", Some(&enrolled.token));
    assert_eq!(status, StatusCode::OK, "{text}");
    let me: beatbook_core::sync::protocol::StatusResponse =
        serde_json::from_str(&text).expect("StatusResponse");
    assert_eq!((me.device_id, me.user_id), (enrolled.device_id, h.pcso.id));

    // The same code a second time.
    let (status, text) = h.post_json("/v1/enrol", None, &body);
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&text), "enrolment_code_used");

    // Only the token's hash is stored: the device list shows the device, never the token.
    let devices = admin::list_devices(h.storage()).expect("devices");
    assert_eq!(devices.len(), 1);
    assert!(!format!("{devices:?}").contains(&enrolled.token));
}

#[test]
fn expired_and_unknown_codes_are_refused_with_their_own_codes() {
    let h = Harness::start();
    let now = chrono::Utc::now().timestamp_millis();
    h.storage()
        .add_enrolment_code(
            secrets::hash("EXPIREDAAA"),
            h.pcso.id,
            now - 7_200_000,
            now - 1,
        )
        .expect("code");
    let (status, text) = h.post_json(
        "/v1/enrol",
        None,
        &json!({"code": "EXPIREDAAA", "device_name": "phone"}),
    );
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&text), "enrolment_code_expired");

    let (status, text) = h.post_json(
        "/v1/enrol",
        None,
        &json!({"code": "NOSUCHCODE", "device_name": "phone"}),
    );
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&text), "enrolment_code_invalid");
    assert!(admin::list_devices(h.storage())
        .expect("devices")
        .is_empty());
}

#[test]
fn sync_requests_need_a_known_token() {
    let h = Harness::start();
    for token in [None, Some("not-a-token"), Some(&*"ab".repeat(32))] {
        let (status, text) = h.get("/v1/sync/pull", token);
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{token:?}");
        assert_eq!(error_code(&text), "unauthenticated");
    }
    let (status, text) = h.post_json("/v1/sync/push", None, &json!({"protocol": 1, "ops": []}));
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&text), "unauthenticated");
}

#[test]
fn a_revoked_device_is_told_so_on_every_sync_request() {
    let h = Harness::start();
    let device = h.enrol(&h.pcso);
    let other = h.enrol(&h.pcso2);
    assert_eq!(h.pull_raw(&device, 0, 10).0, StatusCode::OK);

    admin::revoke_device(h.storage(), device.id).expect("revoke");

    let (status, text) = h.pull_raw(&device, 0, 10);
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&text), "device_revoked");
    let (status, text) = h.push_raw(&device, &[]);
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&text), "device_revoked");
    let (status, text) = h.get("/v1/sync/status", Some(&device.token));
    assert_eq!(
        (status, error_code(&text).as_str()),
        (StatusCode::UNAUTHORIZED, "device_revoked")
    );
    // Other devices carry on.
    assert_eq!(h.pull_raw(&other, 0, 10).0, StatusCode::OK);
    let listed = admin::list_devices(h.storage()).expect("devices");
    assert!(listed
        .iter()
        .any(|d| d.id == device.id && d.revoked_at_ms.is_some()));
}
