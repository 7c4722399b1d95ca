//! The stored time text (`YYYY-MM-DDTHH:MM:SS.ffffffZ`, 27 bytes) written and read by hand.
//!
//! Why: every record written formats several times (its own, its follow-up's, the search
//! window's) and every report reads thousands; chrono's `format` and `parse_from_str`
//! interpret the format string for each call, which was 3.8% of the instructions of applying
//! pulled pages (callgrind, `docs/performance.md` §7). This writes and reads the one layout
//! directly. Anything it does not cover — a year outside 0–9999, a leap second, text in
//! another shape — it declines (`None`), and the caller falls back to chrono with the same
//! format, so the stored text is exactly what chrono writes (a property test holds the two to
//! the same bytes and the same times).

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};

/// The text's length.
const LEN: usize = 27;

/// The stored text of `time`, or `None` where chrono must write it.
pub(super) fn format(time: DateTime<Utc>) -> Option<String> {
    let year = u32::try_from(time.year()).ok().filter(|y| *y <= 9999)?;
    let nanos = time.nanosecond();
    if nanos >= 1_000_000_000 {
        return None; // a leap second
    }
    let mut out = [0u8; LEN];
    put(&mut out[0..4], year);
    out[4] = b'-';
    put(&mut out[5..7], time.month());
    out[7] = b'-';
    put(&mut out[8..10], time.day());
    out[10] = b'T';
    put(&mut out[11..13], time.hour());
    out[13] = b':';
    put(&mut out[14..16], time.minute());
    out[16] = b':';
    put(&mut out[17..19], time.second());
    out[19] = b'.';
    put(&mut out[20..26], nanos / 1_000);
    out[26] = b'Z';
    String::from_utf8(out.to_vec()).ok()
}

/// The time `text` names, or `None` where chrono must read it.
pub(super) fn parse(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    if b.len() != LEN
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'.'
        || b[26] != b'Z'
    {
        return None;
    }
    let year = digits(&b[0..4])?;
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(year).ok()?,
        digits(&b[5..7])?,
        digits(&b[8..10])?,
    )?;
    let time = date.and_hms_micro_opt(
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
        digits(&b[20..26])?,
    )?;
    Some(time.and_utc())
}

/// Writes `value` as decimal digits filling `out` (zero-padded; `value` fits by construction).
fn put(out: &mut [u8], mut value: u32) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// The number the ASCII digits spell; `None` for anything else.
fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    const FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

    proptest! {
        #[test]
        fn writes_what_chrono_writes_and_reads_it_back(
            micros in -62_167_219_200_000_000i64..253_402_300_800_000_000i64,
        ) {
            let time = DateTime::from_timestamp_micros(micros).expect("in range");
            let text = format(time).expect("a year of four digits");
            prop_assert_eq!(&text, &time.format(FORMAT).to_string());
            prop_assert_eq!(parse(&text), Some(time));
            let chrono = chrono::NaiveDateTime::parse_from_str(&text, FORMAT)
                .expect("chrono reads it")
                .and_utc();
            prop_assert_eq!(parse(&text), Some(chrono));
        }

        /// Texts in the layout with every field's digits free (month 13, day 31 of a
        /// 30-day month, second 60, …): the stored form reads what chrono reads, and the hand
        /// reader never reads what chrono would not.
        #[test]
        fn reads_what_chrono_reads_in_the_layout(
            fields in (0u32..10_000, 0u32..100, 0u32..100, 0u32..100, 0u32..100, 0u32..100,
                       0u32..1_000_000),
        ) {
            let (year, month, day, hour, minute, second, micros) = fields;
            let text = std::format!(
                "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{micros:06}Z"
            );
            let chrono = chrono::NaiveDateTime::parse_from_str(&text, FORMAT)
                .ok()
                .map(|naive| naive.and_utc());
            prop_assert_eq!(super::super::SqlTime::parse(&text), chrono);
            if let Some(time) = parse(&text) {
                prop_assert_eq!(Some(time), chrono);
            }
        }
    }

    /// The first time past four-digit years.
    fn year_10000() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0)
            .single()
            .expect("time")
    }

    #[test]
    fn declines_what_it_does_not_cover() {
        assert_eq!(format(year_10000()), None);
        let before_year_zero = Utc
            .with_ymd_and_hms(-1, 1, 1, 0, 0, 0)
            .single()
            .expect("time");
        assert_eq!(format(before_year_zero), None);
        for text in [
            "2026-02-30T00:00:00.000000Z",
            "2026-01-01T24:00:00.000000Z",
            "2026-01-01 00:00:00.000000Z",
            "2026-01-01T00:00:00.000000",
            "+2026-01-01T00:00:00.00000Z",
            "2026-01-01T00:00:00.0000000Z",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }

    #[test]
    fn the_stored_form_falls_back_to_chrono_outside_four_digit_years() {
        let far = year_10000();
        let text = super::super::SqlTime::format(far);
        assert_eq!(text, far.format(FORMAT).to_string());
        assert_eq!(super::super::SqlTime::parse(&text), Some(far));
    }
}
