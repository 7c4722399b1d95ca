//! Checks that a merged record is still a record of its kind: the object of its field values
//! must deserialise into the core model type (`Patrol`, `Note`, …), hold no field the type does
//! not have (at any depth, and in a record still arriving in parts too: nothing unvalidated is
//! stored and forwarded), carry its own id, and — once whole — keep the core's stored value
//! rules (`StoredValueRules`: lengths, coordinate and count ranges, a closed patrol's end and
//! assessment), the same rules a device checks on what it pulls.
//!
//! A record being created may arrive in parts (its creating fields not yet all pushed): while
//! the only failure is a missing *top-level* field, it is accepted and checked again with each
//! later op. Messages name the field and the rule, never the value — serde's own messages can
//! quote values (a name typed into the wrong field), so they are reduced to a category.

use crate::apply::Rejection;
use beatbook_core::model::{
    Contact, ContactPersonalData, FollowUp, Note, Patrol, PriorityArea, Problem, ProblemStep,
    Review, StageRequest, StoredValueRules, Team, User,
};
use beatbook_core::retention::{RetentionReview, RetentionSchedule};
use beatbook_core::sync::conflict::Conflict;
use beatbook_core::sync::merge::RecordState;
use beatbook_core::sync::protocol::RejectCode;
use beatbook_core::sync::RecordKind;
use serde::de::value::MapDeserializer;
use serde::de::{DeserializeOwned, Deserializer};
use serde_json::Value;

/// Whether a record is whole yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    Complete,
    /// Some top-level fields have not arrived yet; what has arrived is well-formed.
    Partial,
}

/// Checks `state` as a record of `kind` with id `record_id`.
pub fn check_record(
    kind: RecordKind,
    record_id: &str,
    state: &RecordState,
) -> Result<Completeness, Rejection> {
    let value_of = |name: &str| state.fields.get(name).map(|f| &f.value);
    if let Some(id) = value_of("id") {
        if id.as_str() != Some(record_id) {
            return Err(invalid("field `id` must equal the record id".into()));
        }
    }
    let values = || values_of(state);
    match kind {
        RecordKind::Patrol => parse_as::<Patrol, _>(kind, values),
        RecordKind::Note => parse_as::<Note, _>(kind, values),
        RecordKind::Contact => parse_as::<Contact, _>(kind, values),
        RecordKind::ContactPersonal => parse_as::<ContactPersonalData, _>(kind, values),
        RecordKind::FollowUp => parse_as::<FollowUp, _>(kind, values),
        RecordKind::Problem => parse_as::<Problem, _>(kind, values),
        RecordKind::ProblemStep => parse_as::<ProblemStep, _>(kind, values),
        RecordKind::StageRequest => parse_as::<StageRequest, _>(kind, values),
        RecordKind::Conflict => parse_as::<Conflict, _>(kind, values),
        RecordKind::User => parse_as::<User, _>(kind, values),
        RecordKind::Team => parse_as::<Team, _>(kind, values),
        RecordKind::PriorityArea => parse_as::<PriorityArea, _>(kind, values),
        RecordKind::Review => parse_as::<Review, _>(kind, values),
        RecordKind::AreaBoundaries => match value_of("geojson") {
            Some(Value::String(_)) => Ok(Completeness::Complete),
            Some(_) => Err(invalid("field `geojson` must be text".into())),
            None => Ok(Completeness::Partial),
        },
        RecordKind::RetentionSchedule => parse_as::<RetentionSchedule, _>(kind, values),
        RecordKind::RetentionReview => parse_as::<RetentionReview, _>(kind, values),
    }
}

/// The values of a record as one object to deserialise, read from its fields in place (no
/// copy of them: this runs for every op a push writes).
fn values_of(
    state: &RecordState,
) -> MapDeserializer<'_, impl Iterator<Item = (&str, &Value)>, serde_json::Error> {
    MapDeserializer::new(
        state
            .fields
            .iter()
            .map(|(name, f)| (name.as_str(), &f.value)),
    )
}

