//! Capturing local changes for sync. Every write transaction records which rows it touched
//! (SQLite's update hook, installed on the writer connection); before the transaction commits,
//! each touched record is compared field by field with the same record as the last commit
//! left it (read on a second connection, which sees the store as it was before this
//! transaction), and the fields that changed become one op in the outbox — in the same
//! transaction as the write, so a change can never be recorded without its op, or the other
//! way round. No copy of the values is kept for this: the before-image is the table itself.
//!
//! Each op is judged by the permission policy ([`permit`], calling `crate::policy::check`) on
//! the record before and after, as the server will judge it, before the transaction commits:
//! a write the server would refuse is refused here, and nothing of it is kept.

use super::clock;
use super::record_json::{self, Fields};
use super::sync_records;
use crate::error::{Error, Result};
use crate::model::Actor;
use crate::policy;
use crate::sync::protocol::{FieldChange, Op, RecordKind};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

/// The tables whose rows are synced records.
pub(crate) const TRACKED_TABLES: &[&str] = &[
    "patrols",
    "notes",
    "contacts",
    "follow_ups",
    "problems",
    "problem_steps",
    "stage_requests",
    "reviews",
    // A conflict's resolution is a local edit of its record.
    "conflicts",
    // A supervisor's decision to retain a record at review.
    "retention_reviews",
];

/// Rows touched by the current write transaction, filled by the update hook.
#[derive(Debug, Default)]
pub(crate) struct TouchedRows {
    pub rows: Vec<(String, i64)>,
    /// Off while applying pulled changes: those are not local edits.
    pub paused: bool,
}

pub(crate) type Touched = Arc<Mutex<TouchedRows>>;

/// Installs the update hook that fills `touched` on the writer connection.
pub(crate) fn install_hook(conn: &mut Connection, touched: &Touched) -> Result<()> {
    let touched = Arc::clone(touched);
    conn.update_hook(Some(
        move |action: rusqlite::hooks::Action, _db: &str, table: &str, rowid: i64| {
            if action == rusqlite::hooks::Action::SQLITE_DELETE || !TRACKED_TABLES.contains(&table)
            {
                return;
            }
            let mut guard = touched.lock().unwrap_or_else(|p| p.into_inner());
            if !guard.paused {
                guard.rows.push((table.to_owned(), rowid));
            }
        },
    ))?;
    Ok(())
}

/// Turns the touched rows into outbox ops, inside the write transaction. `before` reads the
/// store as it was before the transaction (the last commit): what each record was before it
/// was touched.
pub(crate) fn capture_touched(
    conn: &Connection,
    before: &Connection,
    actor: &Actor,
    rows: Vec<(String, i64)>,
    now: DateTime<Utc>,
) -> Result<()> {
    let unique: BTreeSet<(String, i64)> = rows.into_iter().collect();
    for (table, rowid) in unique {
        let id: Option<String> = conn
            .prepare_cached(&format!("SELECT id FROM {table} WHERE rowid = ?1"))?
            .query_row([rowid], |r| r.get(0))
            .optional()?;
        let Some(id) = id else { continue };
        for &kind in record_json::kinds_of_table(&table) {
            if let Some(after) = record_json::load(conn, kind, &id)? {
                capture(conn, before, actor, kind, &id, after, now)?;
            }
        }
    }
    Ok(())
}

/// Records the fields of `after` that differ from the record before this transaction (or
/// that have never been synced) as one outbox op, and moves their clocks to the op's stamp.
fn capture(
    conn: &Connection,
    before: &Connection,
    actor: &Actor,
    kind: RecordKind,
    id: &str,
    after: Fields,
    now: DateTime<Utc>,
) -> Result<()> {
    let clocks = sync_records::load_clocks(conn, kind, id)?;
    // Most contacts never hold personal data: no record for them, no op, no sync state.
    if kind == RecordKind::ContactPersonal && clocks.is_none() && after.values().all(Value::is_null)
    {
        return Ok(());
    }
    let mut clocks = clocks.unwrap_or_default();
    let held = sync_records::held_fields(conn, kind, id)?;
    let previous = match &held {
        Some(_) => held.clone(),
        // A field without a clock counts as changed whatever it was before, so a record with
        // no clock at all (one recorded in this very write, nearly always) needs no look at
        // its past: that look is a read on a reader connection whose cached pages the last
        // commit made stale, and cost 9% of recording a contact's instructions
        // (docs/performance.md §1, "Two reads off the write path").
        None if clocks.fields.is_empty() => None,
        None => record_json::load(before, kind, id)?,
    };
    let changed: Fields = after
        .iter()
        .map(|(name, value)| (name.clone(), value.clone()))
        .filter(|(name, value)| {
            !clocks.fields.contains_key(name)
                || previous.as_ref().and_then(|p| p.get(name)) != Some(value)
        })
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    let hlc = clock::next(conn, actor.device_id, now)?;
    let mut op_fields = BTreeMap::new();
    for (name, value) in &changed {
        let base = clocks.fields.insert(name.clone(), hlc);
        op_fields.insert(
            name.clone(),
            FieldChange {
                value: value.clone(),
                base,
            },
        );
    }
    let op = Op {
        op_id: uuid::Uuid::now_v7(),
        kind,
        record_id: id.to_owned(),
        hlc,
        author: actor.user_id,
        device: actor.device_id,
        fields: op_fields,
        erase: None,
    };
    permit(actor, previous.as_ref(), &op, &after)?;
    sync_records::save_clocks(conn, kind, id, &clocks)?;
    if let Some(mut fields) = held {
        fields.extend(changed.iter().map(|(k, v)| (k.clone(), v.clone())));
        sync_records::update_held(conn, kind, id, &fields)?;
    }
    enqueue(conn, &op)
}

/// The device's permission check for one local write, on the input the server will judge:
/// the op as it will be pushed, the record as this device last had it (`None` when the op
/// makes it) and the record after it. Every local write's ops pass through here (erasures
/// too), so every write path is checked by the one policy.
pub fn permit(actor: &Actor, before: Option<&Fields>, op: &Op, after: &Fields) -> Result<()> {
    let who = policy::Who {
        user: actor.user_id,
        role: actor.role,
    };
    let write = policy::Write {
        op,
        before: before.map(|b| b as &dyn policy::FieldView),
        after,
    };
    Ok(policy::check(&who, &write)?)
}

/// Adds an op to the outbox.
pub(crate) fn enqueue(conn: &Connection, op: &Op) -> Result<()> {
    let text = serde_json::to_string(op).map_err(|e| Error::Corrupt {
        kind: "op",
        reason: e.to_string(),
    })?;
    conn.prepare_cached("INSERT INTO outbox (op_id, kind, record_id, op) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![op.op_id.to_string(), op.kind, op.record_id, text])?;
    Ok(())
}

/// Adds an op to the outbox at position `seq` (ops re-sent after a server restore go ahead of
/// those queued meanwhile; `device_sync::epoch`).
pub(crate) fn enqueue_at(conn: &Connection, seq: i64, op: &Op) -> Result<()> {
    let text = serde_json::to_string(op).map_err(|e| Error::Corrupt {
        kind: "op",
        reason: e.to_string(),
    })?;
    conn.prepare_cached(
        "INSERT INTO outbox (seq, op_id, kind, record_id, op) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        seq,
        op.op_id.to_string(),
        op.kind,
        op.record_id,
        text
    ])?;
    Ok(())
}
