//! The records a report reads, in PostgreSQL: one statement (one snapshot), whole or one at a
//! time as the rows arrive. The s.62 log is in `audit.rs`.

use crate::storage::compact::join;
use crate::storage::{kind_list, ReportRecord, StorageError, StorageResult};
use beatbook_core::ids::TeamId;
use beatbook_core::sync::merge::RecordState;
use beatbook_core::sync::RecordKind;
use postgres::fallible_iterator::FallibleIterator;
use postgres::GenericClient;
use serde_json::{Map, Value};

pub(super) fn report_records(
    client: &mut impl GenericClient,
    team: Option<TeamId>,
    kinds: &[RecordKind],
) -> StorageResult<Vec<ReportRecord>> {
    let mut out = Vec::new();
    read(client, team, kinds, &mut |kind, values, clocks| {
        out.push((
            kind,
            RecordState {
                fields: join(values, clocks)?,
                erased: false,
            },
        ));
        Ok(())
    })?;
    Ok(out)
}

/// The records' values, one at a time as the rows arrive (their clocks are not decoded).
pub(super) fn each_report_record(
    client: &mut impl GenericClient,
    team: Option<TeamId>,
    kinds: &[RecordKind],
    visit: &mut dyn FnMut(RecordKind, Map<String, Value>),
) -> StorageResult<()> {
    read(client, team, kinds, &mut |kind, values, _| {
        let values: Map<String, Value> = serde_json::from_str(values)
            .map_err(|_| StorageError::Corrupt("a record's values are not a JSON object".into()))?;
        visit(kind, values);
        Ok(())
    })
}

/// What [`read`] runs on each record: its kind, values (JSON text) and clocks.
type RowVisit<'v> = dyn FnMut(RecordKind, &str, &[u8]) -> StorageResult<()> + 'v;

/// Runs `row` on each live record as its row arrives: one statement, one snapshot.
fn read(
    client: &mut impl GenericClient,
    team: Option<TeamId>,
    kinds: &[RecordKind],
    row: &mut RowVisit<'_>,
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