fn parse_as<'a, T, D>(kind: RecordKind, values: impl Fn() -> D) -> Result<Completeness, Rejection>
where
    T: DeserializeOwned + StoredValueRules,
    D: Deserializer<'a, Error = serde_json::Error>,
{
    // Anything the model type ignored is not a field of it, at any depth and whether or not
    // the record is whole yet: refuse it rather than keep and forward data nobody validated.
    let mut ignored = Vec::new();
    let mut note_ignored = |path: serde_ignored::Path<'_>| {
        // serde_ignored writes `?` for the inside of an Option: not a name anyone wrote.
        let path = path.to_string();
        let named: Vec<&str> = path.split('.').filter(|part| *part != "?").collect();
        ignored.push(named.join("."));
    };
    // Read without tracking the path: that is only needed to name what failed, so a record
    // that fails is read again with it.
    let parsed: Result<T, _> = T::deserialize(serde_ignored::Deserializer::new(
        values(),
        &mut note_ignored,
    ));
    if let Some(extra) = ignored.first() {
        return Err(invalid(format!("field `{extra}` is not part of a {kind}")));
    }
    let parsed = match parsed {
        Ok(record) => Ok(record),
        Err(_) => serde_path_to_error::deserialize::<_, T>(values()),
    };
    match parsed {
        Ok(record) => {
            // The value rules every stored copy keeps (lengths, ranges, what the devices'
            // tables insist on): one bad value accepted here would reach every device.
            record
                .check_stored_values()
                .map_err(|e| invalid(format!("{kind}: {e}")))?;
            Ok(Completeness::Complete)
        }
        Err(e) => {
            let path = e.path().to_string();
            let message = e.into_inner().to_string();
            if path == "." && message.starts_with("missing field") {
                return Ok(Completeness::Partial);
            }
            Err(invalid(format!("{kind}: {}", describe(&path, &message))))
        }
    }
}

/// A serde failure as "field `path` <rule>", without any value it may quote.
pub fn describe(path: &str, message: &str) -> String {
    let field = |name: &str| {
        if path == "." || path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    let at = if path == "." || path.is_empty() {
        "the record".to_owned()
    } else {
        format!("field `{path}`")
    };
    if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or_default();
        return format!("field `{}` is required", field(name));
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        // The path already ends at the unknown field.
        let name = rest.split('`').next().unwrap_or_default();
        let named = if path == name || path.ends_with(&format!(".{name}")) {
            path.to_owned()
        } else {
            field(name)
        };
        return format!("field `{named}` is not allowed");
    }
    if message.starts_with("invalid type") {
        return match message.rsplit_once(", expected ") {
            Some((_, expected)) => format!("{at} has the wrong type (expected {expected})"),
            None => format!("{at} has the wrong type"),
        };
    }
    if message.starts_with("unknown variant") || message.starts_with("invalid value") {
        return format!("{at} is not one of the allowed values");
    }
    if message.starts_with("invalid length") {
        return format!("{at} has the wrong length");
    }
    format!("{at} is not valid")
}

fn invalid(message: String) -> Rejection {
    Rejection {
        code: RejectCode::InvalidRecord,
        message,
    }
}

