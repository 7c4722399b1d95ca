//! Today's activity for one officer: their patrols, notes and contacts of the day, the
//! follow-ups they owe (and which of them someone else gave them), and the SARA requests a
//! supervisor sent back to them.

use crate::error::Result;
use crate::ids::UserId;
use crate::model::{Contact, FollowUp, Note, Patrol, StageRequest};
use crate::store::Store;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What one person did in a day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TodaysActivity {
    /// Patrols they recorded or took part in that overlap the day.
    pub patrols: Vec<Patrol>,
    pub notes: Vec<Note>,
    pub contacts: Vec<Contact>,
    /// Their open follow-ups, overdue first.
    pub open_follow_ups: Vec<FollowUp>,
    /// Of those, the ones another officer promised (given or reassigned to them).
    pub given_to_you: Vec<FollowUp>,
    /// Promises they made as a volunteer during the day, referred to their team: not owed by
    /// them (a supervisor gives each to someone).
    pub referred: Vec<FollowUp>,
    /// Their SARA stage requests sent back by a supervisor and not yet asked again.
    pub sent_back: Vec<StageRequest>,
}

impl Store {
    /// `user`'s activity in `[day_start, day_end)`; `now` decides what is overdue.
    pub fn todays_activity(
        &self,
        user: UserId,
        day_start: DateTime<Utc>,
        day_end: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<TodaysActivity> {
        // A patrol that started before the day but ran into it counts: look back a day.
        let patrols = self
            .patrols_between(day_start - chrono::Duration::days(1), day_end)?
            .into_iter()
            .filter(|p| p.recorded_by == user || p.participants.contains(&user))
            .filter(|p| p.ended_at.is_none_or(|end| end >= day_start))
            .collect();
        let contacts = self
            .contacts_between(day_start, day_end)?
            .into_iter()
            .filter(|c| c.recorded_by == user)
            .collect();
        Ok(TodaysActivity {
            patrols,
            notes: self.notes_by(user, day_start, day_end)?,
            contacts,
            open_follow_ups: self.open_follow_ups(user, now)?,
            given_to_you: self.follow_ups_given_to(user)?,
            sent_back: self.requests_sent_back_to(user)?,
            referred: self
                .referred_by(user)?
                .into_iter()
                .filter(|f| f.created_at >= day_start && f.created_at < day_end)
                .collect(),
        })
    }
}
