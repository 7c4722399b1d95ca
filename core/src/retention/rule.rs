//! The retention rule, pure: when a record is due for review and when it has expired. Both
//! sides call these functions with the same inputs — the schedule, the record's anchor, its
//! newest review decision and the time — so a device and the server never disagree about a
//! record's date.

use super::schedule::{RetainedKind, RetentionSchedule};
use chrono::{DateTime, Duration, Utc};

/// The stated time a record's period runs from, as each kind defines it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// The period runs from this time.
    From(DateTime<Utc>),
    /// The record is not yet subject to the schedule (an open problem).
    NotYet,
}

/// A record's anchor from the times it states: a contact's (and its personal details') time
/// of contact, a note's writing, a patrol's end (its start while it is open), a problem's
/// closing (`closed_at`: `None` while it is open).
pub fn anchor_of(
    kind: RetainedKind,
    primary: Option<DateTime<Utc>>,
    fallback: Option<DateTime<Utc>>,
) -> Anchor {
    let time = match kind {
        RetainedKind::Patrol => primary.or(fallback),
        _ => primary,
    };
    time.map_or(Anchor::NotYet, Anchor::From)
}

/// Where a record stands at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetentionStatus {
    /// The schedule does not govern it (its kind is not scheduled, or it is not anchored yet
    /// and has no review decision).
    Unscheduled,
    /// Kept: its review date is further off than the schedule's notice.
    Current { review_on: DateTime<Utc> },
    /// Within the notice: on the supervisor's list to retain or dispose of.
    DueForReview { review_on: DateTime<Utc> },
    /// Past its review date with no decision to keep it: to be disposed of.
    Expired { review_on: DateTime<Utc> },
}

impl RetentionStatus {
    pub fn is_expired(&self) -> bool {
        matches!(self, RetentionStatus::Expired { .. })
    }

    pub fn review_on(&self) -> Option<DateTime<Utc>> {
        match *self {
            RetentionStatus::Unscheduled => None,
            RetentionStatus::Current { review_on }
            | RetentionStatus::DueForReview { review_on }
            | RetentionStatus::Expired { review_on } => Some(review_on),
        }
    }
}

/// A record's review date: its newest review decision's date if it has one (a supervisor's
/// decision replaces the schedule's date, later or earlier), otherwise anchor + the kind's
/// period. `None` when nothing schedules it.
pub fn review_date(
    schedule: &RetentionSchedule,
    kind: RetainedKind,
    anchor: Anchor,
    retained_until: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    if let Some(date) = retained_until {
        return Some(date);
    }
    let days = schedule.period_days(kind)?;
    match anchor {
        Anchor::From(at) => at.checked_add_signed(Duration::days(i64::from(days))),
        Anchor::NotYet => None,
    }
}

/// Where a record stands at `now`: expired from its review date on, due for review within the
/// schedule's notice before it.
pub fn status(
    schedule: &RetentionSchedule,
    kind: RetainedKind,
    anchor: Anchor,
    retained_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> RetentionStatus {
    let Some(review_on) = review_date(schedule, kind, anchor, retained_until) else {
        return RetentionStatus::Unscheduled;
    };
    if now >= review_on {
        RetentionStatus::Expired { review_on }
    } else if now + Duration::days(i64::from(schedule.notice_days)) >= review_on {
        RetentionStatus::DueForReview { review_on }
    } else {
        RetentionStatus::Current { review_on }
    }
}
