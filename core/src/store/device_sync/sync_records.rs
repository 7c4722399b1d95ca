//! The device's sync state per record: the clock of each synced field (`sync_records`, one
//! compact row per record — see [`RecordClocks`]), the values of records held back from their
//! tables (`sync_held`), and the newest stamp the server has vouched for (`sync_state.seen_hlc`).
//!
//! A record's values are not here: they live once, in its own table (read back by
//! [`super::record_json`]). Only a held record — pulled but not yet writable to its table —
//! keeps its values in `sync_held`, since its table cannot hold them.

use super::record_json::Fields;
use super::record_key::StoredKind;
use crate::error::{Error, Result};
use crate::logged_record_id::LoggedRecordId;
use crate::store::sql_time::t;
use crate::sync::protocol::RecordKind;
use crate::sync::pull_plan::{PageKey, PlannedClocks};
use crate::sync::{Hlc, RecordClocks};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::BTreeMap;

/// Why a pulled record is held back from its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeldReason {
    /// Fields its type requires have not arrived (its creation is in a later page, or outside
    /// this device's scope).
    Incomplete,
    /// A field this build cannot read, or a value the table's rules refuse.
    Unreadable,
}

impl HeldReason {
    fn as_str(self) -> &'static str {
        match self {
            HeldReason::Incomplete => "incomplete",
            HeldReason::Unreadable => "unreadable",
        }
    }
}

/// The record's field clocks; `None` when this device has no sync state for it.
pub(crate) fn load_clocks(
    conn: &Connection,
    kind: RecordKind,
    id: &str,
) -> Result<Option<RecordClocks>> {
    let bytes: Option<Vec<u8>> = conn
        .prepare_cached("SELECT clocks FROM sync_records WHERE record_id = ?1 AND kind = ?2")?
        .query_row(params![LoggedRecordId::stored(id), StoredKind(kind)], |r| {
            r.get(0)
        })
        .optional()?;
    bytes
        .map(|bytes| {
            RecordClocks::decode(&bytes).map_err(|e| Error::Corrupt {
                kind: "sync state",
                reason: e.to_string(),
            })
        })
        .transpose()
}

pub(crate) fn save_clocks(
    conn: &Connection,
    kind: RecordKind,
    id: &str,
    clocks: &RecordClocks,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO sync_records (record_id, kind, clocks) VALUES (?1, ?2, ?3)
         ON CONFLICT (record_id, kind) DO UPDATE SET clocks = excluded.clocks",
    )?
    .execute(params![
        LoggedRecordId::stored(id),
        StoredKind(kind),
        clocks.encode_v2()
    ])?;
    Ok(())
}

/// Stores the clocks of many records (a pulled page's), one prepared statement for them all.
pub(crate) fn save_all_clocks(
    conn: &Connection,
    records: &BTreeMap<PageKey<'_>, PlannedClocks<'_>>,
) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO sync_records (record_id, kind, clocks) VALUES (?1, ?2, ?3)
         ON CONFLICT (record_id, kind) DO UPDATE SET clocks = excluded.clocks",
    )?;
    for ((kind, id), clocks) in records {
        stmt.execute(params![
            LoggedRecordId::stored(id),
            StoredKind(*kind),
            clocks.encode_v2()
        ])?;
    }
    Ok(())
}

/// The values of a held record; `None` when it is not held.
pub(crate) fn held_fields(conn: &Connection, kind: RecordKind, id: &str) -> Result<Option<Fields>> {
    let text: Option<String> = conn
        .prepare_cached("SELECT fields FROM sync_held WHERE kind = ?1 AND record_id = ?2")?
        .query_row(params![kind, id], |r| r.get(0))
        .optional()?;
    text.as_deref().map(held_values).transpose()
}

/// A held record's values from their stored text (`sync_held.fields`).
pub(crate) fn held_values(text: &str) -> Result<Fields> {
    serde_json::from_str(text).map_err(|e| Error::Corrupt {
        kind: "held record",
        reason: e.to_string(),
    })
}

/// Holds a record back from its table with all its merged values (counted in sync status).
pub(crate) fn hold(
    conn: &Connection,
    kind: RecordKind,
    id: &str,
    reason: HeldReason,
    fields: &Fields,
    now: DateTime<Utc>,
) -> Result<()> {
    let text = serde_json::to_string(fields).map_err(|e| Error::Corrupt {
        kind: "held record",
        reason: e.to_string(),
    })?;
    conn.prepare_cached(
        "INSERT INTO sync_held (kind, record_id, reason, held_at, fields) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (kind, record_id) DO UPDATE SET reason = excluded.reason, fields = excluded.fields",
    )?
    .execute(params![kind, id, reason.as_str(), t(now), text])?;
    Ok(())
}

/// Replaces a held record's values (a local edit of a record held back).
pub(crate) fn update_held(
    conn: &Connection,
    kind: RecordKind,
    id: &str,
    fields: &Fields,
) -> Result<()> {
    let text = serde_json::to_string(fields).map_err(|e| Error::Corrupt {
        kind: "held record",
        reason: e.to_string(),
    })?;
    conn.prepare_cached("UPDATE sync_held SET fields = ?3 WHERE kind = ?1 AND record_id = ?2")?
        .execute(params![kind, id, text])?;
    Ok(())
}

/// The record is in its table now: it is no longer held.
pub(crate) fn release(conn: &Connection, kind: RecordKind, id: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM sync_held WHERE kind = ?1 AND record_id = ?2")?
        .execute(params![kind, id])?;
    Ok(())
}

/// Forgets all sync state of a record (it was erased).
pub(crate) fn forget(conn: &Connection, kind: RecordKind, id: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM sync_records WHERE record_id = ?1 AND kind = ?2")?
        .execute(params![LoggedRecordId::stored(id), StoredKind(kind)])?;
    release(conn, kind, id)
}

/// Remembers `stamp` as seen by the server (pulled from it, or one of this device's ops it
/// accepted): re-stamping never goes below it (see `restamp.rs`).
pub(crate) fn note_seen(conn: &Connection, stamp: Hlc) -> Result<()> {
    // Stamps' text sorts as the stamps do.
    conn.prepare_cached(
        "UPDATE sync_state SET seen_hlc = ?1 WHERE id = 1 AND (seen_hlc IS NULL OR seen_hlc < ?1)",
    )?
    .execute([stamp])?;
    Ok(())
}

/// The newest stamp the server has vouched for.
pub(crate) fn seen(conn: &Connection) -> Result<Option<Hlc>> {
    Ok(conn
        .prepare_cached("SELECT seen_hlc FROM sync_state WHERE id = 1")?
        .query_row([], |r| r.get(0))?)
}
