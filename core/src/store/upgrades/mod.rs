//! The device's upgrade steps that rewrite a table the size of the store in bounded memory
//! (`crate::sql_batches` says why): version 30's sync state keyed in bytes and version 31's log
//! by event. Each runs in the upgrade's one transaction, where its migration's SQL marks it.

pub(super) mod log_events;

use crate::error::{Error, Result};
use rusqlite::Connection;

/// Rows one statement of an upgrade step writes at most.
#[cfg(not(test))]
const BATCH_ROWS: u32 = 2_000;
/// Small in the crate's tests, so that the upgrade tests cross batch boundaries.
#[cfg(test)]
const BATCH_ROWS: u32 = 2;

/// Version 30's step: every sync-state row moved to `sync_records_keyed` with its id packed
/// (`logged_record_id`) and its kind as its number, one row per statement in key order, then
/// the old table dropped (every row is in the new one).
pub(super) fn sync_records_keyed(conn: &Connection) -> Result<()> {
    let mut read =
        conn.prepare("SELECT record_id, kind, clocks FROM sync_records ORDER BY record_id, kind")?;
    let mut write = conn.prepare(
        "INSERT INTO sync_records_keyed (record_id, kind, clocks)
         VALUES (beatbook_logged_record_id(?1), beatbook_sync_kind(?2), ?3)",
    )?;
    let mut rows = read.query([])?;
    let mut moved: u64 = 0;
    while let Some(row) = rows.next()? {
        let (id, kind, clocks): (String, String, Vec<u8>) = (row.get(0)?, row.get(1)?, row.get(2)?);
        moved += write.execute(rusqlite::params![id, kind, clocks])? as u64;
    }
    drop(rows);
    crate::sql_batches::drop_moved_table(conn, "sync_records", moved, lost_rows("sync_records"))
}

/// The error of a step that moved `moved` of the `held` rows of `old`: nothing is dropped.
fn lost_rows(old: &'static str) -> impl FnOnce(u64, u64) -> Error {
    move |moved, held| Error::Corrupt {
        kind: "migration",
        reason: format!("the upgrade moved {moved} of the {held} rows of {old}"),
    }
}

#[cfg(test)]
mod tests;
