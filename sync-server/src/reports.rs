//! Reports from the server: the same figures a supervisor's device computes offline
//! (`beatbook_core::reports`), over the records the server holds.
//!
//! The server keeps each record as its current field map (`records.fields`), not in the device's
//! tables. Rather than a second copy of the figures' rules, the server reads the live records a
//! report needs and hands each, as it is read, to [`SyncedFacts`], which parses it with the
//! same serde types a device materialises pulled records with and keeps only its facts; the
//! figures then come from the one [`compute`]. `tests/server/reports.rs` checks that a device and the server give the same
//! report for the same records.
//!
//! Who may see what: supervisors, for their own team's records (as stored with the team of the
//! author who created them, plus force-wide reference data). Administrators use
//! `beatbook-server admin report`, which may report on any team or the whole force. Everyone
//! else is refused.

use crate::storage::{Principal, ServerAudit, StorageResult, SyncStorage, NAMED_RECORDS_MAX};
use beatbook_core::audit::AuditAction;
use beatbook_core::ids::TeamId;
use beatbook_core::model::{LsoaCode, Role};
use beatbook_core::reports::{
    compute, read_from_day, Report, ReportArea, ReportQuery, SyncedFacts,
};
use beatbook_core::sync::RecordKind;
use chrono::{DateTime, Utc};
use serde_json::Value;

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

/// Hands `facts` every record of `team` (every team's when `None`) that a report of a period
/// starting at `from` or later reads, `other` seeing each first (as a JSON object): the records
/// whose report reach is at or after `from` (one index range, not the team's history), then the
/// older contacts their follow-ups were made at, for those follow-ups' areas
/// (`SyncedFacts::contacts_wanted`). The two reads are two snapshots: a contact read in the
/// second is only where its follow-up takes its area from.
pub fn read_from(
    storage: &dyn SyncStorage,
    team: Option<TeamId>,
    from: DateTime<Utc>,
    facts: &mut SyncedFacts,
    mut other: impl FnMut(RecordKind, &Value),
) -> StorageResult<()> {
    let from_day = read_from_day(from);
    storage.each_report_record(team, REPORT_KINDS, Some(from_day), &mut |kind, values| {
        let record = Value::Object(values);
        other(kind, &record);
        if let Value::Object(values) = record {
            facts.add_object(kind, values);
        }
    })?;
    let wanted: Vec<String> = facts
        .contacts_wanted()
        .iter()
        .map(ToString::to_string)
        .collect();
    for ids in wanted.chunks(NAMED_RECORDS_MAX) {
        storage.each_named_record(team, RecordKind::Contact, ids, &mut |kind, values| {
            facts.add_object(kind, values)
        })?;
    }
    Ok(())
}

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
    // Only the facts a report of this period reads are kept (as a device's loader reads them).
    let mut facts = SyncedFacts::for_period(query.period);
    read_from(storage, team, query.period.from, &mut facts, |_, _| {})?;
    let data = facts.finish();
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
        recipient: Some(format!("device:{}", principal.device_id)),
        detail: Some(disclosure_detail(query, principal.team_id)),
        ..ServerAudit::new(now_ms, AuditAction::Disclosure, "report").by(principal)
    })
}

/// The area of a report as typed in a query or on the command line: `all`, `team:ID`,
/// `lap:CODE`, `lsoa:CODE` or `priority:ID`.
pub fn parse_area(text: &str) -> Result<ReportArea, &'static str> {
    const EXPECTED: &str = "area must be all, team:ID, lap:CODE, lsoa:CODE or priority:ID";
    if text == "all" {
        return Ok(ReportArea::All);
    }
    let (kind, value) = text.split_once(':').ok_or(EXPECTED)?;
    match kind {
        "team" => value.parse().map(ReportArea::Team).map_err(|_| EXPECTED),
        "lap" if !value.trim().is_empty() => Ok(ReportArea::Lap(value.to_owned())),
        "lsoa" => LsoaCode::parse(value)
            .map(ReportArea::Lsoa)
            .map_err(|_| EXPECTED),
        "priority" => value
            .parse()
            .map(ReportArea::Priority)
            .map_err(|_| EXPECTED),
        _ => Err(EXPECTED),
    }
}

/// Logs a CSV export made with the administration command line as a disclosure.
pub fn log_admin_export(
    storage: &dyn SyncStorage,
    team: Option<TeamId>,
    query: &ReportQuery,
    justification: &str,
    now_ms: i64,
) -> StorageResult<()> {
    storage.append_audit(&ServerAudit {
        justification: Some(justification.to_owned()),
        recipient: Some("administrator's file".into()),
        detail: Some(disclosure_detail(query, team)),
        ..ServerAudit::new(now_ms, AuditAction::Disclosure, "report")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use beatbook_core::ids::{DeviceId, UserId};

    fn principal(role: Role, team: Option<TeamId>) -> Principal {
        Principal {
            device_id: DeviceId::new(),
            user_id: UserId::new(),
            role,
            team_id: team,
        }
    }

    #[test]
    fn only_a_supervisor_with_a_team_gets_that_teams_figures() {
        let team = TeamId::new();
        let sup = principal(Role::Supervisor, Some(team));
        assert_eq!(team_for(&sup, &ReportArea::All), Ok(team));
        assert_eq!(team_for(&sup, &ReportArea::Team(team)), Ok(team));
        assert_eq!(
            team_for(&sup, &ReportArea::Team(TeamId::new())),
            Err(Refusal::OtherTeam)
        );
        assert_eq!(
            team_for(&principal(Role::Supervisor, None), &ReportArea::All),
            Err(Refusal::NoTeam)
        );
        for role in [Role::Officer, Role::Pcso, Role::Volunteer] {
            assert_eq!(
                team_for(&principal(role, Some(team)), &ReportArea::All),
                Err(Refusal::NotSupervisor)
            );
        }
    }

    #[test]
    fn areas_are_typed_kind_colon_value() {
        assert_eq!(parse_area("all"), Ok(ReportArea::All));
        assert_eq!(
            parse_area("lap:LAP-NV"),
            Ok(ReportArea::Lap("LAP-NV".into()))
        );
        assert!(matches!(
            parse_area("lsoa:E01990002"),
            Ok(ReportArea::Lsoa(_))
        ));
        for bad in ["", "lap:", "lsoa:E0199", "team:x", "priority:1", "county:X"] {
            assert!(parse_area(bad).is_err(), "{bad}");
        }
    }
}
