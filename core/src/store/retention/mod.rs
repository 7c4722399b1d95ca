//! Retention on the device (MoPI, issue 12 item 4): the schedule and the decisions to retain
//! as received, what is due for a supervisor's review, retaining and disposing at review, and
//! applying the schedule offline.
//!
//! - [`Store::retention_schedule`]: the schedule in force here (nothing scheduled until one is
//!   received).
//! - [`Store::retention_due`]: the records a supervisor must review (due, or expired and not
//!   yet dropped), each with a label that names no one.
//! - [`Store::retain`] / [`Store::dispose`]: a supervisor's decision at review; both synced
//!   like any write and logged (s.62).
//! - [`Store::apply_retention`]: drops what has passed its date from this device only (see
//!   `apply.rs`). `Store::open` does not run it — opening stays free of side effects; the app
//!   calls it at launch and the sync client before every push and after a pull that changed
//!   the schedule or a decision.

mod apply;
mod candidates;
mod held;
pub(crate) mod records;

#[cfg(test)]
mod tests;

use super::audit::{self, AuditAction, AuditEvent};
use super::Store;
use crate::error::{Error, Result};
use crate::ids::{ContactId, NoteId, PatrolId, ProblemId, TeamId};
use crate::model::Actor;
use crate::policy::{Denial, DenialCode};
use crate::retention::{RetainedKind, RetentionReview, RetentionSchedule};
use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

pub use apply::RetentionApplied;

/// What the audit detail of a disposal at review says.
const DISPOSAL_DETAIL: &str = "disposal at review";

/// A record on the supervisor's review list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueForReview {
    pub kind: RetainedKind,
    pub record_id: String,
    /// Kind, short reference, date and area (a problem's title): never personal details, a
    /// note's text or a problem's analysis triangle.
    pub label: String,
    /// The stated time its period runs from (`None` for an open problem kept by a decision).
    pub anchor: Option<DateTime<Utc>>,
    pub review_on: DateTime<Utc>,
    /// Past its date: the next `apply_retention` drops it unless it is retained first.
    pub expired: bool,
}

fn supervisor(actor: &Actor, code: DenialCode) -> Result<()> {
    if actor.role.is_supervisor() {
        Ok(())
    } else {
        Err(Error::Denied(Denial::new(code)))
    }
}

impl Store {
    /// The retention schedule in force on this device: the one last received, or nothing
    /// scheduled.
    pub fn retention_schedule(&self) -> Result<RetentionSchedule> {
        self.read(records::schedule_in_force)
    }

    /// The team's records due for review at the store's clock (or expired and not yet
    /// dropped), soonest review date first. Supervisors only.
    pub fn retention_due(&self, actor: &Actor) -> Result<Vec<DueForReview>> {
        supervisor(actor, DenialCode::RetentionBySupervisors)?;
        let now = self.now();
        let mut due: Vec<DueForReview> = self.read(|conn| {
            let schedule = records::schedule_in_force(conn)?;
            let reached = candidates::reached(conn, &schedule, now, false)?;
            Ok(reached
                .into_iter()
                .filter_map(|c| {
                    Some(DueForReview {
                        review_on: c.status.review_on()?,
                        expired: c.status.is_expired(),
                        kind: c.kind,
                        record_id: c.record_id,
                        label: c.label,
                        anchor: c.anchor,
                    })
                })
                .collect())
        })?;
        due.sort_by(|a, b| {
            (a.review_on, a.kind.as_str(), &a.record_id).cmp(&(
                b.review_on,
                b.kind.as_str(),
                &b.record_id,
            ))
        });
        Ok(due)
    }

    /// A supervisor's decision to keep `record_id` of `kind` until `review_on`, with the
    /// reason. Written as the synced record `retention_review` (a later decision replaces it)
    /// and logged as an alteration of the record's retention, with the reason, never values.
    pub fn retain(
        &self,
        actor: &Actor,
        kind: RetainedKind,
        record_id: &str,
        review_on: DateTime<Utc>,
        reason: &str,
    ) -> Result<RetentionReview> {
        supervisor(actor, DenialCode::RetentionBySupervisors)?;
        let now = self.now();
        let team_id = self.read(|conn| {
            if !candidates::exists(conn, kind, record_id)? {
                return Err(Error::not_found(kind.as_str(), record_id));
            }
            actor_team(conn, actor)
        })?;
        let review = RetentionReview {
            record_kind: kind,
            record_id: record_id.to_owned(),
            team_id,
            review_on: super::sql_time::truncate(review_on),
            reason: reason.trim().to_owned(),
            decided_by: actor.user_id,
            decided_at: now,
        };
        review.validate()?;
        let detail = format!(
            "retained at review until {}",
            review.review_on.format("%Y-%m-%d")
        );
        self.write_as(Some(actor), |tx| {
            records::write_review(tx, &review.id(), &review)?;
            audit::append(
                tx,
                actor,
                now,
                AuditEvent::new(AuditAction::Alteration, kind.as_str(), record_id)
                    .justified(&review.reason)
                    .detail(&detail),
            )
        })?;
        Ok(review)
    }

    /// Disposes of a record at review, now, with the reason: a contact's personal details are
    /// redacted, any other kind is erased (with what hangs off it). Synced as today's
    /// redactions and erasures are, and logged as erasure ("disposal at review"). Supervisors
    /// only.
    pub fn dispose(
        &self,
        actor: &Actor,
        kind: RetainedKind,
        record_id: &str,
        reason: &str,
    ) -> Result<()> {
        supervisor(actor, DenialCode::ErasureBySupervisors)?;
        let bad_id = |_| Error::not_found(kind.as_str(), record_id);
        let detail = Some(DISPOSAL_DETAIL);
        match kind {
            RetainedKind::ContactPersonal => {
                let id = record_id.parse::<ContactId>().map_err(bad_id)?;
                self.redact_contact_with(actor, id, reason, DISPOSAL_DETAIL)
                    .map(|_| ())
            }
            RetainedKind::Contact => {
                let id = record_id.parse::<ContactId>().map_err(bad_id)?;
                self.erase_contact_with(actor, id, reason, detail)
            }
            RetainedKind::Note => {
                let id = record_id.parse::<NoteId>().map_err(bad_id)?;
                self.erase_note_with(actor, id, reason, detail)
            }
            RetainedKind::Patrol => {
                let id = record_id.parse::<PatrolId>().map_err(bad_id)?;
                self.erase_patrol_with(actor, id, reason, detail)
            }
            RetainedKind::Problem => {
                let id = record_id.parse::<ProblemId>().map_err(bad_id)?;
                self.erase_problem_with(actor, id, reason, detail)
            }
        }
    }
}

/// The team of the actor, whose devices a decision travels to.
fn actor_team(conn: &rusqlite::Connection, actor: &Actor) -> Result<TeamId> {
    let team: Option<Option<TeamId>> = conn
        .prepare_cached("SELECT team_id FROM users WHERE id = ?1")?
        .query_row([actor.user_id], |r| r.get(0))
        .optional()?;
    team.flatten().ok_or_else(|| {
        crate::validation::ValidationError::new(
            "actor",
            crate::validation::Rule::InvalidState {
                reason: "a retention decision needs the supervisor's team",
            },
        )
        .into()
    })
}
