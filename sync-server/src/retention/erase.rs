//! The administrator's erasure of any record (`admin erase --kind K --id ID --reason TEXT
//! [--as NAME]`): a contact (with its personal record and follow-ups), a contact's personal
//! record (redacted: the contact stays), a note, a patrol, a problem (with its steps and stage
//! requests), a problem step or a follow-up — through the disposal path
//! ([`super::dispose`]), logged in the s.62 log with the reason and the administrator's name.
//! An unknown record is a clear error and nothing is written.

use super::dispose::{dispose, Actor, DisposeError, Disposed};
use crate::storage::SyncStorage;
use beatbook_core::sync::RecordKind;
use chrono::{DateTime, Utc};

/// Most characters of a reason.
pub const MAX_REASON_CHARS: usize = 500;

/// The kinds an administrator may erase.
pub const ERASABLE: &[RecordKind] = &[
    RecordKind::Contact,
    RecordKind::ContactPersonal,
    RecordKind::Note,
    RecordKind::Patrol,
    RecordKind::Problem,
    RecordKind::ProblemStep,
    RecordKind::FollowUp,
];

/// Why an erasure was refused.
#[derive(Debug, thiserror::Error)]
pub enum EraseError {
    #[error("records of kind {0} are not erased this way (erasable: contact, contact_personal, note, patrol, problem, problem_step, follow_up)")]
    Kind(RecordKind),
    #[error("a reason is required, at most {MAX_REASON_CHARS} characters")]
    Reason,
    #[error(transparent)]
    Dispose(#[from] DisposeError),
}

/// Erases (or for personal details, redacts) the record, with its children.
pub fn erase(
    storage: &dyn SyncStorage,
    kind: RecordKind,
    id: &str,
    reason: &str,
    admin: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Disposed, EraseError> {
    if !ERASABLE.contains(&kind) {
        return Err(EraseError::Kind(kind));
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(EraseError::Reason);
    }
    let actor = Actor::Admin {
        name: admin
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| n.chars().take(100).collect()),
        reason: reason.to_owned(),
    };
    Ok(dispose(storage, kind, id.trim(), &actor, now)?)
}
