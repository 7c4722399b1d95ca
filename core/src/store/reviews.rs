//! The supervisor's review queue: what each team member recorded or changed (contacts, patrols,
//! problem steps) that this supervisor has not yet reviewed, and marking it reviewed.
//!
//! "Not yet reviewed" is decided per record version, not by a time watermark: a review lists
//! the exact `(kind, id, version)` it saw, and the queue is every record whose current version
//! is not in one of the supervisor's reviews. So work that syncs days after it was recorded
//! still reaches the queue, and a record edited after it was reviewed comes back as "changed".
//! Reviews are append-only records of kind `review`, synced (to supervisors only) and audited
//! as consultation.

use super::audit::{self, AuditAction, AuditEvent};
use super::contacts::check_user;
use super::rows::{from_json, to_json, OptionalRow};
use super::sql_time::{t, truncate, SqlTime};
use super::Store;
use crate::error::Result;
use crate::ids::{ReviewId, UserId};
use crate::model::{Actor, Review, ReviewItemKind, ReviewedItem, MAX_REVIEW_ITEMS};
use crate::oldest_kept::OldestKeptPer;
use crate::validation::{Rule, ValidationError};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The audit log's name for a review.
const KIND: &str = "review";

/// One record waiting for review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewQueueItem {
    /// The record and the version that would be marked reviewed.
    pub item: ReviewedItem,
    /// Who recorded it (a patrol's recorder, a contact's recorder, a step's author).
    pub member: UserId,
    /// When it happened: a contact's time, a patrol's start, a step's recording.
    pub at: DateTime<Utc>,
    /// An earlier version was reviewed; this one changed since.
    pub changed: bool,
    /// A line about it, from codes and the team's own text (never a member of the public's
    /// personal details).
    pub summary: String,
}

/// One team member's part of the queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberQueue {
    pub member: UserId,
    /// Their display name, when this device knows them.
    pub name: Option<String>,
    /// Oldest first: every one waiting, or the oldest of them when the queue was asked for a
    /// page ([`Store::review_queue_page`]).
    pub items: Vec<ReviewQueueItem>,
    /// How many of this member's records wait, listed in `items` or not.
    pub waiting: usize,
}

impl MemberQueue {
    /// How many items of `kind` wait.
    pub fn count(&self, kind: ReviewItemKind) -> usize {
        self.items.iter().filter(|i| i.item.kind == kind).count()
    }
}

fn require_supervisor(actor: &Actor) -> Result<()> {
    if actor.role.is_supervisor() {
        Ok(())
    } else {
        Err(ValidationError::new("actor", Rule::SupervisorOnly).into())
    }
}

impl Store {
    /// What `actor` (a supervisor) has not reviewed yet, per team member (by name), each
    /// member's items oldest first. Their own records are left out. `since` limits the queue to
    /// versions made from then on (a new supervisor need not start with a year of history).
    pub fn review_queue(
        &self,
        actor: &Actor,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<MemberQueue>> {
        self.read_review_queue(actor, since, None)
    }

    /// The same queue as [`review_queue`](Self::review_queue), each member's `items` only their
    /// oldest `per_member` (with `waiting` counting them all): what a screen shows, held
    /// without the rest of a long queue (a year of a team never reviewed is every record it
    /// made).
    pub fn review_queue_page(
        &self,
        actor: &Actor,
        since: Option<DateTime<Utc>>,
        per_member: usize,
    ) -> Result<Vec<MemberQueue>> {
        self.read_review_queue(actor, since, Some(per_member))
    }

    fn read_review_queue(
        &self,
        actor: &Actor,
        since: Option<DateTime<Utc>>,
        per_member: Option<usize>,
    ) -> Result<Vec<MemberQueue>> {
        require_supervisor(actor)?;
        let since = t(since.unwrap_or(DateTime::<Utc>::UNIX_EPOCH));
        self.read(|conn| {
            let mut waiting = Waiting::new(per_member);
            contacts_waiting(conn, actor.user_id, since, &mut waiting)?;
            patrols_waiting(conn, actor.user_id, since, &mut waiting)?;
            steps_waiting(conn, actor.user_id, since, &mut waiting)?;
            let names: BTreeMap<UserId, String> = conn
                .prepare_cached("SELECT id, display_name FROM users")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let mut queue: Vec<MemberQueue> = waiting
                .into_groups()
                .map(|(member, waiting, items)| MemberQueue {
                    member,
                    name: names.get(&member).cloned(),
                    items,
                    waiting,
                })
                .collect();
            queue.sort_by(|a, b| {
                (a.name.is_none(), &a.name, a.member).cmp(&(b.name.is_none(), &b.name, b.member))
            });
            Ok(queue)
        })
    }

    /// Marks `items` of `member`'s work reviewed by `actor` (a supervisor): one review record
    /// per [`MAX_REVIEW_ITEMS`] items, each synced and audited as a consultation. Items already
    /// reviewed are left out; returns the reviews written (none when nothing was new).
    pub fn mark_reviewed(
        &self,
        actor: &Actor,
        member: UserId,
        items: &[ReviewedItem],
    ) -> Result<Vec<Review>> {
        require_supervisor(actor)?;
        if items.is_empty() {
            return Err(ValidationError::new("items", Rule::Required).into());
        }
        let now = self.now();
        let mut unique: Vec<ReviewedItem> = items
            .iter()
            .map(|i| ReviewedItem {
                version: truncate(i.version),
                ..i.clone()
            })
            .collect();
        unique.sort();
        unique.dedup();
        let reviews: Vec<Review> = unique
            .chunks(MAX_REVIEW_ITEMS)
            .map(|chunk| Review {
                id: ReviewId::new(),
                reviewer: actor.user_id,
                member,
                reviewed_at: now,
                items: chunk.to_vec(),
            })
            .collect();
        for review in &reviews {
            review.validate()?;
        }
        self.write_as(Some(actor), |tx| {
            check_user(tx, "member", member)?;
            let mut written = Vec::new();
            for mut review in reviews {
                review
                    .items
                    .retain(|i| !is_reviewed(tx, actor.user_id, i).unwrap_or(false));
                if review.items.is_empty() {
                    continue;
                }
                insert(tx, &review)?;
                let detail = format!(
                    "member {member}: {} contacts, {} patrols, {} problem steps",
                    count(&review, ReviewItemKind::Contact),
                    count(&review, ReviewItemKind::Patrol),
                    count(&review, ReviewItemKind::ProblemStep),
                );
                audit::append(
                    tx,
                    actor,
                    now,
                    AuditEvent::new(AuditAction::Consultation, KIND, &review.id.to_string())
                        .detail(&detail),
                )?;
                written.push(review);
            }
            Ok(written)
        })
    }

    /// Reviews on this device (by `reviewer`, or everyone's), oldest first.
    pub fn reviews(&self, reviewer: Option<UserId>) -> Result<Vec<Review>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, reviewer, member, reviewed_at, items FROM reviews
                 WHERE ?1 IS NULL OR reviewer = ?1 ORDER BY reviewed_at, id",
            )?;
            let rows = stmt.query_map([reviewer], from_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }
}

