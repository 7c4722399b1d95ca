//! A reporting period, half-open `[from, to)`, and clipping time spans to it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Why a period was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("the period must end after it starts")]
    Empty,
}

/// `[from, to)` in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "RawPeriod")]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

#[derive(Deserialize)]
struct RawPeriod {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
}

impl TryFrom<RawPeriod> for Period {
    type Error = PeriodError;
    fn try_from(raw: RawPeriod) -> Result<Self, PeriodError> {
        Period::new(raw.from, raw.to)
    }
}

impl Period {
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Self, PeriodError> {
        if to <= from {
            return Err(PeriodError::Empty);
        }
        Ok(Period { from, to })
    }

    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.from <= at && at < self.to
    }

    /// Hours of `[start, end)` that fall inside the period (0 when they do not meet).
    pub fn clipped_hours(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> f64 {
        overlap_hours(start, end, self.from, self.to)
    }

    /// Whether a span counts as in the period: it overlaps it, or it is an instant inside it.
    pub fn touches(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        if start == end {
            return self.contains(start);
        }
        start < self.to && end > self.from
    }
}

/// Hours of `[a_start, a_end)` inside `[b_start, b_end)`.
pub(crate) fn overlap_hours(
    a_start: DateTime<Utc>,
    a_end: DateTime<Utc>,
    b_start: DateTime<Utc>,
    b_end: DateTime<Utc>,
) -> f64 {
    let start = a_start.max(b_start);
    let end = a_end.min(b_end);
    if end <= start {
        return 0.0;
    }
    (end - start).num_milliseconds() as f64 / 3_600_000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, h, 0, 0)
            .single()
            .expect("time")
    }

    #[test]
    fn clipping_keeps_only_the_part_inside() {
        let p = Period::new(at(8), at(12)).expect("period");
        assert_eq!(p.clipped_hours(at(6), at(10)), 2.0);
        assert_eq!(p.clipped_hours(at(10), at(14)), 2.0);
        assert_eq!(p.clipped_hours(at(12), at(14)), 0.0);
        assert!(!p.touches(at(12), at(14)), "starting at `to` is outside");
        assert!(!p.touches(at(6), at(8)), "ending at `from` is outside");
        assert!(p.touches(at(8), at(8)), "an instant at `from` is inside");
        assert!(Period::new(at(8), at(8)).is_err());
    }
}
