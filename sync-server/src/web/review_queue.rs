//! The review queue as the web pages read it from the server's store: every contact, patrol
//! and problem step of the team, other than the supervisor's own, whose *current version* this
//! supervisor has not reviewed (`docs/supervisors.md`, "Review queue").
//!
//! Why it is read in two passes and kept per member: the page shows each member's oldest
//! [`MAX_REVIEW_ITEMS`] and how many there are, and marking takes exactly the items a page
//! showed. A queue that kept every unreviewed record to sort them held the team's whole
//! unreviewed history in memory on every view (a supervisor who never marks, a year of a
//! 40-person team: 122,000 items). Now the supervisor's reviews are read first — what they
//! have reviewed, and which records at any version — and then the records one at a time, each
//! member keeping only their oldest items and a count (`beatbook_core::oldest_kept`, as the
//! device's queue does): the memory of a view is its page, whatever the history. Marking keeps
//! only the posted items.

use super::decide::parse_value;
use crate::storage::{StorageResult, SyncStorage};
use beatbook_core::ids::{TeamId, UserId};
use beatbook_core::model::{Review, ReviewItemKind, ReviewedItem, MAX_REVIEW_ITEMS};
use beatbook_core::oldest_kept::OldestKeptPer;
use beatbook_core::sync::RecordKind;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

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

/// The kinds the queue lists (the reviews that take records off it are read first).
const LISTED_KINDS: &[RecordKind] = &[
    RecordKind::Contact,
    RecordKind::Patrol,
    RecordKind::ProblemStep,
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

/// The item a form's `kind|id|version` names; `None` for anything [`item_key`] would not write.
pub fn parse_item_key(key: &str) -> Option<ReviewedItem> {
    let (kind, rest) = key.split_once('|')?;
    let (id, version) = rest.rsplit_once('|')?;
    let item = ReviewedItem {
        kind: kind.parse().ok()?,
        id: id.to_owned(),
        version: DateTime::parse_from_rfc3339(version)
            .ok()?
            .with_timezone(&Utc),
    };
    (item_key(&item) == key).then_some(item)
}

/// What the queue keeps of each member's unreviewed items.
#[derive(Debug, Clone)]
pub enum Keep {
    /// The oldest this many (the page).
    Oldest(usize),
    /// Only these items (marking what a page showed).
    Only(BTreeSet<ReviewedItem>),
}

/// A supervisor's queue: per member, the items kept (oldest first) and how many there are.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReviewQueue {
    pub members: BTreeMap<UserId, MemberQueue>,
}

/// One member's part of the queue.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemberQueue {
    /// The items kept, oldest first.
    pub items: Vec<QueueItem>,
    /// How many of this member's records wait, kept or not (the device's
    /// `MemberQueue::waiting`).
    pub waiting: usize,
}

impl ReviewQueue {
    /// Nothing to review.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
}

/// What `reviewer` has reviewed: each record at each version.
#[derive(Debug, Default)]
struct Reviewed {
    versions: BTreeSet<ReviewedItem>,
}

impl Reviewed {
    /// Takes in one review record, if it is `reviewer`'s.
    fn add(&mut self, reviewer: UserId, record: &Value) {
        if let Some(review) = parse_value::<Review>(record) {
            if review.reviewer == reviewer {
                self.versions.extend(review.items);
            }
        }
    }

    /// Whether some version of `item`'s record was reviewed (the versions sort by kind, id,
    /// then version: the first at or after the earliest possible one tells).
    fn any_version_of(&self, item: &ReviewedItem) -> bool {
        let earliest = ReviewedItem {
            version: DateTime::<Utc>::MIN_UTC,
            ..item.clone()
        };
        self.versions
            .range(earliest..)
            .next()
            .is_some_and(|seen| seen.kind == item.kind && seen.id == item.id)
    }
}

/// A queue read one record at a time, once the reviewer's reviews are in.
struct QueueReader {
    reviewer: UserId,
    reviewed: Reviewed,
    keep: Keep,
    members: OldestKeptPer<UserId, (DateTime<Utc>, ReviewedItem), QueueItem>,
}

impl QueueReader {
    fn new(reviewer: UserId, reviewed: Reviewed, keep: Keep) -> Self {
        let limit = match &keep {
            Keep::Oldest(most) => Some(*most),
            Keep::Only(_) => None,
        };
        QueueReader {
            reviewer,
            reviewed,
            keep,
            members: OldestKeptPer::new(limit),
        }
    }

    /// Takes in one record of a listed kind.
    fn add(&mut self, kind: RecordKind, record: &Value) {
        let Some(item) = line(kind, record) else {
            return;
        };
        // A member's own records are not theirs to review.
        if item.member == self.reviewer || self.reviewed.versions.contains(&item.item) {
            return;
        }
        let item = QueueItem {
            changed: self.reviewed.any_version_of(&item.item),
            ..item
        };
        match &self.keep {
            Keep::Only(items) if !items.contains(&item.item) => {
                self.members.count_passed(item.member)
            }
            // The queue's order: when it happened, then what it is.
            _ => self
                .members
                .offer(item.member, (item.at, item.item.clone()), item),
        }
    }

    /// Each member's kept items, oldest first, and their totals.
    fn finish(self) -> ReviewQueue {
        let members = self
            .members
            .into_groups()
            .map(|(member, waiting, items)| (member, MemberQueue { items, waiting }))
            .collect();
        ReviewQueue { members }
    }
}

/// What a record of a listed kind would show in the queue (`changed` not yet known).
fn line(kind: RecordKind, record: &Value) -> Option<QueueItem> {
    let (kind, id, version, member, at, what) = match kind {
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
    }?;
    Some(QueueItem {
        item: ReviewedItem { kind, id, version },
        member,
        at,
        what,
        changed: false,
    })
}

/// `reviewer`'s queue over `team`'s records, keeping what `keep` says of each member's.
pub fn queue(
    storage: &dyn SyncStorage,
    team: TeamId,
    reviewer: UserId,
    keep: Keep,
) -> StorageResult<ReviewQueue> {
    // The reviews first: an item is known to be reviewed, or changed since, as it is read.
    let mut reviewed = Reviewed::default();
    storage.each_report_record(Some(team), &[RecordKind::Review], None, &mut |_, values| {
        reviewed.add(reviewer, &Value::Object(values))
    })?;
    // Then the records, one at a time: a team's history need not be held to list what is left.
    let mut reader = QueueReader::new(reviewer, reviewed, keep);
    storage.each_report_record(Some(team), LISTED_KINDS, None, &mut |kind, values| {
        reader.add(kind, &Value::Object(values))
    })?;
    Ok(reader.finish())
}

/// The page's queue: each member's oldest [`MAX_REVIEW_ITEMS`].
pub fn page(
    storage: &dyn SyncStorage,
    team: TeamId,
    reviewer: UserId,
) -> StorageResult<ReviewQueue> {
    queue(storage, team, reviewer, Keep::Oldest(MAX_REVIEW_ITEMS))
}

#[cfg(test)]
mod tests;
