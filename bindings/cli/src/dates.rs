//! Dates and times typed on the command line.
//!
//! People type dates, not timestamps: `2025-06-01` means that day in local time, and as the end
//! of a period it means the whole of that day (periods are half-open in the core, so `--to
//! 2025-06-30` becomes "before 1 July"). RFC 3339 (`2025-06-01T14:30:00+01:00`) and
//! `YYYY-MM-DD HH:MM` (local) are accepted for exact times, and a bare `14:30` is that local
//! time today (what a PCSO typing `--at 14:30` at the end of a shift means). Everything is
//! shown in local time.

use chrono::{
    DateTime, Duration, Local, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc,
};

/// A date or an exact time, as typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Day(NaiveDate),
    At(DateTime<Utc>),
}

impl When {
    /// The moment it starts (local midnight for a day).
    pub fn start(self) -> DateTime<Utc> {
        match self {
            When::Day(day) => local_midnight(day),
            When::At(at) => at,
        }
    }

    /// The end of a period that ends here: the next local midnight for a day.
    pub fn end(self) -> DateTime<Utc> {
        match self {
            When::Day(day) => local_midnight(day.succ_opt().unwrap_or(day)),
            When::At(at) => at,
        }
    }
}

/// The clap value parser for dates and times (a bare clock time is today's, locally).
pub fn parse_when(text: &str) -> Result<When, String> {
    parse_when_on(text, Local::now().date_naive())
}

/// [`parse_when`] with "today" given, so that it can be tested on any day.
fn parse_when_on(text: &str, today: NaiveDate) -> Result<When, String> {
    let text = text.trim();
    for format in ["%H:%M", "%H:%M:%S"] {
        if let Ok(clock) = NaiveTime::parse_from_str(text, format) {
            return Ok(When::At(local(today.and_time(clock))));
        }
    }
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(When::Day(day));
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(When::At(at.with_timezone(&Utc)));
    }
    for format in ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(When::At(local(naive)));
        }
    }
    Err(
        "expected a date (2025-06-01), a local time (2025-06-01 14:30, or 14:30 for today) \
         or RFC 3339 (2025-06-01T14:30:00+01:00)"
            .to_owned(),
    )
}

/// The clap value parser for exact times (a bare date means its local midnight).
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    parse_when(text).map(When::start)
}

/// `[from, to)` from optional typed bounds, defaulting to the `default_days` days up to now.
pub fn period(
    from: Option<When>,
    to: Option<When>,
    default_days: i64,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let now = Utc::now();
    let to = to.map_or(now + Duration::seconds(1), When::end);
    let from = from.map_or_else(
        || today_start() - Duration::days(default_days - 1),
        When::start,
    );
    (from, to)
}

/// Local midnight today, and the next one.
pub fn today() -> (DateTime<Utc>, DateTime<Utc>) {
    let day = Local::now().date_naive();
    (local_midnight(day), When::Day(day).end())
}

fn today_start() -> DateTime<Utc> {
    today().0
}

fn local_midnight(day: NaiveDate) -> DateTime<Utc> {
    local(day.and_time(NaiveTime::MIN))
}

/// A local wall-clock time; in a DST gap, the first valid instant after it.
fn local(naive: NaiveDateTime) -> DateTime<Utc> {
    Local
        .from_local_datetime(&naive)
        .earliest()
        .or_else(|| {
            Local
                .from_local_datetime(&(naive + Duration::hours(1)))
                .earliest()
        })
        .map_or_else(|| naive.and_utc(), |t| t.with_timezone(&Utc))
}

/// How a time is shown: local, to the minute, labelled with the local zone's offset
/// (`2026-06-03 15:05 UTC+1`, `2026-12-03 15:05 UTC`), so that nobody mistakes it for another
/// zone's time — a sergeant reading a shared screen, or a CSV pasted into an email.
pub fn show(at: DateTime<Utc>) -> String {
    show_in(at, &Local)
}

fn show_in<Tz: TimeZone>(at: DateTime<Utc>, zone: &Tz) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let local = at.with_timezone(zone);
    let offset = local.offset().fix().local_minus_utc();
    format!("{} {}", local.format("%Y-%m-%d %H:%M"), zone_label(offset))
}

/// `UTC`, `UTC+1`, `UTC-3:30` for an offset in seconds east of UTC.
pub fn zone_label(offset_seconds: i32) -> String {
    let minutes = offset_seconds / 60;
    if minutes == 0 {
        return "UTC".to_owned();
    }
    let sign = if minutes < 0 { '-' } else { '+' };
    let (h, m) = (minutes.abs() / 60, minutes.abs() % 60);
    if m == 0 {
        format!("UTC{sign}{h}")
    } else {
        format!("UTC{sign}{h}:{m:02}")
    }
}

/// The local zone's label now, for headings of tables that show clock times only.
pub fn local_zone_label() -> String {
    zone_label(Local::now().offset().local_minus_utc())
}

/// Only the local clock time, for things that happened today.
pub fn show_clock(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local).format("%H:%M").to_string()
}

/// A length of time, roughly: `3d 4h`, `2h 15m`, `12m`.
pub fn show_span(span: Duration) -> String {
    let minutes = (span.num_seconds().abs() + 30) / 60;
    let (d, h, m) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    if d > 0 {
        format!("{d}d {h}h")
    } else if h > 0 {
        format!("{h}h {m}m")
    } else {
        format!("{m}m")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_as_the_end_of_a_period_includes_the_whole_day() {
        let when = parse_when("2025-06-30").expect("date");
        assert_eq!(when.end() - when.start(), Duration::days(1));
    }

    #[test]
    fn rfc3339_keeps_its_offset() {
        let at = parse_time("2025-06-01T14:30:00+01:00").expect("time");
        assert_eq!(at.to_rfc3339(), "2025-06-01T13:30:00+00:00");
    }

    #[test]
    fn a_bare_clock_time_is_today_in_local_time() {
        let day = NaiveDate::from_ymd_opt(2025, 3, 14).expect("date");
        let at = parse_when_on("14:30", day).expect("time").start();
        let local_at = at.with_timezone(&Local);
        assert_eq!(local_at.date_naive(), day);
        assert_eq!(
            local_at.time(),
            NaiveTime::from_hms_opt(14, 30, 0).expect("time")
        );
        assert!(parse_when_on("25:00", day).is_err(), "not a clock time");
    }

    #[test]
    fn nonsense_is_refused_with_the_accepted_forms() {
        let err = parse_when("tomorrow").expect_err("refused");
        assert!(err.contains("2025-06-01"), "{err}");
    }

    #[test]
    fn shown_times_carry_their_zone() {
        let at = DateTime::parse_from_rfc3339("2026-06-03T14:05:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let bst = chrono::FixedOffset::east_opt(3600).expect("offset");
        assert_eq!(show_in(at, &bst), "2026-06-03 15:05 UTC+1");
        assert_eq!(show_in(at, &Utc), "2026-06-03 14:05 UTC");
        let india = chrono::FixedOffset::east_opt(5 * 3600 + 1800).expect("offset");
        assert_eq!(show_in(at, &india), "2026-06-03 19:35 UTC+5:30");
        assert_eq!(zone_label(-3 * 3600 - 1800), "UTC-3:30");
    }

    #[test]
    fn spans_read_as_days_hours_minutes() {
        assert_eq!(show_span(Duration::minutes(12)), "12m");
        assert_eq!(show_span(Duration::minutes(135)), "2h 15m");
        assert_eq!(show_span(Duration::hours(76)), "3d 4h");
        assert_eq!(show_span(Duration::hours(-5)), "5h 0m");
    }
}
