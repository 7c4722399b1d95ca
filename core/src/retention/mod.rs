//! Retention, review and disposal (MoPI): the one rule that decides when a record is due for
//! review and when it has passed its date, run unchanged by the device (offline, so a phone
//! that never syncs still drops expired personal details), by the server's sweep and pull (so
//! a device enrolled today never receives what is past its date) and by the supervisor's
//! review lists on both sides.
//!
//! - [`RetentionSchedule`]: the force-wide schedule an administrator sets — days after which
//!   each [`RetainedKind`] is due for review, and how many days ahead a supervisor is told. It
//!   travels to devices as the reference record `retention_schedule` (id [`SCHEDULE_ID`]).
//! - [`RetentionReview`]: a supervisor's decision to retain one record until a new review date,
//!   with a reason. A synced record of its own (`retention_review`, id
//!   [`RetentionReview::record_id_for`]); the newest decision wins like any field.
//! - [`status`]: given the schedule, the record's anchor (the stated time its period runs from:
//!   [`Anchor`]), its review decision if any and "now", whether it is current, due for review
//!   or expired. Pure: no store, no clock.
//!
//! An expired record is disposed of as [`RetainedKind::disposal`] says: a contact's personal
//! details are redacted (the contact stays); any other kind is erased, leaving a tombstone.

mod anchor_fields;
mod review;
mod rule;
mod schedule;

#[cfg(test)]
mod tests;

pub use anchor_fields::anchor_from_values;
pub use review::{RetentionReview, MAX_RETAIN_DAYS};
pub use rule::{anchor_of, review_date, status, Anchor, RetentionStatus};
pub use schedule::{Disposal, RetainedKind, RetentionSchedule, MAX_NOTICE_DAYS, MAX_REVIEW_DAYS};

/// The id of the one `retention_schedule` record.
pub const SCHEDULE_ID: &str = "current";
