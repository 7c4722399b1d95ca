//! The supervisor's work at base: the review queue, approvals with their evidence, the
//! follow-up board, and the team's reports. All block (disk); a report reads every record of
//! its period, so run it off the UI thread (`report_json_async`).

use super::Store;
use crate::convert::{all, id, opt_id, opt_time, time};
use crate::error::{BeatbookError, Result};
use crate::records::{BoardRow, FollowUp, MemberQueue, PendingApproval, Review, ReviewedItem};
use beatbook_core::model::LsoaCode;
use beatbook_core::reports::{Period, ReportArea as CoreArea, ReportQuery};
use beatbook_core::validation::{Rule, ValidationError};
use std::time::SystemTime;

/// The area a report covers.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ReportArea {
    All,
    Team { id: String },
    Lap { code: String },
    Lsoa { code: String },
    Priority { id: String },
}

impl TryFrom<ReportArea> for CoreArea {
    type Error = BeatbookError;
    fn try_from(a: ReportArea) -> Result<Self> {
        Ok(match a {
            ReportArea::All => CoreArea::All,
            ReportArea::Team { id: text } => CoreArea::Team(id("area", &text)?),
            ReportArea::Lap { code } => CoreArea::Lap(code),
            ReportArea::Lsoa { code } => CoreArea::Lsoa(LsoaCode::parse_typed("area", &code)?),
            ReportArea::Priority { id: text } => CoreArea::Priority(id("area", &text)?),
        })
    }
}

#[uniffi::export]
impl Store {
    /// What this supervisor has not reviewed yet, per team member; `since` limits it to
    /// versions made from then on. `Invalid` (`supervisor_only`) for other roles.
    pub fn review_queue(&self, since: Option<SystemTime>) -> Result<Vec<MemberQueue>> {
        let (store, actor) = self.acting()?;
        Ok(all(store.review_queue(&actor, opt_time(since))?))
    }

    /// The same queue, each member's items only their oldest `per_member` (a screen's page),
    /// with `waiting` counting them all: a long queue is not built whole to show a page.
    pub fn review_queue_page(
        &self,
        since: Option<SystemTime>,
        per_member: u32,
    ) -> Result<Vec<MemberQueue>> {
        let (store, actor) = self.acting()?;
        let per_member = usize::try_from(per_member).unwrap_or(usize::MAX);
        Ok(all(store.review_queue_page(
            &actor,
            opt_time(since),
            per_member,
        )?))
    }

    /// Marks items from the queue reviewed (as one or more synced review records).
    pub fn mark_reviewed(&self, member: String, items: Vec<ReviewedItem>) -> Result<Vec<Review>> {
        let (store, actor) = self.acting()?;
        let member = id("member", &member)?;
        let items = items
            .into_iter()
            .map(TryInto::try_into)
            .collect::<Result<Vec<_>>>()?;
        Ok(all(store.mark_reviewed(&actor, member, &items)?))
    }

    /// Reviews made, by one reviewer or all.
    pub fn reviews(&self, reviewer: Option<String>) -> Result<Vec<Review>> {
        Ok(all(self.core()?.reviews(opt_id("reviewer", reviewer)?)?))
    }

    /// Stage moves waiting for a supervisor, oldest first, with their evidence.
    pub fn approval_queue(&self) -> Result<Vec<PendingApproval>> {
        Ok(all(self.core()?.approval_queue()?))
    }

    /// Every open follow-up on this device (a supervisor's: the team's), overdue first.
    pub fn follow_up_board(&self, now: SystemTime) -> Result<Vec<BoardRow>> {
        Ok(all(self.core()?.follow_up_board(time(now))?))
    }

    /// Gives a follow-up to someone else (supervisors).
    pub fn reassign_follow_up(&self, follow_up_id: String, new_owner: String) -> Result<FollowUp> {
        let (store, actor) = self.acting()?;
        let follow_up_id = id("follow_up_id", &follow_up_id)?;
        let new_owner = id("new_owner", &new_owner)?;
        Ok(store
            .reassign_follow_up(&actor, follow_up_id, new_owner)?
            .into())
    }

    /// Every report figure for `[from, to)` and an area, from this device's records, as the
    /// JSON documented in `docs/supervisors.md` (the same figures the server's
    /// `GET /v1/reports` answers). `as_of` is when the report is made.
    pub fn report_json(
        &self,
        from: SystemTime,
        to: SystemTime,
        area: ReportArea,
        as_of: SystemTime,
    ) -> Result<String> {
        let period = Period::new(time(from), time(to))
            .map_err(|_| BeatbookError::from(ValidationError::new("to", Rule::EndBeforeStart)))?;
        let query = ReportQuery {
            period,
            area: area.try_into()?,
            as_of: time(as_of),
        };
        let report = self.core()?.report(&query)?;
        serde_json::to_string(&report).map_err(|_| BeatbookError::internal("report encoding"))
    }
}
