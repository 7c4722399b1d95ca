//! Version 31's steps: the s.62 log moved to its by-event form a batch at a time.
//!
//! The migration's SQL renames the old table `audit_entries_v30` and, after the first step has
//! dropped the old index whose name the new one takes, creates the new table with its index;
//! the second step names each distinct (action, record kind, detail) once in `audit_events`,
//! moves the entries in order of seq and drops the old table. Every entry keeps its seq, time,
//! actor, record id and justification.

use super::{lost_rows, BATCH_ROWS};
use crate::error::{Error, Result};
use crate::sql_batches::{drop_copied, drop_moved_table, for_each_rowid_batch};
use rusqlite::Connection;
use std::collections::BTreeSet;

/// Drops the old log's index (its rows stay in the old table until they move).
pub(in crate::store) fn drop_old_index(conn: &Connection) -> Result<()> {
    drop_copied(conn, "DROP INDEX audit_entries_record")
}

/// Names every event of the old log, moves its entries and drops it.
pub(in crate::store) fn move_entries(conn: &Connection) -> Result<()> {
    name_events(conn)?;
    let mut copy = conn.prepare(
        "INSERT INTO audit_entries (seq, at_us, actor, event, record_id, justification)
         SELECT e.seq, e.at_us, e.actor, v.id, e.record_id, e.justification
         FROM audit_entries_v30 e
         JOIN audit_events v
           ON v.action = e.action AND v.record_kind = e.record_kind AND v.detail IS e.detail
         WHERE e.seq BETWEEN ?1 AND ?2
         ORDER BY e.seq",
    )?;
    let mut moved: u64 = 0;
    for_each_rowid_batch(conn, "audit_entries_v30", BATCH_ROWS, |low, high| {
        moved += copy.execute([low, high])? as u64;
        Ok::<_, Error>(())
    })?;
    drop_moved_table(
        conn,
        "audit_entries_v30",
        moved,
        lost_rows("audit_entries_v30"),
    )
}

/// Adds each distinct event of the old log to `audit_events` once, in the order of its text
/// (one read of the log: a read holds no pages beyond the cache).
fn name_events(conn: &Connection) -> Result<()> {
    let mut events: BTreeSet<(String, String, Option<String>)> = BTreeSet::new();
    let mut read = conn.prepare("SELECT action, record_kind, detail FROM audit_entries_v30")?;
    let mut rows = read.query([])?;
    while let Some(row) = rows.next()? {
        events.insert((row.get(0)?, row.get(1)?, row.get(2)?));
    }
    drop(rows);
    let mut add =
        conn.prepare("INSERT INTO audit_events (action, record_kind, detail) VALUES (?1, ?2, ?3)")?;
    for (action, kind, detail) in &events {
        add.execute(rusqlite::params![action, kind, detail])?;
    }
    Ok(())
}
