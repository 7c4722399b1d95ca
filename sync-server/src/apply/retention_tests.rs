//! A supervisor's decision to retain a record, as the server decides it: accepted for a record
//! of the author's team whose id it names; refused for another team's record, a record the
//! server does not hold, fields naming another record, a non-supervisor, or a date the core
//! refuses.

use super::tests::ctx;
use super::*;
use crate::storage::CurrentRecord;
use beatbook_core::model::Role;
use beatbook_core::sync::protocol::FieldChange;
use chrono::Duration;
use serde_json::json;

fn review_op(ctx: &PushContext, id: &str, record_id: &str, days: i64) -> Op {
    let fields = json!({
        "record_kind": "note",
        "record_id": record_id,
        "team_id": ctx.principal.team_id,
        "review_on": ctx.now + Duration::days(days),
        "reason": "Linked to an open case",
        "decided_by": ctx.principal.user_id,
        "decided_at": ctx.now,
    });
    let serde_json::Value::Object(map) = fields else {
        panic!("an object")
    };
    Op {
        op_id: Uuid::now_v7(),
        kind: RecordKind::RetentionReview,
        record_id: id.into(),
        hlc: Hlc::new(ctx.now_ms(), ctx.principal.device_id),
        author: ctx.principal.user_id,
        device: ctx.principal.device_id,
        fields: map
            .into_iter()
            .map(|(k, value)| (k, FieldChange { value, base: None }))
            .collect(),
        erase: None,
    }
}

fn with_reviewed(team: Option<beatbook_core::ids::TeamId>) -> CurrentRecord {
    CurrentRecord {
        reviewed: Some(RecordMeta {
            team_id: team,
            ..RecordMeta::default()
        }),
        ..CurrentRecord::default()
    }
}

fn outcome(ctx: &PushContext, op: &Op, current: &CurrentRecord) -> Option<String> {
    match decide(ctx, op, current) {
        Decision::Reject { code, message } => Some(format!("{}: {message}", code.as_str())),
        _ => None,
    }
}

#[test]
fn a_supervisor_retains_a_record_of_their_team_by_its_id() {
    let sergeant = ctx(Role::Supervisor);
    let ours = with_reviewed(sergeant.principal.team_id);
    let op = review_op(&sergeant, "note:n1", "n1", 90);
    assert_eq!(outcome(&sergeant, &op, &ours), None);
}

#[test]
fn a_decision_about_another_teams_or_an_unknown_record_is_refused() {
    let sergeant = ctx(Role::Supervisor);
    let op = review_op(&sergeant, "note:n1", "n1", 90);
    let theirs = with_reviewed(Some(beatbook_core::ids::TeamId::new()));
    let refused = outcome(&sergeant, &op, &theirs).expect("refused");
    assert!(refused.starts_with("forbidden"), "{refused}");
    let unknown = outcome(&sergeant, &op, &CurrentRecord::default()).expect("refused");
    assert!(unknown.contains("not on the server"), "{unknown}");
}

#[test]
fn fields_must_name_the_record_the_id_names_and_the_core_rules_hold() {
    let sergeant = ctx(Role::Supervisor);
    let ours = with_reviewed(sergeant.principal.team_id);
    let other = review_op(&sergeant, "note:n1", "n2", 90);
    let refused = outcome(&sergeant, &other, &ours).expect("refused");
    assert!(refused.contains("must name the record"), "{refused}");
    let far = review_op(&sergeant, "note:n1", "n1", 5000);
    let refused = outcome(&sergeant, &far, &ours).expect("refused");
    assert!(refused.starts_with("invalid_record"), "{refused}");
    let officer = ctx(Role::Officer);
    let op = review_op(&officer, "note:n1", "n1", 90);
    let refused =
        outcome(&officer, &op, &with_reviewed(officer.principal.team_id)).expect("refused");
    assert!(refused.starts_with("forbidden"), "{refused}");
}
