//! `GET /metrics` on its own listen address: scraped after a push and a pull, and its series
//! checked by name, labels and value.

use crate::common::{new_id, note, Harness};
use beatbook_core::sync::protocol::RecordKind;
use beatbook_server::serve::ServeOptions;
use reqwest::header::CONTENT_TYPE;
use reqwest::StatusCode;
use std::net::SocketAddr;

fn harness_with_metrics() -> (Harness, String) {
    let h = Harness::start_with(ServeOptions {
        metrics_listen: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
        ..ServeOptions::default()
    });
    let addr = h.server.metrics_addr().expect("metrics are served");
    (h, format!("http://{addr}/metrics"))
}

/// The value of the sample `series` (name and labels exactly as exported).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.trim().parse().ok())
}

#[test]
fn a_scrape_after_a_push_and_a_pull_shows_them() {
    let (h, metrics_url) = harness_with_metrics();
    let device = h.enrol(&h.pcso);
    let (first, second, third) = (new_id(), new_id(), new_id());
    let ops = [
        device.op(RecordKind::Note, &first, note(&first, h.pcso.id, "First")),
        device.op(
            RecordKind::Note,
            &second,
            note(&second, h.pcso.id, "Second"),
        ),
    ];
    h.push(&device, &ops);
    // The same ops again: duplicates.
    h.push(&device, &ops[..1]);
    // An op whose author is someone else: refused `author_mismatch`.
    let mut forged = device.op(
        RecordKind::Note,
        &third,
        note(&third, h.officer.id, "Forged"),
    );
    forged.author = h.officer.id;
    h.push(&device, &[forged]);
    let page = h.pull(&device, 0, 100);
    assert!(!page.changes.is_empty());
    // A second device, revoked: counted apart from the enrolled and active ones.
    let lost = h.enrol(&h.officer);
    let now = chrono::Utc::now().timestamp_millis();
    assert!(h.storage().revoke_device(lost.id, now).expect("revoke"));

    let response = h.client.get(&metrics_url).send().expect("scrape");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/openmetrics-text")));
    let text = response.text().expect("body");
    let value = |series: &str| {
        sample(&text, series).unwrap_or_else(|| panic!("no sample {series} in:\n{text}"))
    };

    assert_eq!(
        value(r#"beatbook_sync_ops_total{outcome="accepted",code=""}"#),
        2.0
    );
    assert_eq!(
        value(r#"beatbook_sync_ops_total{outcome="duplicate",code=""}"#),
        1.0
    );
    assert_eq!(
        value(r#"beatbook_sync_ops_total{outcome="rejected",code="author_mismatch"}"#),
        1.0
    );
    assert_eq!(value("beatbook_sync_pulls_total"), 1.0);
    assert_eq!(
        value("beatbook_sync_pulled_records_total"),
        page.changes.len() as f64
    );
    assert_eq!(
        value(r#"beatbook_http_requests_total{method="POST",route="/v1/sync/push",status="200"}"#),
        3.0
    );
    assert_eq!(
        value(r#"beatbook_http_requests_total{method="GET",route="/v1/sync/pull",status="200"}"#),
        1.0
    );
    assert_eq!(
        value(
            r#"beatbook_http_request_duration_seconds_count{method="POST",route="/v1/sync/push"}"#
        ),
        3.0
    );
    assert_eq!(
        value(
            r#"beatbook_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/v1/sync/pull"}"#
        ),
        1.0
    );
    let head = h.storage().feed_head().expect("head");
    assert!(head >= 2);
    assert_eq!(value("beatbook_feed_head"), head as f64);
    assert_eq!(value("beatbook_devices_enrolled"), 1.0);
    assert_eq!(value("beatbook_devices_active"), 1.0);
    assert_eq!(value("beatbook_devices_revoked"), 1.0);
    assert!(value("beatbook_store_size_bytes") > 0.0);
    assert_eq!(value("beatbook_store_up"), 1.0);
    assert!(text.ends_with("# EOF\n"));
}

#[test]
fn metrics_are_only_on_their_own_address() {
    let (h, metrics_url) = harness_with_metrics();
    let (status, _) = h.get("/metrics", None);
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the API port serves no metrics"
    );
    let api_on_metrics = metrics_url.replace("/metrics", "/healthz");
    let response = h.client.get(api_on_metrics).send().expect("request");
    assert_eq!(
        response.status(),
        StatusCode::NOT_FOUND,
        "the metrics port serves no API"
    );
}