#[cfg(test)]
#[path = "validate_contact_tests.rs"]
mod contact_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use beatbook_core::ids::DeviceId;
    use beatbook_core::sync::protocol::FieldState;
    use beatbook_core::sync::Hlc;
    use serde_json::json;

    fn state(value: Value) -> RecordState {
        let hlc = Hlc::new(1, DeviceId::new());
        let Value::Object(map) = value else {
            panic!("test state must be an object")
        };
        RecordState {
            fields: map
                .into_iter()
                .map(|(k, value)| (k, FieldState { value, hlc }))
                .collect(),
            erased: false,
        }
    }

    fn note(id: &str) -> Value {
        json!({
            "id": id, "observed_at": "2026-01-01T10:00:00Z", "text": "Gate left open",
            "category": "observation", "place": null, "lsoa_code": null, "patrol_id": null,
            "problem_id": null, "author": "0193a1b2-c3d4-7000-8000-000000000001",
            "created_at": "2026-01-01T10:00:00Z"
        })
    }

    #[test]
    fn a_whole_record_passes_and_a_partial_one_waits() {
        let id = "0193a1b2-c3d4-7000-8000-0000000000aa";
        assert_eq!(
            check_record(RecordKind::Note, id, &state(note(id))),
            Ok(Completeness::Complete)
        );
        let mut partial = note(id);
        partial.as_object_mut().map(|o| o.remove("text"));
        assert_eq!(
            check_record(RecordKind::Note, id, &state(partial)),
            Ok(Completeness::Partial)
        );
    }

    #[test]
    fn bad_fields_are_named_without_their_values() {
        let id = "0193a1b2-c3d4-7000-8000-0000000000aa";
        let mut bad = note(id);
        bad["category"] = json!("Ada Lovelace");
        let err = check_record(RecordKind::Note, id, &state(bad)).expect_err("refused");
        assert_eq!(err.code, RejectCode::InvalidRecord);
        assert!(err.message.contains("category"), "{}", err.message);
        assert!(!err.message.contains("Ada"), "{}", err.message);

        let mut wrong_type = note(id);
        wrong_type["text"] = json!(["Ada Lovelace"]);
        let err = check_record(RecordKind::Note, id, &state(wrong_type)).expect_err("refused");
        assert!(err.message.contains("`text`"), "{}", err.message);
        assert!(!err.message.contains("Ada"), "{}", err.message);

        let mut extra = note(id);
        extra["secret"] = json!("Ada Lovelace");
        let err = check_record(RecordKind::Note, id, &state(extra)).expect_err("refused");
        assert!(err.message.contains("`secret`"), "{}", err.message);

        let err =
            check_record(RecordKind::Note, "another-id", &state(note(id))).expect_err("refused");
        assert!(err.message.contains("`id`"), "{}", err.message);
    }

    #[test]
    fn unknown_fields_are_refused_at_any_depth_and_in_partial_records() {
        let id = "0193a1b2-c3d4-7000-8000-0000000000aa";
        let hlc = Hlc::new(1, DeviceId::new());
        let partial = |fields: Value| {
            let Value::Object(map) = fields else {
                panic!("fields must be an object")
            };
            RecordState {
                fields: map
                    .into_iter()
                    .map(|(k, value)| (k, FieldState { value, hlc }))
                    .collect(),
                erased: false,
            }
        };
        // A record still arriving in parts, with a field no note has.
        let err = check_record(
            RecordKind::Note,
            id,
            &partial(json!({"text": "Gate", "smuggled": "Ada Lovelace"})),
        )
        .expect_err("refused");
        assert!(err.message.contains("`smuggled`"), "{}", err.message);
        assert!(!err.message.contains("Ada"), "{}", err.message);
        // A member nested in a field, in a partial record and in a whole one.
        let assessment =
            json!({"purpose_met": "yes", "value_rating": 3, "summary": "ok", "smuggled": 1});
        let err = check_record(
            RecordKind::Patrol,
            id,
            &partial(json!({"assessment": assessment})),
        )
        .expect_err("refused");
        assert!(
            err.message.contains("assessment.smuggled"),
            "{}",
            err.message
        );
        let mut whole = note(id);
        whole["place"] = json!({"lat": 52.4, "lon": -1.5, "smuggled": "Ada Lovelace"});
        let err = check_record(RecordKind::Note, id, &state(whole)).expect_err("refused");
        assert!(err.message.contains("place.smuggled"), "{}", err.message);
    }

    #[test]
    fn an_unknown_field_is_named_once() {
        assert_eq!(
            describe("smuggled", "unknown field `smuggled`, expected one of `a`"),
            "field `smuggled` is not allowed"
        );
        assert_eq!(
            describe("ops.smuggled", "unknown field `smuggled`"),
            "field `ops.smuggled` is not allowed"
        );
        assert_eq!(
            describe(".", "missing field `text`"),
            "field `text` is required"
        );
    }

    #[test]
    fn a_nested_missing_field_is_invalid_not_partial() {
        let hlc = Hlc::new(1, DeviceId::new());
        let mut s = RecordState::default();
        s.fields.insert(
            "assessment".into(),
            FieldState {
                value: json!({"purpose_met": "yes", "value_rating": 3}),
                hlc,
            },
        );
        let err = check_record(RecordKind::Patrol, "p", &s).expect_err("refused");
        assert!(
            err.message.contains("assessment.summary"),
            "{}",
            err.message
        );
    }
}
