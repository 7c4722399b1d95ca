//! Time sense: when a recorded time is believable.
//!
//! Why: a time typed wrongly ("2026-12-25" for today, a patrol from 0001-01-01 to 9999-12-31)
//! used to be accepted everywhere. A patrol "started" in the future became the default for
//! today's notes and could never be ended; a hundred absurd patrols made a team's all-time
//! report slow and large. So a time that says something *happened* may be at most a few minutes
//! ahead of the clock that checks it (the device's own, the server's on every op) and no earlier
//! than a floor (by default 2000-01-01; the server's is configurable); a *due* time (a promise's
//! follow-up) may lie ahead, but within a year; and a patrol lasts at most
//! [`MAX_PATROL_HOURS`].
//!
//! The rules are written once, here: the device runs them before it commits a local write, the
//! server on the time fields an op sets ([`RECORD_TIME_FIELDS`]). They are *not* run on records
//! a device pulls: a record the server accepted stays valid whatever the receiving phone's clock
//! says.

use crate::sync::RecordKind;
use crate::validation::{Rule, ValidationError};
use chrono::{DateTime, Duration, TimeZone, Utc};

/// How far ahead of the checking clock a time that happened may be: the clock skew the server
/// already tolerates between a device and itself.
pub const MAX_AHEAD_MINUTES: i64 = 5;
/// How far ahead a follow-up may be due.
pub const MAX_DUE_AHEAD_DAYS: i64 = 366;
/// The longest patrol: a long shift with overtime.
pub const MAX_PATROL_HOURS: i64 = 24;

/// What kind of time a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeKind {
    /// When something happened: not in the future (beyond the clock skew allowed).
    Happened,
    /// When something is due: may be ahead, within [`MAX_DUE_AHEAD_DAYS`].
    Due,
}

/// The time fields of each record kind that users or devices set, with their kind. The server
/// checks the ones an op sets; a test ties each name to a real serialised field.
pub const RECORD_TIME_FIELDS: &[(RecordKind, &str, TimeKind)] = &[
    (RecordKind::Patrol, "started_at", TimeKind::Happened),
    (RecordKind::Patrol, "ended_at", TimeKind::Happened),
    (RecordKind::Patrol, "cancelled_at", TimeKind::Happened),
    (RecordKind::Contact, "occurred_at", TimeKind::Happened),
    (RecordKind::Note, "observed_at", TimeKind::Happened),
    (RecordKind::FollowUp, "created_at", TimeKind::Happened),
    (RecordKind::FollowUp, "due_at", TimeKind::Due),
    (RecordKind::FollowUp, "answered_at", TimeKind::Happened),
];

/// The clock and floor a time is judged against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeSense {
    /// The checking clock's now (the device's store clock, or the server's).
    pub now: DateTime<Utc>,
    /// The earliest time a record may carry.
    pub floor: DateTime<Utc>,
    /// How far ahead of `now` a time that happened may be.
    pub max_ahead: Duration,
}

/// The default floor: nothing a neighbourhood team records happened before 2000.
pub fn default_floor() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

impl TimeSense {
    /// Judged against `now` with the default floor and allowance.
    pub fn at(now: DateTime<Utc>) -> TimeSense {
        TimeSense {
            now,
            floor: default_floor(),
            max_ahead: Duration::minutes(MAX_AHEAD_MINUTES),
        }
    }

    /// Checks one time of `kind` in `field`.
    pub fn check(
        &self,
        field: &str,
        time: DateTime<Utc>,
        kind: TimeKind,
    ) -> Result<(), ValidationError> {
        let refuse = |reason| Err(ValidationError::new(field, Rule::TimeNotAllowed { reason }));
        if time < self.floor {
            return refuse("earlier than the earliest time a record may carry");
        }
        match kind {
            TimeKind::Happened if time > self.now + self.max_ahead => {
                refuse("in the future (more than a few minutes ahead of the clock)")
            }
            TimeKind::Due if time > self.now + Duration::days(MAX_DUE_AHEAD_DAYS) => {
                refuse("due more than a year ahead")
            }
            _ => Ok(()),
        }
    }

