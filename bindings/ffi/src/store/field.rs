//! Patrols, notes, contacts and follow-ups: record and read. Every call blocks (disk); each is
//! a few milliseconds, fine on a background thread or a coroutine's IO dispatcher.

use super::Store;
use crate::convert::{all, id, time};
use crate::error::Result;
use crate::records::{
    Contact, FollowUp, NearbyContact, NewContact, NewNote, NewPatrol, Note, Patrol, PatrolClosure,
    RecordedContact, TrackPoint,
};
use beatbook_core::model::ContactPersonalData;
use beatbook_core::store::ExportPeriod;
use std::time::SystemTime;

#[uniffi::export]
impl Store {
    /// Starts a patrol (its purpose is required before it starts).
    pub fn start_patrol(&self, new: NewPatrol) -> Result<Patrol> {
        let (store, actor) = self.acting()?;
        Ok(store.start_patrol(&actor, new.try_into()?)?.into())
    }

    /// Records a whole patrol after the event, closed at once.
    pub fn record_patrol(&self, new: NewPatrol, closure: PatrolClosure) -> Result<Patrol> {
        let (store, actor) = self.acting()?;
        Ok(store
            .record_patrol(&actor, new.try_into()?, closure.into())?
            .into())
    }

    /// Closes an open patrol with its value assessment (required).
    pub fn close_patrol(&self, patrol_id: String, closure: PatrolClosure) -> Result<Patrol> {
        let (store, actor) = self.acting()?;
        Ok(store
            .close_patrol(&actor, id("patrol_id", &patrol_id)?, closure.into())?
            .into())
    }

    /// Adds points to a patrol's track; answers how many were added.
    pub fn add_track_points(&self, patrol_id: String, points: Vec<TrackPoint>) -> Result<u64> {
        let (store, actor) = self.acting()?;
        let points: Vec<_> = points.into_iter().map(Into::into).collect();
        let added = store.add_track_points(&actor, id("patrol_id", &patrol_id)?, &points)?;
        Ok(added as u64)
    }

    pub fn track(&self, patrol_id: String) -> Result<Vec<TrackPoint>> {
        Ok(all(self.core()?.track(id("patrol_id", &patrol_id)?)?))
    }

    pub fn patrol(&self, patrol_id: String) -> Result<Patrol> {
        Ok(self.core()?.patrol(id("patrol_id", &patrol_id)?)?.into())
    }

    /// Patrols that started in `[from, to)`.
    pub fn patrols_between(&self, from: SystemTime, to: SystemTime) -> Result<Vec<Patrol>> {
        Ok(all(self.core()?.patrols_between(time(from), time(to))?))
    }

    /// A user's open patrols.
    pub fn open_patrols(&self, user_id: String) -> Result<Vec<Patrol>> {
        Ok(all(self.core()?.open_patrols(id("user_id", &user_id)?)?))
    }

    /// Adds a note (append-only: a correction is a new note).
    pub fn add_note(&self, new: NewNote) -> Result<Note> {
        let (store, actor) = self.acting()?;
        Ok(store.add_note(&actor, new.try_into()?)?.into())
    }

    pub fn note(&self, note_id: String) -> Result<Note> {
        Ok(self.core()?.note(id("note_id", &note_id)?)?.into())
    }

    pub fn patrol_notes(&self, patrol_id: String) -> Result<Vec<Note>> {
        Ok(all(self
            .core()?
            .patrol_notes(id("patrol_id", &patrol_id)?)?))
    }

    /// Notes by `author` observed in `[from, to)`.
    pub fn notes_by(&self, author: String, from: SystemTime, to: SystemTime) -> Result<Vec<Note>> {
        let author = id("author", &author)?;
        Ok(all(self.core()?.notes_by(author, time(from), time(to))?))
    }

    /// Records an engagement contact, and its follow-up if something was promised.
    pub fn record_contact(&self, new: NewContact) -> Result<RecordedContact> {
        let (store, actor) = self.acting()?;
        Ok(store.record_contact(&actor, new.try_into()?)?.into())
    }

    pub fn contact(&self, contact_id: String) -> Result<Contact> {
        Ok(self.core()?.contact(id("contact_id", &contact_id)?)?.into())
    }

