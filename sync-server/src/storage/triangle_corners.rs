//! The server's side of the analysis triangle's split into corner fields
//! (`beatbook_core::model::problem_fields`): SQLite migration 0007 and PostgreSQL migration
//! 0004 rewrite every stored problem that still holds one `triangle` field into the six
//! corners, each with the whole triangle's value for its side and the whole triangle's clock.
//!
//! Why the clock carries over unchanged (and the records are not re-sent): devices upgrading
//! to schema version 12 give their own copy's corners the same clock by the same rule, so
//! device and server agree without a re-pull, and a device's later edit of one corner is
//! based on the clock the server holds (no false conflict). One function, so that both
//! backends rewrite byte-identical rows.

use crate::storage::compact::{join, split};
use crate::storage::{StorageError, StorageResult};
use beatbook_core::model::{legacy_triangle_corners, LEGACY_TRIANGLE};
use beatbook_core::sync::protocol::FieldState;

/// A stored problem's values and clocks with its `triangle` split into corners; `None` when it
/// holds no `triangle` (already split, or never analysed on a build that had one).
pub(crate) fn split_stored(
    values: &str,
    clocks: &[u8],
) -> StorageResult<Option<(String, Vec<u8>)>> {
    let mut fields = join(values, clocks)?;
    let Some(whole) = fields.remove(LEGACY_TRIANGLE) else {
        return Ok(None);
    };
    let corners = legacy_triangle_corners(&whole.value).ok_or_else(|| {
        StorageError::Corrupt("a stored problem's triangle is not an object".into())
    })?;
    for (corner, value) in corners {
        fields.insert(
            corner.to_owned(),
            FieldState {
                value,
                hlc: whole.hlc,
            },
        );
    }
    split(&fields).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use beatbook_core::ids::DeviceId;
    use beatbook_core::model::{TRIANGLE_CORNERS, TRIANGLE_OFFENDER, TRIANGLE_VICTIM};
    use beatbook_core::sync::Hlc;
    use serde_json::json;

    #[test]
    fn a_stored_triangle_becomes_corners_with_its_clock_and_a_split_one_stays() {
        let node = DeviceId::new();
        let fields = [
            ("title", json!("Garage burglaries"), Hlc::new(5, node)),
            (
                "triangle",
                json!({"offender": "Two youths", "victim": null}),
                Hlc::new(9, node),
            ),
        ]
        .into_iter()
        .map(|(n, value, hlc)| (n.to_owned(), FieldState { value, hlc }))
        .collect();
        let (values, clocks) = split(&fields).expect("split");
        let (values, clocks) = split_stored(&values, &clocks)
            .expect("readable")
            .expect("a triangle to split");
        let after = join(&values, &clocks).expect("join");
        assert!(!after.contains_key("triangle"));
        assert_eq!(after.len(), 1 + TRIANGLE_CORNERS.len());
        assert_eq!(after[TRIANGLE_OFFENDER].value, "Two youths");
        assert_eq!(after[TRIANGLE_VICTIM].value, serde_json::Value::Null);
        assert!(TRIANGLE_CORNERS
            .iter()
            .all(|(corner, _, _)| after[*corner].hlc == Hlc::new(9, node)));
        assert_eq!(split_stored(&values, &clocks).expect("readable"), None);
    }
}
