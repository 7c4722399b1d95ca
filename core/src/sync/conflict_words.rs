//! A conflict as a person reads it: the field in their words and both values as text, for
//! every face (the terminal client, the app through the FFI) to show the same way.
//!
//! Why here: a conflict record holds the field's synced name (`triangle_victim`) and its values
//! as JSON. Shown raw, two long values cut to the same first characters looked identical, and
//! an object (a conflict from before the triangle's corners were fields) was unreadable JSON.

use super::protocol::RecordKind;
use crate::model::{LEGACY_TRIANGLE, TRIANGLE_CORNERS};
use serde_json::Value;

/// The field of a `kind` record in the user's words: `victim (analysis triangle)`,
/// `observations`, `ended at`.
pub fn field_words(kind: RecordKind, field: &str) -> String {
    if kind == RecordKind::Problem {
        if let Some((_, _, words)) = TRIANGLE_CORNERS.iter().find(|(f, _, _)| *f == field) {
            return (*words).to_owned();
        }
        if field == LEGACY_TRIANGLE {
            return "analysis triangle (every corner)".to_owned();
        }
    }
    field.replace('_', " ")
}

/// `value` as text, set against `other` (the conflict's other value): text as itself, nothing
/// as `(none)`, an object as its `name: value` parts — only the parts that differ from
/// `other`'s when both are objects, so that two values never read the same.
pub fn value_words(value: &Value, other: &Value) -> String {
    match (value, other) {
        (Value::Object(parts), Value::Object(others)) => {
            let differing: Vec<String> = parts
                .iter()
                .filter(|(name, part)| others.get(*name).unwrap_or(&Value::Null) != *part)
                .map(|(name, part)| format!("{}: {}", name.replace('_', " "), scalar(part)))
                .collect();
            if differing.is_empty() {
                // Only `other` has parts this one lacks: say so rather than print nothing.
                "(those parts empty)".to_owned()
            } else {
                differing.join("; ")
            }
        }
        (Value::Object(parts), _) => parts
            .iter()
            .map(|(name, part)| format!("{}: {}", name.replace('_', " "), scalar(part)))
            .collect::<Vec<_>>()
            .join("; "),
        _ => scalar(value),
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::Null => "(none)".to_owned(),
        Value::String(text) => text.clone(),
        Value::Bool(true) => "yes".to_owned(),
        Value::Bool(false) => "no".to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_are_named_in_the_users_words() {
        assert_eq!(
            field_words(RecordKind::Problem, "triangle_victim"),
            "victim (analysis triangle)"
        );
        assert_eq!(
            field_words(RecordKind::Problem, "triangle"),
            "analysis triangle (every corner)"
        );
        assert_eq!(field_words(RecordKind::Patrol, "ended_at"), "ended at");
    }

    #[test]
    fn objects_show_only_the_parts_that_differ_so_two_values_never_read_the_same() {
        let kept =
            json!({"offender": "Two youths on scramblers from the estate", "victim": "No. 4"});
        let lost = json!({"offender": "Two youths on scramblers from the estate", "victim": null});
        assert_eq!(value_words(&kept, &lost), "victim: No. 4");
        assert_eq!(value_words(&lost, &kept), "victim: (none)");
        assert_eq!(value_words(&json!("Rear lane"), &json!(null)), "Rear lane");
        assert_eq!(value_words(&Value::Null, &json!("x")), "(none)");
        assert_eq!(value_words(&json!(true), &json!(false)), "yes");
    }
}
