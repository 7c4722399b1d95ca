//! Showing a problem to a person (s.62 consultation): a problem's analysis triangle can name
//! people in its offender and victim corners, so reading a problem for display logs a
//! consultation when either corner holds something — which corners were shown, never their
//! values. The other corners (location, handler, guardian, manager) name places and roles.

use super::{load, KIND};
use crate::error::Result;
use crate::ids::ProblemId;
use crate::model::{Actor, Problem};
use crate::store::audit::{self, AuditAction, AuditEvent};
use crate::store::Store;

impl Store {
    /// The problem, read to be shown to `actor`: a non-empty offender or victim corner is
    /// logged as a consultation (the CLI's `problem show` and the FFI's `problem` read here;
    /// `Store::problem` stays a plain read for the app's own logic).
    pub fn show_problem(&self, actor: &Actor, id: ProblemId) -> Result<Problem> {
        let now = self.now();
        self.write(|tx| {
            let problem = load(tx, id)?;
            if let Some(detail) = corners_shown(&problem) {
                audit::append(
                    tx,
                    actor,
                    now,
                    AuditEvent::new(AuditAction::Consultation, KIND, &id.to_string())
                        .detail(detail),
                )?;
            }
            Ok(problem)
        })
    }
}

/// Which of the corners that can name people hold something, as the audit detail.
fn corners_shown(problem: &Problem) -> Option<&'static str> {
    let filled = |corner: &Option<String>| corner.as_deref().is_some_and(|c| !c.trim().is_empty());
    match (
        filled(&problem.triangle.offender),
        filled(&problem.triangle.victim),
    ) {
        (true, true) => Some("shown: analysis triangle offender and victim corners"),
        (true, false) => Some("shown: analysis triangle offender corner"),
        (false, true) => Some("shown: analysis triangle victim corner"),
        (false, false) => None,
    }
}
