//! SARA problems: the problem, its steps, response actions and stage-move requests.

use super::AreaRef;
use crate::convert::{instant, opt_id, opt_instant, opt_text};
use crate::error::{BeatbookError, Result};
use beatbook_core::model::{
    self as core, ActionStatus, AnalysisTriangle, Assessment, CrimeCategory, RepeatType, SaraStage,
    StageRequestStatus,
};
use beatbook_core::store::StageDecision as CoreDecision;
use std::time::SystemTime;

/// What opening a problem needs.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewProblem {
    pub title: String,
    pub area: AreaRef,
    pub category: CrimeCategory,
    /// Defaults to whoever opens it.
    pub owner: Option<String>,
    pub scanning_summary: String,
}

impl TryFrom<NewProblem> for core::NewProblem {
    type Error = BeatbookError;
    fn try_from(p: NewProblem) -> Result<Self> {
        Ok(core::NewProblem {
            title: p.title,
            area: p.area.try_into()?,
            category: p.category,
            owner: opt_id("owner", p.owner)?,
            scanning_summary: p.scanning_summary,
        })
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ResponseAction {
    pub id: String,
    pub description: String,
    pub owner: Option<String>,
    pub partner: Option<String>,
    pub due: Option<SystemTime>,
    pub status: ActionStatus,
}

impl From<core::ResponseAction> for ResponseAction {
    fn from(a: core::ResponseAction) -> Self {
        ResponseAction {
            id: a.id.to_string(),
            description: a.description,
            owner: opt_text(a.owner),
            partner: a.partner,
            due: opt_instant(a.due),
            status: a.status,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Problem {
    pub id: String,
    pub title: String,
    pub area: AreaRef,
    pub category: CrimeCategory,
    pub owner: String,
    pub stage: SaraStage,
    pub triangle: AnalysisTriangle,
    pub repeat_types: Vec<RepeatType>,
    pub responses: Vec<ResponseAction>,
    pub assessment: Option<Assessment>,
    pub created_by: String,
    pub created_at: SystemTime,
    pub updated_at: SystemTime,
    pub stage_changed_at: SystemTime,
}

impl From<core::Problem> for Problem {
    fn from(p: core::Problem) -> Self {
        Problem {
            id: p.id.to_string(),
            title: p.title,
            area: p.area.into(),
            category: p.category,
            owner: p.owner.to_string(),
            stage: p.stage,
            triangle: p.triangle,
            repeat_types: p.repeat_types,
            responses: crate::convert::all(p.responses),
            assessment: p.assessment,
            created_by: p.created_by.to_string(),
            created_at: instant(p.created_at),
            updated_at: instant(p.updated_at),
            stage_changed_at: instant(p.stage_changed_at),
        }
    }
}

/// An append-only entry in a problem's record at a stage.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ProblemStep {
    pub id: String,
    pub problem_id: String,
    pub stage: SaraStage,
    pub text: String,
    pub author: String,
    pub recorded_at: SystemTime,
}

impl From<core::ProblemStep> for ProblemStep {
    fn from(s: core::ProblemStep) -> Self {
        ProblemStep {
            id: s.id.to_string(),
            problem_id: s.problem_id.to_string(),
            stage: s.stage,
            text: s.text,
            author: s.author.to_string(),
            recorded_at: instant(s.recorded_at),
        }
    }
}

/// A request to move a problem to another stage, and its decision.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct StageRequest {
    pub id: String,
    pub problem_id: String,
    pub from_stage: SaraStage,
    pub to_stage: SaraStage,
    pub requested_by: String,
    pub requested_at: SystemTime,
    pub reason: Option<String>,
    pub status: StageRequestStatus,
    pub decided_by: Option<String>,
    pub decided_at: Option<SystemTime>,
    pub decision_reason: Option<String>,
}

impl From<core::StageRequest> for StageRequest {
    fn from(r: core::StageRequest) -> Self {
        StageRequest {
            id: r.id.to_string(),
            problem_id: r.problem_id.to_string(),
            from_stage: r.from_stage,
            to_stage: r.to_stage,
            requested_by: r.requested_by.to_string(),
            requested_at: instant(r.requested_at),
            reason: r.reason,
            status: r.status,
            decided_by: opt_text(r.decided_by),
            decided_at: opt_instant(r.decided_at),
            decision_reason: r.decision_reason,
        }
    }
}

/// A supervisor's decision on a stage-move request.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum StageDecision {
    /// The problem moves to the requested stage.
    Approve,
    /// The problem stays; the reason tells the owner what is missing.
    SendBack { reason: String },
}

impl From<StageDecision> for CoreDecision {
    fn from(d: StageDecision) -> Self {
        match d {
            StageDecision::Approve => CoreDecision::Approve,
            StageDecision::SendBack { reason } => CoreDecision::SendBack { reason },
        }
    }
}
