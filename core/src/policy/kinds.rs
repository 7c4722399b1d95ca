//! Kind-level rules: which kinds a role may write at all.

use super::{Denial, DenialCode};
use crate::model::Role;
use crate::sync::RecordKind;

pub(super) fn check(role: Role, kind: RecordKind) -> Result<(), Denial> {
    if kind.is_reference() {
        return Err(Denial::new(DenialCode::ReferenceData));
    }
    if kind == RecordKind::Review && !role.is_supervisor() {
        return Err(Denial::new(DenialCode::ReviewsBySupervisors));
    }
    if kind == RecordKind::RetentionReview && !role.is_supervisor() {
        return Err(Denial::new(DenialCode::RetentionBySupervisors));
    }
    if role != Role::Volunteer {
        return Ok(());
    }
    if kind.is_personal() {
        return Err(Denial::new(DenialCode::PersonalData));
    }
    match kind {
        RecordKind::Problem | RecordKind::ProblemStep | RecordKind::StageRequest => {
            Err(Denial::new(DenialCode::NotForVolunteers))
        }
        _ => Ok(()),
    }
}
