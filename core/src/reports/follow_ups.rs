//! Keeping promises: follow-ups promised in the period, how many were answered within 72 hours
//! of the promise (the meaningful-response commitment, measured from when the promise was made
//! whatever due time was set), and how many were overdue at the end of the period.
//!
//! - `answered_within_72h` / `answered_later`: of the promises made in the period, by final
//!   outcome as known when the report is made (an answer after the period still counts).
//! - `pending`: promised in the period, still open, and less than 72 h old at `as_of`: too early
//!   to judge. `share_within_72h` leaves pending and cancelled promises out of its denominator.
//! - `overdue_at_end`: promises (made at any time) open at the end of the period `E =
//!   min(to, as_of)` past their own due time: created before `E`, due before `E`, not
//!   answered before `E`. Cancelled promises are never overdue (when they were cancelled is not
//!   recorded).

use super::data::FollowUpFact;
use super::ReportQuery;
use crate::model::followup::DEFAULT_FOLLOW_UP_HOURS;
use crate::model::FollowUpStatus;
use chrono::Duration;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FollowUpFigures {
    pub promised: u64,
    pub answered_within_72h: u64,
    pub answered_later: u64,
    pub cancelled: u64,
    /// Open for 72 h or more: missed the commitment.
    pub open_past_72h: u64,
    /// Open and not yet 72 h old: too early to judge.
    pub pending: u64,
    /// `answered_within_72h / (promised − cancelled − pending)`; `None` when that is zero.
    pub share_within_72h: Option<f64>,
    pub overdue_at_end: u64,
}

pub(crate) fn compute(follow_ups: &[&FollowUpFact], query: &ReportQuery) -> FollowUpFigures {
    let window = Duration::hours(DEFAULT_FOLLOW_UP_HOURS);
    let end = query.end();
    let mut f = FollowUpFigures {
        promised: 0,
        answered_within_72h: 0,
        answered_later: 0,
        cancelled: 0,
        open_past_72h: 0,
        pending: 0,
        share_within_72h: None,
        overdue_at_end: 0,
    };
    for fu in follow_ups {
        if query.period.contains(fu.created_at) {
            f.promised += 1;
            match (fu.status, fu.answered_at) {
                (FollowUpStatus::Cancelled, _) => f.cancelled += 1,
                (FollowUpStatus::Answered, Some(at)) if at - fu.created_at <= window => {
                    f.answered_within_72h += 1
                }
                (FollowUpStatus::Answered, _) => f.answered_later += 1,
                (FollowUpStatus::Open, _) if query.as_of - fu.created_at < window => f.pending += 1,
                (FollowUpStatus::Open, _) => f.open_past_72h += 1,
            }
        }
        let open_at_end = fu.status != FollowUpStatus::Cancelled
            && fu.created_at < end
            && fu.answered_at.is_none_or(|at| at >= end);
        if open_at_end && fu.due_at < end {
            f.overdue_at_end += 1;
        }
    }
    let judged = f.promised - f.cancelled - f.pending;
    f.share_within_72h = (judged > 0).then(|| f.answered_within_72h as f64 / judged as f64);
    f
}
