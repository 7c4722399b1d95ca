//! Timestamps as stored: fixed-width RFC 3339 UTC text with microseconds, so that comparing
//! the text compares the times and indexes on time columns work.

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

const FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

/// A UTC time in its stored form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SqlTime(pub DateTime<Utc>);

impl SqlTime {
    pub fn format(time: DateTime<Utc>) -> String {
        time.format(FORMAT).to_string()
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
        let text = value.as_str()?;
        NaiveDateTime::parse_from_str(text, FORMAT)
            .map(|naive| SqlTime(naive.and_utc()))
            .map_err(|e| FromSqlError::Other(Box::new(e)))
    }
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
}
