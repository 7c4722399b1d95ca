//! Corrections: what may be changed after a record was written (each `None` leaves a field as
//! it was), as `core::model::correction` defines them. Every correction takes a reason.

use super::AreaRef;
use crate::convert::{opt_id, time};
use crate::error::{BeatbookError, Result};
use beatbook_core::model::{
    self as core, Audience, ContactMethod, CrimeCategory, GeoPoint, LsoaCode, PatrolKind,
};
use std::time::SystemTime;

/// A patrol's correction: times, purpose, area, kind, operation name.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PatrolAmendment {
    pub started_at: Option<SystemTime>,
    /// A closed patrol only.
    pub ended_at: Option<SystemTime>,
    pub purpose: Option<String>,
    pub area: Option<AreaRef>,
    pub kind: Option<PatrolKind>,
    pub operation_name: Option<String>,
}

impl TryFrom<PatrolAmendment> for core::PatrolAmendment {
    type Error = BeatbookError;
    fn try_from(a: PatrolAmendment) -> Result<Self> {
        Ok(core::PatrolAmendment {
            started_at: a.started_at.map(time),
            ended_at: a.ended_at.map(time),
            purpose: a.purpose,
            area: a.area.map(TryInto::try_into).transpose()?,
            kind: a.kind,
            operation_name: a.operation_name,
        })
    }
}

/// A contact's correction: its non-personal fields only.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ContactAmendment {
    pub occurred_at: Option<SystemTime>,
    pub place: Option<GeoPoint>,
    pub lsoa_code: Option<String>,
    pub method: Option<ContactMethod>,
    pub audience: Option<Audience>,
    pub people_count: Option<u32>,
    pub issues: Option<Vec<CrimeCategory>>,
    /// Empty text clears it.
    pub issues_text: Option<String>,
    /// The promise's text (its follow-up is corrected too).
    pub promised: Option<String>,
    pub repeat_caller: Option<bool>,
}

impl TryFrom<ContactAmendment> for core::ContactAmendment {
    type Error = BeatbookError;
    fn try_from(a: ContactAmendment) -> Result<Self> {
        Ok(core::ContactAmendment {
            occurred_at: a.occurred_at.map(time),
            place: a.place,
            lsoa_code: a
                .lsoa_code
                .map(|code| LsoaCode::parse_field("lsoa_code", &code))
                .transpose()?,
            method: a.method,
            audience: a.audience,
            people_count: a.people_count,
            issues: a.issues,
            issues_text: a.issues_text,
            promised: a.promised,
            repeat_caller: a.repeat_caller,
        })
    }
}

/// A follow-up's correction: due time, promise, owner (a supervisor only).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FollowUpAmendment {
    pub due_at: Option<SystemTime>,
    pub promise: Option<String>,
    /// A user id.
    pub owner: Option<String>,
}

impl TryFrom<FollowUpAmendment> for core::FollowUpAmendment {
    type Error = BeatbookError;
    fn try_from(a: FollowUpAmendment) -> Result<Self> {
        Ok(core::FollowUpAmendment {
            due_at: a.due_at.map(time),
            promise: a.promise,
            owner: opt_id("owner", a.owner)?,
        })
    }
}

/// A note's correction: the corrected text and, if it was wrong too, the time.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NoteAmendment {
    pub text: String,
    pub observed_at: Option<SystemTime>,
}

impl From<NoteAmendment> for core::NoteAmendment {
    fn from(a: NoteAmendment) -> Self {
        core::NoteAmendment {
            text: a.text,
            observed_at: a.observed_at.map(time),
        }
    }
}
