//! The conflict log on the device: list what the server found, and resolve it. Resolving is
//! itself a synced change of the `conflict` record; keeping the losing value also writes that
//! value back to its record as a new, later change, so it wins everywhere.

use super::materialize::{self, Materialized};
use super::{record_json, sync_records};
use crate::error::{Error, Result};
use crate::model::Actor;
use crate::store::audit::{self, AuditAction, AuditEvent};
use crate::store::rows::{from_json, to_json};
use crate::store::sql_time::t;
use crate::store::Store;
use crate::sync::conflict::{Conflict, Resolution};
use crate::sync::legacy_fields;
use crate::validation::{Rule, ValidationError};
use rusqlite::{params, Connection, OptionalExtension};

impl Store {
    /// Conflicts, newest first; only unresolved ones when `open_only`.
    pub fn conflicts(&self, open_only: bool) -> Result<Vec<Conflict>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT body FROM conflicts WHERE resolved = 0 OR ?1 = 0 ORDER BY detected_at DESC, id",
            )?;
            let rows = stmt.query_map([open_only], |r| from_json::<Conflict>(&r.get::<_, String>(0)?))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Settles a conflict; the choice syncs to everyone. Who may is the policy's
    /// (`crate::policy`, run when the write is captured): anyone but a volunteer, and a
    /// volunteer for a conflict between edits of their own.
    pub fn resolve_conflict(
        &self,
        actor: &Actor,
        id: &str,
        resolution: Resolution,
    ) -> Result<Conflict> {
        let now = self.now();
        self.write_as(Some(actor), |tx| {
            let body: Option<String> = tx
                .query_row("SELECT body FROM conflicts WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .optional()?;
            let mut conflict: Conflict = match body {
                Some(text) => from_json(&text)?,
                None => return Err(Error::not_found("conflict", id)),
            };
            if conflict.resolution.is_some() {
                return Err(ValidationError::new(
                    "conflict",
                    Rule::InvalidState {
                        reason: "already resolved",
                    },
                )
                .into());
            }
            if resolution == Resolution::KeepLoser {
                // Written through the record's table: the write is captured like any other.
                let (kind, record_id) = (conflict.record_kind, conflict.record_id.as_str());
                let mut object = match sync_records::held_fields(tx, kind, record_id)? {
                    Some(held) => held,
                    None => record_json::load(tx, kind, record_id)?
                        .ok_or_else(|| Error::not_found("record", record_id))?,
                };
                // A conflict from before a field was split names the old field: its value
                // is written as the fields it became.
                object.extend(legacy_fields::current_fields(
                    kind,
                    &conflict.field,
                    &conflict.loser_value,
                ));
                match materialize::materialize(tx, kind, record_id, &object, now)? {
                    Materialized::Written => {}
                    Materialized::Incomplete => {
                        return Err(held_back("its record is still arriving (see sync status)"))
                    }
                    Materialized::Unreadable { .. } => {
                        return Err(held_back(
                            "the losing value cannot be written to its record on this device",
                        ))
                    }
                }
            }
            conflict.resolution = Some(resolution);
            conflict.resolved_by = Some(actor.user_id);
            conflict.resolved_at = Some(now);
            // The conflicts table is tracked: this write is captured as the resolution's op.
            write_conflict(tx, &conflict)?;
            // s.62: resolving alters the record (keep the loser) or settles which value stands.
            let detail = format!(
                "conflict {} resolved, {}: field {}",
                conflict.id,
                resolution.as_str(),
                conflict.field
            );
            audit::append(
                tx,
                actor,
                now,
                AuditEvent::new(
                    AuditAction::Alteration,
                    conflict.record_kind.as_str(),
                    &conflict.record_id,
                )
                .detail(&detail),
            )?;
            Ok(conflict)
        })
    }
}

fn held_back(reason: &'static str) -> Error {
    ValidationError::new("conflict", Rule::InvalidState { reason }).into()
}

/// Writes a conflict record: the one writer of `conflicts`, for one pulled and one resolved
/// here alike.
pub(super) fn write_conflict(conn: &Connection, c: &Conflict) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO conflicts (id, record_kind, record_id, field, body, resolved, detected_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET body = excluded.body, resolved = excluded.resolved",
    )?
    .execute(params![
        c.id,
        c.record_kind,
        c.record_id,
        c.field,
        to_json(c)?,
        c.resolution.is_some(),
        t(c.detected_at)
    ])?;
    Ok(())
}
