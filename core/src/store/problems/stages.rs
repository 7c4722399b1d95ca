//! Moving a problem through SARA: the owner asks, a supervisor decides. A move goes forward one
//! stage at a time (or back to an earlier stage), and only with its evidence: an Analysis step
//! before Response, an assessment before Closed. The rules are checked when the move is asked
//! for and again when it is approved, against the problem as it is then. Requests are kept
//! after they are decided, so the record shows every approval and every send-back.

use super::{insert_step, load, reindex, require_open, save, KIND};
use crate::error::{Error, Result};
use crate::ids::{ProblemId, StageRequestId, StepId};
use crate::model::{Actor, Problem, ProblemStep, SaraStage, StageRequest, StageRequestStatus};
use crate::store::audit::{self, AuditAction, AuditEvent};
use crate::store::rows::OptionalRow;
use crate::store::sql_time::{opt_t, t, SqlTime};
use crate::store::Store;
use crate::validation::{check, limits, Rule, ValidationError};
use chrono::Utc;
use rusqlite::{params, Connection, Row};
use serde::{Deserialize, Serialize};

const SELECT_REQUESTS: &str = "SELECT id, problem_id, from_stage, to_stage, requested_by,
    requested_at, reason, status, decided_by, decided_at, decision_reason FROM stage_requests";

/// A supervisor's decision on a stage-move request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum StageDecision {
    /// The problem moves to the requested stage.
    Approve,
    /// The problem stays where it is; the reason tells the owner what is missing.
    SendBack { reason: String },
}

impl Store {
    /// Asks a supervisor to move a problem to `to`. Only the problem's owner (or a supervisor)
    /// may ask, one request at a time, and only for a move the rules allow now.
    pub fn request_stage_move(
        &self,
        actor: &Actor,
        problem_id: ProblemId,
        to: SaraStage,
        reason: Option<String>,
    ) -> Result<StageRequest> {
        let reason = reason
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty());
        check::optional_text("reason", reason.as_deref(), limits::LONG_TEXT)?;
        let now = self.now();
        self.write_as(Some(actor), |tx| {
            let problem = load(tx, problem_id)?;
            if problem.owner != actor.user_id && !actor.role.is_supervisor() {
                return Err(Error::Denied(crate::policy::Denial::new(
                    crate::policy::DenialCode::NotProblemOwner,
                )));
            }
            check_move(tx, &problem, to)?;
            if has_pending(tx, problem_id)? {
                return Err(ValidationError::new(
                    "problem_id",
                    Rule::InvalidState {
                        reason: "the problem already has a stage move waiting for a decision",
                    },
                )
                .into());
            }
            let request = StageRequest {
                id: StageRequestId::new(),
                problem_id,
                from_stage: problem.stage,
                to_stage: to,
                requested_by: actor.user_id,
                requested_at: now,
                reason,
                status: StageRequestStatus::Pending,
                decided_by: None,
                decided_at: None,
                decision_reason: None,
            };
            write_request(tx, &request)?;
            audit::append(
                tx,
                actor,
                now,
                AuditEvent::new(AuditAction::Collection, KIND, &problem_id.to_string())
                    .detail("stage_request"),
            )?;
            Ok(request)
        })
    }

    /// A supervisor approves a pending request (the problem moves, and a step records the
    /// approval) or sends it back with a reason.
    pub fn decide_stage_request(
        &self,
        actor: &Actor,
        request_id: StageRequestId,
        decision: StageDecision,
    ) -> Result<StageRequest> {
        if !actor.role.is_supervisor() {
            return Err(ValidationError::new("actor", Rule::SupervisorOnly).into());
        }
        let decision_reason = match &decision {
            StageDecision::Approve => None,
            StageDecision::SendBack { reason } => {
                check::required_text("reason", reason, limits::LONG_TEXT)?;
                Some(reason.trim().to_owned())
            }
        };
        let now = self.now();
        self.write_as(Some(actor), |tx| {
            let request = load_request(tx, request_id)?;
            if request.status != StageRequestStatus::Pending {
                return Err(ValidationError::new(
                    "request_id",
                    Rule::InvalidState {
                        reason: "the request has already been decided",
                    },
                )
                .into());
            }
            let status = match decision {
                StageDecision::Approve => {
                    approve(tx, actor, &request, now)?;
                    StageRequestStatus::Approved
                }
                StageDecision::SendBack { .. } => StageRequestStatus::SentBack,
            };
            let decided = StageRequest {
                status,
                decided_by: Some(actor.user_id),
                decided_at: Some(now),
                decision_reason,
                ..request
            };
            write_request(tx, &decided)?;
            let detail = match status {
                StageRequestStatus::Approved => "stage_request.status, stage, steps",
                _ => "stage_request.status, stage_request.decision_reason",
            };
            audit::append(
                tx,
                actor,
                now,
                AuditEvent::new(
                    AuditAction::Alteration,
                    KIND,
                    &decided.problem_id.to_string(),
                )
                .detail(detail),
            )?;
            Ok(decided)
        })
    }

    /// A problem's stage requests, oldest first.
    pub fn stage_requests(&self, problem: ProblemId) -> Result<Vec<StageRequest>> {
        self.read(|conn| {
            super::exists(conn, problem)?;
            query_requests(
                conn,
                &format!("{SELECT_REQUESTS} WHERE problem_id = ?1 ORDER BY requested_at, id"),
                params![problem],
            )
        })
    }

    /// `user`'s requests that a supervisor sent back and that still want an answer: no newer
    /// request has been made for the same problem. Most recently decided first.
    pub fn requests_sent_back_to(&self, user: crate::ids::UserId) -> Result<Vec<StageRequest>> {
        self.read(|conn| {
            query_requests(
                conn,
                &format!(
                    "{SELECT_REQUESTS} r WHERE r.requested_by = ?1 AND r.status = ?2
                     AND NOT EXISTS (SELECT 1 FROM stage_requests later
                       WHERE later.problem_id = r.problem_id AND later.id != r.id
                         AND later.requested_at >= r.requested_at)
                     ORDER BY r.decided_at DESC, r.id"
                ),
                params![user, StageRequestStatus::SentBack],
            )
        })
    }

    /// Every request waiting for a supervisor, oldest first.
    pub fn pending_stage_requests(&self) -> Result<Vec<StageRequest>> {
        self.read(|conn| {
            query_requests(
                conn,
                &format!("{SELECT_REQUESTS} WHERE status = ?1 ORDER BY requested_at, id"),
                params![StageRequestStatus::Pending],
            )
        })
    }
}

