//! Capturing local changes for sync. Every write transaction records which rows it touched
//! (SQLite's update hook, installed on the writer connection); before the transaction commits,
//! each touched record is compared field by field with its last synced state, and the fields
//! that changed become one op in the outbox — in the same transaction as the write, so a
//! change can never be recorded without its op, or the other way round.

use super::clock;
use crate::error::{Error, Result};
use crate::ids::{
    ContactId, FollowUpId, NoteId, PatrolId, ProblemId, ReviewId, StageRequestId, StepId,
};
use crate::model::{Actor, ContactPersonalData, PersonalDetails, ProblemStep};
use crate::store::rows::OptionalRow;
use crate::store::sql_time::SqlTime;
use crate::store::{contacts, follow_ups, notes, patrols, problems, reviews};
use crate::sync::protocol::{FieldChange, Op, RecordKind};
use crate::sync::Hlc;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::{Map, Value};
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

/// Turns the touched rows into outbox ops, inside the write transaction.
pub(crate) fn capture_touched(
    conn: &Connection,
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
        for (kind, value) in record_values(conn, &table, &id)? {
            capture(conn, actor, kind, &id, value, now)?;
        }
    }
    Ok(())
}

/// The synced form(s) of the record in `table` with `id`.
fn record_values(conn: &Connection, table: &str, id: &str) -> Result<Vec<(RecordKind, Value)>> {
    let bad_id = |_| Error::Corrupt {
        kind: "record id",
        reason: "not a UUID".into(),
    };
    Ok(match table {
        "patrols" => vec![(
            RecordKind::Patrol,
            json(&patrols::load_patrol(
                conn,
                id.parse::<PatrolId>().map_err(bad_id)?,
            )?)?,
        )],
        "notes" => vec![(
            RecordKind::Note,
            json(&notes::load_note(
                conn,
                id.parse::<NoteId>().map_err(bad_id)?,
            )?)?,
        )],
        "contacts" => {
            let contact_id = id.parse::<ContactId>().map_err(bad_id)?;
            let mut contact = json(&contacts::load_contact(conn, contact_id)?)?;
            if let Value::Object(map) = &mut contact {
                // Derived locally from what the device holds; not synced.
                map.remove("has_personal_details");
                map.remove("has_ethnicity");
            }
            let personal = personal_data(conn, contact_id)?;
            let mut values = vec![(RecordKind::Contact, contact)];
            // Most contacts never hold personal data: no record for them, no op, no rows.
            let never_held = personal.details.is_none()
                && personal.ethnicity.is_none()
                && synced_fields(conn, RecordKind::ContactPersonal, id)?.is_empty();
            if !never_held {
                values.push((RecordKind::ContactPersonal, json(&personal)?));
            }
            values
        }
        "follow_ups" => vec![(
            RecordKind::FollowUp,
            json(&follow_ups::load(
                conn,
                id.parse::<FollowUpId>().map_err(bad_id)?,
            )?)?,
        )],
        "problems" => vec![(
            RecordKind::Problem,
            json(&problems::load(
                conn,
                id.parse::<ProblemId>().map_err(bad_id)?,
            )?)?,
        )],
        "problem_steps" => vec![(
            RecordKind::ProblemStep,
            json(&load_step(conn, id.parse::<StepId>().map_err(bad_id)?)?)?,
        )],
        "stage_requests" => vec![(
            RecordKind::StageRequest,
            json(&problems::load_request(
                conn,
                id.parse::<StageRequestId>().map_err(bad_id)?,
            )?)?,
        )],
        "reviews" => vec![(
            RecordKind::Review,
            json(&reviews::load(
                conn,
                id.parse::<ReviewId>().map_err(bad_id)?,
            )?)?,
        )],
        _ => Vec::new(),
    })
}

/// A contact's personal fields as stored (the `contact_personal` record).
pub(crate) fn personal_data(conn: &Connection, id: ContactId) -> Result<ContactPersonalData> {
    let ethnicity: Option<String> = conn
        .prepare_cached("SELECT ethnicity FROM contacts WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .or_not_found("contact", id)?;
    let details = conn
        .prepare_cached(
            "SELECT name, phone, email, address FROM contact_personal WHERE contact_id = ?1",
        )?
        .query_row([id], |r| {
            Ok(PersonalDetails {
                name: r.get(0)?,
                phone: r.get(1)?,
                email: r.get(2)?,
                address: r.get(3)?,
            })
        })
        .optional()?;
    let ethnicity = ethnicity
        .map(|code| code.parse())
        .transpose()
        .map_err(|e| Error::Corrupt {
            kind: "contact",
            reason: format!("{e}"),
        })?;
    Ok(ContactPersonalData { details, ethnicity })
}

fn load_step(conn: &Connection, id: StepId) -> Result<ProblemStep> {
    conn.prepare_cached(
        "SELECT id, problem_id, stage, text, author, recorded_at FROM problem_steps WHERE id = ?1",
    )?
    .query_row([id], |r| {
        Ok(ProblemStep {
            id: r.get(0)?,
            problem_id: r.get(1)?,
            stage: r.get(2)?,
            text: r.get(3)?,
            author: r.get(4)?,
            recorded_at: r.get::<_, SqlTime>(5)?.0,
        })
    })
    .or_not_found("problem step", id)
}

fn json<T: Serialize>(value: &T) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| Error::Corrupt {
        kind: "record",
        reason: e.to_string(),
    })
}

/// The synced fields of a record: value and clock by name.
pub(crate) fn synced_fields(
    conn: &Connection,
    kind: RecordKind,
    id: &str,
) -> Result<BTreeMap<String, (Value, Hlc)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT field, value, hlc FROM sync_fields WHERE kind = ?1 AND record_id = ?2",
    )?;
    let rows = stmt.query_map(params![kind, id], |r| {
        let value: String = r.get(1)?;
        Ok((
            r.get::<_, String>(0)?,
            crate::store::rows::from_json::<Value>(&value)?,
            r.get::<_, Hlc>(2)?,
        ))
    })?;
    let mut out = BTreeMap::new();
    for row in rows {
        let (field, value, hlc) = row?;
        out.insert(field, (value, hlc));
    }
    Ok(out)
}

pub(crate) fn store_field(
    conn: &Connection,
    kind: RecordKind,
    id: &str,
    field: &str,
    value: &Value,
    hlc: Hlc,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO sync_fields (kind, record_id, field, value, hlc) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (kind, record_id, field) DO UPDATE SET value = excluded.value, hlc = excluded.hlc",
    )?
    .execute(params![kind, id, field, value.to_string(), hlc])?;
    Ok(())
}

/// Records the fields of `value` that differ from the last synced state as one outbox op.
pub(crate) fn capture(
    conn: &Connection,
    actor: &Actor,
    kind: RecordKind,
    id: &str,
    value: Value,
    now: DateTime<Utc>,
) -> Result<()> {
    let Value::Object(fields) = value else {
        return Err(Error::Corrupt {
            kind: "record",
            reason: "not a JSON object".into(),
        });
    };
    let known = synced_fields(conn, kind, id)?;
    let changed: Map<String, Value> = fields
        .into_iter()
        .filter(|(name, value)| known.get(name).is_none_or(|(old, _)| old != value))
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    let hlc = clock::next(conn, actor.device_id, now)?;
    let mut op_fields = BTreeMap::new();
    for (name, value) in changed {
        store_field(conn, kind, id, &name, &value, hlc)?;
        let base = known.get(&name).map(|(_, hlc)| *hlc);
        op_fields.insert(name, FieldChange { value, base });
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
    enqueue(conn, &op)
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
