//! Reports against the neighbourhood policing performance framework: visible patrol hours,
//! engagement, the 72-hour promise, SARA problem-solving, volunteers' hours, value assessments
//! and activity in priority areas, for a period and an area.
//!
//! Why one module, and why in two halves: supervisors need the same figures on a device at base
//! (offline, after a sync) and from the server (for a team, or CSV for a performance meeting).
//! Every figure is computed by the pure functions here over a [`ReportData`] — a snapshot of the
//! facts the figures read, with no personal data of members of the public in it. Only loading
//! differs: a device reads its typed tables ([`Store::report_data`]), the server parses its
//! synced records with the same serde types the device materialises them with
//! ([`ReportData::from_synced`]). So the rules (clipping to the period, what counts as in an
//! area, what is overdue) exist once. The rules are written down in `docs/supervisors.md`.
//!
//! Reading a report is not a consultation of personal data under DPA 2018 s.62: the figures
//! hold counts and hours, and staff names only for volunteers' hours. So it is not audited; an
//! export of it from the server is (as a disclosure).

mod csv;
mod data;
mod engagement;
mod follow_ups;
#[cfg(feature = "store")]
mod load;
mod patrol_hours;
mod period;
mod priority_areas;
mod problems;
mod reach;
mod scope;
mod synced;
mod value;
mod volunteers;

pub use csv::to_csv;
pub use data::{
    ContactFact, FollowUpFact, PatrolFact, ProblemFact, ReportData, StageMoveFact, UserFact,
};
pub use engagement::{Engagement, EngagementGroup};
pub use follow_ups::FollowUpFigures;
pub use patrol_hours::{AreaHours, KindHours, PatrolHours};
pub use period::{Period, PeriodError};
pub use priority_areas::{PhaseActivity, PhaseTotals, PriorityActivity, PriorityAreaFigures};
pub use problems::{ProblemFigures, StageCount, StageTime};
pub use reach::{read_from_day, report_until_day, ALWAYS_READ};
pub use scope::ReportArea;
pub use synced::SyncedFacts;
pub use value::ValueByKind;
pub use volunteers::VolunteerMonth;

#[cfg(feature = "store")]
use crate::error::Result;
#[cfg(feature = "store")]
use crate::store::Store;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What to report on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportQuery {
    pub period: Period,
    pub area: ReportArea,
    /// The time the report is made: nothing after it is known, so figures "at the end of the
    /// period" are taken at `min(period.to, as_of)` (overdue follow-ups, problem stages).
    pub as_of: DateTime<Utc>,
}

impl ReportQuery {
    /// When "the end of the period" is for figures taken at a moment.
    pub fn end(&self) -> DateTime<Utc> {
        self.period.to.min(self.as_of)
    }
}

/// Every figure for one period and area.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    pub query: ReportQuery,
    pub patrol_hours: PatrolHours,
    pub engagement: Engagement,
    pub follow_ups: FollowUpFigures,
    pub problems: ProblemFigures,
    pub volunteer_hours: Vec<VolunteerMonth>,
    pub value_assessments: Vec<ValueByKind>,
    pub priority_areas: PriorityAreaFigures,
}

/// Computes every figure from `data`: the one place the rules live, on a device and the server.
pub fn compute(data: &ReportData, query: &ReportQuery) -> Report {
    let scope = scope::Scope::new(data, &query.area);
    let patrols: Vec<&PatrolFact> = data.patrols.iter().filter(|p| scope.patrol(p)).collect();
    let contacts: Vec<&ContactFact> = data.contacts.iter().filter(|c| scope.contact(c)).collect();
    let follow_ups: Vec<&FollowUpFact> = data
        .follow_ups
        .iter()
        .filter(|f| scope.follow_up(f))
        .collect();
    let problems: Vec<&ProblemFact> = data.problems.iter().filter(|p| scope.problem(p)).collect();
    Report {
        query: query.clone(),
        patrol_hours: patrol_hours::compute(&patrols, &scope, query),
        engagement: engagement::compute(&contacts, &scope, query),
        follow_ups: follow_ups::compute(&follow_ups, query),
        problems: problems::compute(&problems, &data.stage_moves, query),
        volunteer_hours: volunteers::compute(&patrols, &scope, query),
        value_assessments: value::compute(&patrols, query),
        priority_areas: priority_areas::compute(
            &patrols, &contacts, &problems, &scope, data, query,
        ),
    }
}

#[cfg(feature = "store")]
impl Store {
    /// Every figure for `query`, from this device's store (offline).
    pub fn report(&self, query: &ReportQuery) -> Result<Report> {
        let data = self.report_data(&query.period)?;
        Ok(compute(&data, query))
    }
}
