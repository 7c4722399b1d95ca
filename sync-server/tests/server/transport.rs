//! HTTP-level behaviour: malformed bodies, size limits, gzip both ways, protocol versions.

use crate::common::{error_code, new_id, note, read, statuses, Harness};
use beatbook_core::sync::protocol::{PushResponse, RecordKind};
use flate2::write::GzEncoder;
use flate2::Compression;
use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE};
use reqwest::StatusCode;
use serde_json::json;
use std::io::Write;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

#[test]
fn malformed_json_and_wrong_content_types_are_bad_requests() {
    let h = Harness::start();
    let device = h.enrol(&h.pcso);
    let cases: [(&str, &[u8]); 4] = [
        ("application/json", b"{\"protocol\": 1, \"ops\": ["),
        ("application/json", b"[1, 2, 3]"),
        (
            "application/json",
            b"{\"protocol\": 1, \"ops\": [], \"extra\": 1}",
        ),
        ("text/plain", b"{\"protocol\": 1, \"ops\": []}"),
    ];
    for (content_type, body) in cases {
        let response = h
            .client
            .post(h.url("/v1/sync/push"))
            .bearer_auth(&device.token)
            .header(CONTENT_TYPE, content_type)
            .body(body.to_vec())
            .send()
            .expect("sent");
        let (status, text) = read(response);
        assert_eq!(status, StatusCode::BAD_REQUEST, "{content_type} {text}");
        assert_eq!(error_code(&text), "bad_request");
    }
    let (status, text) = h.post_json(
        "/v1/sync/push",
        Some(&device.token),
        &json!({"protocol": 2, "ops": []}),
    );
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&text), "unsupported_protocol");
    let (status, text) = h.get("/v1/nowhere", None);
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&text), "bad_request");
}

#[test]
fn bodies_over_4_mib_are_refused_even_when_gzipped_small() {
    let h = Harness::start();
    let device = h.enrol(&h.pcso);
    let big = format!(
        "{{\"protocol\": 1, \"ops\": [], \"pad\": \"{}\"}}",
        "x".repeat(5 * 1024 * 1024)
    );
    let sent = h
        .client
        .post(h.url("/v1/sync/push"))
        .bearer_auth(&device.token)
        .header(CONTENT_TYPE, "application/json")
        .body(big.clone())
        .send();
    match sent {
        Ok(response) => {
            let (status, text) = read(response);
            assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
            assert_eq!(error_code(&text), "body_too_large");
        }
        // Refused on its declared length before the body is read, the connection may close
        // while this client is still writing; `hostile/hygiene.rs` reads that 413 on a raw
        // socket. Anything but a failed send is wrong here.
        Err(e) => assert!(e.is_request(), "{e}"),
    }

    let packed = gzip(big.as_bytes());
    assert!(packed.len() < 100 * 1024);
    let response = h
        .client
        .post(h.url("/v1/sync/push"))
        .bearer_auth(&device.token)
        .header(CONTENT_TYPE, "application/json")
        .header(CONTENT_ENCODING, "gzip")
        .body(packed)
        .send()
        .expect("sent");
    let (status, text) = read(response);
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(&text), "body_too_large");
}

#[test]
fn an_op_over_64_kib_is_rejected_alone() {
    let h = Harness::start();
    let device = h.enrol(&h.pcso);
    let (big, small) = (new_id(), new_id());
    let ops = vec![
        device.op(
            RecordKind::Note,
            &big,
            note(&big, h.pcso.id, &"y".repeat(70 * 1024)),
        ),
        device.op(RecordKind::Note, &small, note(&small, h.pcso.id, "Short")),
    ];
    assert_eq!(
        statuses(&h.push(&device, &ops)),
        ["op_too_large", "accepted"]
    );
}

#[test]
fn gzip_works_both_ways() {
    let h = Harness::start();
    let device = h.enrol(&h.pcso);
    let id = new_id();
    let body = json!({"protocol": 1, "ops": [device.op(RecordKind::Note, &id, note(&id, h.pcso.id, "Sent gzipped"))]});
    let response = h
        .client
        .post(h.url("/v1/sync/push"))
        .bearer_auth(&device.token)
        .header(CONTENT_TYPE, "application/json")
        .header(CONTENT_ENCODING, "gzip")
        .body(gzip(body.to_string().as_bytes()))
        .send()
        .expect("sent");
    let (status, text) = read(response);
    assert_eq!(status, StatusCode::OK, "{text}");
    let pushed: PushResponse = serde_json::from_str(&text).expect("PushResponse");
    assert_eq!(statuses(&pushed), ["accepted"]);

    // A client that accepts gzip gets a gzipped pull (decoded here by hand).
    let raw_client = crate::common::http_client()
        .no_gzip()
        .build()
        .expect("client");
    let response = raw_client
        .get(h.url("/v1/sync/pull?cursor=0&limit=100"))
        .bearer_auth(&device.token)
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response
            .headers()
            .get(CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok()),
        Some("gzip")
    );
    let packed = response.bytes().expect("body");
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&packed[..]), &mut text)
        .expect("gunzip");
    assert!(text.contains("Sent gzipped"));
}

/// HTTP/2 without TLS (h2c, prior knowledge: what a proxy speaking HTTP/2 to its backend
/// sends) is served on the same port as HTTP/1.1, with the same answers and the same bounds.
#[test]
fn http2_with_prior_knowledge_pushes_pulls_and_keeps_the_body_limit() {
    let h = Harness::start();
    let device = h.enrol(&h.pcso);
    let h2 = crate::common::http_client()
        .http2_prior_knowledge()
        .build()
        .expect("HTTP/2 client");
    let id = new_id();
    let ops = [device.op(RecordKind::Note, &id, note(&id, h.pcso.id, "Sent over h2c"))];
    let response = h2
        .post(h.url("/v1/sync/push"))
        .bearer_auth(&device.token)
        .json(&json!({"protocol": 1, "ops": ops}))
        .send()
        .expect("push over HTTP/2");
    assert_eq!(response.version(), reqwest::Version::HTTP_2);
    let (status, text) = read(response);
    assert_eq!(status, StatusCode::OK, "{text}");
    let pushed: PushResponse = serde_json::from_str(&text).expect("PushResponse");
    assert_eq!(statuses(&pushed), ["accepted"]);

    let response = h2
        .get(h.url("/v1/sync/pull?cursor=0&limit=100"))
        .bearer_auth(&device.token)
        .send()
        .expect("pull over HTTP/2");
    assert_eq!(response.version(), reqwest::Version::HTTP_2);
    assert!(
        response.headers().contains_key("x-request-id"),
        "request ids are given over HTTP/2 too"
    );
    let (status, text) = read(response);
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(text.contains(&id), "the note pushed over HTTP/2 is pulled");

    // A declared length over the limit is refused before the body, as over HTTP/1.1.
    let big = vec![b' '; 5 * 1024 * 1024];
    let response = h2
        .post(h.url("/v1/sync/push"))
        .bearer_auth(&device.token)
        .header(CONTENT_TYPE, "application/json")
        .body(big)
        .send();
    match response {
        Ok(response) => {
            let (status, text) = read(response);
            assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
            assert_eq!(error_code(&text), "body_too_large");
        }
        // The stream may be reset while this client still sends; never a success.
        Err(e) => assert!(e.is_request(), "{e}"),
    }
}
