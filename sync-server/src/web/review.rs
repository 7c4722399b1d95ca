//! The review queue on the web page, and marking it reviewed — the same queue and the same
//! `review` records as `beatbook review` on the sergeant's device (`docs/supervisors.md`,
//! "Review queue"): every contact, patrol and problem step of the team, other than the
//! supervisor's own, whose *current version* this supervisor has not reviewed.
//!
//! "Mark reviewed" marks exactly what the page showed: the form carries each item's kind, id
//! and version, and the server keeps only those still in the queue at that version (a record
//! edited since stays in the queue, as changed). The review is written as a new `review` record
//! through the devices' push path ([`super::decide::apply_ops`]), so the supervisor's phone
//! sees it too, and the consultation is logged in the server's audit log with the counts, in
//! the same transaction.

use super::decide::{self, changes, parse_value};
use crate::http::HttpConfig;
use crate::storage::{Principal, ServerAudit, StorageResult, SyncStorage};
use beatbook_core::audit::AuditAction;
use beatbook_core::ids::{ReviewId, TeamId, UserId};
use beatbook_core::model::{Review, ReviewItemKind, ReviewedItem, MAX_REVIEW_ITEMS};
use beatbook_core::sync::RecordKind;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeSet;

/// One record waiting for review, by what the page shows of it (nothing personal: kind, who,
/// when, and for a step its stage).
#[derive(Debug, Clone, PartialEq)]
pub struct QueueItem {
    pub item: ReviewedItem,
    pub member: UserId,
    /// When it happened (a contact's time, a patrol's start, a step's recording).
    pub at: DateTime<Utc>,
    /// A short description: the contact's method, the patrol's kind, the step's stage.
    pub what: String,
    /// An earlier version of it was reviewed.
    pub changed: bool,
}

#[derive(Deserialize)]
struct ContactLine {
    id: String,
    recorded_by: UserId,
    occurred_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    method: String,
}

#[derive(Deserialize)]
struct PatrolLine {
    id: String,
    recorded_by: UserId,
    started_at: DateTime<Utc>,
    ended_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
    kind: String,
}

#[derive(Deserialize)]
struct StepLine {
    id: String,
    author: UserId,
    stage: String,
    recorded_at: DateTime<Utc>,
}

/// The kinds the queue reads.
const KINDS: &[RecordKind] = &[
    RecordKind::Contact,
    RecordKind::Patrol,
    RecordKind::ProblemStep,
    RecordKind::Review,
];

/// An item as the form carries it: `kind|id|version`.
pub fn item_key(item: &ReviewedItem) -> String {
    format!(
        "{}|{}|{}",
        item.kind.as_str(),
        item.id,
        item.version.to_rfc3339_opts(SecondsFormat::AutoSi, true)
    )
}

/// A queue read one record at a time: what each reviewable record would list (not the record
/// itself) and what `reviewer` has already reviewed, matched once every record is in.
struct QueueReader {
    reviewer: UserId,
    reviewed: BTreeSet<ReviewedItem>,
    listed: Vec<QueueItem>,
}

impl QueueReader {
    fn new(reviewer: UserId) -> Self {
        QueueReader {
            reviewer,
            reviewed: BTreeSet::new(),
            listed: Vec::new(),
        }
    }

    fn add(&mut self, kind: RecordKind, record: &Value) {
        let line = match kind {
            RecordKind::Review => {
                if let Some(review) = parse_value::<Review>(record) {
                    if review.reviewer == self.reviewer {
                        self.reviewed.extend(review.items);
                    }
                }
                None
            }
            RecordKind::Contact => parse_value::<ContactLine>(record).map(|c| {
                let what = format!("contact, {}", c.method.replace('_', " "));
                (
                    ReviewItemKind::Contact,
                    c.id,
                    c.updated_at,
                    c.recorded_by,
                    c.occurred_at,
                    what,
                )
            }),
            RecordKind::Patrol => parse_value::<PatrolLine>(record).map(|p| {
                let open = if p.ended_at.is_none() {
                    " (still out)"
                } else {
                    ""
                };
                let what = format!("{} patrol{open}", p.kind.replace('_', " "));
                (
                    ReviewItemKind::Patrol,
                    p.id,
                    p.updated_at,
                    p.recorded_by,
                    p.started_at,
                    what,
                )
            }),
            RecordKind::ProblemStep => parse_value::<StepLine>(record).map(|s| {
                let what = format!("problem step, {}", s.stage);
                (
                    ReviewItemKind::ProblemStep,
                    s.id,
                    s.recorded_at,
                    s.author,
                    s.recorded_at,
                    what,
                )
            }),
            _ => None,
        };
        // A member's own records are not theirs to review.
        if let Some((kind, id, version, member, at, what)) = line {
            if member != self.reviewer {
                self.listed.push(QueueItem {
                    item: ReviewedItem { kind, id, version },
                    member,
                    at,
                    what,
                    changed: false,
                });
            }
        }
    }

    /// The records not reviewed at their version, oldest first; `changed` when reviewed before.
    fn finish(self) -> Vec<QueueItem> {
        let seen_ids: BTreeSet<(ReviewItemKind, &str)> = self
            .reviewed
            .iter()
            .map(|i| (i.kind, i.id.as_str()))
            .collect();
        let mut queue: Vec<QueueItem> = self
            .listed
            .into_iter()
            .filter(|q| !self.reviewed.contains(&q.item))
            .map(|q| QueueItem {
                changed: seen_ids.contains(&(q.item.kind, q.item.id.as_str())),
                ..q
            })
            .collect();
        queue.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.item.cmp(&b.item)));
        queue
    }
}

