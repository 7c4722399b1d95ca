//! The value assessments of patrols, by kind: every patrol that *ended* in the period (that is
//! when it is assessed) and has an assessment — whether its purpose was met, and its value
//! rating (1 to 5): the spread and the mean.

use super::data::PatrolFact;
use super::ReportQuery;
use crate::model::{PatrolKind, PurposeMet};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValueByKind {
    pub kind: PatrolKind,
    pub assessed: u64,
    pub purpose_met: u64,
    pub purpose_partly_met: u64,
    pub purpose_not_met: u64,
    /// How many patrols were rated 1, 2, 3, 4 and 5.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Vec<u64>, min_items = 5, max_items = 5)
    )]
    pub ratings: [u64; 5],
    pub mean_rating: Option<f64>,
}

pub(crate) fn compute(patrols: &[&PatrolFact], query: &ReportQuery) -> Vec<ValueByKind> {
    PatrolKind::ALL
        .iter()
        .map(|&kind| {
            let mut v = ValueByKind {
                kind,
                assessed: 0,
                purpose_met: 0,
                purpose_partly_met: 0,
                purpose_not_met: 0,
                ratings: [0; 5],
                mean_rating: None,
            };
            let mut total = 0u64;
            for p in patrols.iter().filter(|p| p.kind == kind) {
                let (Some(end), Some(met), Some(rating)) =
                    (p.ended_at, p.purpose_met, p.value_rating)
                else {
                    continue;
                };
                if !query.period.contains(end) || !(1..=5).contains(&rating) {
                    continue;
                }
                v.assessed += 1;
                match met {
                    PurposeMet::Yes => v.purpose_met += 1,
                    PurposeMet::Partly => v.purpose_partly_met += 1,
                    PurposeMet::No => v.purpose_not_met += 1,
                }
                v.ratings[usize::from(rating - 1)] += 1;
                total += u64::from(rating);
            }
            v.mean_rating = (v.assessed > 0).then(|| total as f64 / v.assessed as f64);
            v
        })
        .collect()
}
