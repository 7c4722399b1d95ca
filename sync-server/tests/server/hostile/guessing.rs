//! Guessing is throttled per source address, over real connections from different loopback
//! addresses (Linux routes all of 127.0.0.0/8 to loopback; each client binds its own source):
//! a guesser is refused `429` with `Retry-After` — before its body is read — while a valid code
//! from another address, and a valid token from anywhere, still work.

use super::{assert_error, raw_from, read_answer};
use crate::common::{http_client, Harness};
use beatbook_server::throttle::DEFAULT_FREE_FAILURES;
use reqwest::blocking::Client;
use reqwest::StatusCode;
use serde_json::json;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};

const GUESSER: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
const OTHER: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 3);

fn client_from(source: Ipv4Addr) -> Client {
    http_client()
        .local_address(IpAddr::V4(source))
        .build()
        .expect("client")
}

fn enrol(h: &Harness, client: &Client, code: &str) -> (StatusCode, Option<String>, String) {
    let response = client
        .post(h.url("/v1/enrol"))
        .json(&json!({"code": code, "device_name": "Test phone"}))
        .send()
        .expect("enrol");
    let status = response.status();
    let retry = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, retry, response.text().expect("body"))
}

#[test]
fn an_enrolment_code_guesser_waits_before_its_body_is_read_and_others_still_enrol() {
    let h = Harness::start();
    let guesser = client_from(GUESSER);
    for attempt in 0..DEFAULT_FREE_FAILURES {
        let (status, _, text) = enrol(&h, &guesser, "AAAAA-AAAAA");
        assert_error(
            &format!("wrong code {attempt}"),
            status,
            &text,
            StatusCode::BAD_REQUEST,
            "enrolment_code_invalid",
        );
    }
    let code = h.code_for(&h.pcso);
    let (status, retry, text) = enrol(&h, &guesser, &code);
    assert_error(
        "a right code from the guesser's address",
        status,
        &text,
        StatusCode::TOO_MANY_REQUESTS,
        "slow_down",
    );
    let secs: u64 = retry.expect("Retry-After").parse().expect("whole seconds");
    assert!((1..=30).contains(&secs), "{secs}");

    // Refused before the body: a request that declares a body and never sends it is answered
    // at once (were the body awaited, this read would wait for the 30 s body timeout).
    let mut stream = raw_from(h.server.addr(), GUESSER);
    stream
        .write_all(
            b"POST /v1/enrol HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
              Content-Length: 1000\r\n\r\n",
        )
        .expect("send a head only");
    let answer = read_answer(&mut stream, std::time::Duration::from_secs(10));
    assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("retry-after:"),
        "{answer}"
    );
    assert!(answer.contains("\"slow_down\""), "{answer}");

    // Another address enrols with the same code: the guesser holds nobody else up.
    let (status, _, text) = enrol(&h, &client_from(OTHER), &code);
    assert_eq!(status, StatusCode::OK, "{text}");
}

#[test]
fn a_token_guesser_waits_while_valid_tokens_work_from_anywhere() {
    let h = Harness::start();
    let device = h.enrol(&h.pcso);
    let guesser = client_from(GUESSER);
    let status_with = |client: &Client, token: &str| {
        let response = client
            .get(h.url("/v1/sync/status"))
            .bearer_auth(token)
            .send()
            .expect("status");
        let status = response.status();
        let retry = response.headers().get("retry-after").cloned();
        (status, retry, response.text().expect("body"))
    };
    let wrong = "ab".repeat(32);
    for attempt in 0..DEFAULT_FREE_FAILURES {
        let (status, _, text) = status_with(&guesser, &wrong);
        assert_error(
            &format!("wrong token {attempt}"),
            status,
            &text,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        );
    }
    let (status, retry, text) = status_with(&guesser, &wrong);
    assert_error(
        "a wrong token past the free failures",
        status,
        &text,
        StatusCode::TOO_MANY_REQUESTS,
        "slow_down",
    );
    assert!(retry.is_some(), "429 without Retry-After");
    // Not token-shaped counts too, and is refused the same way.
    let (status, _, _) = status_with(&guesser, "not-a-token");
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);

    // A valid token works from the guesser's own address and from elsewhere.
    let (status, _, text) = status_with(&guesser, &device.token);
    assert_eq!(status, StatusCode::OK, "{text}");
    let (status, _, text) = status_with(&client_from(OTHER), &device.token);
    assert_eq!(status, StatusCode::OK, "{text}");
    // And another address's wrong token is still just wrong, not held back.
    let (status, _, _) = status_with(&client_from(OTHER), &wrong);
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
