//! The facts the figures read: a narrow copy of the records, without their free text and
//! without any personal data of members of the public. A device fills it from its tables
//! (`load.rs`); the server from its synced records ([`ReportData::from_synced`]), parsing each
//! with the same serde types the device materialises pulled records with.

use super::synced::SyncedFacts;
use crate::ids::{ContactId, PatrolId, ProblemId, TeamId, UserId};
use crate::model::{
    AreaRef, Audience, ContactMethod, FollowUpStatus, Lsoa, LsoaCode, Patrol, PatrolKind,
    PriorityArea, PurposeMet, Role, SaraStage, Team,
};
use crate::sync::protocol::{FieldState, RecordKind};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// A member of staff, as reports name them (volunteers' hours).
#[derive(Debug, Clone, PartialEq)]
pub struct UserFact {
    pub id: UserId,
    pub display_name: String,
    pub role: Role,
    pub team_id: Option<TeamId>,
}

/// A patrol: kind, target, crew, span and its assessment's two scored answers.
#[derive(Debug, Clone, PartialEq)]
pub struct PatrolFact {
    pub id: PatrolId,
    pub kind: PatrolKind,
    pub area: AreaRef,
    pub recorded_by: UserId,
    pub participants: Vec<UserId>,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub purpose_met: Option<PurposeMet>,
    pub value_rating: Option<u8>,
}

impl PatrolFact {
    /// Everyone on the patrol: the recorder first, then participants (each once).
    pub fn crew(&self) -> impl Iterator<Item = UserId> + '_ {
        std::iter::once(self.recorded_by).chain(
            self.participants
                .iter()
                .copied()
                .filter(move |u| *u != self.recorded_by),
        )
    }
}

/// An engagement contact: when, where it was tagged, how, with whom, how many.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactFact {
    pub id: ContactId,
    pub occurred_at: DateTime<Utc>,
    pub lsoa_code: Option<LsoaCode>,
    pub lap_code: Option<String>,
    pub method: ContactMethod,
    pub audience: Audience,
    pub people_count: u32,
    pub recorded_by: UserId,
}

/// A promise, with the area of the contact it was made at (if any).
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUpFact {
    /// Who answers for it: its owner, or for a referral not yet given to anyone, the
    /// volunteer who made it.
    pub owner: UserId,
    pub created_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub status: FollowUpStatus,
    pub answered_at: Option<DateTime<Utc>>,
    pub lsoa_code: Option<LsoaCode>,
    pub lap_code: Option<String>,
}

/// A SARA problem as it is now.
#[derive(Debug, Clone, PartialEq)]
pub struct ProblemFact {
    pub id: ProblemId,
    pub area: AreaRef,
    pub owner: UserId,
    pub stage: SaraStage,
    pub created_at: DateTime<Utc>,
    pub stage_changed_at: DateTime<Utc>,
    pub has_assessment: bool,
}

/// An approved stage move: the problem entered `to` at `at`.
#[derive(Debug, Clone, PartialEq)]
pub struct StageMoveFact {
    pub problem_id: ProblemId,
    pub to: SaraStage,
    pub at: DateTime<Utc>,
}

/// A contact's LSOA and LAP, as a follow-up takes them.
pub(super) type ContactArea = (Option<LsoaCode>, Option<String>);

/// Everything the figures read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportData {
    pub users: Vec<UserFact>,
    pub teams: Vec<Team>,
    pub lsoas: Vec<Lsoa>,
    pub priority_areas: Vec<PriorityArea>,
    pub patrols: Vec<PatrolFact>,
    pub contacts: Vec<ContactFact>,
    pub follow_ups: Vec<FollowUpFact>,
    pub problems: Vec<ProblemFact>,
    pub stage_moves: Vec<StageMoveFact>,
    /// Synced records that could not be read as their type (partial or damaged); left out.
    pub skipped_records: u64,
}

impl ReportData {
    /// Builds the facts from synced records (the server's view): `records` yields each live
    /// record's kind and fields ([`SyncedFacts`] says how each is read).
    pub fn from_synced<'r>(
        records: impl IntoIterator<Item = (RecordKind, &'r BTreeMap<String, FieldState>)>,
    ) -> ReportData {
        let mut facts = SyncedFacts::default();
        for (kind, fields) in records {
            facts.add(kind, fields);
        }
        facts.finish()
    }
}

impl From<&Patrol> for PatrolFact {
    fn from(p: &Patrol) -> Self {
        PatrolFact {
            id: p.id,
            kind: p.kind,
            area: p.area.clone(),
            recorded_by: p.recorded_by,
            participants: p.participants.clone(),
            started_at: p.started_at,
            ended_at: p.ended_at,
            purpose_met: p.assessment.as_ref().map(|a| a.purpose_met),
            value_rating: p.assessment.as_ref().map(|a| a.value_rating),
        }
    }
}
