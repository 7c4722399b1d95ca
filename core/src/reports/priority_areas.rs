//! Activity in priority areas, by Clear-Hold-Build phase.
//!
//! For each priority area in the report's area: patrols targeted at it or at one of its LSOAs
//! (hours clipped to the period, as in patrol hours), contacts that happened in its LSOAs, and
//! its problems (targeted the same way) open at the end of the period. Phase totals count each
//! record once even when priority areas of that phase overlap. The phase is the area's phase
//! now: phase history is not recorded, so a report for a past period shows today's phases.

use super::data::{ContactFact, PatrolFact, ProblemFact, ReportData};
use super::patrol_hours::hours_in_period;
use super::scope::Scope;
use super::ReportQuery;
use crate::ids::PriorityAreaId;
use crate::model::{AreaRef, ClearHoldBuild, PriorityArea, SaraStage};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// One priority area's activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriorityActivity {
    pub id: PriorityAreaId,
    pub name: String,
    pub phase: Option<ClearHoldBuild>,
    #[serde(flatten)]
    pub activity: PhaseActivity,
}

/// Activity totals (for an area, or a phase).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhaseActivity {
    pub patrols: u64,
    pub patrol_hours: f64,
    pub contacts: u64,
    pub people: u64,
    pub open_problems: u64,
}

/// One phase's totals: `phase` is `None` for priority areas without a phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhaseTotals {
    pub phase: Option<ClearHoldBuild>,
    pub areas: u64,
    #[serde(flatten)]
    pub activity: PhaseActivity,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriorityAreaFigures {
    /// Clear, Hold, Build, then areas without a phase.
    pub by_phase: Vec<PhaseTotals>,
    /// Each priority area in the report's area, by name.
    pub areas: Vec<PriorityActivity>,
}

pub(crate) fn compute(
    patrols: &[&PatrolFact],
    contacts: &[&ContactFact],
    problems: &[&ProblemFact],
    scope: &Scope<'_>,
    data: &ReportData,
    query: &ReportQuery,
) -> PriorityAreaFigures {
    let mut areas: Vec<&PriorityArea> = data
        .priority_areas
        .iter()
        .filter(|pa| scope.priority_in_area(pa))
        .collect();
    areas.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    let patrols: Vec<(&PatrolFact, f64)> = patrols
        .iter()
        .filter_map(|p| hours_in_period(p, query).map(|h| (*p, h)))
        .collect();
    let contacts: Vec<&ContactFact> = contacts
        .iter()
        .copied()
        .filter(|c| query.period.contains(c.occurred_at))
        .collect();
    let end = query.end();
    let problems: Vec<&ProblemFact> = problems
        .iter()
        .copied()
        .filter(|p| p.created_at < end && open_at(p, end))
        .collect();
    let in_pa = |pa: &PriorityArea, target: &AreaRef| match target {
        AreaRef::Priority(id) => *id == pa.id,
        AreaRef::Lsoa(code) => pa.lsoa_codes.contains(code),
        AreaRef::Lap(_) => false,
    };
    let mut per_area = Vec::new();
    let phases: [Option<ClearHoldBuild>; 4] = [
        Some(ClearHoldBuild::Clear),
        Some(ClearHoldBuild::Hold),
        Some(ClearHoldBuild::Build),
        None,
    ];
    // Per phase: indexes of the records already counted, so overlaps count once.
    let mut seen: Vec<[HashSet<usize>; 3]> = phases.iter().map(|_| Default::default()).collect();
    let mut by_phase: Vec<PhaseTotals> = phases
        .iter()
        .map(|&phase| PhaseTotals {
            phase,
            areas: 0,
            activity: PhaseActivity::default(),
        })
        .collect();
    for pa in areas {
        let slot = phases.iter().position(|p| *p == pa.phase).unwrap_or(3);
        let totals = &mut by_phase[slot];
        totals.areas += 1;
        let mut a = PhaseActivity::default();
        for (i, (p, hours)) in patrols.iter().enumerate() {
            if in_pa(pa, &p.area) {
                a.patrols += 1;
                a.patrol_hours += hours;
                if seen[slot][0].insert(i) {
                    totals.activity.patrols += 1;
                    totals.activity.patrol_hours += hours;
                }
            }
        }
        for (i, c) in contacts.iter().enumerate() {
            if c.lsoa_code
                .as_ref()
                .is_some_and(|l| pa.lsoa_codes.contains(l))
            {
                a.contacts += 1;
                a.people += u64::from(c.people_count);
                if seen[slot][1].insert(i) {
                    totals.activity.contacts += 1;
                    totals.activity.people += u64::from(c.people_count);
                }
            }
        }
        for (i, p) in problems.iter().enumerate() {
            if in_pa(pa, &p.area) {
                a.open_problems += 1;
                if seen[slot][2].insert(i) {
                    totals.activity.open_problems += 1;
                }
            }
        }
        per_area.push(PriorityActivity {
            id: pa.id,
            name: pa.name.clone(),
            phase: pa.phase,
            activity: a,
        });
    }
    PriorityAreaFigures {
        by_phase,
        areas: per_area,
    }
}

/// Whether a problem was open at `end`. Closed is final (nothing moves a problem out of it), so
/// a closed problem closed at its `stage_changed_at`.
fn open_at(p: &ProblemFact, end: chrono::DateTime<chrono::Utc>) -> bool {
    p.stage != SaraStage::Closed || p.stage_changed_at >= end
}
