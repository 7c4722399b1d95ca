//! Visible patrol hours, by kind and by the area patrolled.
//!
//! A closed patrol counts the hours of it that fall inside the period (a patrol running over a
//! period boundary is clipped to it). `person_hours` multiplies those hours by the crew
//! (recorder and participants): two PCSOs on a two-hour foot patrol are 2 h of patrol and 4 h of
//! visible presence. Open patrols have no length yet: they are counted in `open_patrols`, never
//! in hours.

use super::data::PatrolFact;
use super::scope::Scope;
use super::ReportQuery;
use crate::model::{AreaRef, PatrolKind};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Hours of one patrol kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KindHours {
    pub kind: PatrolKind,
    pub patrols: u64,
    pub hours: f64,
    pub person_hours: f64,
}

/// Hours in one patrolled area (a LAP, an LSOA or a priority area, as the patrol was targeted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AreaHours {
    pub area: AreaRef,
    /// The area's name where it is known (LSOA and priority area names; a LAP by its code).
    pub name: String,
    pub patrols: u64,
    pub hours: f64,
    pub person_hours: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PatrolHours {
    pub patrols: u64,
    pub hours: f64,
    pub person_hours: f64,
    /// Every kind, in the vocabulary's order, zero when there were none.
    pub by_kind: Vec<KindHours>,
    /// Areas with patrols, most hours first.
    pub by_area: Vec<AreaHours>,
    /// Patrols started before the period's end and still open when the report was made.
    pub open_patrols: u64,
}

/// A closed patrol's hours in the period, if it counts at all.
pub(crate) fn hours_in_period(p: &PatrolFact, query: &ReportQuery) -> Option<f64> {
    let end = p.ended_at?;
    query
        .period
        .touches(p.started_at, end)
        .then(|| query.period.clipped_hours(p.started_at, end))
}

pub(crate) fn compute(
    patrols: &[&PatrolFact],
    scope: &Scope<'_>,
    query: &ReportQuery,
) -> PatrolHours {
    let mut by_kind: Vec<KindHours> = PatrolKind::ALL
        .iter()
        .map(|&kind| KindHours {
            kind,
            patrols: 0,
            hours: 0.0,
            person_hours: 0.0,
        })
        .collect();
    let mut by_area: HashMap<&AreaRef, AreaHours> = HashMap::new();
    let mut open_patrols = 0;
    for p in patrols {
        let Some(hours) = hours_in_period(p, query) else {
            if p.ended_at.is_none() && p.started_at < query.period.to {
                open_patrols += 1;
            }
            continue;
        };
        let person_hours = hours * p.crew().count() as f64;
        if let Some(k) = by_kind.iter_mut().find(|k| k.kind == p.kind) {
            k.patrols += 1;
            k.hours += hours;
            k.person_hours += person_hours;
        }
        let row = by_area.entry(&p.area).or_insert_with(|| AreaHours {
            area: p.area.clone(),
            name: area_name(&p.area, scope),
            patrols: 0,
            hours: 0.0,
            person_hours: 0.0,
        });
        row.patrols += 1;
        row.hours += hours;
        row.person_hours += person_hours;
    }
    let mut by_area: Vec<AreaHours> = by_area.into_values().collect();
    by_area.sort_by(|a, b| {
        b.hours
            .total_cmp(&a.hours)
            .then_with(|| a.name.cmp(&b.name))
    });
    PatrolHours {
        patrols: by_kind.iter().map(|k| k.patrols).sum(),
        hours: by_kind.iter().map(|k| k.hours).sum(),
        person_hours: by_kind.iter().map(|k| k.person_hours).sum(),
        by_kind,
        by_area,
        open_patrols,
    }
}

fn area_name(area: &AreaRef, scope: &Scope<'_>) -> String {
    match area {
        AreaRef::Lap(code) => code.clone(),
        AreaRef::Lsoa(code) => scope
            .lsoa_name(code.as_str())
            .map(|name| format!("{name} ({code})"))
            .unwrap_or_else(|| code.to_string()),
        AreaRef::Priority(id) => scope
            .priority_area(*id)
            .map(|pa| pa.name.clone())
            .unwrap_or_else(|| id.to_string()),
    }
}