    /// Checks a patrol's start and, when it has one, its end and length.
    pub fn check_patrol(
        &self,
        started_at: DateTime<Utc>,
        ended_at: Option<DateTime<Utc>>,
    ) -> Result<(), ValidationError> {
        self.check("started_at", started_at, TimeKind::Happened)?;
        if let Some(ended_at) = ended_at {
            self.check("ended_at", ended_at, TimeKind::Happened)?;
            check_patrol_length(started_at, ended_at)?;
        }
        Ok(())
    }

    /// Checks a correction of a patrol's times, as the server judges the op it makes: each
    /// time the correction sets, and the patrol's length once corrected (`started_at`,
    /// `ended_at`: its times after the correction). A time it leaves alone is not judged
    /// again, so a patrol started in the future by mistake can still be cancelled.
    pub fn check_patrol_correction(
        &self,
        sets_start: bool,
        sets_end: bool,
        started_at: DateTime<Utc>,
        ended_at: Option<DateTime<Utc>>,
    ) -> Result<(), ValidationError> {
        if sets_start {
            self.check("started_at", started_at, TimeKind::Happened)?;
        }
        if let Some(ended_at) = ended_at {
            if sets_end {
                self.check("ended_at", ended_at, TimeKind::Happened)?;
            }
            if sets_start || sets_end {
                check_patrol_length(started_at, ended_at)?;
            }
        }
        Ok(())
    }
}

/// A patrol lasts at most [`MAX_PATROL_HOURS`].
fn check_patrol_length(
    started_at: DateTime<Utc>,
    ended_at: DateTime<Utc>,
) -> Result<(), ValidationError> {
    if ended_at - started_at > Duration::hours(MAX_PATROL_HOURS) {
        return Err(ValidationError::new(
            "ended_at",
            Rule::TimeNotAllowed {
                reason: "a patrol lasts at most 24 hours",
            },
        ));
    }
    Ok(())
}

