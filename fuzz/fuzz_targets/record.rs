//! A record's fields as the server validates them (`sync-server/src/validate.rs`) and devices
//! materialise them: the JSON object decoded into the core model type of its kind. The first
//! byte picks the kind; the rest is the object.
//!
//! Checked: decoding never panics; a decoded record re-encodes and decodes to the same
//! record (what a device stores is what the server accepted); a review's own rules run
//! without panicking on anything that decodes.

#![no_main]

use beatbook_core::model::{
    Contact, ContactPersonalData, FollowUp, Note, Patrol, PriorityArea, Problem, ProblemStep,
    Review, StageRequest, Team, User,
};
use beatbook_core::sync::conflict::Conflict;
use beatbook_core::sync::RecordKind;
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Debug;

fn round_trip<T: DeserializeOwned + Serialize + PartialEq + Debug>(json: &[u8]) -> Option<T> {
    let record: T = serde_json::from_slice(json).ok()?;
    let text = serde_json::to_string(&record).expect("a decoded record re-encodes");
    let again: T = serde_json::from_str(&text).expect("and decodes again");
    assert_eq!(again, record, "a record changed in a round trip");
    Some(record)
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, json)) = data.split_first() else {
        return;
    };
    let kind = RecordKind::ALL[usize::from(pick) % RecordKind::ALL.len()];
    match kind {
        RecordKind::Patrol => drop(round_trip::<Patrol>(json)),
        RecordKind::Note => drop(round_trip::<Note>(json)),
        RecordKind::Contact => drop(round_trip::<Contact>(json)),
        RecordKind::ContactPersonal => drop(round_trip::<ContactPersonalData>(json)),
        RecordKind::FollowUp => drop(round_trip::<FollowUp>(json)),
        RecordKind::Problem => drop(round_trip::<Problem>(json)),
        RecordKind::ProblemStep => drop(round_trip::<ProblemStep>(json)),
        RecordKind::StageRequest => drop(round_trip::<StageRequest>(json)),
        RecordKind::Conflict => drop(round_trip::<Conflict>(json)),
        RecordKind::User => drop(round_trip::<User>(json)),
        RecordKind::Team => drop(round_trip::<Team>(json)),
        RecordKind::PriorityArea => drop(round_trip::<PriorityArea>(json)),
        RecordKind::Review => {
            if let Some(review) = round_trip::<Review>(json) {
                let _ = review.validate();
            }
        }
        RecordKind::AreaBoundaries => {}
        RecordKind::RetentionSchedule => {
            if let Some(schedule) = round_trip::<beatbook_core::retention::RetentionSchedule>(json) {
                let _ = schedule.validate();
            }
        }
        RecordKind::RetentionReview => {
            if let Some(review) = round_trip::<beatbook_core::retention::RetentionReview>(json) {
                let _ = review.validate();
            }
        }
    }
});
