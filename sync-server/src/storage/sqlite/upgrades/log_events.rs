//! Migration 0018's steps: the s.62 log moved to its by-event form (`log_detail`), one entry
//! per statement.
//!
//! The migration's SQL renames the old table `audit_entries_v17` and creates the new one with
//! its indexes; these steps free the old indexes' names, name each event once, in the order
//! of its text, and move the entries in order of seq, then drop the old table. Every entry
//! keeps its seq, time, actor, record id, justification, recipient and hash; its detail is its
//! event's text around its number, which gives back the text the hash covers.

use crate::storage::sqlite::log_detail;
use crate::storage::{StorageError, StorageResult};
use beatbook_core::sql_batches::{drop_copied, drop_moved_table};
use rusqlite::types::Value;
use rusqlite::{params, Connection};
use std::collections::{BTreeSet, HashMap};

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
    let events = name_events(conn)?;
    // One read of the old log in seq order, one statement per entry: neither holds more than
    // the page cache.
    let mut read = conn.prepare(
        "SELECT seq, at_ms, actor, operation, record_kind, record_id, justification, recipient,
                detail, hash
         FROM audit_entries_v17 ORDER BY seq",
    )?;
    let mut write = conn.prepare(
        "INSERT INTO audit_entries (seq, at_ms, actor, event, record_id, justification,
                                    recipient, detail_number, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    let mut rows = read.query([])?;
    let mut moved: u64 = 0;
    while let Some(r) = rows.next()? {
        let detail: Option<String> = r.get(8)?;
        let (event, number) = event_of(r.get(3)?, r.get(4)?, detail.as_deref());
        let id = events.get(&event).ok_or_else(|| {
            StorageError::Corrupt("a log entry's event was not named by the upgrade".into())
        })?;
        moved += write.execute(params![
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
            id,
            r.get::<_, Value>(5)?,
            r.get::<_, Option<String>>(6)?,
            r.get::<_, Option<String>>(7)?,
            number,
            r.get::<_, Vec<u8>>(9)?,
        ])? as u64;
    }
    drop(rows);
    drop_moved_table(conn, "audit_entries_v17", moved, |moved, held| {
        StorageError::Corrupt(format!(
            "the log's upgrade moved {moved} of its {held} entries"
        ))
    })
}

/// An event as `audit_events` keeps it: operation, record kind, and the detail's text before and
/// after its number.
type Event = (String, String, Option<String>, Option<String>);

/// The event of an entry and the number its detail carries (`log_detail::split`).
fn event_of(operation: String, kind: String, detail: Option<&str>) -> (Event, Option<i64>) {
    match detail.map(log_detail::split) {
        None => ((operation, kind, None, None), None),
        Some(parts) => {
            let (number, tail) = parts.number.unzip();
            (
                (
                    operation,
                    kind,
                    Some(parts.head.to_owned()),
                    tail.map(str::to_owned),
                ),
                number,
            )
        }
    }
}

/// Adds each distinct event of the old log to `audit_events` once, in the order of its text,
/// and gives each event's id.
fn name_events(conn: &Connection) -> StorageResult<HashMap<Event, i64>> {
    let mut events: BTreeSet<Event> = BTreeSet::new();
    // One read of the whole log: a read holds no pages beyond the cache.
    let mut read = conn.prepare("SELECT operation, record_kind, detail FROM audit_entries_v17")?;
    let mut rows = read.query([])?;
    while let Some(row) = rows.next()? {
        let detail: Option<String> = row.get(2)?;
        events.insert(event_of(row.get(0)?, row.get(1)?, detail.as_deref()).0);
    }
    let mut add = conn.prepare(
        "INSERT INTO audit_events (operation, record_kind, detail_head, detail_tail)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut ids = HashMap::with_capacity(events.len());
    for event in events {
        let (operation, kind, head, tail) = &event;
        add.execute(params![operation, kind, head, tail])?;
        ids.insert(event, conn.last_insert_rowid());
    }
    Ok(ids)
}
