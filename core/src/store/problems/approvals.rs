//! The supervisor's approvals list: every stage move waiting for a decision, with the evidence
//! recorded for the stage being left — its steps (not earlier approval notes) and the problem
//! as it is now (analysis triangle, repeat types, response actions, assessment) — so that a
//! decision is made on what was recorded, on a device at base with no signal needed.

use super::{load, load_steps};
use crate::error::Result;
use crate::model::{Problem, ProblemStep, StageRequest, StageRequestStatus};
use crate::store::Store;
use rusqlite::params;
use serde::{Deserialize, Serialize};

/// A pending stage move and what it rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingApproval {
    pub request: StageRequest,
    pub problem: Problem,
    /// The steps recorded at the stage being left, oldest first (approval notes left out).
    pub evidence: Vec<ProblemStep>,
    /// Who asked, when this device knows them.
    pub requested_by_name: Option<String>,
}

impl Store {
    /// Every stage move waiting for a supervisor, oldest request first, with its evidence.
    pub fn approval_queue(&self) -> Result<Vec<PendingApproval>> {
        let requests = self.pending_stage_requests()?;
        self.read(|conn| {
            let approval_ids: Vec<String> = conn
                .prepare_cached("SELECT id FROM stage_requests WHERE status != ?1")?
                .query_map(params![StageRequestStatus::Pending], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let mut out = Vec::with_capacity(requests.len());
            for request in requests {
                // A request whose problem has not arrived yet (sync order) waits.
                let Ok(problem) = load(conn, request.problem_id) else {
                    continue;
                };
                let evidence = load_steps(conn, request.problem_id)?
                    .into_iter()
                    .filter(|s| s.stage == request.from_stage)
                    .filter(|s| !approval_ids.contains(&s.id.to_string()))
                    .collect();
                let requested_by_name = conn
                    .prepare_cached("SELECT display_name FROM users WHERE id = ?1")?
                    .query_row([request.requested_by], |r| r.get(0))
                    .ok();
                out.push(PendingApproval {
                    request,
                    problem,
                    evidence,
                    requested_by_name,
                });
            }
            Ok(out)
        })
    }
}
