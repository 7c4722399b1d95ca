//! Every field-name constant is a real serialised field of its model type. The field list is
//! the one serde derives for the type (asked of its `Deserialize` impl, which names every
//! field it accepts), so the test needs no sample record and follows any rename.

use super::fields;
use crate::model::{
    Contact, ContactPersonalData, FollowUp, Note, Patrol, Problem, ProblemStep, ResponseAction,
    Review, StageRequest,
};
use crate::sync::conflict::Conflict;
use serde::de::{self, Deserialize, Deserializer, Visitor};

/// A deserializer that only records the field names a struct asks for.
struct FieldNames<'a>(&'a mut &'static [&'static str]);

#[derive(Debug)]
struct Stop;

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("field names read")
    }
}
impl std::error::Error for Stop {}
impl de::Error for Stop {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Stop
    }
}

impl<'de> Deserializer<'de> for FieldNames<'_> {
    type Error = Stop;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Stop> {
        *self.0 = fields;
        Err(Stop)
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Stop> {
        Err(Stop)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

fn field_names<T: for<'de> Deserialize<'de>>() -> &'static [&'static str] {
    let mut names: &'static [&'static str] = &[];
    let _ = T::deserialize(FieldNames(&mut names));
    names
}

fn assert_fields<T: for<'de> Deserialize<'de>>(constants: &[&str]) {
    let names = field_names::<T>();
    assert!(
        !names.is_empty(),
        "{} names no fields",
        std::any::type_name::<T>()
    );
    for constant in constants {
        assert!(
            names.contains(constant),
            "`{constant}` is not a field of {} (fields: {names:?})",
            std::any::type_name::<T>()
        );
    }
}

#[test]
fn every_field_constant_is_a_serialised_field_of_its_model() {
    use fields::*;
    assert_fields::<Patrol>(&[patrol::RECORDED_BY, patrol::PARTICIPANTS, patrol::KIND]);
    assert_fields::<Contact>(&[
        contact::RECORDED_BY,
        contact::CONSENT_TO_RECONTACT,
        contact::VULNERABLE,
        contact::PROMISED,
    ]);
    assert_fields::<ContactPersonalData>(&[contact_personal::DETAILS, contact_personal::ETHNICITY]);
    assert_fields::<Note>(&[note::AUTHOR]);
    assert_fields::<FollowUp>(&[
        follow_up::OWNER,
        follow_up::REFERRED_BY,
        follow_up::STATUS,
        follow_up::ANSWERED_AT,
        follow_up::OUTCOME,
    ]);
    assert_fields::<Problem>(&[problem::CREATED_BY, problem::OWNER, problem::RESPONSES]);
    assert_fields::<ResponseAction>(&[response_action::OWNER]);
    assert_fields::<ProblemStep>(&[problem_step::AUTHOR]);
    assert_fields::<StageRequest>(&[
        stage_request::REQUESTED_BY,
        stage_request::STATUS,
        stage_request::DECIDED_BY,
        stage_request::DECIDED_AT,
        stage_request::DECISION_REASON,
    ]);
    assert_fields::<Review>(&[review::REVIEWER, review::MEMBER]);
    assert_fields::<Conflict>(&[
        conflict::WINNER_AUTHOR,
        conflict::LOSER_AUTHOR,
        conflict::RESOLUTION,
        conflict::RESOLVED_BY,
        conflict::RESOLVED_AT,
    ]);
}

#[test]
fn a_name_that_is_not_a_field_is_caught() {
    let names = field_names::<Patrol>();
    assert!(names.contains(&"recorded_by"));
    assert!(!names.contains(&"recorder"));
}
