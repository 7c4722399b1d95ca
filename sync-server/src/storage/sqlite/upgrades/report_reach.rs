//! Migration 0020's step: every live record's report reach (`records.report_until_day`,
//! `beatbook_core::reports::report_until_day`), worked out from its stored values a batch of
//! rows at a time, one row per statement, so that memory stays bounded however many records the
//! store holds.

use super::for_each_rowid_batch;
use crate::storage::packed_values::StoredValues;
use crate::storage::report_rows::reach_of_stored;
use crate::storage::StorageResult;
use rusqlite::{params, Connection};

/// Fills `report_until_day` for every live record of a kind reports read.
pub(in crate::storage::sqlite) fn fill(conn: &Connection) -> StorageResult<()> {
    let mut read = conn.prepare(
        "SELECT rowid, kind, field_values FROM records WHERE rowid BETWEEN ?1 AND ?2 AND erased = 0",
    )?;
    let mut write = conn.prepare("UPDATE records SET report_until_day = ?2 WHERE rowid = ?1")?;
    for_each_rowid_batch(conn, "records", |low, high| {
        let mut reaches = Vec::new();
        let mut rows = read.query([low, high])?;
        while let Some(row) = rows.next()? {
            let values: StoredValues = row.get(2)?;
            let kind: String = row.get(1)?;
            if let Some(reach) = reach_of_stored(&kind, &values.json()?)? {
                reaches.push((row.get::<_, i64>(0)?, reach));
            }
        }
        for (rowid, reach) in reaches {
            write.execute(params![rowid, reach])?;
        }
        Ok(())
    })
}
