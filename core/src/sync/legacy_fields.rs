//! Fields older builds sync that this build splits: a problem's whole `triangle`, now six
//! corner fields (`model::problem_fields`). Protocol version 1 stays: an older build's op is
//! accepted and read as the corners (`docs/sync-protocol.md#problem-triangle`), by the same
//! rule device migration 0012 and the server's migrations apply to stored state — the whole
//! triangle's value split by side, its clock (or base) given to every corner.
//!
//! Why accept rather than refuse: an older build's queued edit is someone's work, and a refusal
//! would leave it stuck on a device until it upgrades. Mapped, it behaves as it always did
//! (all six corners written), and a corner another officer changed meanwhile is not lost
//! silently: its base differs, so the server records a conflict.

use super::protocol::{FieldChange, Op, RecordKind};
use crate::model::{legacy_triangle_corners, LEGACY_TRIANGLE};
use serde_json::Value;

/// A legacy field whose value cannot be read as what it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field `{field}` of a {kind} must be an object of its sides")]
pub struct BadLegacyField {
    pub kind: RecordKind,
    pub field: &'static str,
}

/// Whether `op` sets a field only older builds send (what [`upgrade_op`] rewrites).
pub fn has_legacy_fields(op: &Op) -> bool {
    op.kind == RecordKind::Problem && op.fields.contains_key(LEGACY_TRIANGLE)
}

/// Rewrites an older build's op in this build's fields: a problem's `triangle` becomes the six
/// corners, each with the triangle's base. A corner the op also sets itself keeps its own
/// change. Ops without legacy fields are left as they are.
pub fn upgrade_op(op: &mut Op) -> Result<(), BadLegacyField> {
    if op.kind != RecordKind::Problem {
        return Ok(());
    }
    let Some(whole) = op.fields.remove(LEGACY_TRIANGLE) else {
        return Ok(());
    };
    let corners = legacy_triangle_corners(&whole.value).ok_or(BadLegacyField {
        kind: op.kind,
        field: LEGACY_TRIANGLE,
    })?;
    for (corner, value) in corners {
        op.fields.entry(corner.to_owned()).or_insert(FieldChange {
            value,
            base: whole.base,
        });
    }
    Ok(())
}

/// The fields `value` sets when written to `field` of a `kind` record: itself, or — for a
/// legacy field (a conflict recorded before the split keeps `triangle`) — the fields it became.
pub fn current_fields(kind: RecordKind, field: &str, value: &Value) -> Vec<(String, Value)> {
    if kind == RecordKind::Problem && field == LEGACY_TRIANGLE {
        if let Some(corners) = legacy_triangle_corners(value) {
            return corners
                .into_iter()
                .map(|(corner, value)| (corner.to_owned(), value))
                .collect();
        }
    }
    vec![(field.to_owned(), value.clone())]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{DeviceId, UserId};
    use crate::model::{TRIANGLE_CORNERS, TRIANGLE_OFFENDER, TRIANGLE_VICTIM};
    use crate::sync::Hlc;
    use serde_json::json;

    fn op(kind: RecordKind, fields: Vec<(&str, Value, Option<Hlc>)>) -> Op {
        let device = DeviceId::new();
        Op {
            op_id: uuid::Uuid::now_v7(),
            kind,
            record_id: "r1".into(),
            hlc: Hlc::new(200, device),
            author: UserId::new(),
            device,
            fields: fields
                .into_iter()
                .map(|(n, value, base)| (n.to_owned(), FieldChange { value, base }))
                .collect(),
            erase: None,
        }
    }

    #[test]
    fn an_old_builds_triangle_becomes_the_six_corners_with_its_base() {
        let base = Hlc::new(100, DeviceId::new());
        let mut old = op(
            RecordKind::Problem,
            vec![(
                "triangle",
                json!({"offender": "Two youths", "victim": null, "location": "Rear lane",
                       "handler": null, "guardian": null, "manager": null}),
                Some(base),
            )],
        );
        upgrade_op(&mut old).expect("a triangle");
        assert!(!old.fields.contains_key(LEGACY_TRIANGLE));
        assert_eq!(old.fields.len(), TRIANGLE_CORNERS.len());
        assert_eq!(old.fields[TRIANGLE_OFFENDER].value, "Two youths");
        assert_eq!(old.fields[TRIANGLE_VICTIM].value, Value::Null);
        assert!(old.fields.values().all(|c| c.base == Some(base)));
    }

    #[test]
    fn a_triangle_that_is_not_an_object_is_refused_and_other_kinds_are_untouched() {
        let mut bad = op(RecordKind::Problem, vec![("triangle", json!("x"), None)]);
        assert_eq!(
            upgrade_op(&mut bad),
            Err(BadLegacyField {
                kind: RecordKind::Problem,
                field: "triangle"
            })
        );
        let mut patrol = op(RecordKind::Patrol, vec![("triangle", json!({}), None)]);
        let before = patrol.clone();
        upgrade_op(&mut patrol).expect("not a problem");
        assert_eq!(patrol, before);
    }

    #[test]
    fn a_legacy_conflicts_value_is_written_as_corners() {
        let fields = current_fields(
            RecordKind::Problem,
            "triangle",
            &json!({"offender": "Two youths"}),
        );
        assert_eq!(fields.len(), 6);
        assert_eq!(
            fields[0],
            (TRIANGLE_OFFENDER.to_owned(), json!("Two youths"))
        );
        assert_eq!(
            current_fields(RecordKind::Problem, "title", &json!("T")),
            vec![("title".to_owned(), json!("T"))]
        );
    }
}
