//! Where the core reads the time.
//!
//! One rule for the whole store: **a time the store stamps by itself comes from its [`Clock`];
//! a time a person states is an argument.** Stamps are `created_at`, `updated_at`, audit and
//! erasure times, a follow-up's `created_at`, sync bookkeeping and the device's hybrid clock.
//! Stated times are when a contact occurred, when a patrol started or ended, when a follow-up
//! was answered, the "now" a list of overdue follow-ups or a report is computed for.
//!
//! Production stores use [`SystemClock`]. Tests open stores on a [`ManualClock`] set to the
//! times they are about, so that no outcome depends on the day the suite runs: a test that
//! fixes its times at one date and lets the store read the wall clock passes until the
//! calendar moves past it (it did: issue "CI is red on main").

use chrono::{DateTime, Duration, Utc};
use std::fmt::Debug;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// A source of the current time.
pub trait Clock: Send + Sync + Debug {
    /// The current time, in UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// The machine's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until it is set or advanced: for tests, simulations and
/// benchmarks that must not depend on the day they run. Microsecond precision (the store's).
#[derive(Debug)]
pub struct ManualClock {
    micros: AtomicI64,
}

impl ManualClock {
    /// A clock standing at `at`.
    pub fn new(at: DateTime<Utc>) -> ManualClock {
        ManualClock {
            micros: AtomicI64::new(at.timestamp_micros()),
        }
    }

    /// A shared clock standing at `at`, ready to hand to a store.
    pub fn shared(at: DateTime<Utc>) -> Arc<ManualClock> {
        Arc::new(ManualClock::new(at))
    }

    /// Moves the clock to `at` (backwards too: a device's clock can be corrected).
    pub fn set(&self, at: DateTime<Utc>) {
        self.micros.store(at.timestamp_micros(), Ordering::SeqCst);
    }

    /// Moves the clock on by `by` (negative moves it back).
    pub fn advance(&self, by: Duration) {
        let step = by.num_microseconds().unwrap_or(i64::MAX);
        let _ = self
            .micros
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |m| {
                Some(m.saturating_add(step))
            });
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(self.micros.load(Ordering::SeqCst))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_manual_clock_stands_still_until_moved() {
        let start = Utc
            .with_ymd_and_hms(2024, 2, 29, 23, 59, 59)
            .single()
            .expect("time");
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        assert_eq!(clock.now(), start);
        clock.advance(Duration::seconds(2));
        assert_eq!(clock.now(), start + Duration::seconds(2));
        clock.advance(Duration::hours(-1));
        assert_eq!(
            clock.now(),
            start + Duration::seconds(2) - Duration::hours(1)
        );
        clock.set(start);
        assert_eq!(clock.now(), start);
    }

    #[test]
    fn the_system_clock_moves_forward() {
        let a = SystemClock.now();
        let b = SystemClock.now();
        assert!(b >= a);
    }
}
