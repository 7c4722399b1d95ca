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
    count_moved(conn, "sync_records", moved)?;
    crate::sql_batches::without_zeroing(conn, || {
        Ok::<_, Error>(conn.execute_batch("DROP TABLE sync_records")?)
    })
}

/// Fails the upgrade unless `moved` is every row of `old`: nothing is dropped that did not move.
fn count_moved(conn: &Connection, old: &str, moved: u64) -> Result<()> {
    let held: u64 = conn.query_row(&format!("SELECT count(*) FROM {old}"), [], |r| r.get(0))?;
    if moved == held {
        return Ok(());
    }
    Err(Error::Corrupt {
        kind: "migration",
        reason: format!("the upgrade moved {moved} of the {held} rows of {old}"),
    })
}

#[cfg(test)]
mod tests;
