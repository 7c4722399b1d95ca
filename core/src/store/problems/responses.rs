//! The working parts of a problem between scanning and closing: the Problem Analysis Triangle
//! and repeat types, the response actions with their owners, partners and dates, and the
//! assessment. Each edit is one audited alteration naming the fields it changed (never their
//! values, which can name people).

use super::{load, refuse_volunteer, require_open, save, KIND};
use crate::error::Result;
use crate::ids::{ActionId, ProblemId, UserId};
use crate::model::{
    ActionStatus, Actor, AnalysisTriangle, Assessment, Problem, RepeatType, ResponseAction,
    SaraStage,
};
use crate::store::audit::{self, AuditAction, AuditEvent};
use crate::store::contacts::check_user;
use crate::store::sql_time::truncate;
use crate::store::Store;
use crate::validation::{Rule, ValidationError};
use chrono::{DateTime, Utc};

impl Store {
    /// Replaces the analysis: the triangle (blank sides become `None`) and the repeat types
    /// (deduplicated). An edit that changes nothing writes nothing.
    pub fn update_analysis(
        &self,
        actor: &Actor,
        problem_id: ProblemId,
        triangle: AnalysisTriangle,
        repeat_types: Vec<RepeatType>,
    ) -> Result<Problem> {
        triangle.validate()?;
        refuse_volunteer(actor, "volunteers do not edit problems")?;
        let triangle = tidy_triangle(triangle);
        let mut repeat_types = repeat_types;
        repeat_types.sort();
        repeat_types.dedup();
        let now = self.now();
        self.write_as(Some(actor), |tx| {
            let current = load(tx, problem_id)?;
            require_open(&current)?;
            let mut changed = changed_sides(&current.triangle, &triangle);
            if current.repeat_types != repeat_types {
                changed.push("repeat_types");
            }
            if changed.is_empty() {
                return Ok(current);
            }
            let problem = Problem {
                triangle,
                repeat_types,
                updated_at: now,
                ..current
            };
            save(tx, &problem)?;
            alteration(tx, actor, now, problem_id, &changed.join(", "))?;
            Ok(problem)
        })
    }

    /// Adds a planned response action. Actions are planned once the analysis is approved: at
    /// the Response stage, or during Assessment.
    pub fn add_response_action(
        &self,
        actor: &Actor,
        problem_id: ProblemId,
        description: &str,
        owner: Option<UserId>,
        partner: Option<String>,
        due: Option<DateTime<Utc>>,
    ) -> Result<ResponseAction> {
        let action = ResponseAction {
            id: ActionId::new(),
            description: description.trim().to_owned(),
            owner,
            partner: partner
                .map(|p| p.trim().to_owned())
                .filter(|p| !p.is_empty()),
            due: due.map(truncate),
            status: ActionStatus::Planned,
        };
        action.validate()?;
        refuse_volunteer(actor, "volunteers do not edit problems")?;
        let now = self.now();
        self.write_as(Some(actor), |tx| {
            let mut problem = load(tx, problem_id)?;
            require_open(&problem)?;
            if !matches!(problem.stage, SaraStage::Response | SaraStage::Assessment) {
                return Err(ValidationError::new(
                    "problem_id",
                    Rule::InvalidState {
                        reason: "response actions are planned from the Response stage on",
                    },
                )
                .into());
            }
            if let Some(owner) = action.owner {
                check_user(tx, "action.owner", owner)?;
            }
            problem.responses.push(action.clone());
            problem.updated_at = now;
            save(tx, &problem)?;
            alteration(tx, actor, now, problem_id, "responses")?;
            Ok(action)
        })
    }

    /// Moves a response action on (planned, in progress, done, abandoned).
    pub fn set_action_status(
        &self,
        actor: &Actor,
        problem_id: ProblemId,
        action_id: ActionId,
        status: ActionStatus,
    ) -> Result<Problem> {
        refuse_volunteer(actor, "volunteers do not edit problems")?;
        let now = self.now();
        self.write_as(Some(actor), |tx| {
            let mut problem = load(tx, problem_id)?;
            require_open(&problem)?;
            let Some(action) = problem.responses.iter_mut().find(|a| a.id == action_id) else {
                return Err(ValidationError::new(
                    "action_id",
                    Rule::UnknownReference {
                        kind: "response action",
                    },
                )
                .into());
            };
            if action.status == status {
                return Ok(problem);
            }
            action.status = status;
            problem.updated_at = now;
            save(tx, &problem)?;
            alteration(tx, actor, now, problem_id, "responses.status")?;
            Ok(problem)
        })
    }

    /// Records (or replaces) the assessment: process and impact evaluation, with measures
    /// before and after. Only at the Assessment stage.
    pub fn record_assessment(
        &self,
        actor: &Actor,
        problem_id: ProblemId,
        assessment: Assessment,
    ) -> Result<Problem> {
        assessment.validate()?;
        refuse_volunteer(actor, "volunteers do not edit problems")?;
        let assessment = Assessment {
            process: assessment.process.trim().to_owned(),
            impact: assessment.impact.trim().to_owned(),
            measures: assessment
                .measures
                .into_iter()
                .map(|mut m| {
                    m.name = m.name.trim().to_owned();
                    m
                })
                .collect(),
        };
        let now = self.now();
        self.write_as(Some(actor), |tx| {
            let current = load(tx, problem_id)?;
            require_open(&current)?;
            if current.stage != SaraStage::Assessment {
                return Err(ValidationError::new(
                    "problem_id",
                    Rule::InvalidState {
                        reason: "an assessment is recorded at the Assessment stage",
                    },
                )
                .into());
            }
            let problem = Problem {
                assessment: Some(assessment),
                updated_at: now,
                ..current
            };
            save(tx, &problem)?;
            alteration(tx, actor, now, problem_id, "assessment")?;
            Ok(problem)
        })
    }
}

/// One audited alteration of a problem, naming the changed fields.
fn alteration(
    conn: &rusqlite::Connection,
    actor: &Actor,
    at: DateTime<Utc>,
    problem_id: ProblemId,
    fields: &str,
) -> Result<()> {
    audit::append(
        conn,
        actor,
        at,
        AuditEvent::new(AuditAction::Alteration, KIND, &problem_id.to_string()).detail(fields),
    )
}

/// Trims each side of the triangle; a blank side is an unknown one.
fn tidy_triangle(triangle: AnalysisTriangle) -> AnalysisTriangle {
    let tidy = |side: Option<String>| side.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    AnalysisTriangle {
        offender: tidy(triangle.offender),
        victim: tidy(triangle.victim),
        location: tidy(triangle.location),
        handler: tidy(triangle.handler),
        guardian: tidy(triangle.guardian),
        manager: tidy(triangle.manager),
    }
}

/// The names of the triangle's sides that differ.
fn changed_sides(old: &AnalysisTriangle, new: &AnalysisTriangle) -> Vec<&'static str> {
    [
        ("triangle.offender", old.offender != new.offender),
        ("triangle.victim", old.victim != new.victim),
        ("triangle.location", old.location != new.location),
        ("triangle.handler", old.handler != new.handler),
        ("triangle.guardian", old.guardian != new.guardian),
        ("triangle.manager", old.manager != new.manager),
    ]
    .into_iter()
    .filter_map(|(name, changed)| changed.then_some(name))
    .collect()
}
