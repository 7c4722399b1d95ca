//! The value rules a record must keep *as stored*, checked wherever a whole record arrives
//! from somewhere else: the sync server on every op it accepts, a device on every record it
//! pulls.
//!
//! Why a second set of rules: the input types (`NewContact`, `PatrolClosure`, …) say what a
//! user may enter, and the device that made a record has applied them. But the server must not
//! trust a device to have done so (a modified app, a bug), and one bad value accepted by the
//! server would reach every device in the team, whose tables refuse it (a latitude of 1000).
//! These rules are what every copy must still keep, whoever sent it: text lengths, ranges, and
//! the shapes the device's tables insist on. They deliberately do not demand text that a later
//! legitimate change may empty (redaction, erasure), so nothing the core writes is refused.
//! Messages name the field and the rule, never the value.

use super::contact::check_engagement;
use super::correction::MAX_REASON_CHARS;
use super::patrol::check_plan;
use super::{
    Contact, ContactPersonalData, FollowUp, Note, Patrol, PatrolClosure, PriorityArea, Problem,
    ProblemStep, Review, StageRequest, Team, User,
};
use crate::validation::{check, limits, Rule, ValidationError};

/// A stored record's value rules (see the module docs).
pub trait StoredValueRules {
    fn check_stored_values(&self) -> Result<(), ValidationError>;
}

/// A correction's reason fits its length (it may be absent: most records were never corrected).
fn check_correction_reason(reason: Option<&str>) -> Result<(), ValidationError> {
    check::optional_text("correction_reason", reason, MAX_REASON_CHARS)
}

impl StoredValueRules for Patrol {
    fn check_stored_values(&self) -> Result<(), ValidationError> {
        check_plan(&self.purpose, &self.area, self.operation_name.as_deref())?;
        check_correction_reason(self.correction_reason.as_deref())?;
        match self.ended_at {
            // A closed patrol keeps the closing rules: ends after it started, assessed.
            Some(ended_at) => PatrolClosure {
                ended_at,
                observations: self.observations.clone(),
                assessment: self.assessment.clone(),
            }
            .validate(self.started_at),
            None => {
                check::optional_text(
                    "observations",
                    self.observations.as_deref(),
                    limits::LONG_TEXT,
                )?;
                self.assessment.as_ref().map_or(Ok(()), |a| a.validate())
            }
        }
    }
}

impl StoredValueRules for Note {
    fn check_stored_values(&self) -> Result<(), ValidationError> {
        check::max_len("text", &self.text, limits::LONG_TEXT)?;
        check_correction_reason(self.correction_reason.as_deref())?;
        self.place.map_or(Ok(()), |p| p.validate("place"))
    }
}

impl StoredValueRules for Contact {
    fn check_stored_values(&self) -> Result<(), ValidationError> {
        check_engagement(
            self.method,
            self.place.as_ref(),
            self.people_count,
            self.issues_text.as_deref(),
            self.promised.as_deref(),
        )?;
        check_correction_reason(self.correction_reason.as_deref())?;
        check::optional_text("lap_code", self.lap_code.as_deref(), limits::SHORT_TEXT)
    }
}

impl StoredValueRules for ContactPersonalData {
    fn check_stored_values(&self) -> Result<(), ValidationError> {
        self.details.as_ref().map_or(Ok(()), |d| d.check_lengths())
    }
}

impl StoredValueRules for FollowUp {
    fn check_stored_values(&self) -> Result<(), ValidationError> {
        check::max_len("promise", &self.promise, limits::LONG_TEXT)?;
        check_correction_reason(self.correction_reason.as_deref())?;
        if self.owner.is_none() && self.referred_by.is_none() {
            // Only a referral waits for an owner.
            return Err(ValidationError::new("owner", Rule::Required));
        }
        check::optional_text("outcome", self.outcome.as_deref(), limits::LONG_TEXT)
    }
}

impl StoredValueRules for Problem {
    fn check_stored_values(&self) -> Result<(), ValidationError> {
        check::max_len("title", &self.title, limits::SHORT_TEXT)?;
        self.area.validate("area")?;
        self.triangle.validate()?;
        for action in &self.responses {
            action.validate()?;
        }
        self.assessment.as_ref().map_or(Ok(()), |a| a.validate())
    }
}

impl StoredValueRules for ProblemStep {
    fn check_stored_values(&self) -> Result<(), ValidationError> {
        check::max_len("text", &self.text, limits::LONG_TEXT)
    }
}

impl StoredValueRules for StageRequest {
    fn check_stored_values(&self) -> Result<(), ValidationError> {
        check::optional_text("reason", self.reason.as_deref(), limits::LONG_TEXT)?;
        check::optional_text(
            "decision_reason",
            self.decision_reason.as_deref(),
            limits::LONG_TEXT,
        )
    }
}

impl StoredValueRules for Review {
    fn check_stored_values(&self) -> Result<(), ValidationError> {
        self.validate()
    }
}

impl StoredValueRules for User {
    fn check_stored_values(&self) -> Result<(), ValidationError> {
        check::max_len("display_name", &self.display_name, limits::SHORT_TEXT)
    }
}

impl StoredValueRules for Team {
    fn check_stored_values(&self) -> Result<(), ValidationError> {
        check::max_len("name", &self.name, limits::SHORT_TEXT)?;
        check::optional_text("lap_code", self.lap_code.as_deref(), limits::SHORT_TEXT)
    }
}

impl StoredValueRules for PriorityArea {
    fn check_stored_values(&self) -> Result<(), ValidationError> {
        check::max_len("name", &self.name, limits::SHORT_TEXT)
    }
}

#[cfg(test)]
#[path = "stored_rules_tests.rs"]
mod tests;

impl StoredValueRules for crate::retention::RetentionSchedule {
    fn check_stored_values(&self) -> Result<(), ValidationError> {
        self.validate()
    }
}

impl StoredValueRules for crate::retention::RetentionReview {
    fn check_stored_values(&self) -> Result<(), ValidationError> {
        self.validate()
    }
}
