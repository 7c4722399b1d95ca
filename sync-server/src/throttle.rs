//! Guessing throttled per source address, with exponential back-off: failed enrolment codes,
//! failed web sign-in codes and unknown bearer tokens.
//!
//! Why per source: a server-wide limit let one client lock every real user out (about 30 wrong
//! codes a minute made a fresh valid code answer 429). Here each source address has its own
//! tally: it may fail `free` times; each failure after that makes it wait twice as long as the
//! one before (`first_wait`, doubled, at most `max_wait`), answered `429` with `Retry-After`.
//! A source that has not failed for `forget_after` starts afresh. Enrolment and sign-in are
//! checked before the request body is read (`http::guesses`); a valid code from another
//! address is never held up, and a valid bearer token works from anywhere (tokens are 256
//! random bits: letting one through teaches a guesser nothing it could use).
//!
//! Behind a reverse proxy every request comes from the proxy's address: name it with
//! `--trusted-proxy`, and the client address it puts in `X-Forwarded-For` is used instead
//! ([`client_address`]); the header is ignored from anyone else, so a client cannot choose its
//! own tally.
//!
//! The table of sources is bounded ([`MAX_SOURCES`]): past it, forgotten sources are dropped,
//! and if none can be, sources not yet counted share one tally (a flood of addresses cannot
//! grow memory, and gains nothing: the shared tally fills as fast as any).

use axum::http::HeaderMap;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard};

/// Failures a source may make before it must wait, when the operator does not say.
pub const DEFAULT_FREE_FAILURES: u32 = 10;
/// The first wait, in seconds, when the operator does not say.
pub const DEFAULT_FIRST_WAIT_SECS: u64 = 30;
/// The longest wait, in seconds, when the operator does not say.
pub const DEFAULT_MAX_WAIT_SECS: u64 = 3600;
/// How many sources' tallies are kept at once.
pub const MAX_SOURCES: usize = 10_000;

/// The limits, from the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuessLimits {
    /// Failures allowed before the first wait.
    pub free: u32,
    /// The first wait; each further failure doubles it.
    pub first_wait: Duration,
    /// The longest wait.
    pub max_wait: Duration,
}

impl Default for GuessLimits {
    fn default() -> Self {
        Self {
            free: DEFAULT_FREE_FAILURES,
            first_wait: secs(DEFAULT_FIRST_WAIT_SECS),
            max_wait: secs(DEFAULT_MAX_WAIT_SECS),
        }
    }
}

impl GuessLimits {
    /// A source is forgotten once it has not failed for this long (twice the longest wait, at
    /// least an hour: waiting out one wait does not reset the doubling).
    fn forget_after(&self) -> Duration {
        (self.max_wait * 2).max(Duration::hours(1))
    }

    /// How long a source waits after its `failures`th failure (zero while it has some free).
    fn wait_after(&self, failures: u32) -> Duration {
        if failures < self.free {
            return Duration::zero();
        }
        let doublings = (failures - self.free).min(30);
        let wait = self
            .first_wait
            .checked_mul(1 << doublings)
            .unwrap_or(self.max_wait);
        wait.min(self.max_wait)
    }
}

/// Seconds as a `chrono::Duration`, saturating.
pub fn secs(n: u64) -> Duration {
    Duration::seconds(
        i64::try_from(n)
            .unwrap_or(i64::MAX / 1000)
            .min(i64::MAX / 1000),
    )
}

/// One source's tally: failures since it was last forgotten, and when the last one was.
#[derive(Debug, Clone, Copy)]
struct Tally {
    failures: u32,
    last: DateTime<Utc>,
}

/// Key `None`: a request with no known peer (tests driving a router directly), or the shared
/// tally of sources that found the table full.
type Tallies = HashMap<Option<IpAddr>, Tally>;

/// Failed guesses per source address, on the caller's clock.
#[derive(Debug, Default)]
pub struct GuessLimiter {
    limits: GuessLimits,
    tallies: Mutex<Tallies>,
}

impl GuessLimiter {
    pub fn new(limits: GuessLimits) -> Self {
        Self {
            limits,
            tallies: Mutex::default(),
        }
    }

    pub fn limits(&self) -> GuessLimits {
        self.limits
    }

    fn lock(&self) -> MutexGuard<'_, Tallies> {
        // Each update is one assignment: a panic elsewhere leaves the table sound.
        self.tallies.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whole seconds `source` must still wait (at least 1), if it must.
    pub fn blocked_for(&self, source: Option<IpAddr>, now: DateTime<Utc>) -> Option<i64> {
        let tallies = self.lock();
        let tally = tallies.get(&key_for(&tallies, source))?;
        let until = tally.last + self.limits.wait_after(tally.failures);
        (now < until).then(|| {
            let left = until - now;
            // Rounded up: a client that waits exactly `Retry-After` is let in.
            (left.num_milliseconds() + 999).div_euclid(1000).max(1)
        })
    }

