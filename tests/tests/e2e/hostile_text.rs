//! Hostile content through the real server binary to another device's store. Text full of
//! SQL, LIKE, FTS5 and HTML metacharacters arrives byte for byte, and searching the second
//! device for it (metacharacters and all) finds the note rather than failing or matching
//! everything. Records that are well-typed but break the stored value rules (a latitude of
//! 1000, a 60,000-character note) are refused per op by the server, name the field and rule,
//! and never reach another device.

use beatbook_core::ids::NoteId;
use beatbook_core::model::{NewNote, NoteCategory};
use beatbook_core::sync::protocol::{
    FieldChange, Op, OpStatus, PushRequest, PushResponse, RecordKind, RejectCode, PROTOCOL_VERSION,
};
use beatbook_core::sync::Hlc;
use beatbook_e2e::http::push;
use beatbook_e2e::server::ServerProcess;
use chrono::Utc;
use serde_json::json;

/// Each also holds a plain word (the last one) that only it contains, to search for.
const NASTY: &[(&str, &str)] = &[
    ("Robert'); DROP TABLE notes; -- tablesalt", "tablesalt"),
    ("\" OR \"1\"=\"1 quorum", "quorum"),
    (
        "gate NEAR/3 open* OR \"x\" AND -y ^z col:val ( nearfield",
        "nearfield",
    ),
    ("100% _wild_ \\ back\\\\slash ' percentile", "percentile"),
    ("nul \u{0} inside nulline", "nulline"),
    ("🚓 \u{202e}desrever\u{202c} e\u{301} rtlword", "rtlword"),
    (
        "</script><script>alert(1)</script> scriptword",
        "scriptword",
    ),
    ("$(rm -rf /) `id` {{7*7}} %s %n shellword", "shellword"),
];

#[test]
fn metacharacters_survive_sync_and_search_on_another_device() {
    let server = ServerProcess::start(&[]);
    let devices = server.enrol_team(
        &server.url,
        &[("PCSO Avery", "pcso"), ("PCSO Blake", "pcso")],
    );
    let (a, b) = (&devices[0], &devices[1]);
    let notes: Vec<_> = NASTY
        .iter()
        .map(|(text, _)| {
            a.store
                .add_note(
                    &a.actor,
                    NewNote {
                        observed_at: Utc::now(),
                        text: (*text).to_owned(),
                        category: NoteCategory::Observation,
                        place: None,
                        patrol_id: None,
                        problem_id: None,
                    },
                )
                .unwrap_or_else(|e| panic!("{text:?} not recorded: {e}"))
        })
        .collect();
    a.sync();
    b.sync();
    for (note, (text, word)) in notes.iter().zip(NASTY) {
        let arrived = b.store.note(note.id).expect("note synced");
        assert_eq!(arrived.text, *text, "the text changed on the way");
        // The whole text as typed, and its one plain word: each finds this note.
        for query in [*text, *word] {
            let hits = b
                .store
                .search(query, 20)
                .unwrap_or_else(|e| panic!("search for {query:?} failed: {e}"));
            assert!(
                hits.iter().any(|h| h.record_id == note.id.to_string()),
                "search for {query:?} missed its note"
            );
        }
        let hits = b.store.search(word, 20).expect("search");
        assert_eq!(hits.len(), 1, "{word:?} matched other notes too");
    }
}

#[test]
fn records_that_break_value_rules_are_refused_per_op_and_never_reach_another_device() {
    let server = ServerProcess::start(&[]);
    let devices = server.enrol_team(
        &server.url,
        &[("PCSO Avery", "pcso"), ("PCSO Blake", "pcso")],
    );
    let (hostile, victim) = (&devices[0], &devices[1]);
    let now = Utc::now();
    let wall = u64::try_from(now.timestamp_millis()).expect("clock after 1970");
    let note = |text: String, observed_at: &str, place: serde_json::Value| {
        let id = NoteId::new().to_string();
        let fields = json!({
            "id": id, "observed_at": observed_at, "text": text, "category": "observation",
            "place": place, "lsoa_code": null, "patrol_id": null, "problem_id": null,
            "author": hostile.actor.user_id, "created_at": now,
        });
        let serde_json::Value::Object(fields) = fields else {
            unreachable!("an object literal")
        };
        Op {
            // A fresh UUIDv7 (this crate does not depend on uuid itself).
            op_id: NoteId::new().0,
            kind: RecordKind::Note,
            record_id: id,
            hlc: Hlc::new(wall, hostile.actor.device_id),
            author: hostile.actor.user_id,
            device: hostile.actor.device_id,
            fields: fields
                .into_iter()
                .map(|(k, value)| (k, FieldChange { value, base: None }))
                .collect(),
            erase: None,
        }
    };
    let ops = vec![
        note(
            "Far off".into(),
            &now.to_rfc3339(),
            json!({"lat": 1000.0, "lon": -1000.0}),
        ),
        note(
            "From the future".into(),
            "9999-12-31T23:59:59Z",
            json!(null),
        ),
        note("x".repeat(60_000), &now.to_rfc3339(), json!(null)),
        note(" ".into(), &now.to_rfc3339(), json!(null)),
    ];
    let body = serde_json::to_string(&PushRequest {
        protocol: PROTOCOL_VERSION,
        ops,
        pulled_through: None,
        epoch: None,
    })
    .expect("json");
    let answer = push(&server.url, &hostile.token(), &body);
    assert_eq!(answer.status, 200, "{}", answer.body);
    let results: PushResponse = serde_json::from_str(&answer.body).expect("push answer");
    let rejected_because = |i: usize| match &results.results[i].status {
        OpStatus::Rejected {
            code: RejectCode::InvalidRecord,
            message,
        } => message.clone(),
        other => panic!("op {i} should be refused as invalid, got {other:?}"),
    };
    assert!(
        rejected_because(0).contains("place.lat"),
        "{}",
        rejected_because(0)
    );
    let too_long = rejected_because(2);
    assert!(
        too_long.contains("text") && too_long.contains("10000"),
        "{too_long}"
    );
    assert!(
        !too_long.contains("xxxx"),
        "the message quotes the value: {too_long}"
    );
    // A time that has not happened yet is refused against the server's clock (time sense).
    let future = rejected_because(1);
    assert!(
        future.contains("observed_at") && future.contains("future"),
        "{future}"
    );
    assert_eq!(results.results[3].status, OpStatus::Accepted, "op 3");

    // The victim syncs, records a note, and syncs again: nothing is stuck, and nothing it was
    // sent had to be held back as unreadable.
    victim.sync();
    assert_eq!(victim.store.sync_status().expect("status").held_records, 0);
    let mine = victim
        .store
        .add_note(
            &victim.actor,
            NewNote {
                observed_at: Utc::now(),
                text: "Still syncing".into(),
                category: NoteCategory::Observation,
                place: None,
                patrol_id: None,
                problem_id: None,
            },
        )
        .expect("note");
    let report = victim.sync();
    assert_eq!(report.accepted, 1, "{report:?}");
    hostile.sync();
    assert_eq!(
        hostile.store.note(mine.id).expect("note").text,
        "Still syncing"
    );
}
