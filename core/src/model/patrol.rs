//! Patrols: a defined purpose before, a value assessment after. A patrol is open until it is
//! closed with its end time and assessment; it cannot close without one.

use super::area::AreaRef;
use super::code_enum::code_enum;
use super::place::GeoPoint;
use crate::ids::{PatrolId, UserId};
use crate::validation::{check, limits, Rule, ValidationError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

code_enum!(
    /// What sort of patrol.
    PatrolKind, "patrol kind" {
        Foot => "foot",
        Hotspot => "hotspot",
        /// Citizens in Policing targeted patrol.
        CipTargeted => "cip_targeted",
        /// A named operation (e.g. "Operation Revive").
        Operation => "operation",
        WeekOfAction => "week_of_action",
    }
);

code_enum!(
    /// Did the patrol achieve the purpose set for it?
    PurposeMet, "purpose met" {
        Yes => "yes",
        Partly => "partly",
        No => "no",
    }
);

/// The end-of-patrol value assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueAssessment {
    pub purpose_met: PurposeMet,
    /// 1 (no value) to 5 (high value).
    pub value_rating: u8,
    /// What the patrol achieved, in a sentence or two.
    pub summary: String,
}

impl ValueAssessment {
    pub fn validate(&self) -> Result<(), ValidationError> {
        if !(1..=5).contains(&self.value_rating) {
            return Err(ValidationError::new(
                "assessment.value_rating",
                Rule::OutOfRange {
                    min: "1".into(),
                    max: "5".into(),
                },
            ));
        }
        check::required_text("assessment.summary", &self.summary, limits::LONG_TEXT)
    }
}

/// What starting a patrol needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewPatrol {
    pub kind: PatrolKind,
    pub area: AreaRef,
    /// Why this patrol, set before it starts. Required.
    pub purpose: String,
    /// Required for a named operation.
    pub operation_name: Option<String>,
    /// Everyone on the patrol besides the person recording it.
    pub participants: Vec<UserId>,
    pub started_at: DateTime<Utc>,
}

/// The checks a new patrol and every stored copy of one share: a purpose, a valid area, and an
/// operation name that fits.
pub(crate) fn check_plan(
    purpose: &str,
    area: &AreaRef,
    operation_name: Option<&str>,
) -> Result<(), ValidationError> {
    check::required_text("purpose", purpose, limits::LONG_TEXT)?;
    area.validate("area")?;
    check::optional_text("operation_name", operation_name, limits::SHORT_TEXT)
}

impl NewPatrol {
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_plan(&self.purpose, &self.area, self.operation_name.as_deref())?;
        if self.kind == PatrolKind::Operation
            && self
                .operation_name
                .as_deref()
                .is_none_or(|n| n.trim().is_empty())
        {
            return Err(ValidationError::new("operation_name", Rule::Required));
        }
        Ok(())
    }
}

/// What closing a patrol needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatrolClosure {
    pub ended_at: DateTime<Utc>,
    pub observations: Option<String>,
    /// Required: a patrol cannot close without it.
    pub assessment: Option<ValueAssessment>,
}

impl PatrolClosure {
    pub fn validate(&self, started_at: DateTime<Utc>) -> Result<(), ValidationError> {
        if self.ended_at < started_at {
            return Err(ValidationError::new("ended_at", Rule::EndBeforeStart));
        }
        check::optional_text(
            "observations",
            self.observations.as_deref(),
            limits::LONG_TEXT,
        )?;
        match &self.assessment {
            None => Err(ValidationError::new("assessment", Rule::AssessmentRequired)),
            Some(a) => a.validate(),
        }
    }
}

/// A point on a patrol's optional track.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrackPoint {
    pub at: DateTime<Utc>,
    pub point: GeoPoint,
}

/// A patrol as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Patrol {
    pub id: PatrolId,
    pub kind: PatrolKind,
    pub area: AreaRef,
    pub purpose: String,
    pub operation_name: Option<String>,
    pub recorded_by: UserId,
    pub participants: Vec<UserId>,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub observations: Option<String>,
    pub assessment: Option<ValueAssessment>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Why the patrol was last corrected or cancelled (`None` if it never was).
    #[serde(default)]
    pub correction_reason: Option<String>,
    /// When the patrol was cancelled as started by mistake: it then counts in no report and
    /// is nobody's open patrol.
    #[serde(default)]
    pub cancelled_at: Option<DateTime<Utc>>,
}

impl Patrol {
    /// Not yet closed, and not cancelled.
    pub fn is_open(&self) -> bool {
        self.ended_at.is_none() && self.cancelled_at.is_none()
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled_at.is_some()
    }

    /// Length in hours, once closed.
    pub fn hours(&self) -> Option<f64> {
        self.ended_at
            .map(|end| (end - self.started_at).num_seconds() as f64 / 3600.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn patrol() -> NewPatrol {
        NewPatrol {
            kind: PatrolKind::Foot,
            area: AreaRef::Lap("LAP1".into()),
            purpose: "Reassurance in the precinct after burglaries".into(),
            operation_name: None,
            participants: vec![],
            started_at: Utc::now(),
        }
    }

    #[test]
    fn purpose_is_required() {
        let mut p = patrol();
        p.purpose = "   ".into();
        assert_eq!(
            p.validate(),
            Err(ValidationError::new("purpose", Rule::Required))
        );
    }

    #[test]
    fn a_named_operation_needs_its_name() {
        let mut p = patrol();
        p.kind = PatrolKind::Operation;
        assert_eq!(
            p.validate(),
            Err(ValidationError::new("operation_name", Rule::Required))
        );
        p.operation_name = Some("Operation Revive".into());
        assert_eq!(p.validate(), Ok(()));
    }

    #[test]
    fn closure_needs_an_assessment_and_an_end_after_the_start() {
        let start = Utc::now();
        let assessment = ValueAssessment {
            purpose_met: PurposeMet::Partly,
            value_rating: 3,
            summary: "Spoke to shop keepers".into(),
        };
        let mut closure = PatrolClosure {
            ended_at: start - Duration::minutes(1),
            observations: None,
            assessment: Some(assessment.clone()),
        };
        assert_eq!(
            closure.validate(start).map_err(|e| e.rule),
            Err(Rule::EndBeforeStart)
        );
        closure.ended_at = start + Duration::hours(2);
        closure.assessment = None;
        assert_eq!(
            closure.validate(start).map_err(|e| e.rule),
            Err(Rule::AssessmentRequired)
        );
        closure.assessment = Some(ValueAssessment {
            value_rating: 6,
            ..assessment
        });
        assert_eq!(
            closure.validate(start).map_err(|e| e.field),
            Err("assessment.value_rating".to_owned())
        );
    }
}
