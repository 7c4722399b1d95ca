//! Redaction and erasure of personal data.
//!
//! Redaction drops a contact's personal fields (details and ethnicity) and keeps the rest of the
//! contact. Erasure removes a record and everything hanging off it, leaving a tombstone of
//! metadata only (what, when, by whom, why): a contact with its personal details and its
//! follow-up, a problem with its steps and stage requests, a patrol with its track, a note, a
//! follow-up. Both are logged as erasure with metadata only. Afterwards the search index is
//! optimised and the WAL checkpointed, so that the erased text survives neither in an old
//! index segment nor in a WAL frame; `secure_delete` zeroes the freed pages.
//!
//! A patrol or a problem can be named by notes and contacts that stay: their erasure runs
//! with foreign keys off and leaves those links dangling, as every receiving device does.

use super::audit::{self, AuditAction, AuditEvent};
use super::contacts::{find_contact, load_contact, write_contact};
use super::device_sync::{self, materialize};
use super::search;
use super::sql_time::t;
use super::Store;
use crate::error::{Error, Result};
use crate::ids::{ContactId, FollowUpId, NoteId, PatrolId, ProblemId};
use crate::model::{Actor, Contact, Role};
use crate::sync::protocol::RecordKind;
use crate::validation::{check, limits, Rule, ValidationError};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

impl Store {
    /// Drops a contact's personal fields; the rest of the contact stays. The recorder or a
    /// supervisor may.
    pub fn redact_contact(&self, actor: &Actor, id: ContactId, reason: &str) -> Result<Contact> {
        self.redact_contact_with(
            actor,
            id,
            reason,
            "redacted: personal details and ethnicity",
        )
    }

    pub(crate) fn redact_contact_with(
        &self,
        actor: &Actor,
        id: ContactId,
        reason: &str,
        detail: &str,
    ) -> Result<Contact> {
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
                    .detail(detail),
            )?;
            load_contact(tx, id)
        })?;
        self.scrub_after_erasure()?;
        Ok(contact)
    }

    /// Erases a contact, its personal details, its follow-up and its repeat-location links,
    /// leaving a metadata tombstone. Supervisors only.
    pub fn erase_contact(&self, actor: &Actor, id: ContactId, reason: &str) -> Result<()> {
        self.erase_contact_with(actor, id, reason, None)
    }

    pub(crate) fn erase_contact_with(
        &self,
        actor: &Actor,
        id: ContactId,
        reason: &str,
        detail: Option<&str>,
    ) -> Result<()> {
        let erasure = Erasure {
            kind: RecordKind::Contact,
            id: &id.to_string(),
            reason,
            detail,
            unlinked: false,
        };
        self.erase(actor, erasure, |tx, now| {
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
            super::contacts::unplace_contact(tx, &id_text)?;
            tx.execute("DELETE FROM contacts WHERE id = ?1", [id])?;
            Ok(())
        })
    }

    /// Erases a note (e.g. at the end of its retention period). Supervisors only.
    pub fn erase_note(&self, actor: &Actor, id: NoteId, reason: &str) -> Result<()> {
        self.erase_note_with(actor, id, reason, None)
    }

    pub(crate) fn erase_note_with(
        &self,
        actor: &Actor,
        id: NoteId,
        reason: &str,
        detail: Option<&str>,
    ) -> Result<()> {
        let erasure = Erasure {
            kind: RecordKind::Note,
            id: &id.to_string(),
            reason,
            detail,
            unlinked: false,
        };
        self.erase(actor, erasure, |tx, now| {
            if tx.execute("DELETE FROM notes WHERE id = ?1", [id])? == 0 {
                return Err(Error::not_found("note", id));
            }
            device_sync::erase_record(tx, actor, RecordKind::Note, &id.to_string(), reason, now)?;
            Ok(())
        })
    }

    /// Erases a patrol with its participants and track. Notes and contacts made on it stay
    /// (their link to it dangles). Supervisors only.
    pub fn erase_patrol(&self, actor: &Actor, id: PatrolId, reason: &str) -> Result<()> {
        self.erase_patrol_with(actor, id, reason, None)
    }

    pub(crate) fn erase_patrol_with(
        &self,
        actor: &Actor,
        id: PatrolId,
        reason: &str,
        detail: Option<&str>,
    ) -> Result<()> {
        let id_text = id.to_string();
        let erasure = Erasure {
            kind: RecordKind::Patrol,
            id: &id_text,
            reason,
            detail,
            unlinked: true,
        };
        self.erase(actor, erasure, |tx, now| {
            super::patrols::load_patrol(tx, id)?;
            erase_with_children(tx, actor, RecordKind::Patrol, &id_text, reason, now)
        })
    }

    /// Erases a problem with its steps and stage requests. Notes and contacts linked to it
    /// stay (their link dangles). Supervisors only.
    pub fn erase_problem(&self, actor: &Actor, id: ProblemId, reason: &str) -> Result<()> {
        self.erase_problem_with(actor, id, reason, None)
    }

    pub(crate) fn erase_problem_with(
        &self,
        actor: &Actor,
        id: ProblemId,
        reason: &str,
        detail: Option<&str>,
    ) -> Result<()> {
        let id_text = id.to_string();
        let erasure = Erasure {
            kind: RecordKind::Problem,
            id: &id_text,
            reason,
            detail,
            unlinked: true,
        };
        self.erase(actor, erasure, |tx, now| {
            super::problems::load(tx, id)?;
            erase_with_children(tx, actor, RecordKind::Problem, &id_text, reason, now)
        })
    }

    /// Erases a follow-up (a promise to a member of the public). The contact stays, without
    /// the promise: its copy of the promise text and its link to the follow-up go too (a
    /// synced alteration of the contact, logged), or the erased text would still be stored,
    /// searchable and synced on the contact. Supervisors only.
    pub fn erase_follow_up(&self, actor: &Actor, id: FollowUpId, reason: &str) -> Result<()> {
        let id_text = id.to_string();
        let erasure = Erasure {
            kind: RecordKind::FollowUp,
            id: &id_text,
            reason,
            detail: None,
            unlinked: false,
        };
        self.erase(actor, erasure, |tx, now| {
            let made_at = super::follow_ups::load(tx, id)?.contact_id;
            erase_with_children(tx, actor, RecordKind::FollowUp, &id_text, reason, now)?;
            forget_promise(tx, actor, id, made_at, reason, now)
        })
    }

    fn erase(
        &self,
        actor: &Actor,
        erasure: Erasure<'_>,
        // Deletes the record, given the erasure's time (the tombstone's and the sync op's).
        delete: impl FnOnce(&Connection, DateTime<Utc>) -> Result<()>,
    ) -> Result<()> {
        let Erasure {
            kind,
            id,
            reason,
            detail,
            unlinked,
        } = erasure;
        check::required_text("reason", reason, limits::SHORT_TEXT)?;
        if actor.role != Role::Supervisor {
            return Err(ValidationError::new("actor", Rule::SupervisorOnly).into());
        }
        let now = self.now();
        let work = |tx: &rusqlite::Transaction<'_>| {
            // The search row first: its number is the record's row, which `delete` removes. A
            // kind that is not searched (a follow-up) has no row.
            if let Some(searched) = search::SearchKind::of_record(kind) {
                search::unindex(tx, searched, id)?;
            }
            delete(tx, now)?;
            tx.execute(
                "INSERT INTO tombstones (record_kind, record_id, erased_at, erased_by, device_id, reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![kind.as_str(), id, t(now), actor.user_id, actor.device_id, reason.trim()],
            )?;
            let mut event =
                AuditEvent::new(AuditAction::Erasure, kind.as_str(), id).justified(reason.trim());
            if let Some(detail) = detail {
                event = event.detail(detail);
            }
            audit::append(tx, actor, now, event)
        };
        if unlinked {
            self.write_as_unlinked(Some(actor), work)?;
        } else {
            self.write_as(Some(actor), work)?;
        }
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

