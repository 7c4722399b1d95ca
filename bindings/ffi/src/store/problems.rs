//! SARA problems: open, record steps, analysis, responses, assessment, and stage moves with
//! their supervisor approvals. Every call blocks (disk), briefly.

use super::Store;
use crate::convert::{all, id, opt_id, opt_time};
use crate::error::Result;
use crate::records::{
    NewProblem, Problem, ProblemStep, ResponseAction, StageDecision, StageRequest,
};
use beatbook_core::model::{ActionStatus, AnalysisTriangle, Assessment, RepeatType, SaraStage};
use std::time::SystemTime;

#[uniffi::export]
impl Store {
    /// Opens a problem at Scanning, with its first step.
    pub fn open_problem(&self, new: NewProblem) -> Result<Problem> {
        let (store, actor) = self.acting()?;
        Ok(store.open_problem(&actor, new.try_into()?)?.into())
    }

    /// The problem, to be shown: an offender or victim corner in its analysis triangle
    /// (which can name people) logs a consultation (s.62).
    pub fn problem(&self, problem_id: String) -> Result<Problem> {
        let (store, actor) = self.acting()?;
        Ok(store
            .show_problem(&actor, id("problem_id", &problem_id)?)?
            .into())
    }

    pub fn problems(&self) -> Result<Vec<Problem>> {
        Ok(all(self.core()?.problems()?))
    }

    pub fn problems_at(&self, stage: SaraStage) -> Result<Vec<Problem>> {
        Ok(all(self.core()?.problems_at(stage)?))
    }

    pub fn problem_steps(&self, problem_id: String) -> Result<Vec<ProblemStep>> {
        Ok(all(self
            .core()?
            .problem_steps(id("problem_id", &problem_id)?)?))
    }

    /// Adds an append-only step at the problem's current stage.
    pub fn add_problem_step(&self, problem_id: String, text: String) -> Result<ProblemStep> {
        let (store, actor) = self.acting()?;
        let problem_id = id("problem_id", &problem_id)?;
        Ok(store.add_problem_step(&actor, problem_id, &text)?.into())
    }

    /// Records the Analysis: the problem analysis triangle and repeat types.
    pub fn update_analysis(
        &self,
        problem_id: String,
        triangle: AnalysisTriangle,
        repeat_types: Vec<RepeatType>,
    ) -> Result<Problem> {
        let (store, actor) = self.acting()?;
        let problem_id = id("problem_id", &problem_id)?;
        Ok(store
            .update_analysis(&actor, problem_id, triangle, repeat_types)?
            .into())
    }

    /// Adds a response action.
    pub fn add_response_action(
        &self,
        problem_id: String,
        description: String,
        owner: Option<String>,
        partner: Option<String>,
        due: Option<SystemTime>,
    ) -> Result<ResponseAction> {
        let (store, actor) = self.acting()?;
        let problem_id = id("problem_id", &problem_id)?;
        let owner = opt_id("owner", owner)?;
        Ok(store
            .add_response_action(
                &actor,
                problem_id,
                &description,
                owner,
                partner,
                opt_time(due),
            )?
            .into())
    }

    pub fn set_action_status(
        &self,
        problem_id: String,
        action_id: String,
        status: ActionStatus,
    ) -> Result<Problem> {
        let (store, actor) = self.acting()?;
        let problem_id = id("problem_id", &problem_id)?;
        let action_id = id("action_id", &action_id)?;
        Ok(store
            .set_action_status(&actor, problem_id, action_id, status)?
            .into())
    }

    /// Records the Assessment stage's evaluation.
    pub fn record_assessment(&self, problem_id: String, assessment: Assessment) -> Result<Problem> {
        let (store, actor) = self.acting()?;
        let problem_id = id("problem_id", &problem_id)?;
        Ok(store
            .record_assessment(&actor, problem_id, assessment)?
            .into())
    }

    /// Asks a supervisor to move a problem to `to`.
    pub fn request_stage_move(
        &self,
        problem_id: String,
        to: SaraStage,
        reason: Option<String>,
    ) -> Result<StageRequest> {
        let (store, actor) = self.acting()?;
        let problem_id = id("problem_id", &problem_id)?;
        Ok(store
            .request_stage_move(&actor, problem_id, to, reason)?
            .into())
    }

    /// A supervisor approves a stage move or sends it back (`SupervisorOnly` otherwise).
    pub fn decide_stage_request(
        &self,
        request_id: String,
        decision: StageDecision,
    ) -> Result<StageRequest> {
        let (store, actor) = self.acting()?;
        let request_id = id("request_id", &request_id)?;
        Ok(store
            .decide_stage_request(&actor, request_id, decision.into())?
            .into())
    }

    pub fn stage_requests(&self, problem_id: String) -> Result<Vec<StageRequest>> {
        Ok(all(self
            .core()?
            .stage_requests(id("problem_id", &problem_id)?)?))
    }

    /// Stage moves waiting for a supervisor.
    pub fn pending_stage_requests(&self) -> Result<Vec<StageRequest>> {
        Ok(all(self.core()?.pending_stage_requests()?))
    }
}
