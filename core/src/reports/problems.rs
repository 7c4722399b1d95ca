//! SARA problem-solving: problems by stage at the end of the period, problems opened and closed
//! in it (closed with an assessment or not), and time spent in each stage.
//!
//! A problem's history is rebuilt from its approved stage moves: it enters Scanning when it is
//! created and each approved move's stage when the move is decided. If the moves received do
//! not end at the problem's current stage (history not all synced), the current stage is taken
//! to start at `stage_changed_at`. Stage "at the end of the period" is the stage entered last
//! before `E = min(to, as_of)`.
//!
//! Time in each stage: `days_in_period` adds up, over all problems, the part of each stay at the
//! stage inside `[from, E)`; `stays_ended` counts stays that ended (the problem moved on) inside
//! the period and `mean_days_of_ended` is their mean full length. Closed is an end, not a stay.

use super::data::{ProblemFact, StageMoveFact};
use super::period::overlap_hours;
use super::ReportQuery;
use crate::ids::ProblemId;
use crate::model::SaraStage;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageCount {
    pub stage: SaraStage,
    pub problems: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageTime {
    pub stage: SaraStage,
    pub days_in_period: f64,
    pub stays_ended: u64,
    pub mean_days_of_ended: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProblemFigures {
    /// Every stage in SARA order: problems at it at the end of the period (Closed: all closed
    /// by then, whenever they closed).
    pub by_stage_at_end: Vec<StageCount>,
    pub opened: u64,
    /// Problems that entered Closed in the period.
    pub closed: u64,
    pub closed_with_assessment: u64,
    /// Scanning to Assessment, in SARA order.
    pub time_in_stage: Vec<StageTime>,
}

const DAY_HOURS: f64 = 24.0;

pub(crate) fn compute(
    problems: &[&ProblemFact],
    moves: &[StageMoveFact],
    query: &ReportQuery,
) -> ProblemFigures {
    let end = query.end();
    let from = query.period.from;
    let mut moves_of: HashMap<ProblemId, Vec<&StageMoveFact>> = HashMap::new();
    for m in moves {
        moves_of.entry(m.problem_id).or_default().push(m);
    }
    let mut at_end = [0u64; 5];
    let mut days = [0f64; 5];
    let mut ended = [(0u64, 0f64); 5];
    let (mut opened, mut closed, mut closed_with_assessment) = (0, 0, 0);
    for p in problems {
        if query.period.contains(p.created_at) {
            opened += 1;
        }
        let history = history(p, moves_of.get(&p.id).map(Vec::as_slice).unwrap_or(&[]));
        for (i, &(entered, stage)) in history.iter().enumerate() {
            let left = history.get(i + 1).map(|&(at, _)| at);
            if entered < end && left.is_none_or(|l| l >= end) {
                at_end[stage.index()] += 1;
            }
            if stage == SaraStage::Closed {
                if entered >= from && entered < end {
                    closed += 1;
                    if p.has_assessment {
                        closed_with_assessment += 1;
                    }
                }
                continue;
            }
            let stay_end = left.unwrap_or(query.as_of).max(entered);
            days[stage.index()] += overlap_hours(entered, stay_end, from, end) / DAY_HOURS;
            if let Some(l) = left {
                if l >= from && l < end {
                    ended[stage.index()].0 += 1;
                    ended[stage.index()].1 +=
                        (l - entered).num_milliseconds() as f64 / 3_600_000.0 / DAY_HOURS;
                }
            }
        }
    }
    ProblemFigures {
        by_stage_at_end: SaraStage::ALL
            .iter()
            .map(|&stage| StageCount {
                stage,
                problems: at_end[stage.index()],
            })
            .collect(),
        opened,
        closed,
        closed_with_assessment,
        time_in_stage: SaraStage::ALL
            .iter()
            .filter(|s| **s != SaraStage::Closed)
            .map(|&stage| {
                let (n, total) = ended[stage.index()];
                StageTime {
                    stage,
                    days_in_period: days[stage.index()],
                    stays_ended: n,
                    mean_days_of_ended: (n > 0).then(|| total / n as f64),
                }
            })
            .collect(),
    }
}

/// When the problem entered each stage, in order.
fn history(p: &ProblemFact, moves: &[&StageMoveFact]) -> Vec<(DateTime<Utc>, SaraStage)> {
    let mut history = vec![(p.created_at, SaraStage::Scanning)];
    let mut moves: Vec<&StageMoveFact> = moves.to_vec();
    moves.sort_by_key(|m| m.at);
    history.extend(moves.iter().map(|m| (m.at.max(p.created_at), m.to)));
    if history.last().map(|h| h.1) != Some(p.stage) {
        let since = p
            .stage_changed_at
            .max(history.last().map_or(p.created_at, |h| h.0));
        history.push((since, p.stage));
    }
    history
}
