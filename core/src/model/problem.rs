//! SARA problems. A problem moves Scanning → Analysis → Response → Assessment → Closed, one
//! stage at a time: the owner requests a move, a supervisor approves it or sends it back. What
//! was found at each stage is recorded as append-only steps, so the evidence for an approval can
//! never be rewritten after it.

use super::area::AreaRef;
use super::code_enum::code_enum;
use super::vocab::CrimeCategory;
use crate::ids::{ActionId, ProblemId, StageRequestId, StepId, UserId};
use crate::validation::{check, limits, Rule, ValidationError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

code_enum!(
    /// The SARA stages, in order.
    SaraStage, "SARA stage" {
        Scanning => "scanning",
        Analysis => "analysis",
        Response => "response",
        Assessment => "assessment",
        Closed => "closed",
    }
);

impl SaraStage {
    /// The stage after this one, if any.
    pub fn next(&self) -> Option<SaraStage> {
        let i = self.index();
        SaraStage::ALL.get(i + 1).copied()
    }

    pub fn index(&self) -> usize {
        SaraStage::ALL.iter().position(|s| s == self).unwrap_or(0)
    }

    /// Checks a move from `self` to `to`: forward one stage at a time, or back to an earlier
    /// open stage (Assessment can send a problem back); nothing moves out of Closed.
    pub fn check_move(&self, to: SaraStage) -> Result<(), ValidationError> {
        let skip = || {
            ValidationError::new(
                "to",
                Rule::StageSkipped {
                    from: self.to_string(),
                    to: to.to_string(),
                },
            )
        };
        if *self == SaraStage::Closed {
            return Err(ValidationError::new(
                "to",
                Rule::InvalidState {
                    reason: "the problem is closed",
                },
            ));
        }
        if to == *self {
            return Err(ValidationError::new(
                "to",
                Rule::InvalidState {
                    reason: "the problem is already at that stage",
                },
            ));
        }
        if to.index() > self.index() + 1 {
            return Err(skip());
        }
        Ok(())
    }
}

code_enum!(
    /// Repeat type: wolf (offender), duck (victim), den (location).
    RepeatType, "repeat type" {
        Wolf => "wolf",
        Duck => "duck",
        Den => "den",
    }
);

code_enum!(
    /// Where a response action is.
    ActionStatus, "action status" {
        Planned => "planned",
        InProgress => "in_progress",
        Done => "done",
        Abandoned => "abandoned",
    }
);

code_enum!(
    /// Where a stage-move request is.
    StageRequestStatus, "stage request status" {
        Pending => "pending",
        Approved => "approved",
        SentBack => "sent_back",
    }
);

/// The Problem Analysis Triangle and its controllers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AnalysisTriangle {
    pub offender: Option<String>,
    pub victim: Option<String>,
    pub location: Option<String>,
    pub handler: Option<String>,
    pub guardian: Option<String>,
    pub manager: Option<String>,
}

impl AnalysisTriangle {
    pub fn validate(&self) -> Result<(), ValidationError> {
        for (field, value) in [
            ("triangle.offender", &self.offender),
            ("triangle.victim", &self.victim),
            ("triangle.location", &self.location),
            ("triangle.handler", &self.handler),
            ("triangle.guardian", &self.guardian),
            ("triangle.manager", &self.manager),
        ] {
            check::optional_text(field, value.as_deref(), limits::LONG_TEXT)?;
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        *self == AnalysisTriangle::default()
    }
}

/// A response action: what will be done, by whom, with which partner, by when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseAction {
    pub id: ActionId,
    pub description: String,
    pub owner: Option<UserId>,
    pub partner: Option<String>,
    pub due: Option<DateTime<Utc>>,
    pub status: ActionStatus,
}

impl ResponseAction {
    pub fn validate(&self) -> Result<(), ValidationError> {
        check::required_text("action.description", &self.description, limits::LONG_TEXT)?;
        check::optional_text(
            "action.partner",
            self.partner.as_deref(),
            limits::SHORT_TEXT,
        )
    }
}

/// A measure taken before and after the response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measure {
    pub name: String,
    pub before: f64,
    pub after: f64,
}

/// The Assessment stage's evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    /// Was the response carried out as planned?
    pub process: String,
    /// Did the problem change?
    pub impact: String,
    pub measures: Vec<Measure>,
}

impl Assessment {
    pub fn validate(&self) -> Result<(), ValidationError> {
        check::required_text("assessment.process", &self.process, limits::LONG_TEXT)?;
        check::required_text("assessment.impact", &self.impact, limits::LONG_TEXT)?;
        for m in &self.measures {
            check::required_text("assessment.measures.name", &m.name, limits::SHORT_TEXT)?;
            if !m.before.is_finite() || !m.after.is_finite() {
                return Err(ValidationError::new(
                    "assessment.measures",
                    Rule::Format {
                        expected: "finite numbers",
                    },
                ));
            }
        }
        Ok(())
    }
}

/// What opening a problem needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewProblem {
    pub title: String,
    pub area: AreaRef,
    pub category: CrimeCategory,
    /// Defaults to whoever opens it.
    pub owner: Option<UserId>,
    /// How it came to attention and who is affected: the first Scanning step.
    pub scanning_summary: String,
}

impl NewProblem {
    pub fn validate(&self) -> Result<(), ValidationError> {
        check::required_text("title", &self.title, limits::SHORT_TEXT)?;
        self.area.validate("area")?;
        check::required_text(
            "scanning_summary",
            &self.scanning_summary,
            limits::LONG_TEXT,
        )
    }
}

/// A problem as stored. Synced with the triangle's corners as fields of their own
/// (`problem_fields`), so that concurrent edits of different corners both survive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    from = "super::problem_fields::ProblemFields",
    into = "super::problem_fields::ProblemFields"
)]
pub struct Problem {
    pub id: ProblemId,
    pub title: String,
    pub area: AreaRef,
    pub category: CrimeCategory,
    pub owner: UserId,
    pub stage: SaraStage,
    pub triangle: AnalysisTriangle,
    pub repeat_types: Vec<RepeatType>,
    pub responses: Vec<ResponseAction>,
    pub assessment: Option<Assessment>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub stage_changed_at: DateTime<Utc>,
}

/// An append-only entry in a problem's record at a stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProblemStep {
    pub id: StepId,
    pub problem_id: ProblemId,
    pub stage: SaraStage,
    pub text: String,
    pub author: UserId,
    pub recorded_at: DateTime<Utc>,
}

/// A request to move a problem to another stage, and its decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageRequest {
    pub id: StageRequestId,
    pub problem_id: ProblemId,
    pub from_stage: SaraStage,
    pub to_stage: SaraStage,
    pub requested_by: UserId,
    pub requested_at: DateTime<Utc>,
    pub reason: Option<String>,
    pub status: StageRequestStatus,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_move_forward_one_at_a_time_or_back() {
        use SaraStage::*;
        assert!(Scanning.check_move(Analysis).is_ok());
        assert!(matches!(
            Scanning.check_move(Response).map_err(|e| e.rule),
            Err(Rule::StageSkipped { .. })
        ));
        assert!(matches!(
            Analysis.check_move(Assessment).map_err(|e| e.rule),
            Err(Rule::StageSkipped { .. })
        ));
        assert!(Assessment.check_move(Closed).is_ok());
        assert!(Assessment.check_move(Analysis).is_ok());
        assert!(Closed.check_move(Scanning).is_err());
        assert!(Analysis.check_move(Analysis).is_err());
        assert_eq!(Assessment.next(), Some(Closed));
        assert_eq!(Closed.next(), None);
    }
}
