//! Reports from the server: the same figures a supervisor's device computes offline
//! (`beatbook_core::reports`), over the records the server holds.
//!
//! The server keeps each record as its current field map (`records.fields`), not in the device's
//! tables. Rather than a second copy of the figures' rules, the server reads the live records a
//! report needs and hands them to [`ReportData::from_synced`], which parses each one with the
//! same serde types a device materialises pulled records with; the figures then come from the
//! one [`compute`]. `tests/server/reports.rs` checks that a device and the server give the same
//! report for the same records.
//!
//! Who may see what: supervisors, for their own team's records (as stored with the team of the
//! author who created them, plus force-wide reference data). Administrators use
//! `beatbook-server admin report`, which may report on any team or the whole force. Everyone
//! else is refused.

use crate::storage::{Principal, ServerAudit, StorageResult, SyncStorage};
use beatbook_core::ids::TeamId;
use beatbook_core::model::Role;
use beatbook_core::reports::{compute, Report, ReportArea, ReportData, ReportQuery};
use beatbook_core::store::AuditAction;
use beatbook_core::sync::RecordKind;

/// The record kinds a report reads.
pub const REPORT_KINDS: &[RecordKind] = &[
    RecordKind::Patrol,
    RecordKind::Contact,
    RecordKind::FollowUp,
    RecordKind::Problem,
    RecordKind::StageRequest,
    RecordKind::User,
    RecordKind::Team,
    RecordKind::PriorityArea,
    RecordKind::AreaBoundaries,
];

/// Why a report was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("reports are for supervisors")]
    NotSupervisor,
    #[error("a supervisor without a team has no team's figures")]
    NoTeam,
    #[error("supervisors see their own team's figures only")]
    OtherTeam,
}

/// Which team's records a principal's report reads, or why it may not have one.
pub fn team_for(principal: &Principal, area: &ReportArea) -> Result<TeamId, Refusal> {
    if principal.role != Role::Supervisor {
        return Err(Refusal::NotSupervisor);
    }
    let team = principal.team_id.ok_or(Refusal::NoTeam)?;
    match area {
        ReportArea::Team(asked) if *asked != team => Err(Refusal::OtherTeam),
        _ => Ok(team),
    }
}

/// The report over the records of `team` (every team's when `None`).
pub fn report(
    storage: &dyn SyncStorage,
    team: Option<TeamId>,
    query: &ReportQuery,
) -> StorageResult<Report> {
    let records = storage.report_records(team, REPORT_KINDS)?;
    let data = ReportData::from_synced(records.iter().map(|(kind, state)| (*kind, &state.fields)));
    if data.skipped_records > 0 {
        tracing::warn!(
            skipped = data.skipped_records,
            "records left out of a report: not readable as their type"
        );
    }
    Ok(compute(&data, query))
}

/// What a CSV export disclosed, for the audit log: the period and area, never values.
pub fn disclosure_detail(query: &ReportQuery, team: Option<TeamId>) -> String {
    let area = serde_json::to_string(&query.area).unwrap_or_default();
    format!(
        "report CSV; period {} to {}; area {area}; team {}",
        query.period.from.to_rfc3339(),
        query.period.to.to_rfc3339(),
        team.map_or_else(|| "all".to_owned(), |t| t.to_string())
    )
}

/// Logs a CSV export of a report as a disclosure, by a device's holder.
pub fn log_export(
    storage: &dyn SyncStorage,
    principal: &Principal,
    query: &ReportQuery,
    now_ms: i64,
) -> StorageResult<()> {
    storage.append_audit(&ServerAudit {
        at_ms: now_ms,
        user_id: Some(principal.user_id),
        role: principal.role.as_str().to_owned(),
        device_id: Some(principal.device_id),
        action: AuditAction::Disclosure,
        subject: "report".into(),
        detail: Some(disclosure_detail(query, principal.team_id)),
    })
}
