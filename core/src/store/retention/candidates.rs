//! The records that may be due for review or expired at a time, found as an index range per
//! kind — never a scan of the store — and judged by the one pure rule
//! ([`crate::retention::status`]), so that the device and the server agree on every date.
//!
//! Two ranges per kind: records whose anchor is old enough for the schedule's date to fall by
//! the horizon (the kind's anchor index, see migration 0017), and records with a decision to
//! retain whose date falls by the horizon (`retention_reviews_due`). A record in the first
//! range with a later decision is judged by the decision and drops out; what remains in the
//! ranges is bounded by what is due, expired and retained, not by the store's size.

use crate::error::Result;
use crate::retention::RetentionStatus;
use crate::retention::{anchor_of, status, Anchor, RetainedKind, RetentionSchedule};
use crate::short_ref::short_ref_of;
use crate::store::sql_time::{t, SqlTime};
use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, OptionalExtension, Row};
use std::collections::BTreeMap;

/// One record the schedule has reached (due for review or expired).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Candidate {
    pub kind: RetainedKind,
    pub record_id: String,
    pub anchor: Option<DateTime<Utc>>,
    pub label: String,
    pub status: RetentionStatus,
}

/// Per kind: the columns every query selects (id, anchor, two label parts), the table and the
/// condition a record must meet to be governed by the kind. `{anchor}` is the indexed anchor.
struct KindQuery {
    select: &'static str,
    anchor: &'static str,
    condition: &'static str,
}

fn query_of(kind: RetainedKind) -> KindQuery {
    match kind {
        RetainedKind::ContactPersonal => KindQuery {
            select: "SELECT id, occurred_at, lsoa_code, lap_code FROM contacts",
            anchor: "occurred_at",
            // The partial index `contacts_personal_anchor`: contacts still holding some.
            condition: "(personal_held = 1 OR ethnicity IS NOT NULL)",
        },
        RetainedKind::Contact => KindQuery {
            select: "SELECT id, occurred_at, lsoa_code, lap_code FROM contacts",
            anchor: "occurred_at",
            condition: "1",
        },
        RetainedKind::Note => KindQuery {
            select: "SELECT id, created_at, NULL, NULL FROM notes",
            anchor: "created_at",
            condition: "1",
        },
        RetainedKind::Patrol => KindQuery {
            select: "SELECT id, coalesce(ended_at, started_at), area_kind, area_id FROM patrols",
            anchor: "coalesce(ended_at, started_at)",
            condition: "1",
        },
        RetainedKind::Problem => KindQuery {
            // Open problems are not anchored: only closed ones are in the range.
            select: "SELECT id, CASE WHEN stage = 'closed' THEN stage_changed_at END, title, NULL
                     FROM problems",
            anchor: "stage_changed_at",
            condition: "stage = 'closed'",
        },
    }
}

/// The rows of the kind whose anchor is at or before `cutoff` (the anchor index's range).
fn by_anchor_sql(kind: RetainedKind) -> String {
    let q = query_of(kind);
    format!("{} WHERE {} AND {} <= ?1", q.select, q.condition, q.anchor)
}

/// The row of one record of the kind, if it is governed by the kind.
fn by_id_sql(kind: RetainedKind) -> String {
    let q = query_of(kind);
    let condition = match kind {
        // A decision keeps an open problem too: it is judged by the decision's date.
        RetainedKind::Problem => "1",
        _ => q.condition,
    };
    format!("{} WHERE {condition} AND id = ?1", q.select)
}

struct Row4 {
    id: String,
    anchor: Option<DateTime<Utc>>,
    a: Option<String>,
    b: Option<String>,
}

fn row4(r: &Row<'_>) -> rusqlite::Result<Row4> {
    Ok(Row4 {
        id: r.get(0)?,
        anchor: r.get::<_, Option<SqlTime>>(1)?.map(|s| s.0),
        a: r.get(2)?,
        b: r.get(3)?,
    })
}