fn count(review: &Review, kind: ReviewItemKind) -> usize {
    review.items.iter().filter(|i| i.kind == kind).count()
}

fn is_reviewed(conn: &Connection, reviewer: UserId, item: &ReviewedItem) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM reviewed_items WHERE reviewer = ?1 AND record_kind = ?2
               AND record_id = ?3 AND version = ?4)",
        )?
        .query_row(
            params![reviewer, item.kind, item.id, t(item.version)],
            |r| r.get(0),
        )?)
}

/// Writes a review and its items (also used when a review arrives by sync).
pub(crate) fn insert(conn: &Connection, review: &Review) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO reviews (id, reviewer, member, reviewed_at, items) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO NOTHING",
    )?
    .execute(params![
        review.id,
        review.reviewer,
        review.member,
        t(review.reviewed_at),
        to_json(&review.items)?,
    ])?;
    for item in &review.items {
        conn.prepare_cached(
            "INSERT OR IGNORE INTO reviewed_items (reviewer, record_kind, record_id, version,
               review_id) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            review.reviewer,
            item.kind,
            item.id,
            t(item.version),
            review.id
        ])?;
    }
    Ok(())
}

pub(crate) fn load(conn: &Connection, id: ReviewId) -> Result<Review> {
    conn.prepare_cached(
        "SELECT id, reviewer, member, reviewed_at, items FROM reviews WHERE id = ?1",
    )?
    .query_row([id], from_row)
    .or_not_found(KIND, id)
}

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Review> {
    Ok(Review {
        id: r.get(0)?,
        reviewer: r.get(1)?,
        member: r.get(2)?,
        reviewed_at: r.get::<_, SqlTime>(3)?.0,
        items: from_json(&r.get::<_, String>(4)?)?,
    })
}

/// The SQL for one kind's waiting records: those whose current version `?1` has not
/// reviewed, with whether any earlier version was (`changed`).
fn waiting_sql(columns: &str, from: &str, kind: &str, id: &str, version: &str) -> String {
    format!(
        "SELECT {columns}, EXISTS (SELECT 1 FROM reviewed_items r WHERE r.reviewer = ?1
           AND r.record_kind = '{kind}' AND r.record_id = {id}) AS changed
         FROM {from} AND NOT EXISTS (SELECT 1 FROM reviewed_items r WHERE r.reviewer = ?1
           AND r.record_kind = '{kind}' AND r.record_id = {id} AND r.version = {version})"
    )
}

/// The queue as its rows are read: per member, the oldest items (all, without a page size)
/// and how many there are.
type Waiting = OldestKeptPer<UserId, (DateTime<Utc>, ReviewedItem), ReviewQueueItem>;

