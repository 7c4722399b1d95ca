//! Timestamps as stored: fixed-width RFC 3339 UTC text with microseconds, so that comparing
//! the text compares the times and indexes on time columns work.

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

mod fixed_width;

const FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

/// A UTC time in its stored form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SqlTime(pub DateTime<Utc>);

impl SqlTime {
    pub fn format(time: DateTime<Utc>) -> String {
        match fixed_width::format(time) {
            Some(text) => text,
            None => time.format(FORMAT).to_string(),
        }
    }

    /// The time a stored text names.
    pub fn parse(text: &str) -> Option<DateTime<Utc>> {
        Self::read(text).ok()
    }

    /// [`Self::parse`], with chrono's reason when the text names no time: the fixed-width
    /// layout read by hand, anything else by chrono with the same format.
    fn read(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
        match fixed_width::parse(text) {
            Some(time) => Ok(time),
            None => NaiveDateTime::parse_from_str(text, FORMAT).map(|naive| naive.and_utc()),
        }
    }
}

/// Times keep microseconds in the store; records returned to callers are truncated the same
/// way so that what is returned equals what is read back later.
pub fn truncate(time: DateTime<Utc>) -> DateTime<Utc> {
    time.trunc_subsecs(6)
}

impl ToSql for SqlTime {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(Self::format(self.0)))
    }
}

impl FromSql for SqlTime {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        SqlTime::read(value.as_str()?)
            .map(SqlTime)
            .map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}

/// A UTC time as whole microseconds since the Unix epoch: how the device's s.62 log keeps its
/// times since store version 27 (8 bytes instead of [`SqlTime`]'s 27 characters; the log is
/// read in order of its entries, never compared by time in SQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SqlMicros(pub DateTime<Utc>);

impl ToSql for SqlMicros {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0.timestamp_micros()))
    }
}

impl FromSql for SqlMicros {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let micros = value.as_i64()?;
        DateTime::from_timestamp_micros(micros)
            .map(SqlMicros)
            .ok_or(FromSqlError::OutOfRange(micros))
    }
}

/// The microseconds since the Unix epoch of a time stored as [`SqlTime`] text.
pub(crate) fn micros_of_text(text: &str) -> Option<i64> {
    SqlTime::parse(text).map(|time| time.timestamp_micros())
}

/// Shorthand for binding a time.
pub fn t(time: DateTime<Utc>) -> SqlTime {
    SqlTime(time)
}

/// Shorthand for binding an optional time.
pub fn opt_t(time: Option<DateTime<Utc>>) -> Option<SqlTime> {
    time.map(SqlTime)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn text_order_is_time_order_and_round_trips() {
        let a = Utc
            .with_ymd_and_hms(2026, 1, 2, 3, 4, 5)
            .single()
            .expect("time");
        let b = a + chrono::Duration::microseconds(1);
        assert!(SqlTime::format(a) < SqlTime::format(b));
        assert_eq!(SqlTime::format(a), "2026-01-02T03:04:05.000000Z");
        let conn = rusqlite::Connection::open_in_memory().expect("open");
        let back: SqlTime = conn
            .query_row("SELECT ?1", [SqlTime(b)], |r| r.get(0))
            .expect("query");
        assert_eq!(back.0, b);
    }

    #[test]
    fn micros_round_trip_and_agree_with_the_text_form() {
        let conn = rusqlite::Connection::open_in_memory().expect("open");
        for time in [
            Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5)
                .single()
                .expect("time")
                + chrono::Duration::microseconds(123_456),
            Utc.with_ymd_and_hms(1969, 12, 31, 23, 59, 59)
                .single()
                .expect("time")
                + chrono::Duration::microseconds(500_000),
        ] {
            let back: SqlMicros = conn
                .query_row("SELECT ?1", [SqlMicros(time)], |r| r.get(0))
                .expect("query");
            assert_eq!(back.0, time);
            assert_eq!(
                micros_of_text(&SqlTime::format(time)),
                Some(time.timestamp_micros())
            );
        }
        assert_eq!(micros_of_text("yesterday"), None);
        let far: rusqlite::Result<SqlMicros> =
            conn.query_row("SELECT ?1", [i64::MAX], |r| r.get(0));
        assert!(far.is_err(), "a time out of range is an error, not a panic");
    }
}
