//! Hostile ops inside a push that parses: missing and unknown members and fields, absurd
//! clocks, numbers and timestamps, deep nesting. Each is rejected on its own with its code
//! (the push itself is `200`), and nothing changes. Text full of SQL and full-text-search
//! metacharacters is not hostile to a correct server: it is stored and returned verbatim.

use super::{World, MARKER};
use crate::common::{contact, new_id, note, patrol, statuses, Device};
use beatbook_core::sync::protocol::{OpStatus, PushResponse, RecordKind};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A note op as JSON, for `edit` to break.
fn note_op(world: &World, edit: impl FnOnce(&mut Value)) -> Value {
    let id = new_id();
    let op = world
        .pcso
        .op(RecordKind::Note, &id, note(&id, world.h.pcso.id, MARKER));
    let mut op = serde_json::to_value(op).expect("op json");
    edit(&mut op);
    op
}

fn set_field(op: &mut Value, name: &str, value: Value) {
    op["fields"][name] = json!({"value": value, "base": null});
}

fn push_values(world: &World, device: &Device, ops: &[Value]) -> PushResponse {
    let (status, text) = world.h.post_json(
        "/v1/sync/push",
        Some(&device.token),
        &json!({"protocol": 1, "ops": ops}),
    );
    assert_eq!(status, StatusCode::OK, "{text}");
    serde_json::from_str(&text).expect("PushResponse")
}

fn nested(depth: usize) -> String {
    format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
}

