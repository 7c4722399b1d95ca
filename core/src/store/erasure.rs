//! Redaction and erasure of personal data.
//!
//! Redaction drops a contact's personal fields (details and ethnicity) and keeps the rest of the
//! contact. Erasure removes a record and everything hanging off it, leaving a tombstone of
//! metadata only (what, when, by whom, why). Both are logged as erasure with metadata only.
//! Afterwards the search index is optimised and the WAL checkpointed, so that the erased text
//! survives neither in an old index segment nor in a WAL frame; `secure_delete` zeroes the
//! freed pages.

use super::audit::{self, AuditAction, AuditEvent};
use super::contacts::load_contact;
use super::device_sync;
use super::search;
use super::sql_time::t;
use super::Store;
use crate::error::{Error, Result};
use crate::ids::{ContactId, NoteId};
use crate::model::{Actor, Contact, Role};
use crate::sync::protocol::RecordKind;
use crate::validation::{check, limits, Rule, ValidationError};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

impl Store {
    /// Drops a contact's personal fields; the rest of the contact stays. The recorder or a
    /// supervisor may.
    pub fn redact_contact(&self, actor: &Actor, id: ContactId, reason: &str) -> Result<Contact> {
        check::required_text("reason", reason, limits::SHORT_TEXT)?;
        let now = self.now();
        let contact = self.write_as(Some(actor), |tx| {
            let current = load_contact(tx, id)?;
            if current.recorded_by != actor.user_id && !actor.role.is_supervisor() {
                return Err(Error::Denied(crate::policy::Denial::new(
                    crate::policy::DenialCode::NotRecorder,
                )));
            }
            if current.redacted_at.is_some() {
                return Err(ValidationError::new(
                    "contact",
                    Rule::InvalidState { reason: "already redacted" },
                )
                .into());
            }
            tx.execute("DELETE FROM contact_personal WHERE contact_id = ?1", [id])?;
            // Unsent copies of the personal values go too; the redaction itself is synced.
            device_sync::outbox_forget_record(tx, RecordKind::ContactPersonal, &id.to_string())?;
            tx.execute(
                "UPDATE contacts SET ethnicity = NULL, redacted_at = ?2, updated_at = ?2 WHERE id = ?1",
                params![id, t(now)],
            )?;
            audit::append(
                tx,
                actor,
                now,
                AuditEvent::new(AuditAction::Erasure, "contact_personal", &id.to_string())
                    .justified(reason.trim())
                    .detail("redacted: personal details and ethnicity"),
            )?;
            load_contact(tx, id)
        })?;
        self.scrub_after_erasure()?;
        Ok(contact)
    }

    /// Erases a contact, its personal details, its follow-up and its repeat-location links,
    /// leaving a metadata tombstone. Supervisors only.
    pub fn erase_contact(&self, actor: &Actor, id: ContactId, reason: &str) -> Result<()> {
        self.erase(actor, "contact", &id.to_string(), reason, |tx, now| {
            let contact = load_contact(tx, id)?;
            let id_text = id.to_string();
            for kind in [RecordKind::Contact, RecordKind::ContactPersonal] {
                device_sync::erase_record(tx, actor, kind, &id_text, reason, now)?;
            }
            if let Some(follow_up) = contact.follow_up_id {
                device_sync::erase_record(tx, actor, RecordKind::FollowUp, &follow_up.to_string(), reason, now)?;
            }
            tx.execute(
                "DELETE FROM follow_ups WHERE id = (SELECT follow_up_id FROM contacts WHERE id = ?1)",
                [id],
            )?;
            tx.execute("DELETE FROM contacts WHERE id = ?1", [id])?;
            Ok(())
        })
    }

    /// Erases a note (e.g. at the end of its retention period). Supervisors only.
    pub fn erase_note(&self, actor: &Actor, id: NoteId, reason: &str) -> Result<()> {
        self.erase(actor, "note", &id.to_string(), reason, |tx, now| {
            if tx.execute("DELETE FROM notes WHERE id = ?1", [id])? == 0 {
                return Err(Error::not_found("note", id));
            }
            device_sync::erase_record(tx, actor, RecordKind::Note, &id.to_string(), reason, now)?;
            Ok(())
        })
    }

    fn erase(
        &self,
        actor: &Actor,
        kind: &'static str,
        id: &str,
        reason: &str,
        // Deletes the record, given the erasure's time (the tombstone's and the sync op's).
        delete: impl FnOnce(&Connection, DateTime<Utc>) -> Result<()>,
    ) -> Result<()> {
        check::required_text("reason", reason, limits::SHORT_TEXT)?;
        if actor.role != Role::Supervisor {
            return Err(ValidationError::new("actor", Rule::SupervisorOnly).into());
        }
        let now = self.now();
        self.write_as(Some(actor), |tx| {
            delete(tx, now)?;
            search::unindex(tx, id)?;
            tx.execute(
                "INSERT INTO tombstones (record_kind, record_id, erased_at, erased_by, device_id, reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![kind, id, t(now), actor.user_id, actor.device_id, reason.trim()],
            )?;
            audit::append(
                tx,
                actor,
                now,
                AuditEvent::new(AuditAction::Erasure, kind, id).justified(reason.trim()),
            )
        })?;
        self.scrub_after_erasure()
    }

    /// Makes deleted text unrecoverable: merges the search index and empties the WAL.
    pub(crate) fn scrub_after_erasure(&self) -> Result<()> {
        self.write(|tx| search::purge_deleted(tx))?;
        let conn = super::lock(&self.writer);
        // Busy readers can hold the checkpoint back; the next one finishes the job.
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }
}
