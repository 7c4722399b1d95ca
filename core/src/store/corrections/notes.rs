//! Correcting a note: notes are append-only, so a correction is a new note that `amends` the
//! old one. Lists show the newest note of a chain (`store::notes` leaves out a note another
//! amends); the original stays readable by its id and in the chain's history.

use crate::error::Result;
use crate::ids::NoteId;
use crate::model::correction::check_reason;
use crate::model::{Actor, Note, NoteAmendment, TimeKind};
use crate::store::audit::{self, AuditAction, AuditEvent};
use crate::store::notes::{amended_by, load_note, may_amend, write_note};
use crate::store::sql_time::truncate;
use crate::store::Store;
use crate::validation::{check, limits, Rule, ValidationError};
use rusqlite::Connection;

const KIND: &str = "note";

/// How long a chain of amendments the history follows (a guard, not a limit anyone meets).
const MAX_CHAIN: usize = 1_000;

impl Store {
    /// Corrects note `id` with a new note holding the corrected text (and time, if given), the
    /// reason, and the original's category, place and links. Only the newest note of a chain
    /// can be amended.
    pub fn amend_note(
        &self,
        actor: &Actor,
        id: NoteId,
        amendment: NoteAmendment,
        reason: &str,
    ) -> Result<Note> {
        check_reason(reason)?;
        check::required_text("text", &amendment.text, limits::LONG_TEXT)?;
        let original = self.note(id)?;
        may_amend(actor, &original)?;
        let observed_at = amendment.observed_at.unwrap_or(original.observed_at);
        // The amending note sets its time afresh, so the time is judged as the server will.
        self.time_sense()
            .check("observed_at", observed_at, TimeKind::Happened)?;
        let reason = reason.trim();
        let note = Note {
            id: NoteId::new(),
            observed_at: truncate(observed_at),
            text: amendment.text,
            author: actor.user_id,
            created_at: self.now(),
            amends: Some(id),
            correction_reason: Some(reason.to_owned()),
            ..original
        };
        self.write_as(Some(actor), |tx| {
            if amended_by(tx, id)?.is_some() {
                return Err(ValidationError::new(
                    "amends",
                    Rule::InvalidState {
                        reason: "the note was already amended; amend the newest note",
                    },
                )
                .into());
            }
            write_note(tx, &note)?;
            let new_id = note.id.to_string();
            audit::append(
                tx,
                actor,
                note.created_at,
                AuditEvent::new(AuditAction::Collection, KIND, &new_id)
                    .detail("amends an earlier note"),
            )?;
            let detail = format!("corrected by note {new_id}");
            audit::append(
                tx,
                actor,
                note.created_at,
                AuditEvent::new(AuditAction::Alteration, KIND, &id.to_string())
                    .justified(reason)
                    .detail(&detail),
            )
        })?;
        Ok(note)
    }

    /// The note that amends note `id`, if one does.
    pub fn note_amended_by(&self, id: NoteId) -> Result<Option<NoteId>> {
        self.read(|conn| amended_by(conn, id))
    }

    /// Every note of `id`'s chain of corrections, the original first and the newest last.
    pub fn note_history(&self, id: NoteId) -> Result<Vec<Note>> {
        self.read(|conn| history(conn, id))
    }
}

fn history(conn: &Connection, id: NoteId) -> Result<Vec<Note>> {
    let mut chain = vec![load_note(conn, id)?];
    // Back to the original…
    while let Some(earlier) = chain.first().and_then(|n| n.amends) {
        if chain.len() >= MAX_CHAIN || chain.iter().any(|n| n.id == earlier) {
            break;
        }
        match load_note(conn, earlier) {
            Ok(note) => chain.insert(0, note),
            // An original outside this device's scope (or erased): the chain starts here.
            Err(crate::error::Error::NotFound { .. }) => break,
            Err(e) => return Err(e),
        }
    }
    // …and on to the newest.
    let mut newest = id;
    while let Some(later) = amended_by(conn, newest)? {
        if chain.len() >= MAX_CHAIN || chain.iter().any(|n| n.id == later) {
            break;
        }
        chain.push(load_note(conn, later)?);
        newest = later;
    }
    Ok(chain)
}
