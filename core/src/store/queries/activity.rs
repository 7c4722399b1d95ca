//! Today's activity for one officer: their patrols, notes and contacts of the day, and the
//! follow-ups they owe.

use crate::error::Result;
use crate::ids::UserId;
use crate::model::{Contact, FollowUp, Note, Patrol};
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
        })
    }
}
