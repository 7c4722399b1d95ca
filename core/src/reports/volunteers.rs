//! Citizens in Policing volunteer hours per person per calendar month (UTC). Every closed patrol
//! in the area counts its hours inside the period for each volunteer in its crew (recorder or
//! participant); a patrol that runs over a month boundary is split between the months. With a
//! team filter only the team's volunteers are listed. Names are staff data, not personal data
//! of the public, so the per-person figures may name them.

use super::data::PatrolFact;
use super::patrol_hours::hours_in_period;
use super::period::overlap_hours;
use super::scope::Scope;
use super::ReportQuery;
use crate::ids::UserId;
use chrono::{DateTime, Datelike, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VolunteerMonth {
    pub user_id: UserId,
    pub display_name: String,
    /// `YYYY-MM` (UTC).
    pub month: String,
    pub patrols: u64,
    pub hours: f64,
}

pub(crate) fn compute(
    patrols: &[&PatrolFact],
    scope: &Scope<'_>,
    query: &ReportQuery,
) -> Vec<VolunteerMonth> {
    let mut rows: HashMap<(Month, UserId), (u64, f64)> = HashMap::new();
    for p in patrols {
        let (Some(end), Some(_)) = (p.ended_at, hours_in_period(p, query)) else {
            continue;
        };
        let volunteers: Vec<UserId> = p
            .crew()
            .filter(|u| scope.is_volunteer(*u) && scope.counts_person(*u))
            .collect();
        if volunteers.is_empty() {
            continue;
        }
        let start = p.started_at.max(query.period.from);
        let stop = end.min(query.period.to).max(start);
        for (month, month_start, month_end) in months(start, stop) {
            let hours = overlap_hours(start, stop, month_start, month_end);
            // An instant patrol counts (0 h) in its month; otherwise only months it ran in.
            if hours == 0.0 && start != stop {
                continue;
            }
            for v in &volunteers {
                let row = rows.entry((month, *v)).or_default();
                row.0 += 1;
                row.1 += hours;
            }
        }
    }
    let mut out: Vec<VolunteerMonth> = rows
        .into_iter()
        .map(
            |(((year, month), user_id), (patrols, hours))| VolunteerMonth {
                user_id,
                display_name: scope.user_name(user_id).unwrap_or("(unknown)").to_owned(),
                month: format!("{year:04}-{month:02}"),
                patrols,
                hours,
            },
        )
        .collect();
    out.sort_by(|a, b| {
        a.month
            .cmp(&b.month)
            .then_with(|| a.display_name.cmp(&b.display_name))
            .then_with(|| a.user_id.cmp(&b.user_id))
    });
    out
}

/// A calendar month: (year, month).
type Month = (i32, u32);

/// The calendar months `[start, stop]` touches: (year, month), first instant, first instant of
/// the next.
fn months(start: DateTime<Utc>, stop: DateTime<Utc>) -> Vec<(Month, DateTime<Utc>, DateTime<Utc>)> {
    let mut out = Vec::new();
    let (mut y, mut m) = (start.year(), start.month());
    loop {
        let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        let (Some(first), Some(next)) = (
            Utc.with_ymd_and_hms(y, m, 1, 0, 0, 0).single(),
            Utc.with_ymd_and_hms(ny, nm, 1, 0, 0, 0).single(),
        ) else {
            break;
        };
        out.push(((y, m), first, next));
        if next >= stop {
            break;
        }
        (y, m) = (ny, nm);
    }
    out
}
