//! The facts the figures read: a narrow copy of the records, without their free text and
//! without any personal data of members of the public. A device fills it from its tables
//! (`load.rs`); the server from its synced records ([`ReportData::from_synced`]), parsing each
//! with the same serde types the device materialises pulled records with.

use crate::geo::AreaIndex;
use crate::ids::{ContactId, PatrolId, ProblemId, TeamId, UserId};
use crate::model::{
    AreaRef, Audience, ContactMethod, FollowUp, FollowUpStatus, Lsoa, LsoaCode, Patrol, PatrolKind,
    PriorityArea, Problem, PurposeMet, Role, SaraStage, StageRequest, StageRequestStatus, Team,
    User,
};
use crate::sync::protocol::{FieldState, RecordKind};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

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

/// The contact fields a report reads: nothing personal is even parsed.
#[derive(Deserialize)]
struct SyncedContact {
    id: ContactId,
    occurred_at: DateTime<Utc>,
    lsoa_code: Option<LsoaCode>,
    lap_code: Option<String>,
    method: ContactMethod,
    audience: Audience,
    people_count: u32,
    recorded_by: UserId,
}

impl ReportData {
    /// Builds the facts from synced records (the server's view): `records` yields each live
    /// record's kind and fields. Records of kinds reports do not read are ignored; records that
    /// do not parse as their type are counted in `skipped_records`. Follow-ups take the area of
    /// their contact when that contact is among the records.
    pub fn from_synced<'r>(
        records: impl IntoIterator<Item = (RecordKind, &'r BTreeMap<String, FieldState>)>,
    ) -> ReportData {
        let mut data = ReportData::default();
        let mut contact_areas = HashMap::new();
        let mut follow_ups: Vec<(FollowUp, Option<ContactId>)> = Vec::new();
        for (kind, fields) in records {
            let object: Map<String, Value> = fields
                .iter()
                .map(|(name, state)| (name.clone(), state.value.clone()))
                .collect();
            let ok = match kind {
                // A patrol cancelled as started by mistake counts in no report.
                RecordKind::Patrol => parse::<Patrol>(object).map(|p| {
                    if !p.is_cancelled() {
                        data.patrols.push(PatrolFact::from(&p));
                    }
                }),
                RecordKind::Contact => parse::<SyncedContact>(object).map(|c| {
                    contact_areas.insert(c.id, (c.lsoa_code.clone(), c.lap_code.clone()));
                    data.contacts.push(ContactFact {
                        id: c.id,
                        occurred_at: c.occurred_at,
                        lsoa_code: c.lsoa_code,
                        lap_code: c.lap_code,
                        method: c.method,
                        audience: c.audience,
                        people_count: c.people_count,
                        recorded_by: c.recorded_by,
                    });
                }),
                RecordKind::FollowUp => parse::<FollowUp>(object).map(|f| {
                    let contact = f.contact_id;
                    follow_ups.push((f, contact));
                }),
                RecordKind::Problem => parse::<Problem>(object).map(|p| {
                    data.problems.push(ProblemFact {
                        id: p.id,
                        area: p.area,
                        owner: p.owner,
                        stage: p.stage,
                        created_at: p.created_at,
                        stage_changed_at: p.stage_changed_at,
                        has_assessment: p.assessment.is_some(),
                    });
                }),
                RecordKind::StageRequest => parse::<StageRequest>(object).map(|r| {
                    if let (StageRequestStatus::Approved, Some(at)) = (r.status, r.decided_at) {
                        data.stage_moves.push(StageMoveFact {
                            problem_id: r.problem_id,
                            to: r.to_stage,
                            at,
                        });
                    }
                }),
                RecordKind::User => parse::<User>(object).map(|u| {
                    data.users.push(UserFact {
                        id: u.id,
                        display_name: u.display_name,
                        role: u.role,
                        team_id: u.team_id,
                    });
                }),
                RecordKind::Team => parse::<Team>(object).map(|t| data.teams.push(t)),
                RecordKind::PriorityArea => {
                    parse::<PriorityArea>(object).map(|p| data.priority_areas.push(p))
                }
                RecordKind::AreaBoundaries => object
                    .get("geojson")
                    .and_then(Value::as_str)
                    .and_then(|g| AreaIndex::from_geojson(g).ok())
                    .map(|index| data.lsoas = lsoas_of(&index))
                    .ok_or(()),
                _ => Ok(()),
            };
            if ok.is_err() {
                data.skipped_records += 1;
            }
        }
        for (f, contact) in follow_ups {
            // A referral not yet given to anyone counts for the volunteer who made it.
            let Some(owner) = f.owner.or(f.referred_by) else {
                data.skipped_records += 1;
                continue;
            };
            let (lsoa_code, lap_code) = contact
                .and_then(|c| contact_areas.get(&c).cloned())
                .unwrap_or((None, None));
            data.follow_ups.push(FollowUpFact {
                owner,
                created_at: f.created_at,
                due_at: f.due_at,
                status: f.status,
                answered_at: f.answered_at,
                lsoa_code,
                lap_code,
            });
        }
        data
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

fn parse<T: DeserializeOwned>(object: Map<String, Value>) -> Result<T, ()> {
    serde_json::from_value(Value::Object(object)).map_err(|_| ())
}

/// The LSOAs of loaded boundaries, as the device's `lsoas` table holds them.
fn lsoas_of(index: &AreaIndex) -> Vec<Lsoa> {
    index
        .boundaries()
        .iter()
        .map(|b| Lsoa {
            code: b.lsoa_code.clone(),
            name: b.lsoa_name.clone(),
            lap_code: b.lap_code.clone(),
            neighbourhood: b.neighbourhood.clone(),
        })
        .collect()
}
