//! Who may write what: the one permission policy, run by the device before it commits a local
//! write and by the server on every pushed op, on the same input — the op as it travels, the
//! record's fields before it (as the merge sees them) and after it. Written once here, so the
//! two cannot disagree: anything a device accepts, the server accepts, short of a race (the
//! server's copy of the record changed since the device last pulled, or the user moved team).
//!
//! One function per write: [`check`]. A new write path needs nothing of its own: every local
//! write transaction is turned into ops by `store::device_sync::capture`, which calls
//! [`check`] for each op before the transaction commits; the server's `apply` calls it for each
//! pushed op. [`check_kind`] is the part that needs no record (the server runs it before it
//! reads the record).
//!
//! Rules that need more than the record — the team's users (an op may name only users of the
//! author's team), which team a record belongs to, who the authenticated device is — are the
//! server's alone (`beatbook-server`: `apply::precheck`, `team_rules`). The consent rule is the
//! core's own (`model::consent`), run by both on the contact and its personal record together.

mod denial;
pub mod fields;
mod kinds;
mod records;
mod view;

#[cfg(test)]
mod field_names_tests;
#[cfg(test)]
mod tests;

pub use denial::{Denial, DenialCode};
pub use view::FieldView;

use crate::ids::UserId;
use crate::model::Role;
use crate::sync::protocol::Op;

/// Who writes: the op's author and their role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Who {
    pub user: UserId,
    pub role: Role,
}

/// One write, as both sides see it: the op, the record before it (`None` when the op makes
/// the record) and the record after it.
#[derive(Clone, Copy)]
pub struct Write<'a> {
    pub op: &'a Op,
    pub before: Option<&'a dyn FieldView>,
    pub after: &'a dyn FieldView,
}

impl std::fmt::Debug for Write<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Write")
            .field("kind", &self.op.kind)
            .field("record_id", &self.op.record_id)
            .field("makes_record", &self.before.is_none())
            .finish_non_exhaustive()
    }
}

/// Whether `who` may make `write`: `Ok(())`, or the first rule it breaks.
pub fn check(who: &Who, write: &Write<'_>) -> Result<(), Denial> {
    check_kind(who, write.op)?;
    if write.op.erase.is_some() {
        return Ok(());
    }
    records::check(who, write)
}

/// The rules that need only the op: whether `who`'s role may write this kind at all, and
/// erase.
pub fn check_kind(who: &Who, op: &Op) -> Result<(), Denial> {
    kinds::check(who.role, op.kind)?;
    if op.erase.is_some() && !who.role.is_supervisor() {
        return Err(Denial::new(DenialCode::ErasureBySupervisors));
    }
    Ok(())
}
