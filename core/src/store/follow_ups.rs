//! Follow-ups: the promises made to the public, made when a contact records one, answered by
//! their owner.

use super::audit::{self, AuditAction, AuditEvent};
use super::rows::OptionalRow;
use super::sql_time::{opt_t, t, truncate, SqlTime};
use super::Store;
use crate::error::{Error, Result};
use crate::ids::{FollowUpId, UserId};
use crate::model::{Actor, FollowUp, FollowUpStatus};
use crate::policy::{Denial, DenialCode};
use crate::validation::{check, limits, Rule, ValidationError};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, Row};

const KIND: &str = "follow_up";
const SELECT: &str = "SELECT id, contact_id, promise, owner, created_at, due_at, status,
    answered_at, outcome, correction_reason, referred_by FROM follow_ups";

/// Writes a follow-up whole: the one writer of `follow_ups`, for a promise recorded here and
/// one pulled alike (its creation time never changes).
pub(crate) fn write(conn: &Connection, f: &FollowUp) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO follow_ups (id, contact_id, promise, owner, created_at, due_at, status,
           answered_at, outcome, correction_reason, referred_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (id) DO UPDATE SET contact_id = excluded.contact_id,
           promise = excluded.promise, owner = excluded.owner, due_at = excluded.due_at,
           status = excluded.status, answered_at = excluded.answered_at, outcome = excluded.outcome,
           correction_reason = excluded.correction_reason, referred_by = excluded.referred_by",
    )?
    .execute(params![
        f.id,
        f.contact_id,
        f.promise,
        f.owner,
        t(f.created_at),
        t(f.due_at),
        f.status,
        opt_t(f.answered_at),
        f.outcome,
        f.correction_reason,
        f.referred_by,
    ])?;
    Ok(())
}

impl Store {
    pub fn follow_up(&self, id: FollowUpId) -> Result<FollowUp> {
        self.read(|conn| load(conn, id))
    }

    /// `owner`'s open follow-ups: overdue ones first (most overdue first), then by due time.
    pub fn open_follow_ups(&self, owner: UserId, now: DateTime<Utc>) -> Result<Vec<FollowUp>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "{SELECT} WHERE owner = ?1 AND status = 'open'
                 ORDER BY due_at >= ?2, due_at, id"
            ))?;
            let rows = stmt.query_map(params![owner, t(now)], from_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// The promises `volunteer` referred to their team: shown as "referred", never as follow-ups
    /// they owe (a volunteer never receives them back, so they stay as made). Newest first.
    pub fn referred_by(&self, volunteer: UserId) -> Result<Vec<FollowUp>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "{SELECT} WHERE referred_by = ?1 ORDER BY created_at DESC, id"
            ))?;
            let rows = stmt.query_map(params![volunteer], from_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// `owner`'s open follow-ups that someone else promised: the contact was recorded by
    /// another officer and the follow-up was given or reassigned to `owner`. Due first.
    pub fn follow_ups_given_to(&self, owner: UserId) -> Result<Vec<FollowUp>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "{SELECT} WHERE owner = ?1 AND status = 'open' AND contact_id IN
                   (SELECT c.id FROM contacts c WHERE c.id = follow_ups.contact_id
                      AND c.recorded_by != ?1)
                 ORDER BY due_at, id"
            ))?;
            let rows = stmt.query_map(params![owner], from_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Marks a follow-up answered, with what was done. Its owner or a supervisor may.
    pub fn answer_follow_up(
        &self,
        actor: &Actor,
        id: FollowUpId,
        outcome: &str,
        answered_at: DateTime<Utc>,
    ) -> Result<FollowUp> {
        check::required_text("outcome", outcome, limits::LONG_TEXT)?;
        self.change_status(actor, id, FollowUpStatus::Answered, outcome, answered_at)
    }

    /// Cancels a follow-up that no longer applies, with the reason.
    pub fn cancel_follow_up(
        &self,
        actor: &Actor,
        id: FollowUpId,
        reason: &str,
    ) -> Result<FollowUp> {
        check::required_text("outcome", reason, limits::LONG_TEXT)?;
        self.change_status(actor, id, FollowUpStatus::Cancelled, reason, self.now())
    }

    fn change_status(
        &self,
        actor: &Actor,
        id: FollowUpId,
        status: FollowUpStatus,
        outcome: &str,
        at: DateTime<Utc>,
    ) -> Result<FollowUp> {
        let at = truncate(at);
        self.write_as(Some(actor), |tx| {
            let current = load(tx, id)?;
            may_close(actor, &current)?;
            if current.status != FollowUpStatus::Open {
                return Err(ValidationError::new(
                    "status",
                    Rule::InvalidState {
                        reason: "the follow-up is already closed",
                    },
                )
                .into());
            }
            if at < current.created_at {
                return Err(ValidationError::new(
                    "answered_at",
                    Rule::TimeNotAllowed {
                        reason: "before the promise was made",
                    },
                )
                .into());
            }
            tx.prepare_cached(
                "UPDATE follow_ups SET status = ?2, answered_at = ?3, outcome = ?4 WHERE id = ?1",
            )?
            .execute(params![id, status, t(at), outcome.trim()])?;
            audit::append(
                tx,
                actor,
                self.now(),
                AuditEvent::new(AuditAction::Alteration, KIND, &id.to_string())
                    .detail(status.as_str()),
            )?;
            load(tx, id)
        })
    }
}

/// The owner or a supervisor may close a follow-up.
fn may_close(actor: &Actor, follow_up: &FollowUp) -> Result<()> {
    if follow_up.owner != Some(actor.user_id) && !actor.role.is_supervisor() {
        return Err(Error::Denied(Denial::new(DenialCode::NotFollowUpOwner)));
    }
    Ok(())
}

/// Who may correct a follow-up: its owner or a supervisor; giving it to someone else, as a
/// reassignment, a supervisor only.
pub(crate) fn may_amend(
    actor: &Actor,
    follow_up: &FollowUp,
    new_owner: Option<UserId>,
) -> Result<()> {
    if new_owner.is_some_and(|owner| Some(owner) != follow_up.owner) && !actor.role.is_supervisor()
    {
        return Err(Error::Denied(Denial::new(DenialCode::AssignBySupervisors)));
    }
    if follow_up.owner != Some(actor.user_id) && !actor.role.is_supervisor() {
        return Err(Error::Denied(Denial::new(DenialCode::NotFollowUpOwner)));
    }
    Ok(())
}

pub(crate) fn load(conn: &Connection, id: FollowUpId) -> Result<FollowUp> {
    conn.prepare_cached(&format!("{SELECT} WHERE id = ?1"))?
        .query_row([id], from_row)
        .or_not_found(KIND, id)
}

pub(crate) fn from_row(r: &Row<'_>) -> rusqlite::Result<FollowUp> {
    Ok(FollowUp {
        id: r.get(0)?,
        contact_id: r.get(1)?,
        promise: r.get(2)?,
        owner: r.get(3)?,
        created_at: r.get::<_, SqlTime>(4)?.0,
        due_at: r.get::<_, SqlTime>(5)?.0,
        status: r.get(6)?,
        answered_at: r.get::<_, Option<SqlTime>>(7)?.map(|s| s.0),
        outcome: r.get(8)?,
        correction_reason: r.get(9)?,
        referred_by: r.get(10)?,
    })
}
