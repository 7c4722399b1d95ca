//! What the pages read: one team's records, in one snapshot of the store, turned into the
//! report facts (`SyncedFacts`, the same parsing the figures use everywhere) plus
//! the few typed records a page lists by id (stage requests, follow-ups, problems' titles).
//!
//! Team scoping happens here and only here: [`load`] asks the storage for the records stored
//! with the signed-in supervisor's team (and force-wide reference data), never any other's.
//! The follow-ups' promise text is parsed (the board needs their ids) but no page prints it
//! except the audited "show personal details".

use super::decide::{parse, parse_value};
use crate::storage::{StorageResult, SyncStorage};
use beatbook_core::ids::{FollowUpId, ProblemId, TeamId, UserId};
use beatbook_core::model::{AreaRef, FollowUp, FollowUpStatus, Problem, ProblemStep, StageRequest};
use beatbook_core::model::{SaraStage, StageRequestStatus};
use beatbook_core::reports::{compute, ReportData, ReportQuery, SyncedFacts};
use beatbook_core::sync::RecordKind;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// A problem, by what a page shows of it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProblemLine {
    pub id: ProblemId,
    pub title: String,
    pub area: AreaRef,
    pub owner: UserId,
    pub stage: SaraStage,
}

/// One team's records, for a page.
#[derive(Debug, Clone, Default)]
pub struct TeamData {
    pub team: Option<TeamId>,
    pub facts: ReportData,
    pub stage_requests: Vec<StageRequest>,
    /// The open follow-ups only: the pages list no other, and a team's answered ones are most
    /// of its history.
    pub follow_ups: Vec<FollowUp>,
    pub problems: Vec<ProblemLine>,
}

/// The records of `team` (and force-wide reference data) that figures for periods starting at
/// `from` or later read, each read as it comes (`crate::reports::read_from`: one index range,
/// not the team's history): the facts keep a few dozen bytes of a record, the lists only their
/// kinds. Stage requests, problems and open follow-ups are read whatever `from` is.
pub fn load(
    storage: &dyn SyncStorage,
    team: TeamId,
    from: DateTime<Utc>,
) -> StorageResult<TeamData> {
    let mut facts = SyncedFacts::default();
    let mut data = TeamData {
        team: Some(team),
        ..TeamData::default()
    };
    crate::reports::read_from(
        storage,
        Some(team),
        from,
        &mut facts,
        |kind, record| match kind {
            RecordKind::StageRequest => data.stage_requests.extend(parse_value(record)),
            RecordKind::FollowUp => data.follow_ups.extend(
                parse_value::<FollowUp>(record).filter(|f| f.status == FollowUpStatus::Open),
            ),
            RecordKind::Problem => data
                .problems
                .extend(parse_value::<Problem>(record).map(|p| ProblemLine {
                    id: p.id,
                    title: p.title,
                    area: p.area,
                    owner: p.owner,
                    stage: p.stage,
                })),
            _ => {}
        },
    )?;
    data.facts = facts.finish();
    Ok(data)
}

/// The steps recorded on `team`'s problems (the evidence behind a stage move), oldest first.
pub fn steps(storage: &dyn SyncStorage, team: TeamId) -> StorageResult<Vec<ProblemStep>> {
    let records = storage.report_records(Some(team), &[RecordKind::ProblemStep])?;
    let mut steps: Vec<ProblemStep> = records
        .iter()
        .filter(|(kind, _)| *kind == RecordKind::ProblemStep)
        .filter_map(|(_, state)| parse::<ProblemStep>(state))
        .collect();
    steps.sort_by_key(|s| s.recorded_at);
    Ok(steps)
}

/// The loaded LSOA boundary file (GeoJSON), if any.
pub fn boundaries(storage: &dyn SyncStorage, team: TeamId) -> StorageResult<Option<String>> {
    let records = storage.report_records(Some(team), &[RecordKind::AreaBoundaries])?;
    Ok(records.iter().find_map(|(_, state)| {
        state
            .fields
            .get("geojson")
            .and_then(|f| f.value.as_str())
            .map(str::to_owned)
    }))
}

/// What a contact's personal record holds, for the audited reveal.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Revealed {
    pub promise: String,
    pub outcome: Option<String>,
    /// Name, phone, email, address of the person, when the contact recorded any.
    pub details: Vec<(String, String)>,
    /// The contact whose personal record was read (its id), if the follow-up has one.
    pub contact: Option<String>,
}