    /// Contacts that happened in `[from, to)`.
    pub fn contacts_between(&self, from: SystemTime, to: SystemTime) -> Result<Vec<Contact>> {
        Ok(all(self.core()?.contacts_between(time(from), time(to))?))
    }

    /// Earlier contacts near this one in the last 28 days.
    pub fn nearby_contacts(&self, contact_id: String) -> Result<Vec<NearbyContact>> {
        Ok(all(self
            .core()?
            .nearby_contacts(id("contact_id", &contact_id)?)?))
    }

    /// Reads a contact's personal details: an audited consultation, with its justification.
    /// Refused to volunteers.
    pub fn contact_personal_details(
        &self,
        contact_id: String,
        justification: String,
    ) -> Result<ContactPersonalData> {
        let (store, actor) = self.acting()?;
        let contact_id = id("contact_id", &contact_id)?;
        Ok(store.contact_personal_details(&actor, contact_id, &justification)?)
    }

    /// Removes a contact's personal fields, keeping the contact.
    pub fn redact_contact(&self, contact_id: String, reason: String) -> Result<Contact> {
        let (store, actor) = self.acting()?;
        let contact_id = id("contact_id", &contact_id)?;
        Ok(store.redact_contact(&actor, contact_id, &reason)?.into())
    }

    /// Erases a contact everywhere (it syncs as an erasure).
    pub fn erase_contact(&self, contact_id: String, reason: String) -> Result<()> {
        let (store, actor) = self.acting()?;
        Ok(store.erase_contact(&actor, id("contact_id", &contact_id)?, &reason)?)
    }

    /// Erases a note everywhere.
    pub fn erase_note(&self, note_id: String, reason: String) -> Result<()> {
        let (store, actor) = self.acting()?;
        Ok(store.erase_note(&actor, id("note_id", &note_id)?, &reason)?)
    }

    /// Contacts in `[from, to)` as CSV (non-personal fields only): a logged disclosure.
    pub fn export_contacts_csv(
        &self,
        from: SystemTime,
        to: SystemTime,
        justification: String,
    ) -> Result<String> {
        let (store, actor) = self.acting()?;
        let period = ExportPeriod {
            from: time(from),
            to: time(to),
        };
        let mut out = Vec::new();
        store.export_contacts_csv(&actor, period, &justification, &mut out)?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    /// Sets how near (in metres) earlier contacts must be to flag a repeat location.
    pub fn set_repeat_radius_m(&self, metres: f64) -> Result<()> {
        Ok(self.core()?.set_repeat_radius_m(metres)?)
    }

    pub fn follow_up(&self, follow_up_id: String) -> Result<FollowUp> {
        Ok(self
            .core()?
            .follow_up(id("follow_up_id", &follow_up_id)?)?
            .into())
    }

    /// A user's open follow-ups; `now` decides what is overdue.
    pub fn open_follow_ups(&self, owner: String, now: SystemTime) -> Result<Vec<FollowUp>> {
        let owner = id("owner", &owner)?;
        Ok(all(self.core()?.open_follow_ups(owner, time(now))?))
    }

    /// The promises a volunteer referred to their team: shown as "referred", never as
    /// follow-ups they owe (`open_follow_ups` never lists them). Newest first.
    pub fn referred_follow_ups(&self, volunteer: String) -> Result<Vec<FollowUp>> {
        let volunteer = id("volunteer", &volunteer)?;
        Ok(all(self.core()?.referred_by(volunteer)?))
    }

    /// Marks a promise kept, with what was done.
    pub fn answer_follow_up(
        &self,
        follow_up_id: String,
        outcome: String,
        answered_at: SystemTime,
    ) -> Result<FollowUp> {
        let (store, actor) = self.acting()?;
        let follow_up_id = id("follow_up_id", &follow_up_id)?;
        Ok(store
            .answer_follow_up(&actor, follow_up_id, &outcome, time(answered_at))?
            .into())
    }

    pub fn cancel_follow_up(&self, follow_up_id: String, reason: String) -> Result<FollowUp> {
        let (store, actor) = self.acting()?;
        let follow_up_id = id("follow_up_id", &follow_up_id)?;
        Ok(store
            .cancel_follow_up(&actor, follow_up_id, &reason)?
            .into())
    }
}
