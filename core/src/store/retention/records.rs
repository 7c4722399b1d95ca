//! The device's copies of the retention schedule and of the supervisors' decisions to retain:
//! the one writer and reader of `retention_schedule` and `retention_reviews`, for a record
//! written here and one pulled alike (materialise, `record_json`).

use crate::error::Result;
use crate::retention::{RetainedKind, RetentionReview, RetentionSchedule};
use crate::store::rows::{from_json, to_json};
use crate::store::sql_time::{t, SqlTime};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};

/// Replaces the schedule with the one received.
pub(crate) fn write_schedule(conn: &Connection, schedule: &RetentionSchedule) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO retention_schedule (id, review_after_days, notice_days) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET review_after_days = excluded.review_after_days,
           notice_days = excluded.notice_days",
    )?
    .execute(params![
        to_json(&schedule.review_after_days)?,
        schedule.notice_days
    ])?;
    Ok(())
}

/// The schedule as received; `None` when none has been.
pub(crate) fn load_schedule(conn: &Connection) -> Result<Option<RetentionSchedule>> {
    Ok(conn
        .prepare_cached(
            "SELECT review_after_days, notice_days FROM retention_schedule WHERE id = 1",
        )?
        .query_row([], |r| {
            Ok(RetentionSchedule {
                review_after_days: from_json(&r.get::<_, String>(0)?)?,
                notice_days: r.get(1)?,
            })
        })
        .optional()?)
}

/// The schedule in force here: nothing scheduled until one is received.
pub(crate) fn schedule_in_force(conn: &Connection) -> Result<RetentionSchedule> {
    Ok(load_schedule(conn)?.unwrap_or_default())
}

/// Writes a decision whole under its synced id (`id` must be the decision's own).
pub(crate) fn write_review(conn: &Connection, id: &str, r: &RetentionReview) -> Result<()> {
    if id != r.id() {
        return Err(crate::validation::ValidationError::new(
            "record_id",
            crate::validation::Rule::InvalidState {
                reason: "a retention review's id names the record it is about",
            },
        )
        .into());
    }
    conn.prepare_cached(
        "INSERT INTO retention_reviews
           (id, record_kind, record_id, team_id, review_on, reason, decided_by, decided_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET team_id = excluded.team_id,
           review_on = excluded.review_on, reason = excluded.reason,
           decided_by = excluded.decided_by, decided_at = excluded.decided_at",
    )?
    .execute(params![
        id,
        r.record_kind,
        r.record_id,
        r.team_id,
        t(r.review_on),
        r.reason,
        r.decided_by,
        t(r.decided_at),
    ])?;
    Ok(())
}

const SELECT_REVIEW: &str = "SELECT record_kind, record_id, team_id, review_on, reason,
    decided_by, decided_at FROM retention_reviews";

/// One decision by its synced id.
pub(crate) fn load_review(conn: &Connection, id: &str) -> Result<Option<RetentionReview>> {
    Ok(conn
        .prepare_cached(&format!("{SELECT_REVIEW} WHERE id = ?1"))?
        .query_row([id], review_from_row)
        .optional()?)
}

/// The date a decision keeps `record_id` of `kind` until, if there is one.
pub(crate) fn retained_until(
    conn: &Connection,
    kind: RetainedKind,
    record_id: &str,
) -> Result<Option<DateTime<Utc>>> {
    Ok(conn
        .prepare_cached("SELECT review_on FROM retention_reviews WHERE id = ?1")?
        .query_row([RetentionReview::record_id_for(kind, record_id)], |r| {
            r.get::<_, SqlTime>(0)
        })
        .optional()?
        .map(|at| at.0))
}

fn review_from_row(r: &Row<'_>) -> rusqlite::Result<RetentionReview> {
    Ok(RetentionReview {
        record_kind: r.get(0)?,
        record_id: r.get(1)?,
        team_id: r.get(2)?,
        review_on: r.get::<_, SqlTime>(3)?.0,
        reason: r.get(4)?,
        decided_by: r.get(5)?,
        decided_at: r.get::<_, SqlTime>(6)?.0,
    })
}
