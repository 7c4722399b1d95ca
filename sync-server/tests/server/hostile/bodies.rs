//! Whole request bodies that must not be read: malformed or truncated JSON, wrong content
//! types and encodings, bodies over the limits, gzip bombs, deep nesting, invalid UTF-8,
//! absurd numbers; and query strings and methods the endpoints do not take.

use super::{assert_error, World, MARKER};
use crate::common::{new_id, note, read};
use beatbook_core::sync::protocol::RecordKind;
use flate2::write::GzEncoder;
use flate2::Compression;
use reqwest::blocking::Body;
use reqwest::header::{CONTENT_ENCODING, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::io::Write;

const JSON: Option<&str> = Some("application/json");

/// One request body and what it must be answered with.
struct Case {
    name: String,
    content_type: Option<&'static str>,
    encoding: Option<&'static str>,
    body: Vec<u8>,
    status: StatusCode,
    code: &'static str,
}

fn case(name: &str, body: impl Into<Vec<u8>>, status: StatusCode, code: &'static str) -> Case {
    Case {
        name: name.to_owned(),
        content_type: JSON,
        encoding: None,
        body: body.into(),
        status,
        code,
    }
}

fn bad(name: &str, body: impl Into<Vec<u8>>) -> Case {
    case(name, body, StatusCode::BAD_REQUEST, "bad_request")
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

/// Sends `case` to `path` with `token` and checks the answer.
fn send(world: &World, path: &str, token: Option<&str>, case: &Case) {
    let mut request = world
        .h
        .client
        .post(world.h.url(path))
        .body(case.body.clone());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(content_type) = case.content_type {
        request = request.header(CONTENT_TYPE, content_type);
    }
    if let Some(encoding) = case.encoding {
        request = request.header(CONTENT_ENCODING, encoding);
    }
    let response = request
        .send()
        .unwrap_or_else(|e| panic!("{}: no answer: {e}", case.name));
    let (status, text) = read(response);
    assert_error(&case.name, status, &text, case.status, case.code);
}

/// A whole, valid push body of one note (with the marker in its text).
fn valid_push(world: &World) -> String {
    let id = new_id();
    let op = world.pcso.op(
        RecordKind::Note,
        &id,
        note(&id, world.h.pcso.id, &format!("Seen by {MARKER}")),
    );
    json!({"protocol": 1, "ops": [op]}).to_string()
}

fn nested(depth: usize) -> String {
    format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
}

#[test]
fn unreadable_push_bodies_are_refused_and_change_nothing() {
    let world = World::start();
    let before = world.snapshot();
    let valid = valid_push(&world);

    let mut cases = Vec::new();
    // Every truncation of a valid body (a prefix of a JSON object is never JSON).
    for cut in (0..valid.len()).step_by(23) {
        cases.push(bad(
            &format!("truncated at {cut}"),
            &valid.as_bytes()[..cut],
        ));
    }
    for (name, body) in [
        ("not json", MARKER.to_owned()),
        ("null", "null".into()),
        ("an array", "[1, 2, 3]".into()),
        ("a string", format!("\"{MARKER}\"")),
        ("trailing garbage", format!("{valid} {MARKER}")),
        ("two bodies", format!("{valid}{valid}")),
        ("missing ops", r#"{"protocol": 1}"#.into()),
        ("missing protocol", r#"{"ops": []}"#.into()),
        (
            "unknown envelope field",
            r#"{"protocol": 1, "ops": [], "smuggled": 1}"#.into(),
        ),
        (
            "ops not a list",
            r#"{"protocol": 1, "ops": {"a": 1}}"#.into(),
        ),
        (
            "an op that is a number",
            r#"{"protocol": 1, "ops": [1]}"#.into(),
        ),
        (
            "an op without op_id",
            r#"{"protocol": 1, "ops": [{"kind": "note"}]}"#.into(),
        ),
        (
            "an op_id that is not a UUID",
            format!(r#"{{"protocol": 1, "ops": [{{"op_id": "{MARKER}"}}]}}"#),
        ),
        (
            "an op_id that is a number",
            r#"{"protocol": 1, "ops": [{"op_id": 12345}]}"#.into(),
        ),
        ("protocol as text", r#"{"protocol": "1", "ops": []}"#.into()),
        ("protocol negative", r#"{"protocol": -1, "ops": []}"#.into()),
        (
            "protocol fractional",
            r#"{"protocol": 1.5, "ops": []}"#.into(),
        ),
        (
            "protocol beyond u32",
            r#"{"protocol": 4294967297, "ops": []}"#.into(),
        ),
        (
            "protocol beyond f64",
            r#"{"protocol": 1e400, "ops": []}"#.into(),
        ),
        ("protocol NaN", r#"{"protocol": NaN, "ops": []}"#.into()),
        ("protocol null", r#"{"protocol": null, "ops": []}"#.into()),
        (
            "deeply nested ops",
            format!(r#"{{"protocol": 1, "ops": [{}]}}"#, nested(100_000)),
        ),
        (
            "a lone surrogate in an op id",
            r#"{"protocol": 1, "ops": [{"op_id": "\ud800"}]}"#.into(),
        ),
    ] {
        cases.push(bad(name, body));
    }
    // Invalid UTF-8, in the envelope and inside an op's text.
    let mut invalid = valid.clone().into_bytes();
    let at = valid.find(MARKER).expect("marker in body");
    invalid[at] = 0xff;
    cases.push(bad("invalid UTF-8 in a value", invalid));
    cases.push(bad("invalid UTF-8 at the start", b"\xff\xfe{}".to_vec()));
    cases.push(bad("an empty body", Vec::new()));
    cases.push(case(
        "an unsupported protocol",
        r#"{"protocol": 0, "ops": []}"#,
        StatusCode::BAD_REQUEST,
        "unsupported_protocol",
    ));
    cases.push(case(
        "1,001 ops",
        format!(r#"{{"protocol": 1, "ops": [{}{{}}]}}"#, "{},".repeat(1000)),
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
    ));
    // Content types.
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("application/jsonp"),
        Some("application/json-seq"),
        Some(""),
    ] {
        cases.push(Case {
            content_type,
            ..bad(&format!("content type {content_type:?}"), valid.clone())
        });
    }
    // Encodings: broken gzip, a gzip bomb, encodings the server does not take.
    let packed = gzip(valid.as_bytes());
    for (name, encoding, body, status, code) in [
        (
            "gzip that is not gzip",
            "gzip",
            MARKER.as_bytes().to_vec(),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "truncated gzip",
            "gzip",
            packed[..packed.len() / 2].to_vec(),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "gzip of garbage",
            "gzip",
            gzip(MARKER.as_bytes()),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "gzip bomb (64 MiB of zeros)",
            "gzip",
            gzip(&vec![0u8; 64 << 20]),
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
        ),
        (
            "brotli",
            "br",
            valid.clone().into_bytes(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "bad_request",
        ),
        (
            "an unknown encoding",
            "x-marker",
            valid.clone().into_bytes(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "bad_request",
        ),
    ] {
        cases.push(Case {
            encoding: Some(encoding),
            ..case(name, body, status, code)
        });
    }
    for case in &cases {
        send(&world, "/v1/sync/push", Some(&world.pcso.token), case);
    }
    assert_eq!(
        world.snapshot(),
        before,
        "a refused body changed the server"
    );
}

#[test]
fn a_body_over_the_limit_is_refused_even_without_a_length() {
    let world = World::start();
    let before = world.snapshot();
    // Streamed (chunked, no Content-Length): the limit is enforced on what arrives. The
    // server answers 413 after 4 MiB and closes the connection without reading the rest, so
    // a client still sending may see the connection cut instead of the answer — before the
    // answer's head, or after it and before its body.
    let big = format!(
        r#"{{"protocol": 1, "ops": [], "pad": "{}"}}"#,
        "x".repeat(5 << 20)
    );
    let sent = world
        .h
        .client
        .post(world.h.url("/v1/sync/push"))
        .bearer_auth(&world.pcso.token)
        .header(CONTENT_TYPE, "application/json")
        .body(Body::new(std::io::Cursor::new(big.into_bytes())))
        .send();
    match sent {
        Ok(response) if response.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let status = response.status();
            match response.text() {
                Ok(text) => assert_error(
                    "chunked 5 MiB",
                    status,
                    &text,
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                ),
                // The head said 413; the connection was cut before its body arrived.
                Err(e) => assert!(e.is_body() || e.is_decode(), "unexpected failure: {e}"),
            }
        }
        Ok(response) => {
            let (status, text) = read(response);
            panic!("a 5 MiB body was answered {status}: {text}");
        }
        Err(e) => assert!(e.is_body() || e.is_request(), "unexpected failure: {e}"),
    }
    world.h.wait_healthy();
    assert_eq!(world.snapshot(), before);
}

#[test]
fn unreadable_enrolments_are_refused_and_enrol_nothing() {
    let world = World::start();
    let code = world.h.code_for(&world.h.pcso2);
    let before = world.snapshot();
    let cases = [
        bad("not json", MARKER),
        bad("missing device_name", format!(r#"{{"code": "{code}"}}"#)),
        bad("missing code", r#"{"device_name": "phone"}"#),
        bad(
            "unknown field",
            format!(r#"{{"code": "{code}", "device_name": "phone", "smuggled": 1}}"#),
        ),
        bad(
            "code as a number",
            r#"{"code": 12345, "device_name": "phone"}"#,
        ),
        bad(
            "empty device name",
            format!(r#"{{"code": "{code}", "device_name": "   "}}"#),
        ),
        bad(
            "device name too long",
            format!(
                r#"{{"code": "{code}", "device_name": "{}"}}"#,
                "n".repeat(101)
            ),
        ),
        bad(
            "truncated",
            format!(r#"{{"code": "{code}", "device_name": "ph"#),
        ),
        Case {
            content_type: Some("text/plain"),
            ..bad(
                "text/plain",
                format!(r#"{{"code": "{code}", "device_name": "phone"}}"#),
            )
        },
        case(
            "a code of 100 KiB",
            format!(
                r#"{{"code": "{}", "device_name": "phone"}}"#,
                "A".repeat(100 << 10)
            ),
            StatusCode::BAD_REQUEST,
            "enrolment_code_invalid",
        ),
        case(
            "a code of SQL",
            r#"{"code": "' OR 1=1; --", "device_name": "phone"}"#,
            StatusCode::BAD_REQUEST,
            "enrolment_code_invalid",
        ),
    ];
    for case in &cases {
        send(&world, "/v1/enrol", None, case);
    }
    assert_eq!(
        world.snapshot(),
        before,
        "a refused enrolment changed the server"
    );
}

#[test]
fn bad_queries_methods_and_paths_are_refused() {
    let world = World::start();
    let before = world.snapshot();
    let token = &world.pcso.token;
    for query in [
        "cursor=-1",
        "cursor=abc",
        "cursor=18446744073709551616",
        "cursor=1e3",
        "cursor=%ff",
        "cursor=1&cursor=2",
        "limit=0",
        "limit=-5",
        "limit=NaN",
        "limit=4294967296",
        "limit=%00",
    ] {
        let (status, text) = world.h.get(&format!("/v1/sync/pull?{query}"), Some(token));
        assert_error(query, status, &text, StatusCode::BAD_REQUEST, "bad_request");
    }
    for (method, path, status) in [
        (Method::GET, "/v1/sync/push", StatusCode::METHOD_NOT_ALLOWED),
        (
            Method::DELETE,
            "/v1/sync/pull",
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (Method::PUT, "/v1/enrol", StatusCode::METHOD_NOT_ALLOWED),
        (Method::POST, "/healthz", StatusCode::METHOD_NOT_ALLOWED),
        (Method::POST, "/v1/sync/push/", StatusCode::NOT_FOUND),
        (
            Method::GET,
            "/v1/sync/../../etc/passwd",
            StatusCode::NOT_FOUND,
        ),
        (Method::GET, "/%ff%fe", StatusCode::NOT_FOUND),
    ] {
        let response = world
            .h
            .client
            .request(method.clone(), world.h.url(path))
            .bearer_auth(token)
            .send()
            .expect("sent");
        let (got, text) = read(response);
        assert_error(
            &format!("{method} {path}"),
            got,
            &text,
            status,
            "bad_request",
        );
    }
    assert_eq!(world.snapshot(), before);
}

#[test]
fn an_error_answer_closes_the_connection_so_the_next_request_is_answered() {
    let world = World::start();
    let bomb = gzip(&vec![0u8; 16 << 20]);
    let refused = |encoding: Option<&str>, body: Vec<u8>, token: Option<&str>| {
        let mut request = world
            .h
            .client
            .post(world.h.url("/v1/sync/push"))
            .header(CONTENT_TYPE, "application/json")
            .body(body);
        if let Some(encoding) = encoding {
            request = request.header(CONTENT_ENCODING, encoding);
        }
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().expect("answered");
        let close = response
            .headers()
            .get("connection")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        (read(response).0, close)
    };
    // Refused before its body was read: by the size limit, and for want of a token.
    let token = world.pcso.token.clone();
    let answers = [
        refused(Some("gzip"), bomb.clone(), Some(&token)),
        refused(Some("gzip"), bomb, None),
    ];
    for (status, close) in answers {
        assert!(status.is_client_error(), "{status}");
        assert_eq!(
            close.as_deref(),
            Some("close"),
            "{status} kept the connection"
        );
        // The same client's next request gets a fresh connection and an answer.
        let (status, text) = world.h.pull_raw(&world.pcso, 0, 10);
        assert_eq!(status, StatusCode::OK, "{text}");
    }
}
