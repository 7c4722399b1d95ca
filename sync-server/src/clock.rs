//! The server's one "now" for retention (the sweep, the pull filter, the due lists) and the
//! push's time checks (`clock_ahead`, time sense): an `Arc<dyn Clock>` in the server's state.
//! In production the system clock. For tests only, [`OffsetFileClock`]: the wall clock plus a
//! signed number of seconds read from a file (`serve --test-clock-offset-file`, hidden from
//! `--help`), so an end-to-end test can move a running server's clock months on without
//! waiting. The file is re-read on every call (a test writes it, then acts at once; the cost
//! is one small read, and only tests pay it). A file that is missing or does not parse keeps
//! the last offset read (zero at first) and logs a warning.

use beatbook_core::clock::{Clock, SystemClock};
use chrono::{DateTime, Duration, Utc};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// The wall clock moved by the seconds in a file.
#[derive(Debug)]
pub struct OffsetFileClock {
    path: PathBuf,
    last_ms: AtomicI64,
}

impl OffsetFileClock {
    pub fn new(path: &Path) -> Self {
        OffsetFileClock {
            path: path.to_owned(),
            last_ms: AtomicI64::new(0),
        }
    }

    fn offset_ms(&self) -> i64 {
        match std::fs::read_to_string(&self.path)
            .ok()
            .and_then(|text| parse_offset_ms(&text))
        {
            Some(ms) => {
                self.last_ms.store(ms, Ordering::Relaxed);
                ms
            }
            None => {
                tracing::warn!(
                    file = %self.path.display(),
                    "the test clock's offset file is missing or not a number of seconds"
                );
                self.last_ms.load(Ordering::Relaxed)
            }
        }
    }
}

/// A signed number of seconds (a fraction allowed) as milliseconds.
pub fn parse_offset_ms(text: &str) -> Option<i64> {
    let seconds: f64 = text.trim().parse().ok()?;
    let ms = (seconds * 1000.0).round();
    // About ±292 million years fit; a test never needs more than a few decades.
    (ms.is_finite() && ms.abs() < 1e15).then_some(ms as i64)
}

impl Clock for OffsetFileClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms())
    }
}

/// The server's clock: the system clock, or the test clock when an offset file is given.
pub fn server_clock(offset_file: Option<&Path>) -> Arc<dyn Clock> {
    match offset_file {
        Some(path) => {
            tracing::warn!(
                file = %path.display(),
                "the server's clock is moved by a test offset file: for tests only"
            );
            Arc::new(OffsetFileClock::new(path))
        }
        None => Arc::new(SystemClock),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offset_is_read_from_the_file_each_time_and_kept_when_it_goes_bad() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("offset");
        std::fs::write(&path, "86400\n").expect("write");
        let clock = OffsetFileClock::new(&path);
        let ahead = clock.now() - Utc::now();
        assert!(
            (ahead - Duration::days(1)).num_seconds().abs() <= 5,
            "{ahead}"
        );
        std::fs::write(&path, "-3600.5").expect("write");
        let behind = Utc::now() - clock.now();
        assert!(
            (behind - Duration::milliseconds(3_600_500))
                .num_seconds()
                .abs()
                <= 5
        );
        std::fs::write(&path, "soon").expect("write");
        let kept = Utc::now() - clock.now();
        assert!(
            (kept - Duration::milliseconds(3_600_500))
                .num_seconds()
                .abs()
                <= 5
        );
    }

    #[test]
    fn offsets_parse_as_signed_seconds() {
        assert_eq!(parse_offset_ms(" 2.5 "), Some(2_500));
        assert_eq!(parse_offset_ms("-17280000"), Some(-17_280_000_000));
        assert_eq!(parse_offset_ms("NaN"), None);
        assert_eq!(parse_offset_ms(""), None);
    }
}
