//! Regression tests for what schemathesis (`scripts/test-api-contract.sh`) found where the
//! server and its OpenAPI document disagreed.

use crate::common::{error_code, Harness};
use reqwest::StatusCode;
use serde_json::json;

/// Cursors and `pulled_through` are sequence numbers, which both stores keep as signed 64-bit
/// integers (the document says `int64`). One beyond that used to be accepted and wrapped to a
/// negative number in the SQLite query; it is now refused `400 bad_request`.
#[test]
fn sequence_numbers_beyond_int64_are_refused() {
    let h = Harness::start();
    let device = h.enrol(&h.pcso);
    let beyond = 1u64 << 63;
    let (status, body) = h.get(
        &format!("/v1/sync/pull?cursor={beyond}"),
        Some(&device.token),
    );
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body), "bad_request");
    let (status, body) = h.get(
        &format!("/v1/sync/pull?cursor={}", beyond - 1),
        Some(&device.token),
    );
    assert_eq!(
        status,
        StatusCode::OK,
        "the largest int64 is a cursor: {body}"
    );

    let push = json!({"protocol": 1, "ops": [], "pulled_through": beyond});
    let (status, body) = h.post_json("/v1/sync/push", Some(&device.token), &push);
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body), "bad_request");
    let push = json!({"protocol": 1, "ops": [], "pulled_through": beyond - 1});
    let (status, body) = h.post_json("/v1/sync/push", Some(&device.token), &push);
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// The document says `limit` is 1 to 2^32 - 1 (anything over 1,000 is served as 1,000).
#[test]
fn a_large_pull_limit_is_served_as_the_maximum() {
    let h = Harness::start();
    let device = h.enrol(&h.pcso);
    let (status, body) = h.get("/v1/sync/pull?limit=4294967295", Some(&device.token));
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = h.get("/v1/sync/pull?limit=4294967296", Some(&device.token));
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
