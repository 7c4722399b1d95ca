//! Follow-ups: promises made to members of the public. Forces commit to a meaningful response
//! within 72 hours, so every promise has a due time (72 hours by default) and an owner.

use super::code_enum::code_enum;
use crate::ids::{ContactId, FollowUpId, UserId};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The default time to answer a promise: the 72-hour meaningful response.
pub const DEFAULT_FOLLOW_UP_HOURS: i64 = 72;

/// When a promise made at `promised_at` is due by default.
pub fn default_due(promised_at: DateTime<Utc>) -> DateTime<Utc> {
    promised_at + Duration::hours(DEFAULT_FOLLOW_UP_HOURS)
}

code_enum!(
    /// Where a follow-up is.
    FollowUpStatus, "follow-up status" {
        Open => "open",
        Answered => "answered",
        Cancelled => "cancelled",
    }
);

/// A promise to a member of the public.
///
/// A volunteer does not keep promises to the public themselves: theirs is a *referral* to the
/// team — made with no owner and naming them in `referred_by` — that a supervisor gives to
/// someone from the team's follow-up board. `referred_by` stays once it is given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowUp {
    pub id: FollowUpId,
    pub contact_id: Option<ContactId>,
    pub promise: String,
    /// Who keeps the promise; `None` while a referral waits for a supervisor to give it.
    pub owner: Option<UserId>,
    /// The volunteer who made the promise and referred it to the team.
    #[serde(default)]
    pub referred_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub status: FollowUpStatus,
    pub answered_at: Option<DateTime<Utc>>,
    /// What was done, in a line.
    pub outcome: Option<String>,
    /// Why the follow-up was last corrected (`None` if it never was).
    #[serde(default)]
    pub correction_reason: Option<String>,
}

impl FollowUp {
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.status == FollowUpStatus::Open && self.due_at < now
    }

    /// A volunteer's promise referred to the team and not yet given to anyone.
    pub fn awaits_owner(&self) -> bool {
        self.owner.is_none()
    }
}
