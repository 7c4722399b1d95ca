//! The report facts built from synced records one at a time (the server's view).
//!
//! Why one at a time: a server's report reads every live record of a team, and a team's
//! history grows without end. Holding the records themselves (each field's value and clock)
//! until the facts are built took about 6 KB a record: 603 MB for a one-week report over a
//! 100k-contact store. [`SyncedFacts`] keeps only the facts, a few dozen bytes a record, and
//! the record can be dropped as soon as it is read; [`SyncedFacts::for_period`] keeps only
//! those a report of that period reads, by the rules the device's loader applies in SQL
//! (`load.rs`), and of every other contact only its area, by number.

use super::data::{
    ContactArea, ContactFact, FollowUpFact, PatrolFact, ProblemFact, ReportData, StageMoveFact,
    UserFact,
};
use super::Period;
use crate::geo::AreaIndex;
use crate::ids::{ContactId, UserId};
use crate::model::{
    Audience, ContactMethod, FollowUp, FollowUpStatus, Lsoa, LsoaCode, Patrol, PriorityArea,
    Problem, StageRequest, StageRequestStatus, Team, User,
};
use crate::sync::protocol::{FieldState, RecordKind};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

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

/// The facts of the records added so far. Records of kinds reports do not read are ignored;
/// records that do not parse as their type are counted in `skipped_records`. Follow-ups take
/// the area of their contact when that contact is among the records (in any order).
#[derive(Debug, Default)]
pub struct SyncedFacts {
    data: ReportData,
    /// Only the facts a report of this period reads, when set.
    period: Option<Period>,
    /// Each contact's area, by its number in `areas`: follow-ups take it at the end.
    contact_areas: HashMap<ContactId, usize>,
    areas: Vec<ContactArea>,
    area_numbers: HashMap<ContactArea, usize>,
    /// Follow-ups whose area is their contact's, known once every record is in.
    follow_ups: Vec<(FollowUpFact, Option<ContactId>)>,
}

impl SyncedFacts {
    /// Facts for a report of `period` only: patrols that overlap it, contacts in it, follow-ups
    /// made before its end and made in it, still open or answered since its start, problems
    /// made before its end (the device's loader reads the same: `load.rs`). A report of
    /// another period over them is wrong; one of `period` is the same as over all the facts.
    pub fn for_period(period: Period) -> Self {
        SyncedFacts {
            period: Some(period),
            ..SyncedFacts::default()
        }
    }

    fn area_number(&mut self, area: ContactArea) -> usize {
        if let Some(&number) = self.area_numbers.get(&area) {
            return number;
        }
        self.areas.push(area.clone());
        self.area_numbers.insert(area, self.areas.len() - 1);
        self.areas.len() - 1
    }

    /// Adds one live record, by its fields.
    pub fn add(&mut self, kind: RecordKind, fields: &BTreeMap<String, FieldState>) {
        let object: Map<String, Value> = fields
            .iter()
            .map(|(name, state)| (name.clone(), state.value.clone()))
            .collect();
        self.add_object(kind, object);
    }

    /// Adds one live record, by its fields' values.
    pub fn add_object(&mut self, kind: RecordKind, object: Map<String, Value>) {
        let period = self.period;
        let ok = match kind {
            // A patrol cancelled as started by mistake counts in no report.
            RecordKind::Patrol => parse::<Patrol>(object).map(|p| {
                let overlaps = period.is_none_or(|period| {
                    p.started_at < period.to && p.ended_at.is_none_or(|end| end >= period.from)
                });
                if !p.is_cancelled() && overlaps {
                    self.data.patrols.push(PatrolFact::from(&p));
                }
            }),
            RecordKind::Contact => parse::<SyncedContact>(object).map(|c| {
                let area = (c.lsoa_code.clone(), c.lap_code.clone());
                let number = self.area_number(area);
                self.contact_areas.insert(c.id, number);
                if period.is_some_and(|period| !period.contains(c.occurred_at)) {
                    return;
                }
                self.data.contacts.push(ContactFact {
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
            RecordKind::FollowUp => parse::<FollowUp>(object).and_then(|f| {
                // A referral not yet given to anyone counts for the volunteer who made it.
                let owner = f.owner.or(f.referred_by).ok_or(())?;
                let read = period.is_none_or(|period| {
                    f.created_at < period.to
                        && (f.created_at >= period.from
                            || f.status == FollowUpStatus::Open
                            || f.answered_at.is_some_and(|at| at >= period.from))
                });
                if !read {
                    return Ok(());
                }
                let fact = FollowUpFact {
                    owner,
                    created_at: f.created_at,
                    due_at: f.due_at,
                    status: f.status,
                    answered_at: f.answered_at,
                    lsoa_code: None,
                    lap_code: None,
                };
                self.follow_ups.push((fact, f.contact_id));
                Ok(())
            }),
            RecordKind::Problem => parse::<Problem>(object).map(|p| {
                if period.is_some_and(|period| p.created_at >= period.to) {
                    return;
                }
                self.data.problems.push(ProblemFact {
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
                    self.data.stage_moves.push(StageMoveFact {
                        problem_id: r.problem_id,
                        to: r.to_stage,
                        at,
                    });
                }
            }),
            RecordKind::User => parse::<User>(object).map(|u| {
                self.data.users.push(UserFact {
                    id: u.id,
                    display_name: u.display_name,
                    role: u.role,
                    team_id: u.team_id,
                });
            }),
            RecordKind::Team => parse::<Team>(object).map(|t| self.data.teams.push(t)),
            RecordKind::PriorityArea => {
                parse::<PriorityArea>(object).map(|p| self.data.priority_areas.push(p))
            }
            RecordKind::AreaBoundaries => object
                .get("geojson")
                .and_then(Value::as_str)
                .and_then(|g| AreaIndex::from_geojson(g).ok())
                .map(|index| self.data.lsoas = lsoas_of(&index))
                .ok_or(()),
            _ => Ok(()),
        };
        if ok.is_err() {
            self.data.skipped_records += 1;
        }
    }

    /// The contacts of the follow-ups added so far that are not among the records added, each
    /// once. A reader that hands over only the records a period can read (the server's index by
    /// report time: `reach.rs`) looks these up and adds them too, so that every follow-up still
    /// takes its contact's area.
    pub fn contacts_wanted(&self) -> Vec<ContactId> {
        let wanted: std::collections::BTreeSet<ContactId> = self
            .follow_ups
            .iter()
            .filter_map(|(_, contact)| *contact)
            .filter(|contact| !self.contact_areas.contains_key(contact))
            .collect();
        wanted.into_iter().collect()
    }

    /// The facts, each follow-up with its contact's area.
    pub fn finish(self) -> ReportData {
        let mut data = self.data;
        for (mut fact, contact) in self.follow_ups {
            let area = contact.and_then(|c| self.contact_areas.get(&c));
            if let Some((lsoa, lap)) = area.and_then(|&number| self.areas.get(number)) {
                fact.lsoa_code = lsoa.clone();
                fact.lap_code = lap.clone();
            }
            data.follow_ups.push(fact);
        }
        data
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