    /// Notes a failed guess from `source`; returns the wait it now faces, if any (for a log
    /// line when a source is first held back).
    pub fn failed(&self, source: Option<IpAddr>, now: DateTime<Utc>) -> Option<Duration> {
        let forget = self.limits.forget_after();
        let mut tallies = self.lock();
        if !tallies.contains_key(&source) && tallies.len() >= MAX_SOURCES {
            tallies.retain(|_, t| now - t.last < forget);
        }
        let key = key_for(&tallies, source);
        let tally = tallies.entry(key).or_insert(Tally {
            failures: 0,
            last: now,
        });
        if now - tally.last >= forget {
            tally.failures = 0;
        }
        tally.failures = tally.failures.saturating_add(1);
        tally.last = now;
        let wait = self.limits.wait_after(tally.failures);
        (wait > Duration::zero()).then_some(wait)
    }

    #[cfg(test)]
    fn sources(&self) -> usize {
        self.lock().len()
    }
}

/// The tally `source` counts in: its own, or when the table is full and it has none, the
/// shared one.
fn key_for(tallies: &Tallies, source: Option<IpAddr>) -> Option<IpAddr> {
    if tallies.contains_key(&source) || tallies.len() < MAX_SOURCES {
        source
    } else {
        None
    }
}

/// The client's address: the peer's, or — only when the peer is one of `trusted_proxies` — the
/// nearest address in `X-Forwarded-For` that is not itself a trusted proxy (the proxy appends
/// the address it saw; anything further left was written by the client and is not trusted).
pub fn client_address(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted_proxies: &[IpAddr],
) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted_proxies.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .map(|a| a.parse::<IpAddr>().ok())
        .collect::<Option<Vec<_>>>()
        // An unreadable header: the proxy did not write it as it should; count the proxy.
        .unwrap_or_default();
    Some(
        forwarded
            .iter()
            .rev()
            .find(|a| !trusted_proxies.contains(a))
            .copied()
            .unwrap_or(peer),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2031, 3, 4, 9, 0, 0)
            .single()
            .expect("time")
    }

    #[test]
    fn a_source_fails_freely_then_waits_twice_as_long_each_time() {
        let limiter = GuessLimiter::default();
        let guesser = Some(IpAddr::from([203, 0, 113, 7]));
        let sergeant = Some(IpAddr::from([10, 1, 2, 3]));
        for i in 0..DEFAULT_FREE_FAILURES - 1 {
            assert_eq!(limiter.blocked_for(guesser, t0()), None, "attempt {i}");
            assert_eq!(limiter.failed(guesser, t0()), None);
        }
        assert_eq!(limiter.failed(guesser, t0()), Some(Duration::seconds(30)));
        assert_eq!(limiter.blocked_for(guesser, t0()), Some(30));
        assert_eq!(
            limiter.blocked_for(guesser, t0() + Duration::seconds(20)),
            Some(10)
        );
        // Another address is not held back by the guesser.
        assert_eq!(limiter.blocked_for(sergeant, t0()), None);
        // Waiting it out lets one more guess through; failing it doubles the wait.
        let t1 = t0() + Duration::seconds(30);
        assert_eq!(limiter.blocked_for(guesser, t1), None);
        assert_eq!(limiter.failed(guesser, t1), Some(Duration::seconds(60)));
        let t2 = t1 + Duration::seconds(60);
        assert_eq!(limiter.failed(guesser, t2), Some(Duration::seconds(120)));
        // The wait never passes the maximum.
        let mut t = t2;
        for _ in 0..40 {
            t += Duration::hours(1);
            limiter.failed(guesser, t);
        }
        assert_eq!(limiter.blocked_for(guesser, t), Some(3600));
        // A source quiet for long enough starts afresh.
        let later = t + Duration::hours(3);
        assert_eq!(limiter.failed(guesser, later), None);
    }

    #[test]
    fn a_flood_of_addresses_is_bounded_and_shares_one_tally() {
        let limiter = GuessLimiter::default();
        for n in 0..MAX_SOURCES as u32 {
            limiter.failed(Some(IpAddr::from(n.to_be_bytes())), t0());
        }
        let late = |n: u32| Some(IpAddr::from((u32::MAX - n).to_be_bytes()));
        for n in 0..DEFAULT_FREE_FAILURES {
            limiter.failed(late(n), t0());
        }
        assert!(limiter.sources() <= MAX_SOURCES + 1);
        assert!(
            limiter.blocked_for(late(99), t0()).is_some(),
            "the shared tally is used up"
        );
        // Once the old tallies are forgotten, there is room again.
        let later = t0() + Duration::hours(3);
        limiter.failed(late(100), later);
        assert!(limiter.sources() <= 2);
        assert_eq!(limiter.blocked_for(late(100), later), None);
    }

    #[test]
    fn forwarded_addresses_count_only_from_a_trusted_proxy() {
        let proxy: IpAddr = [10, 0, 0, 1].into();
        let client: IpAddr = [198, 51, 100, 4].into();
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("1.2.3.4, 198.51.100.4"),
        );
        assert_eq!(
            client_address(Some(proxy), &headers, &[proxy]),
            Some(client),
            "the address the proxy appended, not the one the client wrote"
        );
        assert_eq!(
            client_address(Some(client), &headers, &[proxy]),
            Some(client),
            "from anyone else the header is ignored"
        );
        assert_eq!(
            client_address(Some(proxy), &HeaderMap::new(), &[proxy]),
            Some(proxy)
        );
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("not an address"),
        );
        assert_eq!(client_address(Some(proxy), &headers, &[proxy]), Some(proxy));
    }
}
