//! Records the server writes itself — reference data from administrators (users, teams,
//! areas, priority areas) and conflict records — as field states stamped with the server's
//! own hybrid clock, so that devices merge them exactly like records pushed by devices.

use beatbook_core::ids::DeviceId;
use beatbook_core::sync::merge::{max_hlc, RecordState};
use beatbook_core::sync::protocol::FieldState;
use beatbook_core::sync::Hlc;
use serde::Serialize;
use serde_json::{Map, Value};

/// A value whose serde form is not a JSON object cannot be a record.
#[derive(Debug, thiserror::Error)]
#[error("a record must encode as a JSON object")]
pub struct NotAnObject;

/// The top-level fields of `value`'s serde form.
pub fn object_of<T: Serialize>(value: &T) -> Result<Map<String, Value>, NotAnObject> {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(NotAnObject),
    }
}

/// A new record's state: every field of `value`, all at `hlc`.
pub fn state_of<T: Serialize>(value: &T, hlc: Hlc) -> Result<RecordState, NotAnObject> {
    Ok(RecordState {
        fields: object_of(value)?
            .into_iter()
            .map(|(name, value)| (name, FieldState { value, hlc }))
            .collect(),
        erased: false,
    })
}

/// `current` with the fields of `values` that differ set at a new server clock, later than
/// every clock already on the record (so the administrator's write wins everywhere).
pub fn stamp(
    current: &RecordState,
    values: &Map<String, Value>,
    node: DeviceId,
    now_ms: u64,
) -> RecordState {
    let hlc = Hlc::tick(max_hlc(&current.fields), now_ms, node);
    let mut next = current.clone();
    for (name, value) in values {
        if current.fields.get(name).map(|f| &f.value) != Some(value) {
            next.fields.insert(
                name.clone(),
                FieldState {
                    value: value.clone(),
                    hlc,
                },
            );
        }
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stamping_changes_only_what_differs_and_moves_past_existing_clocks() {
        let node = DeviceId::new();
        let device = DeviceId::new();
        let future = Hlc::new(5_000, device);
        let mut current = RecordState::default();
        current.fields.insert(
            "name".into(),
            FieldState {
                value: json!("Old"),
                hlc: future,
            },
        );
        current.fields.insert(
            "phase".into(),
            FieldState {
                value: json!("hold"),
                hlc: future,
            },
        );
        let values = object_of(&json!({"name": "New", "phase": "hold"})).expect("object");
        let next = stamp(&current, &values, node, 1_000);
        assert_eq!(next.fields["name"].value, json!("New"));
        assert!(next.fields["name"].hlc > future);
        assert_eq!(next.fields["phase"].hlc, future);
        assert!(object_of(&json!([1, 2])).is_err());
    }
}
