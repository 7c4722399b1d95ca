//! Migration 0018's steps: the s.62 log moved to its by-event form (`log_detail`) a batch at a
//! time.
//!
//! The migration's SQL renames the old table `audit_entries_v17` and creates the new one with
//! its indexes; these steps free the old indexes' names, name each event once and move the
//! entries in order of seq, then drop the old table. Every entry keeps its seq, time, actor,
//! record id, justification, recipient and hash; its detail is its event's text around its
//! number, which gives back the text the hash covers.

use super::for_each_rowid_batch;
use crate::storage::sqlite::log_detail;
use crate::storage::{StorageError, StorageResult};
use beatbook_core::sql_batches::{drop_copied, drop_moved_table};
use rusqlite::Connection;
use std::collections::BTreeSet;

/// The old log's indexes, whose names the new table's indexes take.
const OLD_INDEXES: [&str; 3] = [
    "audit_entries_actor",
    "audit_entries_record",
    "audit_entries_time",
];

/// Drops the old log's indexes (their rows stay in the old table until they move).
pub(in crate::storage::sqlite) fn drop_old_indexes(conn: &Connection) -> StorageResult<()> {
    OLD_INDEXES
        .iter()
        .try_for_each(|index| drop_copied(conn, &format!("DROP INDEX {index}")))
}

/// Names every event the old log holds, moves its entries and drops it.
pub(in crate::storage::sqlite) fn move_entries(conn: &Connection) -> StorageResult<()> {
    name_events(conn)?;
    let mut copy = conn.prepare(
        "INSERT INTO audit_entries (seq, at_ms, actor, event, record_id, justification,
                                    recipient, detail_number, hash)
         SELECT e.seq, e.at_ms, e.actor, v.id, e.record_id, e.justification, e.recipient,
                beatbook_detail_number(e.detail), e.hash
         FROM audit_entries_v17 e
         JOIN audit_events v
           ON v.operation = e.operation AND v.record_kind = e.record_kind
          AND v.detail_head IS beatbook_detail_head(e.detail)
          AND v.detail_tail IS beatbook_detail_tail(e.detail)
         WHERE e.seq BETWEEN ?1 AND ?2
         ORDER BY e.seq",
    )?;
    let mut moved: u64 = 0;
    for_each_rowid_batch(conn, "audit_entries_v17", |low, high| {
        moved += copy.execute([low, high])? as u64;
        Ok(())
    })?;
    drop_moved_table(conn, "audit_entries_v17", moved, |moved, held| {
        StorageError::Corrupt(format!(
            "the log's upgrade moved {moved} of its {held} entries"
        ))
    })
}

/// An event as `audit_events` keeps it: operation, record kind, and the detail's text before and
/// after its number.
type Event = (String, String, Option<String>, Option<String>);

/// Adds each distinct event of the old log to `audit_events` once, in the order of its text.
fn name_events(conn: &Connection) -> StorageResult<()> {
    let mut events: BTreeSet<Event> = BTreeSet::new();
    // One read of the whole log: a read holds no pages beyond the cache.
    let mut read = conn.prepare("SELECT operation, record_kind, detail FROM audit_entries_v17")?;
    let mut rows = read.query([])?;
    while let Some(row) = rows.next()? {
        let detail: Option<String> = row.get(2)?;
        let (head, tail) = match detail.as_deref().map(log_detail::split) {
            None => (None, None),
            Some(parts) => (
                Some(parts.head.to_owned()),
                parts.number.map(|(_, tail)| tail.to_owned()),
            ),
        };
        events.insert((row.get(0)?, row.get(1)?, head, tail));
    }
    let mut add = conn.prepare(
        "INSERT INTO audit_events (operation, record_kind, detail_head, detail_tail)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (operation, kind, head, tail) in &events {
        add.execute(rusqlite::params![operation, kind, head, tail])?;
    }
    Ok(())
}
