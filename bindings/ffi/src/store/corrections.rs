//! Corrections, each with a reason (kept on the record, synced, and logged as an alteration):
//! amend a patrol, contact or follow-up, cancel a patrol started by mistake, and correct a
//! note with an amending note that takes its place in lists.

use super::Store;
use crate::convert::{all, id};
use crate::error::Result;
use crate::records::{
    Contact, ContactAmendment, FollowUp, FollowUpAmendment, Note, NoteAmendment, Patrol,
    PatrolAmendment,
};

#[uniffi::export]
impl Store {
    /// Corrects a patrol's times, purpose, area or kind.
    pub fn amend_patrol(
        &self,
        patrol_id: String,
        amendment: PatrolAmendment,
        reason: String,
    ) -> Result<Patrol> {
        let (store, actor) = self.acting()?;
        Ok(store
            .amend_patrol(
                &actor,
                id("patrol_id", &patrol_id)?,
                amendment.try_into()?,
                &reason,
            )?
            .into())
    }

    /// Cancels a patrol started by mistake: it counts in no report and is nobody's open patrol.
    pub fn cancel_patrol(&self, patrol_id: String, reason: String) -> Result<Patrol> {
        let (store, actor) = self.acting()?;
        Ok(store
            .cancel_patrol(&actor, id("patrol_id", &patrol_id)?, &reason)?
            .into())
    }

    /// Corrects a contact's non-personal fields.
    pub fn amend_contact(
        &self,
        contact_id: String,
        amendment: ContactAmendment,
        reason: String,
    ) -> Result<Contact> {
        let (store, actor) = self.acting()?;
        Ok(store
            .amend_contact(
                &actor,
                id("contact_id", &contact_id)?,
                amendment.try_into()?,
                &reason,
            )?
            .into())
    }

    /// Corrects an open follow-up's due time, promise or (a supervisor) owner.
    pub fn amend_follow_up(
        &self,
        follow_up_id: String,
        amendment: FollowUpAmendment,
        reason: String,
    ) -> Result<FollowUp> {
        let (store, actor) = self.acting()?;
        Ok(store
            .amend_follow_up(
                &actor,
                id("follow_up_id", &follow_up_id)?,
                amendment.try_into()?,
                &reason,
            )?
            .into())
    }

    /// Corrects a note with a new note that amends it; answers the new note.
    pub fn amend_note(
        &self,
        note_id: String,
        amendment: NoteAmendment,
        reason: String,
    ) -> Result<Note> {
        let (store, actor) = self.acting()?;
        Ok(store
            .amend_note(&actor, id("note_id", &note_id)?, amendment.into(), &reason)?
            .into())
    }

    /// A note's chain of corrections, the original first and the newest last.
    pub fn note_history(&self, note_id: String) -> Result<Vec<Note>> {
        Ok(all(self.core()?.note_history(id("note_id", &note_id)?)?))
    }
}
