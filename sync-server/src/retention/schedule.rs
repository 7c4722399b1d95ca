//! The force's retention schedule: one reference record (`retention_schedule`, id
//! `retention::SCHEDULE_ID`), written by the administrator's `admin retention set | unset |
//! notice` and received by every device. Validated with `RetentionSchedule::validate` before it
//! is written; a refused change writes nothing.
//!
//! Logging: the schedule holds no personal data, so a change is not an s.62 entry (none of its
//! operations fits); it is logged as every admin change is (`tracing`, and the record's own
//! feed history), naming the kind and the days.

use crate::admin::{self, AdminError};
use crate::storage::{StorageError, SyncStorage};
use beatbook_core::retention::{RetainedKind, RetentionSchedule, SCHEDULE_ID};
use beatbook_core::sync::RecordKind;

/// Why a schedule change was refused.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("the schedule was refused: {0}")]
    Invalid(String),
    #[error("the stored schedule cannot be read: {0}")]
    Unreadable(String),
}

impl ScheduleError {
    /// As a storage error (a busy store stays busy, answered 503).
    pub fn into_storage(self) -> StorageError {
        match self {
            ScheduleError::Storage(e) => e,
            other => StorageError::Corrupt(other.to_string()),
        }
    }
}

impl From<AdminError> for ScheduleError {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::Storage(e) => ScheduleError::Storage(e),
            other => ScheduleError::Invalid(other.to_string()),
        }
    }
}

/// One change to the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleChange {
    /// Review records of `kind` this many days after their anchor.
    Set { kind: RetainedKind, days: u32 },
    /// Stop reviewing records of `kind` (they are kept until erased).
    Unset { kind: RetainedKind },
    /// Put records on the supervisors' lists this many days before their date.
    Notice { days: u32 },
}

/// The schedule as stored now (the default, empty, when none was ever set).
pub fn current_schedule(storage: &dyn SyncStorage) -> Result<RetentionSchedule, ScheduleError> {
    let Some(record) = storage.record(RecordKind::RetentionSchedule, SCHEDULE_ID)? else {
        return Ok(RetentionSchedule::default());
    };
    if record.state.erased {
        return Ok(RetentionSchedule::default());
    }
    let object = record
        .state
        .fields
        .into_iter()
        .map(|(name, field)| (name, field.value))
        .collect();
    serde_json::from_value(serde_json::Value::Object(object))
        .map_err(|e| ScheduleError::Unreadable(crate::validate::describe(".", &e.to_string())))
}

/// Applies `change` to the stored schedule, validates the result and writes it; returns it.
pub fn change_schedule(
    storage: &dyn SyncStorage,
    change: ScheduleChange,
) -> Result<RetentionSchedule, ScheduleError> {
    let mut schedule = current_schedule(storage)?;
    match change {
        ScheduleChange::Set { kind, days } => {
            schedule.review_after_days.insert(kind, days);
        }
        ScheduleChange::Unset { kind } => {
            schedule.review_after_days.remove(&kind);
        }
        ScheduleChange::Notice { days } => schedule.notice_days = days,
    }
    schedule
        .validate()
        .map_err(|e| ScheduleError::Invalid(e.to_string()))?;
    admin::write_reference(
        storage,
        RecordKind::RetentionSchedule,
        SCHEDULE_ID,
        None,
        &schedule,
        Vec::new(),
    )?;
    tracing::info!(change = ?change, "retention schedule changed by the administrator");
    Ok(schedule)
}

/// The schedule for people: one line per kind, then the notice.
pub fn describe(schedule: &RetentionSchedule) -> String {
    let mut out = String::new();
    for kind in RetainedKind::ALL {
        match schedule.period_days(*kind) {
            Some(days) => {
                out.push_str(&format!("{:<17} review {days} days after\n", kind.as_str()))
            }
            None => out.push_str(&format!(
                "{:<17} not scheduled (kept until erased)\n",
                kind.as_str()
            )),
        }
    }
    out.push_str(&format!(
        "notice           {} days before the review date\n",
        schedule.notice_days
    ));
    out
}
