//! The records a report reads, in PostgreSQL: one statement (one snapshot). The s.62 log is
//! in `audit.rs`.

use crate::storage::compact::join;
use crate::storage::{kind_list, ReportRecord, StorageResult};
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
