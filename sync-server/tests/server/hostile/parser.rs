//! Requests too long or malformed at the parser, over raw TCP: a target or headers merely too
//! long are refused by the server's own bounds (`http::head_limits`) with the `ErrorBody`
//! shape, like every other error; what is beyond hyper's own limits, or not HTTP at all, gets
//! hyper's bare status and a closed connection — and the server keeps serving.

use super::read_answer;
use crate::common::Harness;
use beatbook_core::sync::protocol::{ErrorBody, SERVER_TIME_HEADER};
use reqwest::StatusCode;
use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

const BOUND: Duration = Duration::from_secs(15);

/// Sends `request` on a fresh connection and reads the answer until the server closes it. A
/// server that hangs up before reading everything may reset the connection mid-send: what
/// arrived is returned all the same.
fn exchange(h: &Harness, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(h.server.addr()).expect("connect");
    let _ = stream.write_all(request);
    read_answer(&mut stream, BOUND)
}

/// The status, the head (lower-cased) and the body of a raw answer.
fn parse(answer: &str) -> (u16, String, String) {
    let (head, body) = answer
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no whole answer: {answer:?}"));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status: {head:?}"));
    (status, head.to_ascii_lowercase(), body.to_owned())
}

/// Our own refusal: the status, the error shape, the server's clock, and the connection closed.
fn assert_json_refusal(case: &str, answer: &str, want: StatusCode) {
    let (status, head, body) = parse(answer);
    assert_eq!(status, want.as_u16(), "{case}: {answer}");
    let error: ErrorBody = serde_json::from_str(&body)
        .unwrap_or_else(|e| panic!("{case}: not an ErrorBody ({e}): {body}"));
    assert_eq!(error.code.as_str(), "bad_request", "{case}");
    assert!(!error.message.is_empty(), "{case}");
    assert!(
        head.contains("content-type: application/json"),
        "{case}: {head}"
    );
    assert!(head.contains(SERVER_TIME_HEADER), "{case}: {head}");
    assert!(head.contains("connection: close"), "{case}: {head}");
}

/// The server still answers an ordinary request after the hostile one.
fn assert_still_serving(h: &Harness) {
    let (status, _) = h.get("/healthz", None);
    assert_eq!(status, StatusCode::OK);
}

#[test]
fn a_20_kb_request_target_is_414_with_the_error_shape() {
    let h = Harness::start();
    let request = format!(
        "GET /v1/sync/pull?cursor=0&pad={} HTTP/1.1\r\nHost: test\r\n\r\n",
        "a".repeat(20_000)
    );
    assert_json_refusal(
        "20 kB target",
        &exchange(&h, request.as_bytes()),
        StatusCode::URI_TOO_LONG,
    );
    assert_still_serving(&h);
}

#[test]
fn oversized_headers_are_431_with_the_error_shape() {
    let h = Harness::start();
    let one_large = format!(
        "GET /healthz HTTP/1.1\r\nHost: test\r\nCookie: {}\r\n\r\n",
        "c".repeat(40_000)
    );
    assert_json_refusal(
        "one 40 kB header",
        &exchange(&h, one_large.as_bytes()),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
    );
    let many: String = (0..60)
        .map(|i| format!("X-Filler-{i}: {}\r\n", "f".repeat(1_000)))
        .collect();
    let many = format!("GET /v1/sync/status HTTP/1.1\r\nHost: test\r\n{many}\r\n");
    assert_json_refusal(
        "60 headers of 1 kB",
        &exchange(&h, many.as_bytes()),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
    );
    assert_still_serving(&h);
}

#[test]
fn what_only_hyper_refuses_is_answered_bare_and_the_server_keeps_serving() {
    let h = Harness::start();
    // Not HTTP: hyper's 400, no body.
    let answer = exchange(&h, b"HELLO \x01\x02 garbage\r\n\r\n");
    let (status, _, body) = parse(&answer);
    assert_eq!(status, 400, "{answer}");
    assert!(body.is_empty(), "{answer}");
    // A target over hyper's 64 KiB: its 414, no body.
    let beyond = format!(
        "GET /healthz?pad={} HTTP/1.1\r\nHost: test\r\n\r\n",
        "a".repeat(70_000)
    );
    let answer = exchange(&h, beyond.as_bytes());
    let (status, _, body) = parse(&answer);
    assert_eq!(status, 414, "{answer}");
    assert!(body.is_empty(), "{answer}");
    // A head over hyper's read buffer (~408 KiB): its 431 — or, if the server hangs up while
    // the rest is still arriving, a reset; never a hang and never an answer from a handler.
    let huge = format!(
        "GET /healthz HTTP/1.1\r\nHost: test\r\nCookie: {}\r\n\r\n",
        "c".repeat(600_000)
    );
    let answer = exchange(&h, huge.as_bytes());
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 431"),
        "{answer}"
    );
    assert_still_serving(&h);
}
