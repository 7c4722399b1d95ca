//! What a supervisor works through at base: the review queue, reviews, the approval queue and
//! the follow-up board.

use super::{FollowUp, Problem, ProblemStep, StageRequest};
use crate::convert::{all, instant, time};
use crate::error::{BeatbookError, Result};
use beatbook_core::model::{
    Review as CoreReview, ReviewItemKind, ReviewedItem as CoreReviewedItem,
};
use beatbook_core::store::{
    BoardRow as CoreBoardRow, MemberQueue as CoreMemberQueue, PendingApproval as CoreApproval,
    ReviewQueueItem as CoreQueueItem,
};
use beatbook_core::validation::{Rule, ValidationError};
use std::time::SystemTime;

/// One record as seen by a reviewer: kind, id and version (`updated_at`, or a step's
/// `recorded_at`). Pass back the ones from the queue to mark them reviewed.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ReviewedItem {
    pub kind: ReviewItemKind,
    pub id: String,
    pub version: SystemTime,
}

impl From<CoreReviewedItem> for ReviewedItem {
    fn from(i: CoreReviewedItem) -> Self {
        ReviewedItem {
            kind: i.kind,
            id: i.id,
            version: instant(i.version),
        }
    }
}

impl TryFrom<ReviewedItem> for CoreReviewedItem {
    type Error = BeatbookError;
    fn try_from(i: ReviewedItem) -> Result<Self> {
        if i.id
            .trim()
            .parse::<beatbook_core::ids::ContactId>()
            .is_err()
        {
            return Err(ValidationError::new(
                "items.id",
                Rule::Format {
                    expected: "a record id (a UUID)",
                },
            )
            .into());
        }
        Ok(CoreReviewedItem {
            kind: i.kind,
            id: i.id.trim().to_owned(),
            version: time(i.version),
        })
    }
}

/// One record waiting for review.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ReviewQueueItem {
    pub item: ReviewedItem,
    pub member: String,
    pub at: SystemTime,
    /// An earlier version was reviewed; this one changed since.
    pub changed: bool,
    /// A line about it (never a member of the public's personal details).
    pub summary: String,
}

impl From<CoreQueueItem> for ReviewQueueItem {
    fn from(i: CoreQueueItem) -> Self {
        ReviewQueueItem {
            item: i.item.into(),
            member: i.member.to_string(),
            at: instant(i.at),
            changed: i.changed,
            summary: i.summary,
        }
    }
}

/// One team member's part of the review queue, oldest first: every item waiting, or the
/// oldest of them for `Store::review_queue_page`; `waiting` counts them all.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MemberQueue {
    pub member: String,
    pub name: Option<String>,
    pub items: Vec<ReviewQueueItem>,
    pub waiting: u64,
}

impl From<CoreMemberQueue> for MemberQueue {
    fn from(q: CoreMemberQueue) -> Self {
        MemberQueue {
            member: q.member.to_string(),
            name: q.name,
            items: all(q.items),
            waiting: u64::try_from(q.waiting).unwrap_or(u64::MAX),
        }
    }
}

/// A supervisor's mark that they reviewed some of one member's records.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Review {
    pub id: String,
    pub reviewer: String,
    pub member: String,
    pub reviewed_at: SystemTime,
    pub items: Vec<ReviewedItem>,
}

impl From<CoreReview> for Review {
    fn from(r: CoreReview) -> Self {
        Review {
            id: r.id.to_string(),
            reviewer: r.reviewer.to_string(),
            member: r.member.to_string(),
            reviewed_at: instant(r.reviewed_at),
            items: all(r.items),
        }
    }
}

/// A stage move waiting for a supervisor, with the problem and the evidence for it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PendingApproval {
    pub request: StageRequest,
    pub problem: Problem,
    pub evidence: Vec<ProblemStep>,
    pub requested_by_name: Option<String>,
}

impl From<CoreApproval> for PendingApproval {
    fn from(a: CoreApproval) -> Self {
        PendingApproval {
            request: a.request.into(),
            problem: a.problem.into(),
            evidence: all(a.evidence),
            requested_by_name: a.requested_by_name,
        }
    }
}

/// One open promise on the follow-up board.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct BoardRow {
    pub follow_up: FollowUp,
    pub owner_name: Option<String>,
    /// For a volunteer's referral: who referred it.
    pub referred_by_name: Option<String>,
    pub overdue: bool,
    pub age_hours: i64,
}

impl From<CoreBoardRow> for BoardRow {
    fn from(r: CoreBoardRow) -> Self {
        BoardRow {
            follow_up: r.follow_up.into(),
            owner_name: r.owner_name,
            referred_by_name: r.referred_by_name,
            overdue: r.overdue,
            age_hours: r.age_hours,
        }
    }
}
