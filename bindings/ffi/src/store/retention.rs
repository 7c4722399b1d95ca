//! Retention on the device (MoPI): the schedule, the supervisor's review list, retaining and
//! disposing at review, applying the schedule, and erasing patrols, problems and follow-ups.
//! Every call blocks (disk), briefly.
//!
//! Call `apply_retention` at launch (opening the store does not run it) — the sync runs it
//! itself before it sends and after it receives a new schedule.

use super::Store;
use crate::convert::{all, id, time};
use crate::error::Result;
use crate::records::{DueForReview, RetentionApplied, RetentionReview, RetentionSchedule};
use beatbook_core::retention::RetainedKind;
use std::time::SystemTime;

#[uniffi::export]
impl Store {
    /// The retention schedule this device applies (empty until the administrator sets one).
    pub fn retention_schedule(&self) -> Result<RetentionSchedule> {
        Ok(self.core()?.retention_schedule()?.into())
    }

    /// Supervisors: the team's records due for review, or past their date, soonest first.
    /// `Denied` (`retention_by_supervisors`) for other roles.
    pub fn retention_due(&self) -> Result<Vec<DueForReview>> {
        let (store, actor) = self.acting()?;
        Ok(all(store.retention_due(&actor)?))
    }

    /// Supervisors: keeps a record until `review_on`, with the reason (synced, logged).
    pub fn retain(
        &self,
        kind: RetainedKind,
        record_id: String,
        review_on: SystemTime,
        reason: String,
    ) -> Result<RetentionReview> {
        let (store, actor) = self.acting()?;
        Ok(store
            .retain(&actor, kind, record_id.trim(), time(review_on), &reason)?
            .into())
    }

    /// Supervisors: disposes of a record now — personal details redacted, anything else
    /// erased — with the reason (synced as an erasure, logged).
    pub fn dispose(&self, kind: RetainedKind, record_id: String, reason: String) -> Result<()> {
        let (store, actor) = self.acting()?;
        Ok(store.dispose(&actor, kind, record_id.trim(), &reason)?)
    }

    /// Drops from this device what has passed its review date with no decision to keep it;
    /// sends nothing. Call it at launch.
    pub fn apply_retention(&self) -> Result<RetentionApplied> {
        Ok(self.core()?.apply_retention()?.into())
    }

    /// Erases a patrol with its track (supervisors, with the reason).
    pub fn erase_patrol(&self, patrol_id: String, reason: String) -> Result<()> {
        let (store, actor) = self.acting()?;
        Ok(store.erase_patrol(&actor, id("patrol_id", &patrol_id)?, &reason)?)
    }

    /// Erases a problem with its steps and stage requests (supervisors, with the reason).
    pub fn erase_problem(&self, problem_id: String, reason: String) -> Result<()> {
        let (store, actor) = self.acting()?;
        Ok(store.erase_problem(&actor, id("problem_id", &problem_id)?, &reason)?)
    }

    /// Erases a follow-up (supervisors, with the reason); its contact stays.
    pub fn erase_follow_up(&self, follow_up_id: String, reason: String) -> Result<()> {
        let (store, actor) = self.acting()?;
        Ok(store.erase_follow_up(&actor, id("follow_up_id", &follow_up_id)?, &reason)?)
    }
}
