//! Patrol notes: timestamped observations, optionally placed and linked to a patrol or problem.
//! Notes are append-only once written — a correction is a new note that `amends` the old one and
//! supersedes it in lists — so they never conflict.

use super::code_enum::code_enum;
use super::place::{GeoPoint, LsoaCode};
use crate::ids::{NoteId, PatrolId, ProblemId, UserId};
use crate::validation::{check, limits, ValidationError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

code_enum!(
    /// What a note is about.
    NoteCategory, "note category" {
        Observation => "observation",
        AntiSocialBehaviour => "anti_social_behaviour",
        Environmental => "environmental",
        Vehicle => "vehicle",
        Community => "community",
        Intelligence => "intelligence",
        Other => "other",
    }
);

/// What adding a note needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewNote {
    pub observed_at: DateTime<Utc>,
    pub text: String,
    pub category: NoteCategory,
    pub place: Option<GeoPoint>,
    pub patrol_id: Option<PatrolId>,
    pub problem_id: Option<ProblemId>,
}

impl NewNote {
    pub fn validate(&self) -> Result<(), ValidationError> {
        check::required_text("text", &self.text, limits::LONG_TEXT)?;
        if let Some(place) = &self.place {
            place.validate("place")?;
        }
        Ok(())
    }
}

/// A note as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub id: NoteId,
    pub observed_at: DateTime<Utc>,
    pub text: String,
    pub category: NoteCategory,
    pub place: Option<GeoPoint>,
    /// The LSOA the place falls in, when boundaries are loaded.
    pub lsoa_code: Option<LsoaCode>,
    pub patrol_id: Option<PatrolId>,
    pub problem_id: Option<ProblemId>,
    pub author: UserId,
    pub created_at: DateTime<Utc>,
    /// The note this one corrects: lists show this one instead (the original stays readable).
    #[serde(default)]
    pub amends: Option<NoteId>,
    /// Why the note it amends was corrected (set with `amends`).
    #[serde(default)]
    pub correction_reason: Option<String>,
}
