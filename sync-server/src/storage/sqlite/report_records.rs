//! Reading the records a report needs: current fields of live records of some kinds, of one
//! team (or all), plus force-wide reference records. Read in one snapshot by the caller.

use crate::storage::packed_values::StoredValues;
use crate::storage::{ReportRecord, StorageResult};
use beatbook_core::ids::TeamId;
use beatbook_core::sync::merge::RecordState;
use beatbook_core::sync::RecordKind;
use rusqlite::Connection;

pub(super) fn load(
    conn: &Connection,
    team: Option<TeamId>,
    kinds: &[RecordKind],
) -> StorageResult<Vec<ReportRecord>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT kind, field_values, clocks FROM records
         WHERE erased = 0 AND kind IN ({})
           AND (?1 IS NULL OR team_id = ?1 OR team_id IS NULL)",
        crate::storage::kind_list(kinds)
    ))?;
    // Kept as 16 bytes since schema 19 (`records::packed`).
    let mut rows = stmt.query([team.map(|t| super::records::packed(t.0))])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let kind: String = r.get(0)?;
        // A kind this build does not know cannot be one it asked for.
        let Ok(kind) = kind.parse::<RecordKind>() else {
            continue;
        };
        let values: StoredValues = r.get(1)?;
        let clocks: Vec<u8> = r.get(2)?;
        let fields = crate::storage::compact::join(&values.json()?, &clocks)?;
        out.push((
            kind,
            RecordState {
                fields,
                erased: false,
            },
        ));
    }
    Ok(out)
}
