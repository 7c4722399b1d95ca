//! HTTP hygiene at the edge, each a finding of the hostile-client run: an oversized declared
//! body is refused before it is read; a body trickled slowly is cut off by its deadline; a
//! client that half-closes after a whole request still gets its answer; device names with
//! control characters are refused.

use super::{assert_error, read_answer};
use crate::common::{new_id, note, statuses, Harness};
use beatbook_core::sync::protocol::{PushResponse, RecordKind};
use beatbook_server::background::BackgroundServer;
use beatbook_server::http::HttpConfig;
use beatbook_server::serve::ServeOptions;
use reqwest::StatusCode;
use serde_json::json;
use std::io::Write;
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

/// How long a test waits for the server to act before calling it a failure.
const BOUND: Duration = Duration::from_secs(15);

#[test]
fn a_declared_content_length_over_the_limit_is_refused_before_the_body() {
    let h = Harness::start();
    let device = h.enrol(&h.pcso);
    let mut stream = TcpStream::connect(h.server.addr()).expect("connect");
    let head = format!(
        "POST /v1/sync/push HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        device.token,
        5 * 1024 * 1024
    );
    stream
        .write_all(head.as_bytes())
        .expect("send the head only");
    // Answered at once, without a byte of the body (the body timeout is 30 s).
    let answer = read_answer(&mut stream, BOUND);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("\"body_too_large\""), "{answer}");
}

#[test]
fn a_body_trickled_slowly_is_cut_off_by_its_deadline() {
    let dir = crate::common::private_tempdir();
    let options = ServeOptions {
        http: HttpConfig {
            body_deadline: Duration::from_secs(1),
            ..HttpConfig::default()
        },
        ..ServeOptions::default()
    };
    let server =
        BackgroundServer::start(dir.path(), &crate::common::store_key(), options).expect("server");
    let mut stream = TcpStream::connect(server.addr()).expect("connect");
    stream
        .write_all(
            b"POST /v1/enrol HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
              Content-Length: 500\r\n\r\n",
        )
        .expect("head");
    // The client: one byte every 100 ms — never idle long enough for the idle timeout (30 s),
    // and 50 s for the whole body were it let run. It stops when the server hangs up.
    let mut writer = stream.try_clone().expect("clone");
    let trickle = std::thread::spawn(move || {
        for _ in 0..500 {
            if writer.write_all(b" ").is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    let started = Instant::now();
    let answer = read_answer(&mut stream, BOUND);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
    assert!(started.elapsed() < BOUND, "{:?}", started.elapsed());
    drop(stream);
    trickle.join().expect("trickle");
    assert!(server.storage().devices().expect("devices").is_empty());
}

#[test]
fn a_client_that_half_closes_after_a_whole_push_gets_its_answer() {
    let h = Harness::start();
    let device = h.enrol(&h.pcso);
    let id = new_id();
    let op = device.op(
        RecordKind::Note,
        &id,
        note(&id, h.pcso.id, "Gate left open"),
    );
    let body = serde_json::to_vec(&json!({"protocol": 1, "ops": [op]})).expect("json");
    let mut stream = TcpStream::connect(h.server.addr()).expect("connect");
    let head = format!(
        "POST /v1/sync/push HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        device.token,
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("head");
    stream.write_all(&body).expect("body");
    stream.shutdown(Shutdown::Write).expect("half-close");
    let answer = read_answer(&mut stream, BOUND);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let json = &answer[answer.find("\r\n\r\n").expect("a body") + 4..];
    let pushed: PushResponse = serde_json::from_str(json).expect("PushResponse");
    assert_eq!(statuses(&pushed), ["accepted"]);
}

#[test]
fn a_device_name_with_control_characters_is_refused() {
    let h = Harness::start();
    for name in [
        "phone\u{1b}[2J\u{1b}]0;pwned\u{7}",
        "line\nforged",
        "tab\there",
    ] {
        let code = h.code_for(&h.pcso);
        let (status, text) = h.post_json(
            "/v1/enrol",
            None,
            &json!({"code": code, "device_name": name}),
        );
        assert_error(
            &format!("{name:?}"),
            status,
            &text,
            StatusCode::BAD_REQUEST,
            "bad_request",
        );
    }
    assert!(h.storage().devices().expect("devices").is_empty());
}