#[test]
fn malformed_ops_are_rejected_alone_and_change_nothing() {
    let world = World::start();
    let before = world.snapshot();
    let device = world.pcso.id;
    let far = move |wall: u64| format!("{wall:016x}-00000000-{device}");
    let year_ahead = crate::common::now_ms() + 365 * 24 * 3_600_000;
    type Edit = Box<dyn FnOnce(&mut Value)>;
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "no kind",
            Box::new(|op| {
                op.as_object_mut().map(|o| o.remove("kind"));
            }),
            "unknown_kind",
        ),
        (
            "kind in capitals",
            Box::new(|op| op["kind"] = json!("NOTE")),
            "unknown_kind",
        ),
        (
            "kind of SQL",
            Box::new(|op| op["kind"] = json!("note'; DROP TABLE records; --")),
            "unknown_kind",
        ),
        (
            "kind a number",
            Box::new(|op| op["kind"] = json!(7)),
            "unknown_kind",
        ),
        (
            "no hlc",
            Box::new(|op| {
                op.as_object_mut().map(|o| o.remove("hlc"));
            }),
            "invalid_record",
        ),
        (
            "no author",
            Box::new(|op| {
                op.as_object_mut().map(|o| o.remove("author"));
            }),
            "invalid_record",
        ),
        (
            "no device",
            Box::new(|op| {
                op.as_object_mut().map(|o| o.remove("device"));
            }),
            "invalid_record",
        ),
        (
            "no record_id",
            Box::new(|op| {
                op.as_object_mut().map(|o| o.remove("record_id"));
            }),
            "invalid_record",
        ),
        (
            "hlc NaN",
            Box::new(|op| op["hlc"] = json!("NaN")),
            "invalid_record",
        ),
        (
            "hlc a number",
            Box::new(|op| op["hlc"] = json!(1e300)),
            "invalid_record",
        ),
        (
            "hlc negative",
            Box::new(move |op| op["hlc"] = json!(format!("-000000000000001-00000000-{device}"))),
            "invalid_record",
        ),
        (
            "hlc wall over 64 bits",
            Box::new(move |op| op["hlc"] = json!(format!("10000000000000000-00000000-{device}"))),
            "invalid_record",
        ),
        (
            "hlc counter over 32 bits",
            Box::new(move |op| op["hlc"] = json!(format!("0000000000000001-100000000-{device}"))),
            "invalid_record",
        ),
        (
            "hlc with a trailing marker",
            Box::new(move |op| op["hlc"] = json!(format!("{}{MARKER}", far(1)))),
            "invalid_record",
        ),
        (
            "hlc at the end of time",
            Box::new(move |op| op["hlc"] = json!(far(u64::MAX))),
            "clock_ahead",
        ),
        (
            "hlc a year ahead",
            Box::new(move |op| op["hlc"] = json!(far(year_ahead))),
            "clock_ahead",
        ),
        (
            "fields not an object",
            Box::new(|op| op["fields"] = json!([MARKER])),
            "invalid_record",
        ),
        (
            "a field without a value wrapper",
            Box::new(|op| op["fields"]["text"] = json!(MARKER)),
            "invalid_record",
        ),
        (
            "erase reason a number",
            Box::new(|op| op["erase"] = json!({"reason": 5})),
            "invalid_record",
        ),
        (
            "text a number",
            Box::new(|op| set_field(op, "text", json!(5))),
            "invalid_record",
        ),
        (
            "observed_at NaN",
            Box::new(|op| set_field(op, "observed_at", json!("NaN"))),
            "invalid_record",
        ),
        (
            "observed_at month 99",
            Box::new(|op| set_field(op, "observed_at", json!("2026-99-01T00:00:00Z"))),
            "invalid_record",
        ),
        (
            "observed_at beyond year 262143",
            Box::new(|op| set_field(op, "observed_at", json!("+275760-09-13T00:00:00Z"))),
            "invalid_record",
        ),
        (
            "observed_at a number",
            Box::new(|op| set_field(op, "observed_at", json!(-1))),
            "invalid_record",
        ),
        (
            "category an absurd number",
            Box::new(|op| set_field(op, "category", json!(1e308))),
            "invalid_record",
        ),
        (
            "place lat as text",
            Box::new(|op| set_field(op, "place", json!({"lat": "NaN", "lon": 0}))),
            "invalid_record",
        ),
        (
            "a value nested 120 deep",
            Box::new(|op| {
                set_field(
                    op,
                    "text",
                    serde_json::from_str(&nested(120)).expect("json"),
                )
            }),
            "invalid_record",
        ),
        (
            "an unknown field on a whole record",
            Box::new(|op| set_field(op, "smuggled", json!(MARKER))),
            "invalid_record",
        ),
        (
            "an id that is not the record id",
            Box::new(|op| set_field(op, "id", json!(MARKER))),
            "invalid_record",
        ),
        (
            "an unknown field on a partial record",
            Box::new(|op| {
                op["fields"] = json!({"text": {"value": "x", "base": null}, "smuggled": {"value": MARKER, "base": null}});
            }),
            "invalid_record",
        ),
    ];
    let (names, ops): (Vec<_>, Vec<_>) = cases
        .into_iter()
        .map(|(name, edit, code)| ((name, code), note_op(&world, edit)))
        .unzip();
    let response = push_values(&world, &world.pcso, &ops);
    assert_eq!(response.results.len(), names.len());
    for ((name, code), result) in names.iter().zip(&response.results) {
        match &result.status {
            OpStatus::Rejected { code: got, message } => {
                assert_eq!(got.as_str(), *code, "{name}: {message}");
                assert!(
                    !message.contains(MARKER),
                    "{name}: message quotes the op: {message}"
                );
            }
            other => panic!("{name}: expected {code}, got {other:?}"),
        }
    }
    assert_eq!(world.snapshot(), before, "a rejected op changed the server");
}

