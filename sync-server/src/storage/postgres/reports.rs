//! The records a report reads and the server's audit log, in PostgreSQL. A report's records
//! are read by one statement (one snapshot); the audit log is append-only (a trigger refuses
//! updates, deletes and truncation, `0001_initial.sql`).

use super::convert::parsed_opt;
use crate::storage::compact::join;
use crate::storage::{kind_list, ReportRecord, ServerAudit, StorageError, StorageResult};
use beatbook_core::ids::TeamId;
use beatbook_core::sync::merge::RecordState;
use beatbook_core::sync::RecordKind;
use postgres::GenericClient;

pub(super) fn report_records(
    client: &mut impl GenericClient,
    team: Option<TeamId>,
    kinds: &[RecordKind],
) -> StorageResult<Vec<ReportRecord>> {
    if kinds.is_empty() {
        return Ok(Vec::new());
    }
    let rows = client.query(
        &format!(
            "SELECT kind, field_values, clocks FROM records
             WHERE NOT erased AND kind IN ({})
               AND ($1::text IS NULL OR team_id = $1 OR team_id IS NULL)",
            kind_list(kinds)
        ),
        &[&team.map(|t| t.to_string())],
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let kind: String = r.try_get(0)?;
        // A kind this build does not know cannot be one it asked for.
        let Ok(kind) = kind.parse::<RecordKind>() else {
            continue;
        };
        let values: String = r.try_get(1)?;
        let clocks: Vec<u8> = r.try_get(2)?;
        out.push((
            kind,
            RecordState {
                fields: join(&values, &clocks)?,
                erased: false,
            },
        ));
    }
    Ok(out)
}

pub(super) fn append_audit(client: &mut impl GenericClient, e: &ServerAudit) -> StorageResult<()> {
    client.execute(
        "INSERT INTO audit_log (at_ms, user_id, role, device_id, action, subject, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            &e.at_ms,
            &e.user_id.map(|u| u.to_string()),
            &e.role,
            &e.device_id.map(|d| d.to_string()),
            &e.action.as_str(),
            &e.subject,
            &e.detail,
        ],
    )?;
    Ok(())
}

pub(super) fn audit_log(
    client: &mut impl GenericClient,
    limit: u32,
) -> StorageResult<Vec<ServerAudit>> {
    let rows = client.query(
        "SELECT at_ms, user_id, role, device_id, action, subject, detail FROM audit_log
         ORDER BY seq DESC LIMIT $1",
        &[&i64::from(limit)],
    )?;
    rows.iter()
        .map(|r| {
            let action: String = r.try_get(4)?;
            Ok(ServerAudit {
                at_ms: r.try_get(0)?,
                user_id: parsed_opt(r, 1, "audit user")?,
                role: r.try_get(2)?,
                device_id: parsed_opt(r, 3, "audit device")?,
                action: action
                    .parse()
                    .map_err(|_| StorageError::Corrupt("an audit entry's action".into()))?,
                subject: r.try_get(5)?,
                detail: r.try_get(6)?,
            })
        })
        .collect()
}
