//! How late a report's period may start and still read a record, in days: the key of the
//! server's index of records by report time (`records.report_until_day`, server schema 20).
//!
//! Why: a report of a week should read that week's records, not a team's whole history. The
//! rules of what a report of a period reads are [`SyncedFacts::for_period`]'s (and the device
//! loader's SQL, `load.rs`): contacts in the period, patrols that overlap it, follow-ups made
//! in it or open or answered since its start, every problem, stage request and reference
//! record. Each of those rules has the form "some time of the record is at or after the
//! period's start" (or no bound at all), so one number per record, [`report_until_day`], lets
//! the server read only the records with `report_until_day >= read_from_day(from)` — a superset
//! of what the facts keep, which filter exactly as before. `tests` holds the two to each other
//! over generated records and periods.
//!
//! Why days, not the times themselves: the number is in every record row and in the index, and
//! a day number (about 20,000 now) takes SQLite two bytes where a millisecond time takes six;
//! a period then reads at most the records of the part of a day before its start too.
//!
//! [`SyncedFacts::for_period`]: super::SyncedFacts::for_period

use crate::model::FollowUpStatus;
use crate::sync::protocol::RecordKind;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// Every report reads the record, whatever its period: a day no time reaches (four bytes in
/// SQLite, where `i64::MAX` takes eight).
pub const ALWAYS_READ: i64 = i32::MAX as i64;

/// The day (counted from 1970-01-01, UTC) of the latest period start at which a report can
/// still read this record, by its kind and its fields' values; [`ALWAYS_READ`] when no
/// period leaves it out (reference records, problems, an open follow-up, a patrol not ended,
/// and any record whose times do not read as times: the report counts it as skipped, so it
/// must still see it); `None` for kinds no report reads.
pub fn report_until_day<'a>(
    kind: RecordKind,
    value: impl Fn(&str) -> Option<&'a Value>,
) -> Option<i64> {
    let time = |field: &str| -> Result<Option<i64>, ()> {
        match value(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => text
                .parse::<DateTime<Utc>>()
                .map(|at| Some(day_of(at)))
                .map_err(|_| ()),
            Some(_) => Err(()),
        }
    };
    let until = match kind {
        RecordKind::Contact => time("occurred_at").ok().flatten(),
        // Read while it overlaps the period: until it ended, or always while it has not.
        RecordKind::Patrol => time("ended_at").ok().flatten(),
        RecordKind::FollowUp => {
            let open = value("status")
                .and_then(|v| serde_json::from_value::<FollowUpStatus>(v.clone()).ok())
                .is_none_or(|status| status == FollowUpStatus::Open);
            match (open, time("created_at"), time("answered_at")) {
                (false, Ok(Some(created)), Ok(answered)) => {
                    Some(answered.map_or(created, |answered| answered.max(created)))
                }
                _ => None,
            }
        }
        RecordKind::Problem
        | RecordKind::StageRequest
        | RecordKind::User
        | RecordKind::Team
        | RecordKind::PriorityArea
        | RecordKind::AreaBoundaries => None,
        _ => return None,
    };
    Some(until.unwrap_or(ALWAYS_READ))
}

/// The bound a report of a period starting at `from` reads records from: every record with
/// [`report_until_day`] at or above it.
pub fn read_from_day(from: DateTime<Utc>) -> i64 {
    day_of(from)
}

/// The day of `at`, rounded down (so that a later time never has an earlier day).
fn day_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(86_400)
}

#[cfg(test)]
mod tests;
