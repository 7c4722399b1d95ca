//! The audit log (DPA 2018 s.62): collection, alteration, consultation, disclosure, combination
//! and erasure — who, when, from which device, and the justification where the law asks for one.
//!
//! Entries are written in the same transaction as the change they describe, so there is never a
//! change without its entry. The table refuses updates and deletes (triggers in the schema).
//! Entries hold ids and non-personal detail only; an erasure entry never holds the erased data.

use super::sql_time::SqlMicros;
use super::Store;
use crate::error::Result;
use crate::ids::{DeviceId, UserId};
use crate::logged_record_id::LoggedRecordId;
use crate::model::{Actor, Role};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

pub use crate::audit::AuditAction;

/// One audit log entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub user_id: UserId,
    pub role: Role,
    pub device_id: DeviceId,
    pub action: AuditAction,
    pub record_kind: String,
    pub record_id: Option<String>,
    pub justification: Option<String>,
    /// Non-personal detail, such as which fields changed.
    pub detail: Option<String>,
}

/// What to log; the store adds who, when and from where.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AuditEvent<'a> {
    pub action: AuditAction,
    pub record_kind: &'static str,
    pub record_id: Option<&'a str>,
    pub justification: Option<&'a str>,
    pub detail: Option<&'a str>,
}

impl<'a> AuditEvent<'a> {
    pub fn new(action: AuditAction, record_kind: &'static str, record_id: &'a str) -> Self {
        Self {
            action,
            record_kind,
            record_id: Some(record_id),
            justification: None,
            detail: None,
        }
    }

    pub fn justified(mut self, justification: &'a str) -> Self {
        self.justification = Some(justification);
        self
    }

    pub fn detail(mut self, detail: &'a str) -> Self {
        self.detail = Some(detail);
        self
    }
}

/// Appends an entry inside the caller's transaction.
pub(crate) fn append(
    conn: &Connection,
    actor: &Actor,
    at: DateTime<Utc>,
    event: AuditEvent<'_>,
) -> Result<()> {
    let actor = actor_number(conn, actor)?;
    let kind_of_event = event_number(conn, &event)?;
    conn.prepare_cached(
        "INSERT INTO audit_entries (at_us, actor, event, record_id, justification)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        SqlMicros(at),
        actor,
        kind_of_event,
        event.record_id.map(LoggedRecordId::stored),
        event.justification,
    ])?;
    Ok(())
}

/// The log's entries with their actors and events, in their stored form (store version 27:
/// times in microseconds, record ids packed; version 31: what happened by number; `audit_log`
/// is the same join with times and ids as text, for people reading the file).
/// [`audit_entry_from_row`] reads these columns.
pub(crate) const LOG_ENTRIES: &str = "SELECT e.seq, e.at_us, a.user_id, a.role, a.device_id,
    v.action, v.record_kind, e.record_id, e.justification, v.detail
    FROM audit_entries e JOIN audit_actors a ON a.id = e.actor
    JOIN audit_events v ON v.id = e.event";

/// One record's entries, oldest first: read by the index on `record_id` (checked by
/// `query_plans`), at a cost that follows the record's entries, not the log. Bind the id as
/// `LoggedRecordId`, the form it is stored in.
pub(crate) fn history_of_record() -> String {
    format!("{LOG_ENTRIES} WHERE e.record_id = ?1 ORDER BY e.seq")
}

/// How many entries the log holds (numbered without gaps). Two subqueries: SQLite reads a lone
/// MIN or MAX off the key's ends, but both in one query scan the whole log (checked by
/// `query_plans`).
pub(crate) const LOG_LENGTH: &str = "SELECT COALESCE((SELECT MAX(seq) FROM audit_entries), 0)
     - COALESCE((SELECT MIN(seq) FROM audit_entries), 1) + 1";

/// The log's number for an actor (user, role and device), added the first time it acts: the
/// log keeps who acted once per actor (store version 22), not once per entry.
fn actor_number(conn: &Connection, actor: &Actor) -> Result<i64> {
    let found = conn
        .prepare_cached(
            "SELECT id FROM audit_actors WHERE user_id = ?1 AND role = ?2 AND device_id = ?3",
        )?
        .query_row(params![actor.user_id, actor.role, actor.device_id], |r| {
            r.get(0)
        })
        .optional()?;
    if let Some(id) = found {
        return Ok(id);
    }
    conn.prepare_cached("INSERT INTO audit_actors (user_id, role, device_id) VALUES (?1, ?2, ?3)")?
        .execute(params![actor.user_id, actor.role, actor.device_id])?;
    Ok(conn.last_insert_rowid())
}

/// The log's number for what an entry says happened (action, record kind, detail), added the
/// first time it is logged: each is kept once (store version 31), not once per entry.
fn event_number(conn: &Connection, event: &AuditEvent<'_>) -> Result<i64> {
    let found = conn
        .prepare_cached(
            "SELECT id FROM audit_events
             WHERE action = ?1 AND record_kind = ?2 AND detail IS ?3",
        )?
        .query_row(
            params![event.action, event.record_kind, event.detail],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = found {
        return Ok(id);
    }
    conn.prepare_cached(
        "INSERT INTO audit_events (action, record_kind, detail) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![event.action, event.record_kind, event.detail])?;
    Ok(conn.last_insert_rowid())
}

impl Store {
    /// Audit entries for one record (or all, when `record_id` is `None`), oldest first.
    pub fn audit_entries(&self, record_id: Option<&str>) -> Result<Vec<AuditEntry>> {
        // Two statements, not `?1 IS NULL OR record_id = ?1`: with the OR the planner cannot
        // use the index by record, and one record's history would read the whole log.
        self.read(|conn| {
            let entries = match record_id {
                Some(id) => conn
                    .prepare_cached(&history_of_record())?
                    .query_map([LoggedRecordId(id.to_owned())], audit_entry_from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>(),
                None => conn
                    .prepare_cached(&format!("{LOG_ENTRIES} ORDER BY e.seq"))?
                    .query_map([], audit_entry_from_row)?
                    .collect(),
            };
            Ok(entries?)
        })
    }

    /// The `limit` most recent audit entries, oldest first: what a person reads at a terminal,
    /// at a cost that does not grow with the log. Also how many entries the log holds.
    pub fn latest_audit_entries(&self, limit: usize) -> Result<(Vec<AuditEntry>, u64)> {
        self.read(|conn| {
            let total: u64 = conn
                .prepare_cached(LOG_LENGTH)?
                .query_row([], |r| r.get(0))?;
            let mut stmt =
                conn.prepare_cached(&format!("{LOG_ENTRIES} ORDER BY e.seq DESC LIMIT ?1"))?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = stmt.query_map([limit], audit_entry_from_row)?;
            let mut entries = rows.collect::<rusqlite::Result<Vec<_>>>()?;
            entries.reverse();
            Ok((entries, total))
        })
    }
}

/// An entry read by [`LOG_ENTRIES`].
fn audit_entry_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        seq: r.get(0)?,
        at: r.get::<_, SqlMicros>(1)?.0,
        user_id: r.get(2)?,
        role: r.get(3)?,
        device_id: r.get(4)?,
        action: r.get(5)?,
        record_kind: r.get(6)?,
        record_id: r.get::<_, Option<LoggedRecordId>>(7)?.map(|id| id.0),
        justification: r.get(8)?,
        detail: r.get(9)?,
    })
}
