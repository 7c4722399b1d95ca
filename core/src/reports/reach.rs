//! How late a report's period may start and still read a record: the key of the server's
//! index of records by report time (`records.report_until_ms`, server schema 20).
//!
//! Why: a report of a week should read that week's records, not a team's whole history. The
//! rules of what a report of a period reads are [`SyncedFacts::for_period`]'s (and the device
//! loader's SQL, `load.rs`): contacts in the period, patrols that overlap it, follow-ups made
//! in it or open or answered since its start, every problem, stage request and reference
//! record. Each of those rules has the form "some time of the record is at or after the
//! period's start" (or no bound at all), so one number per record, [`report_until_ms`], lets
//! the server read only the records with `report_until_ms >= from` — a superset of what the
//! facts keep, which filter exactly as before. `tests` holds the two to each other over
//! generated records and periods.
//!
//! [`SyncedFacts::for_period`]: super::SyncedFacts::for_period

use crate::model::FollowUpStatus;
use crate::sync::protocol::RecordKind;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// Every report reads the record, whatever its period.
pub const ALWAYS_READ: i64 = i64::MAX;

/// The latest period start (in milliseconds since the epoch, rounded down) at which a report
/// can still read this record, by its kind and its fields' values; [`ALWAYS_READ`] when no
/// period leaves it out (reference records, problems, an open follow-up, a patrol not ended,
/// and any record whose times do not read as times: the report counts it as skipped, so it
/// must still see it); `None` for kinds no report reads.
pub fn report_until_ms<'a>(
    kind: RecordKind,
    value: impl Fn(&str) -> Option<&'a Value>,
) -> Option<i64> {
    let time = |field: &str| -> Result<Option<i64>, ()> {
        match value(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => text
                .parse::<DateTime<Utc>>()
                .map(|at| Some(at.timestamp_millis()))
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
/// [`report_until_ms`] at or above it.
pub fn read_from_ms(from: DateTime<Utc>) -> i64 {
    from.timestamp_millis()
}

#[cfg(test)]
mod tests;
