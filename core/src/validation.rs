//! Validation errors: every rule a record can break, named so that the app can tell the user
//! which field is wrong and why, and so that tests can assert on the exact rule.
//!
//! Validation runs before any transaction opens; a record that fails writes nothing.

use std::fmt;

/// One broken rule on one field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {rule}")]
pub struct ValidationError {
    /// The field, as named in the record's serde form (`purpose`, `place.lat`, …).
    pub field: String,
    /// The rule it broke.
    pub rule: Rule,
}

impl ValidationError {
    pub fn new(field: impl Into<String>, rule: Rule) -> Self {
        Self {
            field: field.into(),
            rule,
        }
    }
}

/// The rules the store enforces. Messages never contain the offending value, so they are safe
/// to show, log or send across the FFI even when the value was personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// The field must not be empty.
    Required,
    /// The text is longer than the store accepts.
    TooLong { max_chars: usize },
    /// A number outside its allowed range.
    OutOfRange { min: String, max: String },
    /// The value does not have the required shape (e.g. an LSOA GSS code).
    Format { expected: &'static str },
    /// The value is not in the reference code list.
    NotInCodeList { list: &'static str },
    /// An end time before its start time.
    EndBeforeStart,
    /// A time that is not allowed (e.g. a follow-up due before the contact).
    TimeNotAllowed { reason: &'static str },
    /// Personal details were given without the person's consent to recontact.
    ConsentRequired,
    /// A patrol cannot close without its end-of-patrol value assessment.
    AssessmentRequired,
    /// The record is already in a state that forbids this change.
    InvalidState { reason: &'static str },
    /// A SARA stage move that skips a stage.
    StageSkipped { from: String, to: String },
    /// Response needs an Analysis recorded first; Closed needs an Assessment.
    StageEvidenceMissing { needed: &'static str },
    /// Only a supervisor may do this.
    SupervisorOnly,
    /// This role may not do this.
    RoleNotAllowed { reason: &'static str },
    /// A referenced record does not exist.
    UnknownReference { kind: &'static str },
    /// An area code that is not one of the loaded areas; `closest` names the nearest known
    /// ones (codes and area names: reference data, never personal).
    UnknownArea { kind: &'static str, closest: String },
    /// The field must be left out.
    MustBeEmpty { reason: &'static str },
    /// A contact made face to face (`method`) needs its place; only phone, online and letter
    /// contacts may go without.
    PlaceRequired { method: &'static str },
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Required => write!(f, "is required"),
            Rule::TooLong { max_chars } => write!(f, "is longer than {max_chars} characters"),
            Rule::OutOfRange { min, max } => write!(f, "must be between {min} and {max}"),
            Rule::Format { expected } => write!(f, "must be {expected}"),
            Rule::NotInCodeList { list } => write!(f, "is not a code in the {list} list"),
            Rule::EndBeforeStart => write!(f, "ends before it starts"),
            Rule::TimeNotAllowed { reason } => write!(f, "time not allowed: {reason}"),
            Rule::ConsentRequired => write!(
                f,
                "personal details can only be recorded with consent to recontact"
            ),
            Rule::AssessmentRequired => {
                write!(f, "a patrol cannot close without its value assessment")
            }
            Rule::InvalidState { reason } => write!(f, "not allowed now: {reason}"),
            Rule::StageSkipped { from, to } => {
                write!(
                    f,
                    "cannot move from {from} to {to}: stages cannot be skipped"
                )
            }
            Rule::StageEvidenceMissing { needed } => write!(f, "needs {needed} recorded first"),
            Rule::SupervisorOnly => write!(f, "only a supervisor can do this"),
            Rule::RoleNotAllowed { reason } => write!(f, "not allowed for this role: {reason}"),
            Rule::UnknownReference { kind } => write!(f, "refers to an unknown {kind}"),
            Rule::UnknownArea { kind, closest } => {
                write!(f, "is not a loaded {kind}; the closest: {closest}")
            }
            Rule::MustBeEmpty { reason } => write!(f, "must be empty: {reason}"),
            Rule::PlaceRequired { method } => write!(
                f,
                "is required for a {method} contact (only phone, online and letter contacts \
                 may go without one)"
            ),
        }
    }
}

/// Checks shared by every record type.
pub(crate) mod check {
    use super::{Rule, ValidationError};

    /// Trimmed text that must not be empty and must fit `max_chars`.
    pub fn required_text(
        field: &str,
        value: &str,
        max_chars: usize,
    ) -> Result<(), ValidationError> {
        if value.trim().is_empty() {
            return Err(ValidationError::new(field, Rule::Required));
        }
        max_len(field, value, max_chars)
    }

    /// Optional text that must fit `max_chars`.
    pub fn max_len(field: &str, value: &str, max_chars: usize) -> Result<(), ValidationError> {
        if value.chars().count() > max_chars {
            return Err(ValidationError::new(field, Rule::TooLong { max_chars }));
        }
        Ok(())
    }

    pub fn optional_text(
        field: &str,
        value: Option<&str>,
        max_chars: usize,
    ) -> Result<(), ValidationError> {
        value.map_or(Ok(()), |v| max_len(field, v, max_chars))
    }
}

/// Limits on free text, chosen to hold a long note but refuse a pasted document.
pub mod limits {
    pub const SHORT_TEXT: usize = 200;
    pub const LONG_TEXT: usize = 10_000;
}
