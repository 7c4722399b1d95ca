//! The records a report reads, in PostgreSQL: one statement (one snapshot), whole or one at a
//! time as the rows arrive. The s.62 log is in `audit.rs`.

use crate::storage::{kind_list, report_rows, ReportRecord, StorageResult};
use beatbook_core::ids::TeamId;
use beatbook_core::sync::RecordKind;
use postgres::fallible_iterator::FallibleIterator;
use postgres::GenericClient;
use serde_json::{Map, Value};

pub(super) fn report_records(
    client: &mut impl GenericClient,
    team: Option<TeamId>,
    kinds: &[RecordKind],
) -> StorageResult<Vec<ReportRecord>> {
    report_rows::whole(|row| read(client, team, kinds, row))
}

/// The records' values, one at a time as the rows arrive.
pub(super) fn each_report_record(
    client: &mut impl GenericClient,
    team: Option<TeamId>,
    kinds: &[RecordKind],
    visit: &mut dyn FnMut(RecordKind, Map<String, Value>),
) -> StorageResult<()> {
    report_rows::values_only(|row| read(client, team, kinds, row), visit)
}

/// Runs `row` on each live record as its row arrives: one statement, one snapshot.
fn read(
    client: &mut impl GenericClient,
    team: Option<TeamId>,
    kinds: &[RecordKind],
    row: &mut report_rows::RowVisit<'_>,
) -> StorageResult<()> {
    if kinds.is_empty() {
        return Ok(());
    }
    let team = team.map(|t| t.to_string());
    let mut rows = client.query_raw(
        &format!(
            "SELECT kind, field_values, clocks FROM records
             WHERE NOT erased AND kind IN ({})
               AND ($1::text IS NULL OR team_id = $1 OR team_id IS NULL)",
            kind_list(kinds)
        ),
        [&team],
    )?;
    while let Some(r) = rows.next()? {
        let kind: &str = r.try_get(0)?;
        // A kind this build does not know cannot be one it asked for.
        let Ok(kind) = kind.parse::<RecordKind>() else {
            continue;
        };
        row(kind, r.try_get(1)?, r.try_get(2)?)?;
    }
    Ok(())
}