/// The record's row, when it is here and governed by the kind.
fn record_row(conn: &Connection, kind: RetainedKind, id: &str) -> Result<Option<Row4>> {
    Ok(conn
        .prepare_cached(&by_id_sql(kind))?
        .query_row([id], row4)
        .optional()?)
}

/// Whether `id` of `kind` is here (and, for personal details, still held).
pub(crate) fn exists(conn: &Connection, kind: RetainedKind, id: &str) -> Result<bool> {
    Ok(record_row(conn, kind, id)?.is_some())
}

/// Every record the schedule has reached by `now` + the schedule's notice, due or expired,
/// with its status at `now`; only expired ones when `expired_only`.
pub(crate) fn reached(
    conn: &Connection,
    schedule: &RetentionSchedule,
    now: DateTime<Utc>,
    expired_only: bool,
) -> Result<Vec<Candidate>> {
    let horizon = if expired_only {
        now
    } else {
        now + Duration::days(i64::from(schedule.notice_days))
    };
    let mut out = Vec::new();
    for &kind in RetainedKind::ALL {
        let mut rows: BTreeMap<String, Row4> = BTreeMap::new();
        if let Some(days) = schedule.period_days(kind) {
            let cutoff = horizon - Duration::days(i64::from(days));
            let mut stmt = conn.prepare_cached(&by_anchor_sql(kind))?;
            for row in stmt.query_map([t(cutoff)], row4)? {
                let row = row?;
                rows.insert(row.id.clone(), row);
            }
        }
        let mut decided = conn.prepare_cached(
            "SELECT record_id FROM retention_reviews WHERE record_kind = ?1 AND review_on <= ?2",
        )?;
        let ids = decided
            .query_map(rusqlite::params![kind, t(horizon)], |r| {
                r.get::<_, String>(0)
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for id in ids {
            if let std::collections::btree_map::Entry::Vacant(slot) = rows.entry(id) {
                if let Some(row) = record_row(conn, kind, slot.key())? {
                    slot.insert(row);
                }
            }
        }
        for row in rows.into_values() {
            let retained = super::records::retained_until(conn, kind, &row.id)?;
            // The queries give each kind's anchor (a patrol's end, else its start).
            let anchor = anchor_of(kind, row.anchor, None);
            let status = status(schedule, kind, anchor, retained, now);
            let keep = match status {
                RetentionStatus::Expired { .. } => true,
                RetentionStatus::DueForReview { .. } => !expired_only,
                _ => false,
            };
            if keep {
                out.push(Candidate {
                    kind,
                    label: label(kind, &row),
                    anchor: match anchor {
                        Anchor::From(at) => Some(at),
                        Anchor::NotYet => None,
                    },
                    record_id: row.id,
                    status,
                });
            }
        }
    }
    Ok(out)
}

/// A short, non-personal label: the kind, the short reference, the date and the area (a
/// problem's title). Never personal details, a note's text or the analysis triangle.
fn label(kind: RetainedKind, row: &Row4) -> String {
    let reference = short_ref_of(&row.id).unwrap_or_else(|| row.id.clone());
    let date = row
        .anchor
        .map(|at| at.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "an open record".into());
    let area = || {
        row.a
            .as_deref()
            .or(row.b.as_deref())
            .unwrap_or("no recorded area")
            .to_owned()
    };
    match kind {
        RetainedKind::ContactPersonal => {
            format!(
                "Personal details of contact {reference} on {date} at {}",
                area()
            )
        }
        RetainedKind::Contact => format!("Contact {reference} on {date} at {}", area()),
        RetainedKind::Note => format!("Note {reference} of {date}"),
        RetainedKind::Patrol => format!(
            "Patrol {reference} ending {date} in {} {}",
            row.a.as_deref().unwrap_or("area"),
            row.b.as_deref().unwrap_or("")
        )
        .trim_end()
        .to_owned(),
        RetainedKind::Problem => format!(
            "Problem {reference}: {}",
            row.a.as_deref().unwrap_or("(untitled)")
        ),
    }
}