/// Moves the problem to the request's stage, after checking the move against the problem as it
/// is now, and records the approval as a step at the stage being left. That step shares the
/// request's id, which is how the evidence check tells it from the owner's own steps.
fn approve(
    conn: &Connection,
    actor: &Actor,
    request: &StageRequest,
    now: chrono::DateTime<Utc>,
) -> Result<()> {
    let problem = load(conn, request.problem_id)?;
    if problem.stage != request.from_stage {
        return Err(ValidationError::new(
            "request_id",
            Rule::InvalidState {
                reason: "the problem has changed stage since the request",
            },
        )
        .into());
    }
    check_move(conn, &problem, request.to_stage)?;
    let moved = Problem {
        stage: request.to_stage,
        stage_changed_at: now,
        updated_at: now,
        ..problem
    };
    save(conn, &moved)?;
    insert_step(
        conn,
        &ProblemStep {
            id: StepId(request.id.0),
            problem_id: moved.id,
            stage: request.from_stage,
            text: format!(
                "Move from {} to {} approved.",
                label(request.from_stage),
                label(request.to_stage)
            ),
            author: actor.user_id,
            recorded_at: now,
        },
    )?;
    reindex(conn, &moved)
}

/// The move rules: one stage at a time (or back), nothing out of Closed, and the evidence each
/// stage needs before it can be entered.
fn check_move(conn: &Connection, problem: &Problem, to: SaraStage) -> Result<()> {
    require_open(problem)?;
    problem.stage.check_move(to)?;
    if to.index() < problem.stage.index() {
        return Ok(());
    }
    match to {
        SaraStage::Response if !has_analysis_step(conn, problem.id)? => Err(ValidationError::new(
            "to",
            Rule::StageEvidenceMissing {
                needed: "an Analysis step",
            },
        )
        .into()),
        SaraStage::Closed if problem.assessment.is_none() => Err(ValidationError::new(
            "to",
            Rule::StageEvidenceMissing {
                needed: "an assessment",
            },
        )
        .into()),
        _ => Ok(()),
    }
}

/// Whether someone recorded a step at the Analysis stage (approval notes do not count).
fn has_analysis_step(conn: &Connection, problem: ProblemId) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM problem_steps s
               WHERE s.problem_id = ?1 AND s.stage = ?2
                 AND s.id NOT IN (SELECT r.id FROM stage_requests r WHERE r.problem_id = ?1))",
        )?
        .query_row(params![problem, SaraStage::Analysis], |r| r.get(0))?)
}

fn has_pending(conn: &Connection, problem: ProblemId) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM stage_requests WHERE problem_id = ?1 AND status = ?2)",
        )?
        .query_row(params![problem, StageRequestStatus::Pending], |r| r.get(0))?)
}

fn label(stage: SaraStage) -> &'static str {
    match stage {
        SaraStage::Scanning => "Scanning",
        SaraStage::Analysis => "Analysis",
        SaraStage::Response => "Response",
        SaraStage::Assessment => "Assessment",
        SaraStage::Closed => "Closed",
    }
}

pub(crate) fn load_request(conn: &Connection, id: StageRequestId) -> Result<StageRequest> {
    conn.prepare_cached(&format!("{SELECT_REQUESTS} WHERE id = ?1"))?
        .query_row([id], request_from_row)
        .or_not_found("stage request", id)
}

fn query_requests(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<StageRequest>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params, request_from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

fn request_from_row(r: &Row<'_>) -> rusqlite::Result<StageRequest> {
    Ok(StageRequest {
        id: r.get(0)?,
        problem_id: r.get(1)?,
        from_stage: r.get(2)?,
        to_stage: r.get(3)?,
        requested_by: r.get(4)?,
        requested_at: r.get::<_, SqlTime>(5)?.0,
        reason: r.get(6)?,
        status: r.get(7)?,
        decided_by: r.get(8)?,
        decided_at: r.get::<_, Option<SqlTime>>(9)?.map(|s| s.0),
        decision_reason: r.get(10)?,
    })
}

/// Writes a stage request whole: the one writer of `stage_requests`, for a request made or
/// decided here and one pulled alike.
pub(crate) fn write_request(conn: &Connection, r: &StageRequest) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO stage_requests (id, problem_id, from_stage, to_stage, requested_by,
           requested_at, reason, status, decided_by, decided_at, decision_reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, decided_by = excluded.decided_by,
           decided_at = excluded.decided_at, decision_reason = excluded.decision_reason,
           reason = excluded.reason",
    )?
    .execute(params![
        r.id,
        r.problem_id,
        r.from_stage,
        r.to_stage,
        r.requested_by,
        t(r.requested_at),
        r.reason,
        r.status,
        r.decided_by,
        opt_t(r.decided_at),
        r.decision_reason,
    ])?;
    Ok(())
}
