//! What is due for review: a team's governed records whose review date falls within the
//! schedule's notice at `now` (or has passed and the sweep has not run yet), for the
//! supervisors' list and `admin retention due`. Each row carries a label that names no one:
//! the kind, the id and the dates only.

use super::schedule::{current_schedule, ScheduleError};
use crate::storage::retention_index::RetentionRange;
use crate::storage::SyncStorage;
use beatbook_core::ids::TeamId;
use beatbook_core::retention::{status, RetainedKind, RetentionStatus};
use chrono::{DateTime, Duration, SecondsFormat, Utc};

/// Most records one list shows per kind.
pub const MAX_PER_KIND: u32 = 500;

/// One record due for review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueRecord {
    pub kind: RetainedKind,
    pub record_id: String,
    pub team_id: Option<TeamId>,
    pub anchor: Option<DateTime<Utc>>,
    pub review_on: DateTime<Utc>,
    /// Retained before (the date is a supervisor's decision, not the schedule's).
    pub retained: bool,
    pub expired: bool,
}

impl DueRecord {
    /// A label that names no one: kind, short id, review date.
    pub fn label(&self) -> String {
        let short: String = self.record_id.chars().take(8).collect();
        format!(
            "{} {short}… review {}{}",
            self.kind,
            self.review_on.to_rfc3339_opts(SecondsFormat::Secs, true),
            if self.retained { " (retained)" } else { "" }
        )
    }
}

/// `team`'s records (every team's when `None`) due for review at `now`, soonest first.
pub fn due_for_review(
    storage: &dyn SyncStorage,
    team: Option<TeamId>,
    now: DateTime<Utc>,
) -> Result<Vec<DueRecord>, ScheduleError> {
    let schedule = current_schedule(storage)?;
    let horizon = now + Duration::days(i64::from(schedule.notice_days));
    let mut due = Vec::new();
    for kind in RetainedKind::ALL.iter().copied() {
        let mut range = RetentionRange::through(&schedule, kind, horizon, MAX_PER_KIND);
        range.team = team;
        for entry in storage.retention_entries(&range)? {
            let judged = status(&schedule, kind, entry.anchor(), entry.retained_until(), now);
            let (review_on, expired) = match judged {
                RetentionStatus::DueForReview { review_on } => (review_on, false),
                RetentionStatus::Expired { review_on } => (review_on, true),
                RetentionStatus::Current { .. } | RetentionStatus::Unscheduled => continue,
            };
            due.push(DueRecord {
                kind,
                record_id: entry.record_id.clone(),
                team_id: entry.team_id,
                anchor: entry.anchor_ms.and_then(DateTime::from_timestamp_millis),
                review_on,
                retained: entry.retained_until_ms.is_some(),
                expired,
            });
        }
    }
    due.sort_by(|a, b| (a.review_on, &a.record_id).cmp(&(b.review_on, &b.record_id)));
    Ok(due)
}
