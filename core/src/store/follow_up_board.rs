//! The supervisor's follow-up board: every open promise across the team, overdue first, with
//! its owner and age — a volunteer's referral with no owner yet, naming who referred it — and
//! giving a referral to someone or reassigning a promise to someone else (a PCSO on leave, a promise
//! better kept by the beat officer). Reassignment is a change of the follow-up's `owner`,
//! synced like any other edit; only supervisors may make it (the server checks too).

use super::audit::{self, AuditAction, AuditEvent};
use super::contacts::check_user;
use super::follow_ups::{from_row, load};
use super::sql_time::t;
use super::Store;
use crate::error::Result;
use crate::ids::{FollowUpId, UserId};
use crate::model::{Actor, FollowUp, FollowUpStatus, Role};
use crate::reports::{FollowUpFigures, Period, ReportArea, ReportQuery};
use crate::validation::{Rule, ValidationError};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

/// One open promise on the board.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoardRow {
    pub follow_up: FollowUp,
    /// The owner's display name, when this device knows them (none while a referral waits
    /// for a supervisor to give it to someone).
    pub owner_name: Option<String>,
    /// For a volunteer's referral: the volunteer's display name, when this device knows them.
    pub referred_by_name: Option<String>,
    pub overdue: bool,
    /// Whole hours since the promise was made.
    pub age_hours: i64,
}

impl Store {
    /// Every open follow-up on this device (for a supervisor: the whole team's), overdue first
    /// (most overdue first), then by due time.
    pub fn follow_up_board(&self, now: DateTime<Utc>) -> Result<Vec<BoardRow>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT f.id, f.contact_id, f.promise, f.owner, f.created_at, f.due_at, f.status,
                   f.answered_at, f.outcome, f.correction_reason, f.referred_by, u.display_name,
                   r.display_name
                 FROM follow_ups f LEFT JOIN users u ON u.id = f.owner
                   LEFT JOIN users r ON r.id = f.referred_by
                 WHERE f.status = 'open'
                 ORDER BY f.due_at >= ?1, f.due_at, f.id",
            )?;
            let rows = stmt.query_map(params![t(now)], |r| {
                let follow_up = from_row(r)?;
                Ok(BoardRow {
                    overdue: follow_up.is_overdue(now),
                    age_hours: (now - follow_up.created_at).num_hours(),
                    owner_name: r.get(11)?,
                    referred_by_name: r.get(12)?,
                    follow_up,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Gives an open follow-up to `new_owner` (a supervisor only; not to a volunteer, who
    /// never handles the public's follow-ups). Audited as an alteration of its owner.
    pub fn reassign_follow_up(
        &self,
        actor: &Actor,
        id: FollowUpId,
        new_owner: UserId,
    ) -> Result<FollowUp> {
        if !actor.role.is_supervisor() {
            return Err(ValidationError::new("actor", Rule::SupervisorOnly).into());
        }
        let now = self.now();
        self.write_as(Some(actor), |tx| {
            check_owner(tx, new_owner)?;
            let current = load(tx, id)?;
            if current.status != FollowUpStatus::Open {
                return Err(ValidationError::new(
                    "status",
                    Rule::InvalidState {
                        reason: "only an open follow-up can be reassigned",
                    },
                )
                .into());
            }
            if current.owner == Some(new_owner) {
                return Err(ValidationError::new(
                    "owner",
                    Rule::InvalidState {
                        reason: "the follow-up already belongs to them",
                    },
                )
                .into());
            }
            // A referral is given to someone the same way: it gains an owner.
            tx.prepare_cached("UPDATE follow_ups SET owner = ?2 WHERE id = ?1")?
                .execute(params![id, new_owner])?;
            audit::append(
                tx,
                actor,
                now,
                AuditEvent::new(AuditAction::Alteration, "follow_up", &id.to_string())
                    .detail("owner"),
            )?;
            load(tx, id)
        })
    }
}

/// A follow-up's owner must be a known user who is not a volunteer (volunteers never handle
/// the public's follow-ups).
pub(crate) fn check_owner(conn: &Connection, owner: UserId) -> Result<()> {
    check_user(conn, "owner", owner)?;
    let role: Role = conn.query_row("SELECT role FROM users WHERE id = ?1", [owner], |r| {
        r.get(0)
    })?;
    if role == Role::Volunteer {
        return Err(ValidationError::new(
            "owner",
            Rule::RoleNotAllowed {
                reason: "volunteers do not own follow-ups",
            },
        )
        .into());
    }
    Ok(())
}

impl Store {
    /// The 72-hour promise over `period` as known at `as_of`: the report module's follow-up
    /// figures for everything on this device (one definition of the figure, in
    /// `crate::reports`; see `docs/supervisors.md`).
    pub fn follow_up_promptness(
        &self,
        period: &Period,
        as_of: DateTime<Utc>,
    ) -> Result<FollowUpFigures> {
        let query = ReportQuery {
            period: *period,
            area: ReportArea::All,
            as_of,
        };
        Ok(self.report(&query)?.follow_ups)
    }
}
