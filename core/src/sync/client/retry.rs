//! Waiting between tries: exponential backoff with full jitter, and the server's `Retry-After`.
//!
//! Full jitter (a uniformly random wait between zero and the exponential ceiling) matters here
//! because failures are correlated: when a force's server comes back after an outage, every
//! device in the force retries at once, and equal waits would bring them back in lockstep.
//! Which failures are retried is decided in `transport`; this file only says how long to wait.

use super::progress::CancelFlag;
use super::SyncError;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// The longest `Retry-After` the client waits for inside one sync. A server asking for more
/// is treated as refusing: the sync fails with its `slow_down` and the app tries later.
pub(crate) const RETRY_AFTER_CAP: Duration = Duration::from_secs(120);

/// How often a wait checks the cancel flag.
const CANCEL_CHECK: Duration = Duration::from_millis(100);

/// Exponential backoff: retry `n` (0 = the first retry) waits up to `base · 2ⁿ`, at most `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Backoff {
    pub base: Duration,
    pub max: Duration,
}

impl Backoff {
    /// The longest wait before retry `retry`.
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.max)
    }

    /// A random wait in `[0, ceiling(retry)]`.
    pub fn delay(&self, retry: u32) -> Duration {
        // Jitter needs no cryptographic quality, but the OS generator is already in the tree
        // and a failure to read it only makes the wait less random.
        self.delay_with(retry, getrandom::u64().unwrap_or(u64::MAX / 2))
    }

    /// `random` scaled into `[0, ceiling(retry)]`.
    fn delay_with(&self, retry: u32, random: u64) -> Duration {
        let ceiling = self.ceiling(retry).as_nanos();
        let nanos = ceiling * u128::from(random) / u128::from(u64::MAX);
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }
}

/// Reads a `Retry-After` value: seconds, or an HTTP date (RFC 7231). A date in the past means
/// "now"; anything unreadable is ignored (the ordinary backoff applies).
pub(crate) fn retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some((when - now).to_std().unwrap_or(Duration::ZERO))
}

/// Sleeps for `delay`, waking to check `cancel` so that a cancelled sync stops promptly.
pub(crate) fn wait(delay: Duration, cancel: &CancelFlag) -> Result<(), SyncError> {
    let mut left = delay;
    while !left.is_zero() {
        cancel.check()?;
        let step = left.min(CANCEL_CHECK);
        std::thread::sleep(step);
        left -= step;
    }
    cancel.check()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const BACKOFF: Backoff = Backoff {
        base: Duration::from_millis(250),
        max: Duration::from_secs(10),
    };

    #[test]
    fn the_ceiling_doubles_from_the_base_up_to_the_maximum() {
        let ceilings: Vec<u128> = (0..8).map(|n| BACKOFF.ceiling(n).as_millis()).collect();
        assert_eq!(ceilings, [250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
        // No overflow however many retries.
        assert_eq!(BACKOFF.ceiling(200), Duration::from_secs(10));
    }

    #[test]
    fn the_jittered_delay_spans_zero_to_the_ceiling() {
        assert_eq!(BACKOFF.delay_with(3, 0), Duration::ZERO);
        assert_eq!(BACKOFF.delay_with(3, u64::MAX), Duration::from_secs(2));
        let half = BACKOFF.delay_with(3, u64::MAX / 2);
        assert!(
            half.abs_diff(Duration::from_secs(1)) < Duration::from_micros(1),
            "{half:?}"
        );
    }

    #[test]
    fn random_delays_stay_in_bounds_and_are_spread_out() {
        for retry in 0..8 {
            let ceiling = BACKOFF.ceiling(retry);
            let delays: Vec<Duration> = (0..400).map(|_| BACKOFF.delay(retry)).collect();
            assert!(delays.iter().all(|d| *d <= ceiling), "retry {retry}");
            // With full jitter, 400 draws land in both halves of the range (the chance that
            // they all fall in one half is 2⁻³⁹⁹).
            assert!(delays.iter().any(|d| *d < ceiling / 2), "retry {retry}");
            assert!(delays.iter().any(|d| *d > ceiling / 2), "retry {retry}");
        }
    }

    #[test]
    fn retry_after_takes_seconds_or_an_http_date() {
        let now = Utc
            .with_ymd_and_hms(2026, 11, 28, 9, 0, 0)
            .single()
            .expect("time");
        assert_eq!(retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            retry_after("Sat, 28 Nov 2026 09:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            retry_after("Sat, 28 Nov 2026 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("-3", now), None);
        assert_eq!(retry_after("soon", now), None);
    }

    #[test]
    fn a_wait_stops_when_cancelled() {
        let cancel = CancelFlag::new();
        cancel.cancel();
        let started = std::time::Instant::now();
        let result = wait(Duration::from_secs(60), &cancel);
        assert!(matches!(result, Err(SyncError::Cancelled)));
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
