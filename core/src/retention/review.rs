//! A supervisor's decision, at review, to keep a record until a new review date. Synced as the
//! record `retention_review` whose id names the record it is about, so that every device of
//! the team and the server's sweep see the same date; a later decision replaces an earlier one
//! field by field like any edit. Holds ids, dates and the reason only — never the record's
//! values.

use super::schedule::RetainedKind;
use crate::ids::{TeamId, UserId};
use crate::validation::{check, limits, Rule, ValidationError};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The furthest a decision may put the next review: ten years (review again, then).
pub const MAX_RETAIN_DAYS: i64 = 3_653;

/// A decision to retain one record until `review_on`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionReview {
    pub record_kind: RetainedKind,
    pub record_id: String,
    /// The team whose record it is (the decision travels to that team's devices).
    pub team_id: TeamId,
    /// The record's next review date; it is kept at least until then.
    pub review_on: DateTime<Utc>,
    /// Why it is kept (MoPI: the policing purpose that still needs it).
    pub reason: String,
    pub decided_by: UserId,
    pub decided_at: DateTime<Utc>,
}

impl RetentionReview {
    /// The synced record id of the decision about `record_id` of `kind`.
    pub fn record_id_for(kind: RetainedKind, record_id: &str) -> String {
        format!("{kind}:{record_id}")
    }

    /// This decision's own synced record id.
    pub fn id(&self) -> String {
        Self::record_id_for(self.record_kind, &self.record_id)
    }

    /// A reason of at most 200 characters; a next review after the decision and within
    /// [`MAX_RETAIN_DAYS`] of it; a record id of at most 100 characters.
    pub fn validate(&self) -> Result<(), ValidationError> {
        check::required_text("reason", &self.reason, limits::SHORT_TEXT)?;
        check::required_text("record_id", &self.record_id, 100)?;
        if self.review_on <= self.decided_at {
            return Err(ValidationError::new(
                "review_on",
                Rule::TimeNotAllowed {
                    reason: "the next review must be after the decision",
                },
            ));
        }
        if self.review_on > self.decided_at + Duration::days(MAX_RETAIN_DAYS) {
            return Err(ValidationError::new(
                "review_on",
                Rule::TimeNotAllowed {
                    reason: "the next review may be at most ten years ahead",
                },
            ));
        }
        Ok(())
    }
}