/// Offers the queue item of a row whose first four columns are id, version, member and time,
/// and whose last column (`last`) is `changed`, in the queue's order: when it happened, then
/// which record at which version. Its `summary` is read only if the item is kept (a page of a
/// long queue summarises its page, not every row).
fn offer_row(
    waiting: &mut Waiting,
    r: &rusqlite::Row<'_>,
    kind: ReviewItemKind,
    last: usize,
    summary: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<String>,
) -> rusqlite::Result<()> {
    let item = ReviewedItem {
        kind,
        id: r.get(0)?,
        version: r.get::<_, SqlTime>(1)?.0,
    };
    let member: UserId = r.get(2)?;
    let at = r.get::<_, SqlTime>(3)?.0;
    waiting.offer_with(member, (at, item.clone()), || {
        Ok(ReviewQueueItem {
            item,
            member,
            at,
            changed: r.get(last)?,
            summary: summary(r)?,
        })
    })
}

/// Offers every row `sql` gives for `(me, since)` ([`offer_row`]'s columns).
fn offer_rows(
    conn: &Connection,
    sql: &str,
    (me, since): (UserId, SqlTime),
    out: &mut Waiting,
    kind: ReviewItemKind,
    last: usize,
    summary: impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<String>,
) -> Result<()> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params![me, since])?;
    while let Some(row) = rows.next()? {
        offer_row(out, row, kind, last, &summary)?;
    }
    Ok(())
}

fn contacts_waiting(
    conn: &Connection,
    me: UserId,
    since: SqlTime,
    out: &mut Waiting,
) -> Result<()> {
    let sql = waiting_sql(
        "c.id, c.updated_at, c.recorded_by, c.occurred_at, c.method, c.audience,
           c.people_count, c.issues, c.lsoa_code, c.promised IS NOT NULL,
           c.redacted_at IS NOT NULL",
        "contacts c WHERE c.recorded_by != ?1 AND c.updated_at >= ?2",
        "contact",
        "c.id",
        "c.updated_at",
    );
    offer_rows(
        conn,
        &sql,
        (me, since),
        out,
        ReviewItemKind::Contact,
        11,
        contact_summary,
    )
}

/// What the queue says of a contact (its row as `contacts_waiting` reads it).
fn contact_summary(r: &rusqlite::Row<'_>) -> rusqlite::Result<String> {
    let issues: Vec<String> = from_json(&r.get::<_, String>(7)?)?;
    let mut summary = format!(
        "{} with {} ({} {})",
        r.get::<_, String>(4)?,
        r.get::<_, String>(5)?,
        r.get::<_, i64>(6)?,
        if r.get::<_, i64>(6)? == 1 {
            "person"
        } else {
            "people"
        }
    );
    if !issues.is_empty() {
        summary.push_str(&format!("; {}", issues.join(", ")));
    }
    if let Some(lsoa) = r.get::<_, Option<String>>(8)? {
        summary.push_str(&format!("; {lsoa}"));
    }
    if r.get::<_, bool>(9)? {
        summary.push_str("; promise made");
    }
    if r.get::<_, bool>(10)? {
        summary.push_str("; redacted");
    }
    Ok(summary)
}

fn patrols_waiting(conn: &Connection, me: UserId, since: SqlTime, out: &mut Waiting) -> Result<()> {
    let sql = waiting_sql(
        "p.id, p.updated_at, p.recorded_by, p.started_at, p.kind, p.area_id, p.purpose,
           p.ended_at",
        "patrols p WHERE p.recorded_by != ?1 AND p.updated_at >= ?2",
        "patrol",
        "p.id",
        "p.updated_at",
    );
    offer_rows(
        conn,
        &sql,
        (me, since),
        out,
        ReviewItemKind::Patrol,
        8,
        patrol_summary,
    )
}

/// What the queue says of a patrol (its row as `patrols_waiting` reads it).
fn patrol_summary(r: &rusqlite::Row<'_>) -> rusqlite::Result<String> {
    let started: SqlTime = r.get(3)?;
    let ended: Option<SqlTime> = r.get(7)?;
    let length = match ended {
        Some(end) => {
            let minutes = (end.0 - started.0).num_minutes();
            format!("{}h{:02}", minutes / 60, minutes % 60)
        }
        None => "still out".to_owned(),
    };
    Ok(format!(
        "{} patrol, {} ({length}): {}",
        r.get::<_, String>(4)?,
        r.get::<_, String>(5)?,
        r.get::<_, String>(6)?
    ))
}

fn steps_waiting(conn: &Connection, me: UserId, since: SqlTime, out: &mut Waiting) -> Result<()> {
    let sql = waiting_sql(
        "s.id, s.recorded_at, s.author, s.recorded_at,
           coalesce(p.title, 'problem ' || s.problem_id), s.stage, s.text",
        "problem_steps s LEFT JOIN problems p ON p.id = s.problem_id
         WHERE s.author != ?1 AND s.recorded_at >= ?2",
        "problem_step",
        "s.id",
        "s.recorded_at",
    );
    offer_rows(
        conn,
        &sql,
        (me, since),
        out,
        ReviewItemKind::ProblemStep,
        7,
        step_summary,
    )
}

/// What the queue says of a problem step (its row as `steps_waiting` reads it).
fn step_summary(r: &rusqlite::Row<'_>) -> rusqlite::Result<String> {
    Ok(format!(
        "{} [{}]: {}",
        r.get::<_, String>(4)?,
        r.get::<_, String>(5)?,
        r.get::<_, String>(6)?
    ))
}
