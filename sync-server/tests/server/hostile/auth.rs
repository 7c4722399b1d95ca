//! Who is asking: missing, malformed, forged and revoked tokens, another team's token, ops
//! that claim another user or device, and replayed batches. Each is refused (or, for a
//! replay, answered `duplicate`) and changes nothing.

use super::{assert_error, World, MARKER};
use crate::common::{new_id, note, patrol, read, statuses};
use beatbook_core::sync::protocol::RecordKind;
use beatbook_core::sync::Hlc;
use beatbook_server::admin;
use beatbook_server::http::head_limits::MAX_HEADER_BYTES;
use reqwest::header::AUTHORIZATION;
use reqwest::StatusCode;
use serde_json::json;

#[test]
fn missing_malformed_and_forged_tokens_are_unauthenticated() {
    let world = World::start();
    let before = world.snapshot();
    let token = world.pcso.token.clone();
    let body = json!({"protocol": 1, "ops": []}).to_string();
    let headers: Vec<(&str, Vec<u8>)> = vec![
        ("no header", Vec::new()),
        ("empty", b"".to_vec()),
        ("scheme only", b"Bearer".to_vec()),
        ("scheme and space", b"Bearer ".to_vec()),
        ("basic auth", format!("Basic {token}").into_bytes()),
        ("token without scheme", token.clone().into_bytes()),
        ("one short", format!("Bearer {}", &token[1..]).into_bytes()),
        ("one long", format!("Bearer {token}0").into_bytes()),
        ("not hex", format!("Bearer {}", "z".repeat(64)).into_bytes()),
        (
            "forged",
            format!("Bearer {}", "0123456789abcdef".repeat(4)).into_bytes(),
        ),
        (
            "two tokens",
            format!("Bearer {token}, Bearer {token}").into_bytes(),
        ),
        ("a marker", format!("Bearer {MARKER}").into_bytes()),
        ("SQL", b"Bearer ' OR 1=1 --".to_vec()),
        (
            "invalid UTF-8",
            [b"Bearer ".as_slice(), &[0xff; 64]].concat(),
        ),
        (
            "16 KiB",
            format!("Bearer {}", "a".repeat(16 << 10)).into_bytes(),
        ),
        (
            "64 KiB",
            format!("Bearer {}", "a".repeat(64 << 10)).into_bytes(),
        ),
    ];
    // Each case from an address of its own: wrong tokens are throttled per address
    // (`hostile/guessing.rs`), and this test is about what one wrong token gets.
    for (i, (name, header)) in headers.into_iter().enumerate() {
        let client = crate::common::http_client()
            .local_address(std::net::IpAddr::from([127, 0, 1, i as u8 + 1]))
            .build()
            .expect("client");
        for (path, post) in [
            ("/v1/sync/push", true),
            ("/v1/sync/pull", false),
            ("/v1/sync/status", false),
        ] {
            let mut request = if post {
                client
                    .post(world.h.url(path))
                    .header("content-type", "application/json")
                    .body(body.clone())
            } else {
                client.get(world.h.url(path))
            };
            if name != "no header" {
                let value =
                    reqwest::header::HeaderValue::from_bytes(&header).expect("header bytes");
                request = request.header(AUTHORIZATION, value);
            }
            let (status, text) = read(request.send().expect("sent"));
            // Headers over the server's bound are refused before authentication
            // (`http::head_limits`), with the same error shape.
            let (want, code) = if header.len() > MAX_HEADER_BYTES {
                (StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "bad_request")
            } else {
                (StatusCode::UNAUTHORIZED, "unauthenticated")
            };
            assert_error(&format!("{name} on {path}"), status, &text, want, code);
        }
    }
    assert_eq!(world.snapshot(), before);
}

#[test]
fn a_revoked_token_pushes_nothing() {
    let world = World::start();
    let id = new_id();
    let op = world
        .pcso
        .op(RecordKind::Note, &id, note(&id, world.h.pcso.id, MARKER));
    admin::revoke_device(world.h.storage(), world.pcso.id).expect("revoke");
    let before = world.snapshot();
    let (status, text) = world.h.push_raw(&world.pcso, &[op]);
    assert_error(
        "revoked push",
        status,
        &text,
        StatusCode::UNAUTHORIZED,
        "device_revoked",
    );
    assert_eq!(world.snapshot(), before);
    // An enrolment code that has expired enrols nothing (device tokens do not expire; they
    // are revoked): see `enrolment::expired_and_unknown_codes_are_refused_with_their_own_codes`.
}

#[test]
fn another_teams_token_can_neither_read_nor_change_the_team() {
    let world = World::start();
    let outsider = world.h.enrol(&world.h.outsider);
    let before = world.snapshot();
    let (raw, _) = world.h.pull_all(&outsider);
    for change in &before.changes {
        assert!(
            !raw.contains(&change.record_id),
            "another team's {} was sent",
            change.kind
        );
    }
    // Edits of each of the team's records, as the outsider (correctly signed as themselves).
    let ops: Vec<_> = before
        .changes
        .iter()
        .filter(|c| !c.kind.is_reference())
        .map(|c| outsider.op(c.kind, &c.record_id, json!({"updated_at": MARKER})))
        .collect();
    assert!(!ops.is_empty());
    let response = world.h.push(&outsider, &ops);
    assert!(
        statuses(&response).iter().all(|s| s == "forbidden"),
        "{:?}",
        statuses(&response)
    );
    let after = world.snapshot();
    assert_eq!(
        after.changes, before.changes,
        "an outsider changed the team's records"
    );
}

