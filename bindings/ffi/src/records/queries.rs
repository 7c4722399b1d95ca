//! What the store's queries answer: a day's activity, problems by stage, volunteer hours,
//! the audit log.

use super::{AreaRef, Contact, FollowUp, Note, Patrol};
use crate::convert::{all, instant, opt_text};
use crate::error::{BeatbookError, Result};
use beatbook_core::model::{CrimeCategory, LsoaCode, Role, SaraStage};
use beatbook_core::store::{queries as core, AuditAction, AuditEntry as CoreAuditEntry};
use std::time::SystemTime;

/// What one person did in a day.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TodaysActivity {
    pub patrols: Vec<Patrol>,
    pub notes: Vec<Note>,
    pub contacts: Vec<Contact>,
    /// Open follow-ups, overdue first.
    pub open_follow_ups: Vec<FollowUp>,
}

impl From<core::TodaysActivity> for TodaysActivity {
    fn from(a: core::TodaysActivity) -> Self {
        TodaysActivity {
            patrols: all(a.patrols),
            notes: all(a.notes),
            contacts: all(a.contacts),
            open_follow_ups: all(a.open_follow_ups),
        }
    }
}

/// Which problems `problems_by_stage` lists.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum AreaFilter {
    All,
    Lap { code: String },
    Lsoa { code: String },
}

impl TryFrom<AreaFilter> for core::AreaFilter {
    type Error = BeatbookError;
    fn try_from(a: AreaFilter) -> Result<Self> {
        Ok(match a {
            AreaFilter::All => core::AreaFilter::All,
            AreaFilter::Lap { code } => core::AreaFilter::Lap(code),
            AreaFilter::Lsoa { code } => {
                core::AreaFilter::Lsoa(LsoaCode::parse_typed("area", &code)?)
            }
        })
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ProblemSummary {
    pub id: String,
    pub title: String,
    pub category: CrimeCategory,
    pub area: AreaRef,
    pub owner: String,
    pub stage: SaraStage,
    pub stage_changed_at: SystemTime,
}

impl From<core::ProblemSummary> for ProblemSummary {
    fn from(p: core::ProblemSummary) -> Self {
        ProblemSummary {
            id: p.id.to_string(),
            title: p.title,
            category: p.category,
            area: p.area.into(),
            owner: p.owner.to_string(),
            stage: p.stage,
            stage_changed_at: instant(p.stage_changed_at),
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct StageGroup {
    pub stage: SaraStage,
    pub problems: Vec<ProblemSummary>,
}

impl From<core::StageGroup> for StageGroup {
    fn from(g: core::StageGroup) -> Self {
        StageGroup {
            stage: g.stage,
            problems: all(g.problems),
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct VolunteerMonth {
    pub user_id: String,
    pub display_name: String,
    /// `YYYY-MM` (UTC).
    pub month: String,
    pub patrols: u64,
    pub hours: f64,
}

impl From<core::VolunteerMonth> for VolunteerMonth {
    fn from(v: core::VolunteerMonth) -> Self {
        VolunteerMonth {
            user_id: v.user_id.to_string(),
            display_name: v.display_name,
            month: v.month,
            patrols: v.patrols,
            hours: v.hours,
        }
    }
}

/// One entry of the processing log (collection, consultation, erasure...).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: SystemTime,
    pub user_id: String,
    pub role: Role,
    pub device_id: String,
    pub action: AuditAction,
    pub record_kind: String,
    pub record_id: Option<String>,
    pub justification: Option<String>,
    pub detail: Option<String>,
}

impl From<CoreAuditEntry> for AuditEntry {
    fn from(e: CoreAuditEntry) -> Self {
        AuditEntry {
            seq: e.seq,
            at: instant(e.at),
            user_id: e.user_id.to_string(),
            role: e.role,
            device_id: e.device_id.to_string(),
            action: e.action,
            record_kind: e.record_kind,
            record_id: opt_text(e.record_id),
            justification: e.justification,
            detail: e.detail,
        }
    }
}
