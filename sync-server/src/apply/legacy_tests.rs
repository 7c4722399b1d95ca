//! An older build's whole-triangle op (`triangle`) is accepted and applied as the six corner
//! fields; a corner someone else changed meanwhile is not lost silently (it conflicts), and a
//! triangle that is not an object is refused with `invalid_record`.

use super::tests::{ctx, rejected_code};
use super::*;
use crate::storage::CurrentRecord;
use beatbook_core::ids::ProblemId;
use beatbook_core::model::{
    AnalysisTriangle, AreaRef, CrimeCategory, Problem, Role, SaraStage, TRIANGLE_OFFENDER,
    TRIANGLE_VICTIM,
};
use beatbook_core::sync::protocol::{FieldChange, FieldState};
use serde_json::json;

const ID: &str = "0193a1b2-c3d4-7000-8000-0000000000aa";

fn stored_problem(ctx: &PushContext, analysed: Hlc) -> CurrentRecord {
    let problem = Problem {
        id: ID.parse::<ProblemId>().expect("id"),
        title: "Garage burglaries".into(),
        area: AreaRef::Lap("LAP-NV".into()),
        category: CrimeCategory::Burglary,
        owner: ctx.principal.user_id,
        stage: SaraStage::Analysis,
        triangle: AnalysisTriangle {
            offender: Some("Two youths".into()),
            ..Default::default()
        },
        repeat_types: vec![],
        responses: vec![],
        assessment: None,
        created_by: ctx.principal.user_id,
        created_at: ctx.now,
        updated_at: ctx.now,
        stage_changed_at: ctx.now,
    };
    CurrentRecord {
        exists: true,
        meta: RecordMeta {
            team_id: ctx.principal.team_id,
            owner: Some(ctx.principal.user_id),
            subject: None,
            members: Vec::new(),
        },
        state: crate::reference::state_of(&problem, analysed).expect("state"),
        companion: None,
        reviewed: None,
    }
}

fn old_builds_op(ctx: &PushContext, triangle: serde_json::Value, base: Hlc) -> Op {
    Op {
        op_id: Uuid::now_v7(),
        kind: RecordKind::Problem,
        record_id: ID.into(),
        hlc: Hlc::new(ctx.now_ms(), ctx.principal.device_id),
        author: ctx.principal.user_id,
        device: ctx.principal.device_id,
        fields: [(
            "triangle".to_owned(),
            FieldChange {
                value: triangle,
                base: Some(base),
            },
        )]
        .into(),
        erase: None,
    }
}

fn written(decision: Decision) -> (RecordState, Vec<RecordState>) {
    match decision {
        Decision::Write { record, extra, .. } => {
            (record.state, extra.into_iter().map(|r| r.state).collect())
        }
        other => panic!("expected a write, got {other:?}"),
    }
}

#[test]
fn an_old_builds_triangle_is_applied_as_corners() {
    let officer = ctx(Role::Officer);
    let analysed = Hlc::new(officer.now_ms() - 60_000, DeviceId::new());
    let current = stored_problem(&officer, analysed);
    let o = old_builds_op(
        &officer,
        json!({"offender": "Two youths", "victim": "Mrs J. Smith", "location": null,
               "handler": null, "guardian": null, "manager": null}),
        analysed,
    );
    let (state, conflicts) = written(decide(&officer, &o, &current));
    assert!(conflicts.is_empty(), "the author had seen every corner");
    assert!(!state.fields.contains_key("triangle"));
    assert_eq!(state.fields[TRIANGLE_VICTIM].value, "Mrs J. Smith");
    assert_eq!(state.fields[TRIANGLE_OFFENDER].value, "Two youths");
}

#[test]
fn a_corner_changed_meanwhile_conflicts_rather_than_vanishing() {
    let mut officer = ctx(Role::Officer);
    let analysed = Hlc::new(officer.now_ms() - 60_000, DeviceId::new());
    let mut current = stored_problem(&officer, analysed);
    // A new build changed the offender corner after the old build last synced, on a device
    // of a colleague's.
    let (colleague_device, colleague) = (DeviceId::new(), super::tests::colleague(&officer));
    officer.device_users.insert(colleague_device, colleague);
    current.state.fields.insert(
        TRIANGLE_OFFENDER.to_owned(),
        FieldState {
            value: json!("Three youths on scramblers"),
            hlc: Hlc::new(officer.now_ms() - 30_000, colleague_device),
        },
    );
    let o = old_builds_op(
        &officer,
        json!({"offender": "Two youths", "victim": "Mrs J. Smith"}),
        analysed,
    );
    let (state, conflicts) = written(decide(&officer, &o, &current));
    assert_eq!(
        conflicts.len(),
        1,
        "the overwritten corner is kept as a conflict"
    );
    // Both authors are named: the op's, and the colleague whose device's clock the kept
    // value carries.
    let conflict = &conflicts[0].fields;
    assert_eq!(conflict["field"].value, TRIANGLE_OFFENDER);
    assert_eq!(
        conflict["winner_author"].value,
        json!(officer.principal.user_id)
    );
    assert_eq!(conflict["loser_author"].value, json!(colleague));
    assert_eq!(state.fields[TRIANGLE_VICTIM].value, "Mrs J. Smith");
}

#[test]
fn a_triangle_that_is_not_an_object_is_refused_as_an_invalid_record() {
    let officer = ctx(Role::Officer);
    let analysed = Hlc::new(officer.now_ms() - 60_000, DeviceId::new());
    let current = stored_problem(&officer, analysed);
    let o = old_builds_op(&officer, json!("Two youths"), analysed);
    assert_eq!(
        rejected_code(decide(&officer, &o, &current)),
        Some(RejectCode::InvalidRecord)
    );
}