/// The personal side of one of `team`'s follow-ups: its promise and its contact's details.
pub fn reveal(
    storage: &dyn SyncStorage,
    team: TeamId,
    follow_up: FollowUpId,
) -> StorageResult<Option<Revealed>> {
    let records = storage.report_records(
        Some(team),
        &[RecordKind::FollowUp, RecordKind::ContactPersonal],
    )?;
    let Some(found) = records
        .iter()
        .filter(|(kind, _)| *kind == RecordKind::FollowUp)
        .filter_map(|(_, state)| parse::<FollowUp>(state))
        .find(|f| f.id == follow_up)
    else {
        return Ok(None);
    };
    let mut revealed = Revealed {
        promise: found.promise,
        outcome: found.outcome,
        details: Vec::new(),
        contact: found.contact_id.map(|c| c.to_string()),
    };
    let Some(contact) = revealed.contact.clone() else {
        return Ok(Some(revealed));
    };
    let personal = records
        .iter()
        .filter(|(kind, _)| *kind == RecordKind::ContactPersonal);
    for (_, state) in personal {
        let names_contact = ["id", "contact_id"].iter().any(|name| {
            state
                .fields
                .get(*name)
                .and_then(|f| f.value.as_str())
                .is_some_and(|v| v == contact)
        });
        if !names_contact {
            continue;
        }
        if let Some(Value::Object(details)) = state.fields.get("details").map(|f| &f.value) {
            for name in ["name", "phone", "email", "address"] {
                if let Some(value) = details.get(name).and_then(Value::as_str) {
                    revealed.details.push((name.to_owned(), value.to_owned()));
                }
            }
        }
    }
    Ok(Some(revealed))
}

impl TeamData {
    /// A user's display name, or a neutral placeholder.
    pub fn name_of(&self, user: UserId) -> String {
        self.facts
            .users
            .iter()
            .find(|u| u.id == user)
            .map(|u| u.display_name.clone())
            .unwrap_or_else(|| "(unknown member)".into())
    }

    /// The team's members, by name.
    pub fn members(&self) -> Vec<(UserId, String)> {
        let mut members: Vec<(UserId, String)> = self
            .facts
            .users
            .iter()
            .filter(|u| u.team_id.is_some() && u.team_id == self.team)
            .map(|u| (u.id, u.display_name.clone()))
            .collect();
        members.sort_by(|a, b| a.1.cmp(&b.1));
        members
    }

    /// An area as people call it.
    pub fn area_name(&self, area: &AreaRef) -> String {
        match area {
            AreaRef::Lap(code) => format!("LAP {code}"),
            AreaRef::Lsoa(code) => self
                .facts
                .lsoas
                .iter()
                .find(|l| &l.code == code)
                .map(|l| format!("{} ({code})", l.name))
                .unwrap_or_else(|| code.to_string()),
            AreaRef::Priority(id) => self
                .facts
                .priority_areas
                .iter()
                .find(|p| &p.id == id)
                .map(|p| format!("priority area {}", p.name))
                .unwrap_or_else(|| "a priority area".into()),
        }
    }

    /// A problem's title.
    pub fn problem_title(&self, id: ProblemId) -> String {
        self.problems
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.title.clone())
            .unwrap_or_else(|| "(problem not synced)".into())
    }

    /// Open follow-ups past their due time at `now`, the longest overdue first.
    pub fn overdue(&self, now: DateTime<Utc>) -> Vec<&FollowUp> {
        let mut overdue: Vec<&FollowUp> = self
            .follow_ups
            .iter()
            .filter(|f| f.is_overdue(now))
            .collect();
        overdue.sort_by_key(|f| f.due_at);
        overdue
    }

    /// Open follow-ups, due first.
    pub fn open_follow_ups(&self) -> Vec<&FollowUp> {
        let mut open: Vec<&FollowUp> = self
            .follow_ups
            .iter()
            .filter(|f| f.status == FollowUpStatus::Open)
            .collect();
        open.sort_by_key(|f| f.due_at);
        open
    }

    /// Stage moves waiting for a supervisor, oldest request first.
    pub fn waiting_requests(&self) -> Vec<&StageRequest> {
        let mut waiting: Vec<&StageRequest> = self
            .stage_requests
            .iter()
            .filter(|r| r.status == StageRequestStatus::Pending)
            .collect();
        waiting.sort_by_key(|r| r.requested_at);
        waiting
    }
}

/// One member's figures for a period.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberFigures {
    pub user: UserId,
    pub name: String,
    pub patrol_hours: f64,
    pub patrols: u64,
    pub contacts: u64,
    pub people: u64,
    pub promised: u64,
    pub share_within_72h: Option<f64>,
}

/// Each member's figures: the team's report computed over the records that member recorded
/// or took part in (patrols they recorded or joined, contacts they recorded, promises they
/// own), so the rules are the report's own and a shared patrol counts for each participant.
pub fn per_member(data: &TeamData, query: &ReportQuery) -> Vec<MemberFigures> {
    data.members()
        .into_iter()
        .map(|(user, name)| {
            let facts = &data.facts;
            let mine = ReportData {
                patrols: facts
                    .patrols
                    .iter()
                    .filter(|p| p.recorded_by == user || p.participants.contains(&user))
                    .cloned()
                    .collect(),
                contacts: facts
                    .contacts
                    .iter()
                    .filter(|c| c.recorded_by == user)
                    .cloned()
                    .collect(),
                follow_ups: facts
                    .follow_ups
                    .iter()
                    .filter(|f| f.owner == user)
                    .cloned()
                    .collect(),
                problems: Vec::new(),
                stage_moves: Vec::new(),
                ..facts.clone()
            };
            let report = compute(&mine, query);
            MemberFigures {
                user,
                name,
                patrol_hours: report.patrol_hours.hours,
                patrols: report.patrol_hours.patrols,
                contacts: report.engagement.contacts,
                people: report.engagement.people,
                promised: report.follow_ups.promised,
                share_within_72h: report.follow_ups.share_within_72h,
            }
        })
        .collect()
}