/// `reviewer`'s queue over `team`'s records, oldest first.
pub fn queue(
    storage: &dyn SyncStorage,
    team: TeamId,
    reviewer: UserId,
) -> StorageResult<Vec<QueueItem>> {
    // Read one record at a time: a team's history need not be held to list what is left.
    let mut reader = QueueReader::new(reviewer);
    storage.each_report_record(Some(team), KINDS, None, &mut |kind, values| {
        reader.add(kind, &Value::Object(values))
    })?;
    Ok(reader.finish())
}

/// What marking did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marked {
    pub marked: usize,
    /// Posted items no longer in the queue at that version (edited since, or already marked).
    pub left: usize,
}

/// Marks the posted `keys` of `member`'s queue reviewed (those still in it, at most
/// [`MAX_REVIEW_ITEMS`]). `Ok(Err(why))` when nothing could be marked or the write was refused.
#[allow(clippy::too_many_arguments)]
pub fn mark(
    storage: &dyn SyncStorage,
    principal: &Principal,
    team: TeamId,
    member: UserId,
    keys: &[String],
    now: DateTime<Utc>,
    config: &HttpConfig,
) -> StorageResult<Result<Marked, String>> {
    let queue = queue(storage, team, principal.user_id)?;
    let posted: BTreeSet<&str> = keys.iter().map(String::as_str).collect();
    let items: Vec<ReviewedItem> = queue
        .into_iter()
        .filter(|q| q.member == member && posted.contains(item_key(&q.item).as_str()))
        .map(|q| q.item)
        .take(MAX_REVIEW_ITEMS)
        .collect();
    if items.is_empty() {
        return Ok(Err(
            "Nothing to mark: these records changed or were marked since the page was shown."
                .into(),
        ));
    }
    let count = |kind| items.iter().filter(|i| i.kind == kind).count();
    let detail = format!(
        "member {member}: {} contacts, {} patrols, {} problem steps; web pages",
        count(ReviewItemKind::Contact),
        count(ReviewItemKind::Patrol),
        count(ReviewItemKind::ProblemStep)
    );
    let marked = Marked {
        marked: items.len(),
        left: posted.len().saturating_sub(items.len()),
    };
    // The review's stamp follows every clock of the records it marks (`stamp_after`), read
    // again now: at most MAX_REVIEW_ITEMS of them, not the team's history.
    let mut decided_on = Vec::with_capacity(items.len());
    for item in &items {
        let Ok(kind) = item.kind.as_str().parse::<RecordKind>() else {
            continue;
        };
        if let Some(current) = storage.record(kind, &item.id)? {
            decided_on.push((kind, current.state));
        }
    }
    let review = Review {
        id: ReviewId::new(),
        reviewer: principal.user_id,
        member,
        reviewed_at: now,
        items,
    };
    let planned = vec![(
        RecordKind::Review,
        review.id.to_string(),
        changes(None, &review)?,
    )];
    let logged_as = ServerAudit {
        record_id: Some(review.id.to_string()),
        detail: Some(detail),
        ..ServerAudit::new(now.timestamp_millis(), AuditAction::Consultation, "review")
            .by(principal)
    };
    let applied = decide::apply_ops(
        storage,
        principal,
        team,
        planned,
        &decided_on,
        now,
        config,
        Some(logged_as),
    )?;
    if let Err(why) = applied {
        return Ok(Err(why));
    }
    Ok(Ok(marked))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, hour, 0, 0)
            .single()
            .expect("time")
    }

    fn contact(id: &str, by: UserId, version: DateTime<Utc>) -> Value {
        serde_json::json!({
            "id": id, "recorded_by": by, "occurred_at": at(8), "updated_at": version,
            "method": "foot_patrol",
        })
    }

    #[test]
    fn the_queue_read_one_record_at_a_time_lists_what_is_not_reviewed_at_its_version() {
        let (reviewer, member, other_reviewer) = (UserId::new(), UserId::new(), UserId::new());
        let item = |id: &str, version| ReviewedItem {
            kind: ReviewItemKind::Contact,
            id: id.into(),
            version,
        };
        let review = |by, items| {
            serde_json::to_value(Review {
                id: ReviewId::new(),
                reviewer: by,
                member,
                reviewed_at: at(12),
                items,
            })
            .expect("review")
        };
        let mut reader = QueueReader::new(reviewer);
        reader.add(RecordKind::Contact, &contact("c1", member, at(9)));
        reader.add(RecordKind::Contact, &contact("c2", member, at(10)));
        reader.add(RecordKind::Contact, &contact("c3", member, at(9)));
        reader.add(RecordKind::Contact, &contact("own", reviewer, at(9)));
        // Reviews may come after the records they name: c1 at its version, c2 at an older one;
        // another supervisor's review of c3 is theirs.
        reader.add(
            RecordKind::Review,
            &review(reviewer, vec![item("c1", at(9)), item("c2", at(9))]),
        );
        reader.add(
            RecordKind::Review,
            &review(other_reviewer, vec![item("c3", at(9))]),
        );

        let listed: Vec<(String, bool)> = reader
            .finish()
            .into_iter()
            .map(|q| (q.item.id, q.changed))
            .collect();
        assert_eq!(
            listed,
            [("c2".to_owned(), true), ("c3".to_owned(), false)],
            "c2 changed since it was reviewed; the reviewer's own contact is not theirs to review"
        );
    }
}
