//! Retention as the apps see it: the schedule in force on the device, the supervisor's review
//! list, a decision to retain, and what applying the schedule dropped.

use crate::convert::{instant, opt_instant};
use beatbook_core::retention::{
    RetainedKind, RetentionReview as CoreReview, RetentionSchedule as CoreSchedule,
};
use beatbook_core::store::{DueForReview as CoreDue, RetentionApplied as CoreApplied};
use std::time::SystemTime;

/// One kind's period in the schedule.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct RetentionPeriod {
    pub kind: RetainedKind,
    /// Days from the record's anchor to its review date.
    pub review_after_days: u32,
}

/// The force's retention schedule as this device last received it (empty: nothing scheduled).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct RetentionSchedule {
    pub periods: Vec<RetentionPeriod>,
    /// How many days before its date a record is on the supervisor's list.
    pub notice_days: u32,
}

impl From<CoreSchedule> for RetentionSchedule {
    fn from(s: CoreSchedule) -> Self {
        RetentionSchedule {
            periods: s
                .review_after_days
                .into_iter()
                .map(|(kind, review_after_days)| RetentionPeriod {
                    kind,
                    review_after_days,
                })
                .collect(),
            notice_days: s.notice_days,
        }
    }
}

/// A record on the supervisor's review list. The label names no one.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DueForReview {
    pub kind: RetainedKind,
    pub record_id: String,
    pub label: String,
    pub anchor: Option<SystemTime>,
    pub review_on: SystemTime,
    /// Past its date: the next `apply_retention` drops it unless it is retained first.
    pub expired: bool,
}

impl From<CoreDue> for DueForReview {
    fn from(d: CoreDue) -> Self {
        DueForReview {
            kind: d.kind,
            record_id: d.record_id,
            label: d.label,
            anchor: opt_instant(d.anchor),
            review_on: instant(d.review_on),
            expired: d.expired,
        }
    }
}

/// A supervisor's decision to keep a record until a new review date.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct RetentionReview {
    pub record_kind: RetainedKind,
    pub record_id: String,
    pub team_id: String,
    pub review_on: SystemTime,
    pub reason: String,
    pub decided_by: String,
    pub decided_at: SystemTime,
}

impl From<CoreReview> for RetentionReview {
    fn from(r: CoreReview) -> Self {
        RetentionReview {
            record_kind: r.record_kind,
            record_id: r.record_id,
            team_id: r.team_id.to_string(),
            review_on: instant(r.review_on),
            reason: r.reason,
            decided_by: r.decided_by.to_string(),
            decided_at: instant(r.decided_at),
        }
    }
}

/// What one application of the schedule dropped from this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct RetentionApplied {
    /// Contacts whose personal details were redacted here.
    pub redacted: u64,
    /// Records erased here.
    pub erased: u64,
}

impl From<CoreApplied> for RetentionApplied {
    fn from(a: CoreApplied) -> Self {
        RetentionApplied {
            redacted: a.redacted as u64,
            erased: a.erased as u64,
        }
    }
}
