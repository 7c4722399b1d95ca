use super::StoredValueRules;
use crate::model::{Contact, ContactPersonalData, Note, Patrol, PersonalDetails};
use crate::validation::{limits, Rule};
use serde_json::{json, Value};

fn contact() -> Value {
    json!({
        "id": "0192f0c4-1d2e-7a00-8000-000000000001",
        "occurred_at": "2026-11-01T10:00:00Z",
        "place": {"lat": 52.63, "lon": 1.29},
        "lsoa_code": "E01027461",
        "lap_code": "LAP-NV",
        "method": "door_knock",
        "audience": "resident",
        "people_count": 2,
        "issues": ["anti-social-behaviour"],
        "issues_text": "Bikes on the green at night",
        "promised": null,
        "follow_up_id": null,
        "consent_to_recontact": false,
        "has_personal_details": false,
        "has_ethnicity": false,
        "repeat_caller": false,
        "vulnerable": false,
        "repeat_location": false,
        "problem_id": null,
        "patrol_id": null,
        "recorded_by": "0192f0c4-1d2e-7a00-8000-000000000002",
        "redacted_at": null,
        "created_at": "2026-11-01T10:00:00Z",
        "updated_at": "2026-11-01T10:00:00Z"
    })
}

fn patrol() -> Value {
    json!({
        "id": "0192f0c4-1d2e-7a00-8000-000000000003",
        "kind": "foot",
        "area": {"kind": "lsoa", "id": "E01027461"},
        "purpose": "Reassurance after burglaries",
        "operation_name": null,
        "recorded_by": "0192f0c4-1d2e-7a00-8000-000000000002",
        "participants": [],
        "started_at": "2026-11-01T10:00:00Z",
        "ended_at": null,
        "observations": null,
        "assessment": null,
        "created_at": "2026-11-01T10:00:00Z",
        "updated_at": "2026-11-01T10:00:00Z"
    })
}

fn with(mut value: Value, field: &str, new: Value) -> Value {
    value[field] = new;
    value
}

fn rule_broken<T: StoredValueRules + serde::de::DeserializeOwned>(value: Value) -> (String, Rule) {
    let record: T = serde_json::from_value(value).expect("the test record parses");
    let e = record
        .check_stored_values()
        .expect_err("the rule should be broken");
    (e.field, e.rule)
}

fn keeps_rules<T: StoredValueRules + serde::de::DeserializeOwned>(value: Value) -> bool {
    let record: T = serde_json::from_value(value).expect("the test record parses");
    record.check_stored_values().is_ok()
}

#[test]
fn a_well_formed_contact_and_patrol_keep_the_rules() {
    assert!(keeps_rules::<Contact>(contact()));
    assert!(keeps_rules::<Patrol>(patrol()));
}

#[test]
fn coordinates_out_of_range_are_named_by_field() {
    let (field, rule) =
        rule_broken::<Contact>(with(contact(), "place", json!({"lat": 1000.0, "lon": 1.0})));
    assert_eq!(field, "place.lat");
    assert!(matches!(rule, Rule::OutOfRange { .. }));
    let note = json!({
        "id": "0192f0c4-1d2e-7a00-8000-000000000004",
        "observed_at": "2026-11-01T10:00:00Z",
        "text": "Gate left open",
        "category": "observation",
        "place": {"lat": 52.0, "lon": -181.0},
        "lsoa_code": null,
        "patrol_id": null,
        "problem_id": null,
        "author": "0192f0c4-1d2e-7a00-8000-000000000002",
        "created_at": "2026-11-01T10:00:00Z"
    });
    assert_eq!(rule_broken::<Note>(note).0, "place.lon");
}

#[test]
fn people_count_outside_one_to_ten_thousand_is_refused() {
    for count in [0, 10_001] {
        let (field, _) = rule_broken::<Contact>(with(contact(), "people_count", json!(count)));
        assert_eq!(field, "people_count");
    }
    assert!(keeps_rules::<Contact>(with(
        contact(),
        "people_count",
        json!(10_000)
    )));
}

#[test]
fn text_over_its_limit_is_refused_and_the_message_does_not_quote_it() {
    let long = "x".repeat(limits::LONG_TEXT + 1);
    let record: Contact =
        serde_json::from_value(with(contact(), "issues_text", json!(long))).expect("parses");
    let e = record.check_stored_values().expect_err("too long");
    assert_eq!(e.field, "issues_text");
    assert!(!e.to_string().contains("xxxx"), "{e}");
    let at_limit = "x".repeat(limits::LONG_TEXT);
    assert!(keeps_rules::<Contact>(with(
        contact(),
        "issues_text",
        json!(at_limit)
    )));
}

#[test]
fn a_closed_patrol_needs_an_end_after_its_start_and_an_assessment() {
    let before_start = with(patrol(), "ended_at", json!("2026-11-01T09:00:00Z"));
    assert_eq!(rule_broken::<Patrol>(before_start).1, Rule::EndBeforeStart);
    let unassessed = with(patrol(), "ended_at", json!("2026-11-01T12:00:00Z"));
    assert_eq!(
        rule_broken::<Patrol>(unassessed).1,
        Rule::AssessmentRequired
    );
    let assessed = with(
        with(patrol(), "ended_at", json!("2026-11-01T12:00:00Z")),
        "assessment",
        json!({"purpose_met": "yes", "value_rating": 4, "summary": "Quiet evening"}),
    );
    assert!(keeps_rules::<Patrol>(assessed.clone()));
    let bad_rating = with(
        assessed,
        "assessment",
        json!({"purpose_met": "yes", "value_rating": 9, "summary": "Quiet evening"}),
    );
    assert_eq!(
        rule_broken::<Patrol>(bad_rating).0,
        "assessment.value_rating"
    );
    assert_eq!(
        rule_broken::<Patrol>(with(patrol(), "purpose", json!("  "))).1,
        Rule::Required
    );
}

#[test]
fn redacted_personal_data_keeps_the_rules_and_overlong_details_do_not() {
    let redacted = ContactPersonalData {
        details: None,
        ethnicity: None,
    };
    assert!(redacted.check_stored_values().is_ok());
    let overlong = ContactPersonalData {
        details: Some(PersonalDetails {
            name: Some("n".repeat(limits::SHORT_TEXT + 1)),
            phone: None,
            email: None,
            address: None,
        }),
        ethnicity: None,
    };
    let e = overlong.check_stored_values().expect_err("too long");
    assert_eq!(e.field, "personal.name");
}

#[test]
fn a_correction_reason_may_be_absent_but_not_overlong() {
    // Records from before corrections existed carry no reason at all.
    assert!(keeps_rules::<Patrol>(patrol()));
    let reason = "x".repeat(crate::model::correction::MAX_REASON_CHARS + 1);
    let (field, rule) = rule_broken::<Patrol>(with(patrol(), "correction_reason", json!(reason)));
    assert_eq!(field, "correction_reason");
    assert!(matches!(rule, Rule::TooLong { .. }));
    let (field, _) = rule_broken::<Contact>(with(contact(), "correction_reason", json!(reason)));
    assert_eq!(field, "correction_reason");
    assert!(keeps_rules::<Patrol>(with(
        with(patrol(), "correction_reason", json!("Typed the wrong day")),
        "cancelled_at",
        json!("2026-11-01T11:00:00Z")
    )));
}
