//! Corrections: what may be changed after a record was written, and why.
//!
//! Why: a contact, a patrol or a follow-up entered wrongly (the wrong day, the wrong beat, a
//! patrol started "2026-12-25" by mistake) used to be final. Each may now be amended — only the
//! fields named here, each `None` meaning "leave as it is" — with a reason, which is kept on
//! the record (`correction_reason`, synced like any field, so the other devices and the server
//! know why the values changed) and in the device's audit log as an alteration. A patrol
//! started by mistake is cancelled rather than deleted. Notes stay append-only: a correction is
//! a new note that amends the old one (`store::note_corrections`).
//!
//! Personal details are not corrected here: they keep their own consented, audited path.

use super::area::AreaRef;
use super::contact::{Audience, ContactMethod};
use super::patrol::PatrolKind;
use super::place::{GeoPoint, LsoaCode};
use super::vocab::CrimeCategory;
use crate::ids::UserId;
use crate::validation::{check, limits, ValidationError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The longest reason a correction may give: a line, not a statement.
pub const MAX_REASON_CHARS: usize = limits::SHORT_TEXT;

/// A correction's reason: required, one line.
pub fn check_reason(reason: &str) -> Result<(), ValidationError> {
    check::required_text("reason", reason, MAX_REASON_CHARS)
}

/// The non-personal fields of a contact that may be corrected. Text set to empty clears an
/// optional field (`issues_text`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContactAmendment {
    pub occurred_at: Option<DateTime<Utc>>,
    /// A new place; its LSOA and LAP are tagged again from the loaded areas.
    pub place: Option<GeoPoint>,
    /// The LSOA, when the officer knows it better than the tag.
    pub lsoa_code: Option<LsoaCode>,
    pub method: Option<ContactMethod>,
    pub audience: Option<Audience>,
    pub people_count: Option<u32>,
    pub issues: Option<Vec<CrimeCategory>>,
    pub issues_text: Option<String>,
    /// What was promised; the contact's follow-up takes the corrected text too.
    pub promised: Option<String>,
    pub repeat_caller: Option<bool>,
}

impl ContactAmendment {
    /// The names of the fields this amendment sets (for the audit log: names, never values).
    pub fn field_names(&self) -> Vec<&'static str> {
        let set = [
            ("occurred_at", self.occurred_at.is_some()),
            ("place", self.place.is_some()),
            ("lsoa_code", self.lsoa_code.is_some()),
            ("method", self.method.is_some()),
            ("audience", self.audience.is_some()),
            ("people_count", self.people_count.is_some()),
            ("issues", self.issues.is_some()),
            ("issues_text", self.issues_text.is_some()),
            ("promised", self.promised.is_some()),
            ("repeat_caller", self.repeat_caller.is_some()),
        ];
        set.into_iter()
            .filter_map(|(name, is_set)| is_set.then_some(name))
            .collect()
    }
}

/// The fields of a patrol that may be corrected: its times, purpose, area and kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PatrolAmendment {
    pub started_at: Option<DateTime<Utc>>,
    /// Only for a closed patrol (an open one is closed with its assessment).
    pub ended_at: Option<DateTime<Utc>>,
    pub purpose: Option<String>,
    pub area: Option<AreaRef>,
    pub kind: Option<PatrolKind>,
    pub operation_name: Option<String>,
}

impl PatrolAmendment {
    /// The names of the fields this amendment sets.
    pub fn field_names(&self) -> Vec<&'static str> {
        let set = [
            ("started_at", self.started_at.is_some()),
            ("ended_at", self.ended_at.is_some()),
            ("purpose", self.purpose.is_some()),
            ("area", self.area.is_some()),
            ("kind", self.kind.is_some()),
            ("operation_name", self.operation_name.is_some()),
        ];
        set.into_iter()
            .filter_map(|(name, is_set)| is_set.then_some(name))
            .collect()
    }
}

/// The fields of a follow-up that may be corrected: when it is due, what was promised, and
/// (a supervisor only, as for a reassignment) who owns it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FollowUpAmendment {
    pub due_at: Option<DateTime<Utc>>,
    pub promise: Option<String>,
    pub owner: Option<UserId>,
}

impl FollowUpAmendment {
    /// The names of the fields this amendment sets.
    pub fn field_names(&self) -> Vec<&'static str> {
        let set = [
            ("due_at", self.due_at.is_some()),
            ("promise", self.promise.is_some()),
            ("owner", self.owner.is_some()),
        ];
        set.into_iter()
            .filter_map(|(name, is_set)| is_set.then_some(name))
            .collect()
    }
}

/// A note's correction: its new text and, when the time was wrong too, when it was observed.
/// The amending note keeps the original's category, place and links.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NoteAmendment {
    pub text: String,
    pub observed_at: Option<DateTime<Utc>>,
}

/// What the audit log says of a correction: the fields it set, by name (the device's store
/// writes it; a build without the store has no use for it).
#[cfg(feature = "store")]
pub(crate) fn audit_detail(verb: &str, fields: &[&str]) -> String {
    format!("{verb}: {}", fields.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::Rule;

    #[test]
    fn a_reason_is_required_and_one_line_long() {
        assert_eq!(check_reason("  ").map_err(|e| e.rule), Err(Rule::Required));
        let long = "x".repeat(MAX_REASON_CHARS + 1);
        assert_eq!(
            check_reason(&long).map_err(|e| e.field),
            Err("reason".to_owned())
        );
        assert!(check_reason("Typed the wrong day").is_ok());
    }

    #[test]
    fn field_names_are_the_fields_set() {
        let amendment = PatrolAmendment {
            started_at: Some(Utc::now()),
            purpose: Some("Reassurance".into()),
            ..PatrolAmendment::default()
        };
        assert_eq!(amendment.field_names(), vec!["started_at", "purpose"]);
        assert!(ContactAmendment::default().field_names().is_empty());
        let follow_up = FollowUpAmendment {
            owner: Some(UserId::new()),
            ..FollowUpAmendment::default()
        };
        assert_eq!(follow_up.field_names(), vec!["owner"]);
    }
}
