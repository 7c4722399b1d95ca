//! `GET /v1/openapi.json`: the document the code makes, as checked in (`docs/openapi.json`).

use crate::common::Harness;
use reqwest::header::CONTENT_TYPE;
use reqwest::StatusCode;

#[test]
fn the_served_openapi_document_is_the_checked_in_one() {
    let h = Harness::start();
    let response = h
        .client
        .get(h.url("/v1/openapi.json"))
        .send()
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers().get(CONTENT_TYPE).map(|v| v.as_bytes()),
        Some(&b"application/json"[..])
    );
    let served = response.text().expect("body");
    let checked_in = include_str!("../../../docs/openapi.json");
    assert!(
        served == checked_in,
        "the served document differs from docs/openapi.json (regenerate it: \
         BEATBOOK_UPDATE_OPENAPI=1 cargo test -p beatbook-server --lib openapi)"
    );
}