#[test]
fn bad_numbers_and_nested_unknown_fields_in_other_kinds_are_rejected() {
    let world = World::start();
    let before = world.snapshot();
    let pcso = &world.pcso;
    let who = world.h.pcso.id;
    let mut ops = Vec::new();
    for count in [
        json!(-1),
        json!(4_294_967_296u64),
        json!(1.5),
        json!("3"),
        json!(null),
    ] {
        let id = new_id();
        let mut fields = contact(&id, who);
        fields["people_count"] = count;
        ops.push(pcso.op(RecordKind::Contact, &id, fields));
    }
    let id = new_id();
    let mut fields = patrol(&id, who, &[], "foot");
    fields["assessment"] =
        json!({"purpose_met": "yes", "value_rating": 3, "summary": "ok", "smuggled": MARKER});
    ops.push(pcso.op(RecordKind::Patrol, &id, fields));
    let id = new_id();
    let mut fields = patrol(&id, who, &[], "foot");
    fields["assessment"] = json!({"purpose_met": "yes", "value_rating": 300, "summary": "ok"});
    ops.push(pcso.op(RecordKind::Patrol, &id, fields));
    let response = world.h.push(pcso, &ops);
    assert_eq!(statuses(&response), vec!["invalid_record"; ops.len()]);
    assert_eq!(world.snapshot(), before);
}

/// Well-typed records that break the stored value rules (`StoredValueRules` in the core):
/// each is refused alone, naming the field and the rule but never the value, and a record at
/// the edge of every range is accepted.
#[test]
fn values_outside_the_stored_rules_are_refused_naming_the_field() {
    let world = World::start();
    let pcso = &world.pcso;
    let who = world.h.pcso.id;
    let long_marker = format!("{MARKER}{}", "x".repeat(10_000));
    let contact_with = |name: &str, value: Value| {
        let id = new_id();
        let mut fields = contact(&id, who);
        fields[name] = value;
        pcso.op(RecordKind::Contact, &id, fields)
    };
    let patrol_with = |edits: &[(&str, Value)]| {
        let id = new_id();
        let mut fields = patrol(&id, who, &[], "foot");
        for (name, value) in edits {
            fields[*name] = value.clone();
        }
        pcso.op(RecordKind::Patrol, &id, fields)
    };
    let hour_ago = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let later = (chrono::Utc::now() + chrono::Duration::minutes(1)).to_rfc3339();
    let assessment = json!({"purpose_met": "yes", "value_rating": 4, "summary": "Quiet"});
    let refused = vec![
        ("people_count", contact_with("people_count", json!(0))),
        ("people_count", contact_with("people_count", json!(10_001))),
        (
            "place.lat",
            contact_with("place", json!({"lat": 1000.0, "lon": 0.0})),
        ),
        (
            "place.lon",
            contact_with("place", json!({"lat": 0.0, "lon": -180.5})),
        ),
        (
            "issues_text",
            contact_with("issues_text", json!(long_marker)),
        ),
        ("purpose", patrol_with(&[("purpose", json!("   "))])),
        (
            "ended_at",
            patrol_with(&[
                ("ended_at", json!(hour_ago)),
                ("assessment", assessment.clone()),
            ]),
        ),
        ("assessment", patrol_with(&[("ended_at", json!(later))])),
        (
            "assessment.value_rating",
            patrol_with(&[
                ("ended_at", json!(later)),
                (
                    "assessment",
                    json!({"purpose_met": "yes", "value_rating": 9, "summary": "Quiet"}),
                ),
            ]),
        ),
    ];
    let (fields, mut ops): (Vec<_>, Vec<_>) = refused.into_iter().unzip();
    ops.push(contact_with("people_count", json!(10_000)));
    ops.push(contact_with("place", json!({"lat": -90.0, "lon": 180.0})));
    ops.push(patrol_with(&[
        ("ended_at", json!(later)),
        ("assessment", assessment),
    ]));
    let response = world.h.push(pcso, &ops);
    for (field, result) in fields.iter().zip(&response.results) {
        match &result.status {
            OpStatus::Rejected { code, message } => {
                assert_eq!(code.as_str(), "invalid_record", "{field}: {message}");
                assert!(message.contains(field), "{field}: {message}");
                assert!(
                    !message.contains(MARKER),
                    "message quotes the value: {message}"
                );
            }
            other => panic!("{field}: expected a rejection, got {other:?}"),
        }
    }
    assert_eq!(
        statuses(&response)[fields.len()..],
        ["accepted", "accepted", "accepted"]
    );
}

