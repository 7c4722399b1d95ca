//! Which records an area filter takes in. One rule for every figure: a patrol or problem is in
//! an area by the area it was *targeted at*; a contact (and the follow-up promised at it) by the
//! LSOA and LAP it was *tagged with* where it happened.
//!
//! - LAP: a record for the LAP itself, for one of its LSOAs, or for a priority area with an LSOA
//!   in the LAP (the rule `queries::problems_by_area` already uses).
//! - LSOA: a record for that LSOA, or for a priority area that contains it (a LAP-wide patrol
//!   is not in any one LSOA).
//! - Priority area: a record for that priority area, or for one of its LSOAs.
//! - Team: records of the team's members — a patrol with any team member in its crew, contacts
//!   they recorded, follow-ups and problems they own.

use super::data::{ContactFact, FollowUpFact, PatrolFact, ProblemFact, ReportData};
use crate::ids::{PriorityAreaId, TeamId, UserId};
use crate::model::{AreaRef, LsoaCode, PriorityArea, Role};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// The area a report is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum ReportArea {
    /// Everything in the data (on the server: the team's records).
    All,
    Team(TeamId),
    Lap(String),
    Lsoa(LsoaCode),
    Priority(PriorityAreaId),
}

/// The area filter with the reference data it needs, resolved once.
pub(crate) struct Scope<'a> {
    area: &'a ReportArea,
    lsoas: HashMap<&'a str, (&'a str, &'a str)>,
    priority: HashMap<PriorityAreaId, &'a PriorityArea>,
    team_members: HashSet<UserId>,
    users: HashMap<UserId, (&'a str, Role, Option<TeamId>)>,
}

impl<'a> Scope<'a> {
    pub(crate) fn new(data: &'a ReportData, area: &'a ReportArea) -> Self {
        let team_members = match area {
            ReportArea::Team(team) => data
                .users
                .iter()
                .filter(|u| u.team_id == Some(*team))
                .map(|u| u.id)
                .collect(),
            _ => HashSet::new(),
        };
        Scope {
            area,
            lsoas: data
                .lsoas
                .iter()
                .map(|l| (l.code.as_str(), (l.lap_code.as_str(), l.name.as_str())))
                .collect(),
            priority: data.priority_areas.iter().map(|p| (p.id, p)).collect(),
            team_members,
            users: data
                .users
                .iter()
                .map(|u| (u.id, (u.display_name.as_str(), u.role, u.team_id)))
                .collect(),
        }
    }

    pub(crate) fn priority_area(&self, id: PriorityAreaId) -> Option<&'a PriorityArea> {
        self.priority.get(&id).copied()
    }

    pub(crate) fn user_name(&self, id: UserId) -> Option<&'a str> {
        self.users.get(&id).map(|u| u.0)
    }

    pub(crate) fn is_volunteer(&self, id: UserId) -> bool {
        self.users.get(&id).is_some_and(|u| u.1 == Role::Volunteer)
    }

    /// Whether `user` counts under the filter (only a team filter narrows people).
    pub(crate) fn counts_person(&self, user: UserId) -> bool {
        match self.area {
            ReportArea::Team(_) => self.team_members.contains(&user),
            _ => true,
        }
    }

    pub(crate) fn lap_of(&self, lsoa: &str) -> Option<&'a str> {
        self.lsoas.get(lsoa).map(|l| l.0)
    }

    pub(crate) fn lsoa_name(&self, lsoa: &str) -> Option<&'a str> {
        self.lsoas.get(lsoa).map(|l| l.1)
    }

    pub(crate) fn patrol(&self, p: &PatrolFact) -> bool {
        match self.area {
            ReportArea::Team(_) => {
                self.counts_person(p.recorded_by)
                    || p.participants.iter().any(|u| self.counts_person(*u))
            }
            _ => self.targeted(&p.area),
        }
    }

    pub(crate) fn problem(&self, p: &ProblemFact) -> bool {
        match self.area {
            ReportArea::Team(_) => self.counts_person(p.owner),
            _ => self.targeted(&p.area),
        }
    }

    pub(crate) fn contact(&self, c: &ContactFact) -> bool {
        match self.area {
            ReportArea::Team(_) => self.counts_person(c.recorded_by),
            _ => self.tagged(c.lsoa_code.as_ref(), c.lap_code.as_deref()),
        }
    }

    pub(crate) fn follow_up(&self, f: &FollowUpFact) -> bool {
        match self.area {
            ReportArea::All => true,
            ReportArea::Team(_) => self.counts_person(f.owner),
            _ => self.tagged(f.lsoa_code.as_ref(), f.lap_code.as_deref()),
        }
    }

    /// Whether a record tagged with `lsoa` / `lap` where it happened is in the area.
    fn tagged(&self, lsoa: Option<&LsoaCode>, lap: Option<&str>) -> bool {
        match self.area {
            ReportArea::All | ReportArea::Team(_) => true,
            ReportArea::Lap(code) => {
                lap.or_else(|| lsoa.and_then(|l| self.lap_of(l.as_str()))) == Some(code.as_str())
            }
            ReportArea::Lsoa(code) => lsoa == Some(code),
            ReportArea::Priority(id) => lsoa.is_some_and(|l| self.priority_contains(*id, l)),
        }
    }

    /// Whether a record targeted at `target` is in the area.
    pub(crate) fn targeted(&self, target: &AreaRef) -> bool {
        match self.area {
            ReportArea::All | ReportArea::Team(_) => true,
            ReportArea::Lap(lap) => match target {
                AreaRef::Lap(code) => code == lap,
                AreaRef::Lsoa(code) => self.lap_of(code.as_str()) == Some(lap.as_str()),
                AreaRef::Priority(id) => self.priority.get(id).is_some_and(|pa| {
                    pa.lsoa_codes
                        .iter()
                        .any(|c| self.lap_of(c.as_str()) == Some(lap.as_str()))
                }),
            },
            ReportArea::Lsoa(lsoa) => match target {
                AreaRef::Lsoa(code) => code == lsoa,
                AreaRef::Priority(id) => self.priority_contains(*id, lsoa),
                AreaRef::Lap(_) => false,
            },
            ReportArea::Priority(id) => match target {
                AreaRef::Priority(target) => target == id,
                AreaRef::Lsoa(code) => self.priority_contains(*id, code),
                AreaRef::Lap(_) => false,
            },
        }
    }

    fn priority_contains(&self, id: PriorityAreaId, lsoa: &LsoaCode) -> bool {
        self.priority
            .get(&id)
            .is_some_and(|pa| pa.lsoa_codes.contains(lsoa))
    }

    /// Whether a priority area is in the report's area (its activity is then listed).
    pub(crate) fn priority_in_area(&self, pa: &PriorityArea) -> bool {
        match self.area {
            ReportArea::All | ReportArea::Team(_) => true,
            ReportArea::Lap(lap) => pa
                .lsoa_codes
                .iter()
                .any(|c| self.lap_of(c.as_str()) == Some(lap.as_str())),
            ReportArea::Lsoa(lsoa) => pa.lsoa_codes.contains(lsoa),
            ReportArea::Priority(id) => pa.id == *id,
        }
    }
}
