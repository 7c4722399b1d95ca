//! Reading the records a report needs: current fields of live records of some kinds, of one
//! team (or all), plus force-wide reference records. Read in one snapshot by the caller, whole
//! ([`load`]) or one at a time without their clocks ([`each`], which a report's facts need).

use crate::storage::packed_values::StoredValues;
use crate::storage::{report_rows, ReportRecord, StorageError, StorageResult};
use beatbook_core::ids::TeamId;
use beatbook_core::sync::RecordKind;
use rusqlite::Connection;
use serde_json::{Map, Value};

/// The records, each whole (values and clocks).
pub(super) fn load(
    conn: &Connection,
    team: Option<TeamId>,
    kinds: &[RecordKind],
) -> StorageResult<Vec<ReportRecord>> {
    report_rows::whole(|row| read(conn, team, kinds, row))
}

/// The records' values, one at a time (their clocks are not read).
pub(super) fn each(
    conn: &Connection,
    team: Option<TeamId>,
    kinds: &[RecordKind],
    visit: &mut dyn FnMut(RecordKind, Map<String, Value>),
) -> StorageResult<()> {
    report_rows::values_only(|row| read(conn, team, kinds, row), visit)
}

/// Runs `row` on each live record's kind, values (JSON text) and clocks, as read.
fn read(
    conn: &Connection,
    team: Option<TeamId>,
    kinds: &[RecordKind],
    row: &mut report_rows::RowVisit<'_>,
) -> StorageResult<()> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT kind, field_values, clocks FROM records
         WHERE erased = 0 AND kind IN ({})
           AND (?1 IS NULL OR team_id = ?1 OR team_id IS NULL)",
        crate::storage::kind_list(kinds)
    ))?;
    // Kept as 16 bytes since schema 19 (`records::packed`).
    let mut rows = stmt.query([team.map(|t| super::records::packed(t.0))])?;
    while let Some(r) = rows.next()? {
        let kind: String = r.get(0)?;
        // A kind this build does not know cannot be one it asked for.
        let Ok(kind) = kind.parse::<RecordKind>() else {
            continue;
        };
        let values: StoredValues = r.get(1)?;
        let clocks = r
            .get_ref(2)?
            .as_blob()
            .map_err(|_| StorageError::Corrupt("a record's clocks are not bytes".into()))?;
        row(kind, &values.json()?, clocks)?;
    }
    Ok(())
}
