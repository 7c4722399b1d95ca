//! Corrections with an audit trail (issue 13 item 5): amending a contact, a patrol or a
//! follow-up, cancelling a patrol started by mistake, and correcting a note with an amending
//! note.
//!
//! Why a module of its own: every correction follows the same steps, and they matter more than
//! the fields. The reason is checked and the corrected record built and validated (the rules of
//! a new record, the time sense, who may) before the write transaction opens; inside it the
//! record is read again and the correction refused if it changed meanwhile, so nothing is half
//! written or written over; the record keeps the reason (`correction_reason`, synced field by
//! field like any edit), and the audit log gets an alteration naming the fields changed (never
//! their values) with the reason as its justification. The permission checks sit next to the
//! ones they resemble (`patrols::may_correct`, `contacts::may_amend`, …).

mod contacts;
mod follow_ups;
mod notes;
mod patrols;

use crate::error::Result;
use crate::validation::{Rule, ValidationError};

/// An amendment that sets nothing is refused: there is nothing to log.
fn require_some(fields: &[&str]) -> Result<()> {
    if fields.is_empty() {
        return Err(ValidationError::new("amendment", Rule::Required).into());
    }
    Ok(())
}

/// The record changed between the check and the write: refused, so a correction is never
/// judged against one version and written over another.
fn changed_meanwhile(field: &str) -> crate::error::Error {
    ValidationError::new(
        field,
        Rule::InvalidState {
            reason: "the record changed while it was being corrected; try again",
        },
    )
    .into()
}