#[test]
fn ops_claiming_another_user_or_device_are_refused() {
    let world = World::start();
    let h = &world.h;
    let other_device = h.enrol(&h.pcso2);
    let before = world.snapshot();
    let pcso = &world.pcso;
    let fresh = |edit: &dyn Fn(&mut beatbook_core::sync::protocol::Op)| {
        let id = new_id();
        let mut op = pcso.op(RecordKind::Note, &id, note(&id, h.pcso.id, MARKER));
        edit(&mut op);
        op
    };
    let ops = vec![
        fresh(&|op| op.author = h.officer.id),
        fresh(&|op| op.author = h.outsider.id),
        fresh(&|op| op.device = other_device.id),
        fresh(&|op| {
            op.author = h.pcso2.id;
            op.device = other_device.id;
        }),
        // The clock's node is the device too: a forged node could tie or beat another
        // device's stamp on the same field and leave that device disagreeing for ever.
        fresh(&|op| {
            op.hlc = Hlc {
                node: other_device.id,
                ..op.hlc
            }
        }),
        // Signed correctly, but the record names someone else as its author.
        {
            let id = new_id();
            pcso.op(RecordKind::Note, &id, note(&id, h.officer.id, MARKER))
        },
        {
            let id = new_id();
            pcso.op(
                RecordKind::Patrol,
                &id,
                patrol(&id, h.supervisor.id, &[], "foot"),
            )
        },
    ];
    let response = h.push(pcso, &ops);
    assert_eq!(
        statuses(&response),
        [
            "author_mismatch",
            "author_mismatch",
            "author_mismatch",
            "author_mismatch",
            "author_mismatch",
            "forbidden",
            "forbidden"
        ]
    );
    assert_eq!(world.snapshot(), before);
}

#[test]
fn replayed_batches_are_duplicates_and_change_nothing() {
    let world = World::start();
    let h = &world.h;
    let (a, b) = (new_id(), new_id());
    let ops = vec![
        world
            .pcso
            .op(RecordKind::Note, &a, note(&a, h.pcso.id, "First telling")),
        world
            .pcso
            .op(RecordKind::Patrol, &b, patrol(&b, h.pcso.id, &[], "foot")),
    ];
    assert_eq!(
        statuses(&h.push(&world.pcso, &ops)),
        ["accepted", "accepted"]
    );
    let before = world.snapshot();

    // The same batch again, twice over in one push, and with its content altered.
    assert_eq!(
        statuses(&h.push(&world.pcso, &ops)),
        ["duplicate", "duplicate"]
    );
    let doubled: Vec<_> = ops.iter().chain(&ops).cloned().collect();
    assert_eq!(
        statuses(&h.push(&world.pcso, &doubled)),
        vec!["duplicate"; 4]
    );
    let mut altered = ops.clone();
    altered[0].fields.get_mut("text").expect("text").value = json!(MARKER);
    altered[1].hlc = world.pcso.hlc();
    assert_eq!(
        statuses(&h.push(&world.pcso, &altered)),
        ["duplicate", "duplicate"]
    );
    // Replayed by someone else's device (a captured batch): op ids are scoped to the sending
    // device, so these are not its duplicates — they are judged, and refused as another
    // device's ops. Still nothing changes.
    let thief = h.enrol(&h.pcso2);
    let before_thief = world.snapshot();
    assert_eq!(
        statuses(&h.push(&thief, &altered)),
        ["author_mismatch", "author_mismatch"]
    );
    assert_eq!(world.snapshot(), before_thief);
    assert_eq!(before_thief.changes, before.changes);
    let (raw, _) = h.pull_all(&world.reader);
    assert!(!raw.contains(MARKER), "a replay changed a record");
}

#[test]
fn oversized_headers_are_refused_without_harm() {
    let world = World::start();
    let before = world.snapshot();
    let response = world
        .h
        .client
        .get(world.h.url("/v1/sync/pull"))
        .header(AUTHORIZATION, format!("Bearer {}", "a".repeat(1 << 20)))
        .send();
    match response {
        Ok(response) => {
            // Refused by the HTTP parser before any handler: no ErrorBody can be added there.
            assert_eq!(
                response.status(),
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
            );
        }
        // Refused while still sending the headers: the connection is cut.
        Err(e) => assert!(e.is_request() || e.is_body(), "{e}"),
    }
    world.h.wait_healthy();
    assert_eq!(world.snapshot(), before);
}

#[test]
fn guessing_enrolment_codes_is_slowed_and_enrols_nothing() {
    let world = World::start();
    let good = world.h.code_for(&world.h.pcso2);
    let before = world.snapshot();
    let guess = |code: &str| {
        world.h.post_json(
            "/v1/enrol",
            None,
            &json!({"code": code, "device_name": "guesser"}),
        )
    };
    for i in 0..beatbook_server::throttle::DEFAULT_FREE_FAILURES {
        let (status, text) = guess(&format!("GUESS{i:05}"));
        assert_error(
            "a guess",
            status,
            &text,
            StatusCode::BAD_REQUEST,
            "enrolment_code_invalid",
        );
    }
    // Past its free failures this address waits, a good code included (other addresses do
    // not: `hostile/guessing.rs`).
    for code in ["GUESS99999", good.as_str()] {
        let response = world
            .h
            .client
            .post(world.h.url("/v1/enrol"))
            .json(&json!({"code": code, "device_name": "guesser"}))
            .send()
            .expect("sent");
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let (status, text) = read(response);
        assert_error(
            "after the free guesses",
            status,
            &text,
            StatusCode::TOO_MANY_REQUESTS,
            "slow_down",
        );
        assert!(
            retry_after.is_some_and(|s| (1..=30).contains(&s)),
            "{retry_after:?}"
        );
    }
    assert_eq!(world.snapshot(), before, "a guess enrolled a device");
}
