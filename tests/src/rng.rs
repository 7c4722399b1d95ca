//! A small seeded random number generator (SplitMix64) for fault schedules and kill moments:
//! the same seed gives the same sequence on every machine, so a failing seed printed by a
//! harness replays the same decisions. Not for anything that needs unpredictability.

/// SplitMix64 (Steele, Lea and Flood, 2014): one 64-bit state, a full period, good enough
/// mixing for test schedules.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// A seed from the clock, for runs that do not name one (printed by the caller).
    pub fn fresh_seed() -> u64 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        Rng::new(nanos as u64 ^ u64::from(std::process::id())).next_u64()
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `low..high` (`low` when the range is empty).
    pub fn range(&mut self, low: u64, high: u64) -> u64 {
        if high <= low {
            return low;
        }
        low + self.next_u64() % (high - low)
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.range(0, 100) < percent
    }
}

/// Which size a reliability harness runs at: `BEATBOOK_RELIABILITY=full` selects the full
/// run (see `docs/reliability.md`), anything else the short one `cargo test` runs.
pub fn full_run() -> bool {
    std::env::var("BEATBOOK_RELIABILITY").is_ok_and(|v| v == "full")
}

/// `ci` in the short run, `full` in the full one; `BEATBOOK_RELIABILITY_COUNT` overrides both.
pub fn run_size(ci: usize, full: usize) -> usize {
    if let Some(n) = std::env::var("BEATBOOK_RELIABILITY_COUNT")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return n;
    }
    if full_run() {
        full
    } else {
        ci
    }
}

/// The seed to run with: `BEATBOOK_SEED` if set (to replay a failure), else a fresh one.
pub fn seed() -> u64 {
    std::env::var("BEATBOOK_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(Rng::fresh_seed)
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn the_same_seed_gives_the_same_sequence() {
        let a: Vec<u64> = (0..5)
            .scan(Rng::new(7), |r, _| Some(r.next_u64()))
            .collect();
        let b: Vec<u64> = (0..5)
            .scan(Rng::new(7), |r, _| Some(r.next_u64()))
            .collect();
        let c: Vec<u64> = (0..5)
            .scan(Rng::new(8), |r, _| Some(r.next_u64()))
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        let mut r = Rng::new(1);
        assert!((0..1000).all(|_| (10..20).contains(&r.range(10, 20))));
    }
}
