//! The analysis triangle merges per corner: concurrent edits of different corners both survive
//! on the server and on every device, in any order; edits of one corner conflict like any field.

use super::*;
use crate::ids::{DeviceId, ProblemId};
use crate::model::{
    AnalysisTriangle, AreaRef, CrimeCategory, Problem, SaraStage, TRIANGLE_LOCATION,
    TRIANGLE_OFFENDER, TRIANGLE_VICTIM,
};
use crate::sync::protocol::FieldChange;
use chrono::DateTime;
use serde_json::{json, Value};
use uuid::Uuid;

fn created_problem(created: Hlc) -> RecordState {
    let at = DateTime::from_timestamp_millis(1_780_000_000_000).expect("time");
    let problem = Problem {
        id: ProblemId::new(),
        title: "Garage burglaries".into(),
        area: AreaRef::Lap("LAP-NV".into()),
        category: CrimeCategory::Burglary,
        owner: UserId::new(),
        stage: SaraStage::Analysis,
        triangle: AnalysisTriangle::default(),
        repeat_types: vec![],
        responses: vec![],
        assessment: None,
        created_by: UserId::new(),
        created_at: at,
        updated_at: at,
        stage_changed_at: at,
    };
    let Value::Object(fields) = serde_json::to_value(problem).expect("json") else {
        panic!("an object")
    };
    RecordState {
        fields: fields
            .into_iter()
            .map(|(name, value)| {
                (
                    name,
                    FieldState {
                        value,
                        hlc: created,
                    },
                )
            })
            .collect(),
        erased: false,
    }
}

fn corner_edit(hlc: Hlc, corner: &str, value: &str, base: Hlc) -> Op {
    Op {
        op_id: Uuid::now_v7(),
        kind: RecordKind::Problem,
        record_id: "p1".into(),
        hlc,
        author: UserId::new(),
        device: hlc.node,
        fields: [(
            corner.to_owned(),
            FieldChange {
                value: json!(value),
                base: Some(base),
            },
        )]
        .into(),
        erase: None,
    }
}

fn applied(plan: OpPlan) -> (RecordState, Vec<ConflictFound>) {
    match plan {
        OpPlan::Apply {
            state, conflicts, ..
        } => (state, conflicts),
        other => panic!("expected Apply, got {other:?}"),
    }
}

fn triangle(state: &RecordState) -> AnalysisTriangle {
    let object: serde_json::Map<String, Value> = state
        .fields
        .iter()
        .map(|(name, f)| (name.clone(), f.value.clone()))
        .collect();
    serde_json::from_value::<Problem>(Value::Object(object))
        .expect("a problem")
        .triangle
}

#[test]
fn concurrent_edits_of_different_corners_both_survive_in_either_order() {
    let (a, b) = (DeviceId::new(), DeviceId::new());
    let created = Hlc::new(100, a);
    let start = created_problem(created);
    let offender = corner_edit(Hlc::new(200, a), TRIANGLE_OFFENDER, "Two youths", created);
    let location = corner_edit(Hlc::new(201, b), TRIANGLE_LOCATION, "Rear lane", created);
    for (first, second) in [(&offender, &location), (&location, &offender)] {
        let (s1, c1) = applied(plan_op(&start, first));
        let (s2, c2) = applied(plan_op(&s1, second));
        assert!(
            c1.is_empty() && c2.is_empty(),
            "different corners never conflict"
        );
        let merged = triangle(&s2);
        assert_eq!(merged.offender.as_deref(), Some("Two youths"));
        assert_eq!(merged.location.as_deref(), Some("Rear lane"));
    }
    // A device that pulls the two edits as the server holds them, in either order, agrees.
    let (server, _) = applied(plan_op(&applied(plan_op(&start, &offender)).0, &location));
    for order in [[&offender, &location], [&location, &offender]] {
        let mut device = start.clone();
        for edit in order {
            let (after, _) = applied(plan_op(&start, edit));
            merge_state(RecordKind::Problem, &mut device, &after.fields, false);
        }
        assert_eq!(device, server);
    }
}

#[test]
fn concurrent_edits_of_one_corner_leave_one_winner_and_one_conflict() {
    let (a, b) = (DeviceId::new(), DeviceId::new());
    let created = Hlc::new(100, a);
    let start = created_problem(created);
    let older = corner_edit(Hlc::new(200, a), TRIANGLE_VICTIM, "Mrs J. Smith", created);
    let newer = corner_edit(
        Hlc::new(300, b),
        TRIANGLE_VICTIM,
        "No. 4's tenants",
        created,
    );
    for (first, second) in [(&older, &newer), (&newer, &older)] {
        let (s1, _) = applied(plan_op(&start, first));
        let (s2, conflicts) = applied(plan_op(&s1, second));
        assert_eq!(triangle(&s2).victim.as_deref(), Some("No. 4's tenants"));
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].field, TRIANGLE_VICTIM);
        assert_eq!(conflicts[0].loser.value, "Mrs J. Smith");
        assert_eq!(conflicts[0].winner.value, "No. 4's tenants");
    }
}