impl TimeSense {
    /// Checks the time fields an op sets on a record of `kind` (`set`: the op's value of a
    /// field, if it sets it) and, when a patrol's start or end is set, its length (`after`:
    /// the record's value of a field once the op is applied). Fields the op does not set are
    /// not judged again: a later edit of an old record is not refused for its old times. A
    /// value that is not a time is left to the record's type check.
    pub fn check_set_fields<'a>(
        &self,
        kind: RecordKind,
        set: impl Fn(&str) -> Option<&'a serde_json::Value>,
        after: impl Fn(&str) -> Option<&'a serde_json::Value>,
    ) -> Result<(), ValidationError> {
        let time = |value: Option<&serde_json::Value>| {
            value.and_then(|v| serde_json::from_value::<DateTime<Utc>>(v.clone()).ok())
        };
        for (field_kind, field, time_kind) in RECORD_TIME_FIELDS {
            if *field_kind != kind {
                continue;
            }
            if let Some(t) = time(set(field)) {
                self.check(field, t, *time_kind)?;
            }
        }
        if kind == RecordKind::Patrol && (set("started_at").is_some() || set("ended_at").is_some())
        {
            if let (Some(start), Some(end)) = (time(after("started_at")), time(after("ended_at"))) {
                check_patrol_length(start, end)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Contact, FollowUp, Note, Patrol};

    fn noon() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0)
            .single()
            .expect("time")
    }

    #[test]
    fn happened_times_may_not_run_ahead_of_the_clock_or_before_the_floor() {
        let sense = TimeSense::at(noon());
        let check = |t| sense.check("occurred_at", t, TimeKind::Happened);
        assert!(check(noon()).is_ok());
        assert!(check(noon() + Duration::minutes(4)).is_ok());
        assert!(check(noon() - Duration::days(3_000)).is_ok());
        let ahead = check(noon() + Duration::minutes(6)).expect_err("ahead");
        assert_eq!(ahead.field, "occurred_at");
        assert!(matches!(ahead.rule, Rule::TimeNotAllowed { .. }));
        assert!(check(Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).single().expect("t")).is_err());
        assert!(check(default_floor() - Duration::seconds(1)).is_err());
        assert!(check(default_floor()).is_ok());
    }

    #[test]
    fn due_times_may_lie_ahead_within_a_year() {
        let sense = TimeSense::at(noon());
        let check = |t| sense.check("due_at", t, TimeKind::Due);
        assert!(check(noon() + Duration::days(30)).is_ok());
        assert!(check(noon() + Duration::days(MAX_DUE_AHEAD_DAYS)).is_ok());
        assert!(check(noon() + Duration::days(MAX_DUE_AHEAD_DAYS + 1)).is_err());
    }

    #[test]
    fn a_patrol_is_bounded_in_length() {
        let sense = TimeSense::at(noon());
        let start = noon() - Duration::hours(30);
        assert!(sense
            .check_patrol(start, Some(start + Duration::hours(24)))
            .is_ok());
        let long = sense
            .check_patrol(start, Some(start + Duration::hours(25)))
            .expect_err("too long");
        assert_eq!(long.field, "ended_at");
        assert!(sense
            .check_patrol(noon() + Duration::hours(1), None)
            .is_err());
    }

    #[test]
    fn an_op_is_judged_on_the_times_it_sets() {
        let sense = TimeSense::at(noon());
        let text = |t: DateTime<Utc>| serde_json::Value::String(t.to_rfc3339());
        let old = text(
            Utc.with_ymd_and_hms(1990, 1, 1, 0, 0, 0)
                .single()
                .expect("t"),
        );
        let future = text(noon() + Duration::days(2));
        let now = text(noon());
        let none = |_: &str| None;
        // An edit that leaves an old start alone is not refused for it.
        assert!(sense
            .check_set_fields(RecordKind::Patrol, none, |f| (f == "started_at")
                .then_some(&old))
            .is_ok());
        let err = sense
            .check_set_fields(
                RecordKind::Note,
                |f| (f == "observed_at").then_some(&future),
                none,
            )
            .expect_err("future");
        assert_eq!(err.field, "observed_at");
        // Setting the end of a patrol that started 30 hours earlier: too long.
        let start = text(noon() - Duration::hours(30));
        let err = sense
            .check_set_fields(
                RecordKind::Patrol,
                |f| (f == "ended_at").then_some(&now),
                |f| match f {
                    "started_at" => Some(&start),
                    "ended_at" => Some(&now),
                    _ => None,
                },
            )
            .expect_err("too long");
        assert_eq!(err.field, "ended_at");
        // A value that is not a time is the type check's business.
        let junk = serde_json::Value::Bool(true);
        assert!(sense
            .check_set_fields(RecordKind::Contact, |_| Some(&junk), none)
            .is_ok());
    }

    /// Every name in RECORD_TIME_FIELDS is a time field of its kind's model type: given a
    /// value that is not a time, deserialising fails *on that field* (an unknown field would
    /// be skipped, and the failure would be a missing field instead).
    #[test]
    fn record_time_fields_name_real_time_fields() {
        fn parse_error<T: serde::de::DeserializeOwned>(field: &str) -> String {
            let value = serde_json::json!({ field: "not a time" });
            match serde_json::from_value::<T>(value) {
                Ok(_) => panic!("{field}: a record from one field"),
                Err(e) => e.to_string(),
            }
        }
        for (kind, field, _) in RECORD_TIME_FIELDS {
            let error = match kind {
                RecordKind::Patrol => parse_error::<Patrol>(field),
                RecordKind::Contact => parse_error::<Contact>(field),
                RecordKind::Note => parse_error::<Note>(field),
                RecordKind::FollowUp => parse_error::<FollowUp>(field),
                other => panic!("no model type listed for {other}"),
            };
            assert!(
                !error.starts_with("missing field"),
                "{kind}.{field} is not a field of the model: {error}"
            );
        }
        let unknown = parse_error::<Note>("happened_at");
        assert!(unknown.starts_with("missing field"), "{unknown}");
    }
}
