//! Applying pulled records: the merge decides on clocks alone which pulled fields win
//! ([`merge::winning_fields`]); the record's merged values are the pulled ones, plus this
//! device's own for the fields it keeps (read from its table only then); the result is written
//! to the record's table, or held back when it cannot be written yet.

use super::record_json::{self, Fields};
use super::sync_records::{self, HeldReason};
use super::{materialize, outbox_forget_record};
use crate::error::{Error, Result};
use crate::sync::merge;
use crate::sync::protocol::{FieldState, RecordKind};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::BTreeMap;

/// Merges one pulled record into the device; returns whether anything changed.
pub(super) fn apply_change(
    conn: &Connection,
    kind: RecordKind,
    id: &str,
    fields: &BTreeMap<String, FieldState>,
    erased: bool,
    now: DateTime<Utc>,
) -> Result<bool> {
    let already_erased: bool = conn
        .prepare_cached("SELECT 1 FROM sync_erased WHERE kind = ?1 AND record_id = ?2")?
        .query_row(params![kind, id], |_| Ok(()))
        .optional()?
        .is_some();
    if already_erased {
        return Ok(false);
    }
    if erased {
        materialize::erase(conn, kind, id)?;
        forget_erased(conn, kind, id)?;
        return Ok(true);
    }
    let mut clocks = sync_records::load_clocks(conn, kind, id)?.unwrap_or_default();
    let winners = merge::winning_fields(kind, |name| clocks.fields.get(name).copied(), fields);
    if winners.is_empty() {
        return Ok(false);
    }
    let object = merged_values(conn, kind, id, &clocks.fields, fields, &winners)?;
    for name in &winners {
        clocks.fields.insert(name.clone(), fields[name].hlc);
    }
    sync_records::save_clocks(conn, kind, id, &clocks)?;
    match write_or_hold(conn, kind, id, &object, now)? {
        None => sync_records::release(conn, kind, id)?,
        Some(reason) => sync_records::hold(conn, kind, id, reason, &object, now)?,
    }
    Ok(true)
}

/// The record's values after the merge: each pulled field that wins or ties (a tie is the
/// same write, so the same value), and this device's value for every field it keeps — read
/// from the held copy or the record's table, only when there is such a field.
fn merged_values(
    conn: &Connection,
    kind: RecordKind,
    id: &str,
    local: &BTreeMap<String, crate::sync::Hlc>,
    pulled: &BTreeMap<String, FieldState>,
    winners: &[String],
) -> Result<Fields> {
    let takes = |name: &str, state: &FieldState| {
        local.get(name) == Some(&state.hlc) || winners.iter().any(|w| w == name)
    };
    let keeps_local = local
        .keys()
        .any(|name| pulled.get(name).is_none_or(|state| !takes(name, state)));
    let mut object = if keeps_local {
        match sync_records::held_fields(conn, kind, id)? {
            Some(held) => held,
            None => record_json::load(conn, kind, id)?.unwrap_or_default(),
        }
    } else {
        Fields::new()
    };
    for (name, state) in pulled {
        if takes(name, state) {
            object.insert(name.clone(), state.value.clone());
        }
    }
    Ok(object)
}

/// Writes the merged record to its table; `Some(reason)` when it has to be held back instead.
///
/// A record whose creating fields have not arrived yet waits for them, and one this build
/// cannot read waits for an update: either way it is held (and counted in sync status) with
/// its values, and written once a later change makes it whole. Unreadable includes values the
/// tables' rules refuse (a latitude of 1000 from a faulty or hostile device: the server checks
/// types, not ranges) — failing the page instead would stop this device's sync for good. The
/// savepoint undoes a record's partial writes.
fn write_or_hold(
    conn: &Connection,
    kind: RecordKind,
    id: &str,
    object: &Fields,
    now: DateTime<Utc>,
) -> Result<Option<HeldReason>> {
    conn.prepare_cached("SAVEPOINT materialize")?.execute([])?;
    let held = match materialize::materialize(conn, kind, id, object, now) {
        Ok(()) => Ok(None),
        Err(Error::Corrupt {
            kind: materialize::INCOMPLETE,
            ..
        }) => Ok(Some(HeldReason::Incomplete)),
        Err(Error::Corrupt {
            kind: materialize::UNREADABLE,
            ..
        }) => Ok(Some(HeldReason::Unreadable)),
        Err(Error::Database(rusqlite::Error::SqliteFailure(e, _)))
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            Ok(Some(HeldReason::Unreadable))
        }
        Err(e) => Err(e),
    };
    // Anything but a clean write leaves nothing of the record behind.
    if !matches!(held, Ok(None)) {
        conn.prepare_cached("ROLLBACK TO materialize")?
            .execute([])?;
    }
    conn.prepare_cached("RELEASE materialize")?.execute([])?;
    held
}

/// Forgets an erased record's sync state and queued changes, and remembers that it was
/// erased so that later copies are ignored.
pub(super) fn forget_erased(conn: &Connection, kind: RecordKind, id: &str) -> Result<()> {
    sync_records::forget(conn, kind, id)?;
    outbox_forget_record(conn, kind, id)?;
    conn.prepare_cached("INSERT OR IGNORE INTO sync_erased (kind, record_id) VALUES (?1, ?2)")?
        .execute(params![kind, id])?;
    Ok(())
}
