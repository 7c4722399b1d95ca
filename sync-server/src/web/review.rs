//! Marking the review queue reviewed on the web page (the queue itself: `review_queue`) — the
//! same queue and the same `review` records as `beatbook review` on the sergeant's device
//! (`docs/supervisors.md`, "Review queue").
//!
//! "Mark reviewed" marks exactly what the page showed: the form carries each item's kind, id
//! and version, and the server keeps only those still in the queue at that version (a record
//! edited since stays in the queue, as changed). The review is written as a new `review` record
//! through the devices' push path ([`super::decide::apply_ops`]), so the supervisor's phone
//! sees it too, and the consultation is logged in the server's audit log with the counts, in
//! the same transaction.

use super::decide::{self, changes};
use super::review_queue::{self, Keep};
use crate::http::HttpConfig;
use crate::storage::{Principal, ServerAudit, StorageResult, SyncStorage};
use beatbook_core::audit::AuditAction;
use beatbook_core::ids::{ReviewId, TeamId, UserId};
use beatbook_core::model::{Review, ReviewItemKind, ReviewedItem, MAX_REVIEW_ITEMS};
use beatbook_core::sync::RecordKind;
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;

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
    // Only the posted items are kept: the read holds at most what the page showed.
    let posted: BTreeSet<ReviewedItem> = keys
        .iter()
        .filter_map(|key| review_queue::parse_item_key(key))
        .collect();
    let posted_count = keys.iter().collect::<BTreeSet<_>>().len();
    let mut queue = review_queue::queue(storage, team, principal.user_id, Keep::Only(posted))?;
    let items: Vec<ReviewedItem> = queue
        .members
        .remove(&member)
        .map(|kept| kept.items)
        .unwrap_or_default()
        .into_iter()
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
        left: posted_count.saturating_sub(items.len()),
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
