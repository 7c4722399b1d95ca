//! A problem's synced shape: the analysis triangle's six corners are six top-level fields
//! (`triangle_offender` … `triangle_manager`), not one `triangle` object.
//!
//! Why: sync merges field by field, last writer wins per field. With the triangle as one
//! field, two officers editing different corners at once lost one edit. As six fields each
//! corner has its own clock, so concurrent edits of different corners both survive and only
//! edits of the same corner conflict (`docs/sync-protocol.md#problem-triangle`).
//!
//! The model keeps [`AnalysisTriangle`] as one value (what the screens and the store use);
//! only its serialised form is flat, so every reader and writer of the synced form — device
//! capture and merge, the server's validation, its views — sees the corners without a
//! conversion of its own. Stores and ops from before this shape (one `triangle` field) are
//! carried over by [`legacy_triangle_corners`]: device migration 0013, the server's migration,
//! and the server's mapping of an older build's pushed op.

use super::area::AreaRef;
use super::problem::{
    AnalysisTriangle, Assessment, Problem, RepeatType, ResponseAction, SaraStage,
};
use super::vocab::CrimeCategory;
use crate::ids::{ProblemId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The offender corner's field.
pub const TRIANGLE_OFFENDER: &str = "triangle_offender";
/// The victim corner's field.
pub const TRIANGLE_VICTIM: &str = "triangle_victim";
/// The location corner's field.
pub const TRIANGLE_LOCATION: &str = "triangle_location";
/// The handler (controller of the offender) field.
pub const TRIANGLE_HANDLER: &str = "triangle_handler";
/// The guardian (controller of the victim) field.
pub const TRIANGLE_GUARDIAN: &str = "triangle_guardian";
/// The manager (controller of the location) field.
pub const TRIANGLE_MANAGER: &str = "triangle_manager";
/// The one field the whole triangle was before the corners (protocol builds before 2026-12):
/// found in old stores, old conflicts and ops queued or pushed by older builds.
pub const LEGACY_TRIANGLE: &str = "triangle";

/// Each corner's field, the key of its side in the legacy `triangle` object, and its name in
/// the user's words. In the order the triangle is drawn.
pub const TRIANGLE_CORNERS: [(&str, &str, &str); 6] = [
    (
        TRIANGLE_OFFENDER,
        "offender",
        "offender (analysis triangle)",
    ),
    (TRIANGLE_VICTIM, "victim", "victim (analysis triangle)"),
    (
        TRIANGLE_LOCATION,
        "location",
        "location (analysis triangle)",
    ),
    (TRIANGLE_HANDLER, "handler", "handler (analysis triangle)"),
    (
        TRIANGLE_GUARDIAN,
        "guardian",
        "guardian (analysis triangle)",
    ),
    (TRIANGLE_MANAGER, "manager", "manager (analysis triangle)"),
];

/// The corners' fields and values of a legacy whole-triangle value (`{"offender": …, …}`); a
/// side it lacks is unknown (null). `None` when the value is not an object: not a triangle.
pub fn legacy_triangle_corners(triangle: &Value) -> Option<Vec<(&'static str, Value)>> {
    let sides = triangle.as_object()?;
    Some(
        TRIANGLE_CORNERS
            .iter()
            .map(|(field, side, _)| (*field, sides.get(*side).cloned().unwrap_or(Value::Null)))
            .collect(),
    )
}

/// A problem as synced: [`Problem`] with the triangle's corners at the top level.
#[derive(Serialize, Deserialize)]
pub(super) struct ProblemFields {
    id: ProblemId,
    title: String,
    area: AreaRef,
    category: CrimeCategory,
    owner: UserId,
    stage: SaraStage,
    triangle_offender: Option<String>,
    triangle_victim: Option<String>,
    triangle_location: Option<String>,
    triangle_handler: Option<String>,
    triangle_guardian: Option<String>,
    triangle_manager: Option<String>,
    repeat_types: Vec<RepeatType>,
    responses: Vec<ResponseAction>,
    assessment: Option<Assessment>,
    created_by: UserId,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    stage_changed_at: DateTime<Utc>,
}

impl From<Problem> for ProblemFields {
    fn from(p: Problem) -> Self {
        let AnalysisTriangle {
            offender,
            victim,
            location,
            handler,
            guardian,
            manager,
        } = p.triangle;
        ProblemFields {
            id: p.id,
            title: p.title,
            area: p.area,
            category: p.category,
            owner: p.owner,
            stage: p.stage,
            triangle_offender: offender,
            triangle_victim: victim,
            triangle_location: location,
            triangle_handler: handler,
            triangle_guardian: guardian,
            triangle_manager: manager,
            repeat_types: p.repeat_types,
            responses: p.responses,
            assessment: p.assessment,
            created_by: p.created_by,
            created_at: p.created_at,
            updated_at: p.updated_at,
            stage_changed_at: p.stage_changed_at,
        }
    }
}

impl From<ProblemFields> for Problem {
    fn from(f: ProblemFields) -> Self {
        Problem {
            id: f.id,
            title: f.title,
            area: f.area,
            category: f.category,
            owner: f.owner,
            stage: f.stage,
            triangle: AnalysisTriangle {
                offender: f.triangle_offender,
                victim: f.triangle_victim,
                location: f.triangle_location,
                handler: f.triangle_handler,
                guardian: f.triangle_guardian,
                manager: f.triangle_manager,
            },
            repeat_types: f.repeat_types,
            responses: f.responses,
            assessment: f.assessment,
            created_by: f.created_by,
            created_at: f.created_at,
            updated_at: f.updated_at,
            stage_changed_at: f.stage_changed_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LsoaCode;

    fn problem() -> Problem {
        let at = DateTime::parse_from_rfc3339("2026-05-01T10:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        Problem {
            id: ProblemId::new(),
            title: "Garage burglaries".into(),
            area: AreaRef::Lsoa(LsoaCode::parse("E01990002").expect("code")),
            category: CrimeCategory::Burglary,
            owner: UserId::new(),
            stage: SaraStage::Analysis,
            triangle: AnalysisTriangle {
                offender: Some("Two youths".into()),
                location: Some("Rear lane".into()),
                ..Default::default()
            },
            repeat_types: vec![],
            responses: vec![],
            assessment: None,
            created_by: UserId::new(),
            created_at: at,
            updated_at: at,
            stage_changed_at: at,
        }
    }

    #[test]
    fn each_corner_is_a_top_level_field_and_the_whole_triangle_is_not() {
        let fields = serde_json::to_value(problem()).expect("json");
        let fields = fields.as_object().expect("object");
        for (field, _, _) in TRIANGLE_CORNERS {
            assert!(fields.contains_key(field), "{field} is a synced field");
        }
        assert!(!fields.contains_key(LEGACY_TRIANGLE));
        assert_eq!(fields[TRIANGLE_OFFENDER], "Two youths");
        assert_eq!(fields[TRIANGLE_VICTIM], Value::Null);
    }

    #[test]
    fn a_problem_round_trips_through_its_synced_shape() {
        let p = problem();
        let back: Problem =
            serde_json::from_value(serde_json::to_value(&p).expect("json")).expect("parse");
        assert_eq!(back, p);
    }

    #[test]
    fn a_legacy_triangle_splits_into_its_corners() {
        let legacy = serde_json::to_value(problem().triangle).expect("json");
        let corners = legacy_triangle_corners(&legacy).expect("an object");
        let named: Vec<&str> = corners.iter().map(|(f, _)| *f).collect();
        assert_eq!(named, TRIANGLE_CORNERS.map(|(f, _, _)| f));
        assert_eq!(corners[0].1, "Two youths");
        assert_eq!(corners[2].1, "Rear lane");
        assert_eq!(corners[1].1, Value::Null);
        assert!(legacy_triangle_corners(&Value::String("x".into())).is_none());
    }
}