/// What one erasure is: the tombstone's kind and id, why, the audit detail, and whether other
/// records may link to it (then it runs with foreign keys off).
struct Erasure<'a> {
    kind: RecordKind,
    id: &'a str,
    reason: &'a str,
    detail: Option<&'a str>,
    unlinked: bool,
}

/// Takes an erased follow-up's promise off the contact that made it (the follow-up's
/// `contact_id`, if that contact is here and still links to it): the promise text and the
/// link, written by the contacts' one writer so that its search row loses the text too; the
/// update is captured as the contact's sync op. The contact is read by its id, not found by a
/// search of every contact for the link (`contacts.follow_up_id` has no index).
fn forget_promise(
    conn: &Connection,
    actor: &Actor,
    follow_up: FollowUpId,
    made_at: Option<ContactId>,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(made_at) = made_at else {
        return Ok(());
    };
    let Some(mut contact) = find_contact(conn, made_at)? else {
        return Ok(());
    };
    if contact.follow_up_id != Some(follow_up) {
        return Ok(());
    }
    let contact_id = contact.id;
    contact.promised = None;
    contact.follow_up_id = None;
    contact.updated_at = now;
    write_contact(conn, &contact)?;
    device_sync::outbox_blank_field(
        conn,
        RecordKind::Contact,
        &contact_id.to_string(),
        crate::policy::fields::contact::PROMISED,
    )?;
    // Conflicts about the promise quote it: they go here now, and on the server and every
    // other device when the contact's change reaches it (`ConflictScrub::Field` there).
    conn.prepare_cached("DELETE FROM conflicts WHERE record_id = ?1 AND field = ?2")?
        .execute(params![
            contact_id,
            crate::policy::fields::contact::PROMISED
        ])?;
    audit::append(
        conn,
        actor,
        now,
        AuditEvent::new(AuditAction::Alteration, "contact", &contact_id.to_string())
            .justified(reason.trim())
            .detail("erased: promise (with its follow-up)"),
    )
}

/// Erases a record and the records hanging off it here (rows, conflicts, search entries) and
/// queues an erasure op for each, so that the server and every device drop them too.
fn erase_with_children(
    conn: &Connection,
    actor: &Actor,
    kind: RecordKind,
    id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    for (child_kind, child_id) in materialize::children(conn, kind, id)? {
        materialize::erase(conn, child_kind, &child_id)?;
        device_sync::erase_record(conn, actor, child_kind, &child_id, reason, now)?;
    }
    materialize::erase(conn, kind, id)?;
    device_sync::erase_record(conn, actor, kind, id, reason, now)
}