#[test]
fn unknown_op_members_are_dropped_never_stored() {
    let world = World::start();
    let op = note_op(&world, |op| {
        op[MARKER] = json!(MARKER);
        set_field(op, "text", json!("Plain text"));
    });
    let response = push_values(&world, &world.pcso, &[op]);
    assert_eq!(statuses(&response), ["accepted"]);
    let (raw, _) = world.h.pull_all(&world.reader);
    assert!(
        !raw.contains(MARKER),
        "an unknown op member was stored and sent"
    );
}

/// Text that breaks naive SQL, LIKE, FTS5 and HTML handling.
const NASTY: &[&str] = &[
    "Robert'); DROP TABLE records; --",
    "\" OR \"1\"=\"1",
    "noise NEAR/3 gate* OR \"open gate\" AND -closed ^start text:value (",
    "100% _wild_ \\ backslash \\\\ and a quote '",
    "nul \u{0} inside",
    "emoji 🚓 RTL \u{202e}txet desrever\u{202c} combining e\u{301}",
    "</script><script>alert(1)</script>",
    "$(rm -rf /) `id` {{7*7}} %s %n",
    "line one\r\nline two\ttabbed",
];

#[test]
fn sql_and_search_metacharacters_round_trip_verbatim() {
    let world = World::start();
    let (h, pcso) = (&world.h, &world.pcso);
    let who = h.pcso.id;
    let mut ops = Vec::new();
    let mut expected: Vec<(String, &str, Value)> = Vec::new();
    for (i, text) in NASTY.iter().enumerate() {
        let n = new_id();
        ops.push(pcso.op(RecordKind::Note, &n, note(&n, who, text)));
        expected.push((n, "text", json!(text)));

        let p = new_id();
        let mut fields = patrol(&p, who, &[], "foot");
        fields["purpose"] = json!(text);
        fields["operation_name"] = json!(format!("Op {text}"));
        fields["observations"] = json!(text);
        ops.push(pcso.op(RecordKind::Patrol, &p, fields));
        expected.push((p.clone(), "purpose", json!(text)));
        expected.push((p.clone(), "operation_name", json!(format!("Op {text}"))));
        expected.push((p, "observations", json!(text)));

        let c = new_id();
        let mut fields = contact(&c, who);
        fields["issues_text"] = json!(text);
        fields["promised"] = json!(text);
        ops.push(pcso.op(RecordKind::Contact, &c, fields));
        expected.push((c.clone(), "issues_text", json!(text)));
        // A phone number holds at most 40 characters (the stored value rules).
        let phone: String = format!("07700 90{i:04} {text}").chars().take(40).collect();
        let details = json!({"name": text, "phone": phone, "email": text, "address": text});
        ops.push(pcso.op(
            RecordKind::ContactPersonal,
            &c,
            json!({"details": details, "ethnicity": null}),
        ));
        expected.push((c, "details", details));
    }
    let response = h.push(pcso, &ops);
    assert!(
        statuses(&response).iter().all(|s| s == "accepted"),
        "{:?}",
        statuses(&response)
    );
    let (_, changes) = h.pull_all(&world.reader);
    for (record_id, field, value) in expected {
        let change = changes
            .iter()
            .find(|c| c.record_id == record_id && c.fields.contains_key(field))
            .unwrap_or_else(|| panic!("{record_id}.{field} not pulled"));
        assert_eq!(
            change.fields[field].value, value,
            "{field} changed on the way"
        );
    }
    // Device names too: stored as typed.
    for text in NASTY.iter().filter(|t| !t.chars().any(char::is_control)) {
        let code = h.code_for(&h.pcso2);
        let (status, body) = h.post_json(
            "/v1/enrol",
            None,
            &json!({"code": code, "device_name": text}),
        );
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let names: Vec<String> = beatbook_server::admin::list_devices(h.storage())
        .expect("devices")
        .into_iter()
        .map(|d| d.name)
        .collect();
    for text in NASTY.iter().filter(|t| !t.chars().any(char::is_control)) {
        assert!(
            names.iter().any(|n| n == text.trim()),
            "device name {text:?} changed"
        );
    }
}
