//! The force-wide retention schedule: per record kind, how many days after its anchor a record
//! is due for review (and, without a decision to retain it, disposed of). A kind the schedule
//! does not name is kept until someone erases it.

use crate::model::code_enum::code_enum;
use crate::sync::RecordKind;
use crate::validation::{Rule, ValidationError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The longest review period: a century (MoPI's longest groups are "until 100 years of age").
pub const MAX_REVIEW_DAYS: u32 = 36_525;
/// How far ahead a supervisor may ask to be told.
pub const MAX_NOTICE_DAYS: u32 = 365;
/// Notice given when the administrator names none.
pub const DEFAULT_NOTICE_DAYS: u32 = 30;

code_enum!(
    /// What the schedule governs, each with its own period and its anchor (see `rule::Anchor`).
    RetainedKind, "retained record kind" {
        /// A contact's personal details and ethnicity, from the contact's time: redacted.
        ContactPersonal => "contact_personal",
        /// A contact (with its follow-up), from the contact's time: erased.
        Contact => "contact",
        /// A note, from when it was written: erased.
        Note => "note",
        /// A patrol, from its end (its start while open): erased.
        Patrol => "patrol",
        /// A closed problem (with its steps and stage requests), from its closing: erased.
        Problem => "problem",
    }
);

/// What disposing of an expired record does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposal {
    /// Drop the personal fields, keep the record (a contact's personal details).
    Redact,
    /// Erase the record, leaving a tombstone of metadata only.
    Erase,
}

impl RetainedKind {
    pub fn disposal(self) -> Disposal {
        match self {
            RetainedKind::ContactPersonal => Disposal::Redact,
            _ => Disposal::Erase,
        }
    }

    /// The synced record kind whose records this governs.
    pub fn record_kind(self) -> RecordKind {
        match self {
            RetainedKind::ContactPersonal => RecordKind::ContactPersonal,
            RetainedKind::Contact => RecordKind::Contact,
            RetainedKind::Note => RecordKind::Note,
            RetainedKind::Patrol => RecordKind::Patrol,
            RetainedKind::Problem => RecordKind::Problem,
        }
    }

    /// The retained kind of a synced record kind, if the schedule can govern it.
    pub fn of_record_kind(kind: RecordKind) -> Option<RetainedKind> {
        RetainedKind::ALL
            .iter()
            .copied()
            .find(|retained| retained.record_kind() == kind)
    }
}

/// The force-wide schedule. Its serde form is the `retention_schedule` record's fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionSchedule {
    /// Days from a record's anchor to its review date, per kind; a kind not named is kept
    /// until erased.
    #[serde(default)]
    pub review_after_days: BTreeMap<RetainedKind, u32>,
    /// How many days before its review date a record appears on the supervisor's list.
    #[serde(default = "default_notice_days")]
    pub notice_days: u32,
}

fn default_notice_days() -> u32 {
    DEFAULT_NOTICE_DAYS
}

impl Default for RetentionSchedule {
    /// Nothing scheduled: every record is kept until erased (a new server's state).
    fn default() -> Self {
        RetentionSchedule {
            review_after_days: BTreeMap::new(),
            notice_days: DEFAULT_NOTICE_DAYS,
        }
    }
}

impl RetentionSchedule {
    /// The period for `kind`, if the schedule names it.
    pub fn period_days(&self, kind: RetainedKind) -> Option<u32> {
        self.review_after_days.get(&kind).copied()
    }

    /// Whether the schedule governs anything at all.
    pub fn is_empty(&self) -> bool {
        self.review_after_days.is_empty()
    }

    /// Periods of 1 day to a century; notice of at most a year. A contact's personal details
    /// may not outlive the contact (the contact's erasure takes them with it, so a longer
    /// period would promise what cannot happen).
    pub fn validate(&self) -> Result<(), ValidationError> {
        for (kind, days) in &self.review_after_days {
            if !(1..=MAX_REVIEW_DAYS).contains(days) {
                return Err(ValidationError::new(
                    format!("review_after_days.{kind}"),
                    Rule::OutOfRange {
                        min: "1".into(),
                        max: MAX_REVIEW_DAYS.to_string(),
                    },
                ));
            }
        }
        if self.notice_days > MAX_NOTICE_DAYS {
            return Err(ValidationError::new(
                "notice_days",
                Rule::OutOfRange {
                    min: "0".into(),
                    max: MAX_NOTICE_DAYS.to_string(),
                },
            ));
        }
        if let (Some(personal), Some(contact)) = (
            self.period_days(RetainedKind::ContactPersonal),
            self.period_days(RetainedKind::Contact),
        ) {
            if personal > contact {
                return Err(ValidationError::new(
                    "review_after_days.contact_personal",
                    Rule::InvalidState {
                        reason: "personal details cannot be kept longer than their contact",
                    },
                ));
            }
        }
        Ok(())
    }
}
