//! Logs operators can use: every request has an id, echoed in `X-Request-Id` and carried by
//! every log line of the request; a personal value and a device token planted in requests
//! never reach the logs; `/healthz` and `/readyz`.
//!
//! The logs are captured by a JSON subscriber installed for the whole test binary (once): the
//! planted values are unique to this test, so other tests' lines cannot hide or fake a leak.

use crate::common::{contact, new_id, note, Harness};
use beatbook_core::sync::protocol::RecordKind;
use beatbook_server::background::BackgroundServer;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

/// Every log line the test binary's servers wrote, as JSON lines.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

fn captured() -> &'static Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Captured::default();
        let writer = logs.clone();
        tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(move || writer.clone())
            .try_init()
            .expect("the only subscriber in this test binary");
        logs
    })
}

#[test]
fn every_line_of_a_request_carries_its_id_and_no_personal_value_or_token_is_logged() {
    let logs = captured();
    let h = Harness::start();
    let device = h.enrol(&h.pcso);
    let personal = "Zebedee Quillfeather of 14 Larkspur Row";

    // A push with the personal value in a note and in a contact's fields, one op of them
    // malformed (refused), under a request id of the client's.
    let (n, c) = (new_id(), new_id());
    let mut bad = contact(&c, h.pcso.id);
    bad["people_count"] = json!(personal);
    let ops = vec![
        device.op(RecordKind::Note, &n, note(&n, h.pcso.id, personal)),
        device.op(RecordKind::Contact, &c, bad),
    ];
    let response = h
        .client
        .post(h.url("/v1/sync/push"))
        .bearer_auth(&device.token)
        .header("x-request-id", "push-test-0001")
        .json(&json!({"protocol": 1, "ops": ops}))
        .send()
        .expect("push");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers().get("x-request-id").expect("echoed"),
        "push-test-0001"
    );
    // A pull under a generated id; a wrong token with the personal value beside it.
    let pulled = h
        .client
        .get(h.url("/v1/sync/pull?cursor=0"))
        .bearer_auth(&device.token)
        .send()
        .expect("pull");
    let pull_id = pulled
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("a generated id")
        .to_owned();
    assert!(pulled.text().expect("body").contains(personal));
    let wrong = h
        .client
        .get(h.url("/v1/sync/status"))
        .bearer_auth(format!("{}{}", &device.token[..10], "0".repeat(54)))
        .header("x-request-id", format!("{personal} {{\"forged\":true}}"))
        .send()
        .expect("status");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let replaced = wrong
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("an id")
        .to_owned();
    assert!(!replaced.contains("forged"), "{replaced}");

    let text = logs.text();
    for secret in [
        personal,
        "Zebedee",
        device.token.as_str(),
        &device.token[..20],
    ] {
        assert!(!text.contains(secret), "the logs hold {secret:?}");
    }
    let lines: Vec<Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let of = |id: &str| -> Vec<&Value> {
        lines
            .iter()
            .filter(|l| l["span"]["request_id"] == id)
            .collect()
    };
    let push_lines = of("push-test-0001");
    assert!(
        push_lines.iter().any(|l| l["message"] == "request"),
        "no request line for the push: {push_lines:?}"
    );
    assert!(
        push_lines.len() >= 2,
        "the push's own lines carry its id too: {push_lines:?}"
    );
    let pull_lines = of(&pull_id);
    assert!(
        pull_lines.iter().any(|l| l["message"] == "pull served"),
        "{pull_lines:?}"
    );
    assert!(pull_lines.iter().any(|l| l["message"] == "request"));
}

#[test]
fn healthz_is_alive_and_readyz_follows_the_store() {
    let h = Harness::start();
    let (status, text) = h.get("/healthz", None);
    assert_eq!(status, StatusCode::OK, "{text}");
    let (status, text) = h.get("/readyz", None);
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(text.contains("\"ready\""), "{text}");

    // A store that cannot be reached: the file is gone before any reader could open it.
    let dir = crate::common::private_tempdir();
    let storage =
        beatbook_server::storage::SqliteStorage::open(dir.path(), &crate::common::store_key())
            .expect("open");
    std::fs::remove_file(storage.path()).expect("remove the database file");
    let server = BackgroundServer::serve(Arc::new(storage), Default::default()).expect("server");
    let client = crate::common::http_client().build().expect("client");
    let alive = client
        .get(format!("{}/healthz", server.url()))
        .send()
        .expect("healthz");
    assert_eq!(alive.status(), StatusCode::OK, "alive, though not ready");
    let ready = client
        .get(format!("{}/readyz", server.url()))
        .send()
        .expect("readyz");
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(ready.headers().get("retry-after").is_some());
    let text = ready.text().expect("body");
    assert!(text.contains("\"code\""), "{text}");
}
