//! Record-level rules: what an op may do to a record, judged on the record before and after.

use super::fields::{conflict, contact, follow_up, note, patrol, problem, problem_step};
use super::fields::{review, stage_request};
use super::{Denial, DenialCode, Who, Write};
use crate::model::Role;
use crate::sync::RecordKind;
use serde_json::Value;

/// The field naming who made a record: it names the author when the record is made, and
/// never changes afterwards (scopes and ownership rest on it).
pub fn creator_field(kind: RecordKind) -> Option<&'static str> {
    match kind {
        RecordKind::Patrol => Some(patrol::RECORDED_BY),
        RecordKind::Contact => Some(contact::RECORDED_BY),
        RecordKind::Note => Some(note::AUTHOR),
        RecordKind::ProblemStep => Some(problem_step::AUTHOR),
        RecordKind::Problem => Some(problem::CREATED_BY),
        RecordKind::StageRequest => Some(stage_request::REQUESTED_BY),
        RecordKind::Review => Some(review::REVIEWER),
        _ => None,
    }
}

/// Fields a device may set on a conflict record (the server writes the rest).
const CONFLICT_RESOLUTION_FIELDS: &[&str] = &[
    conflict::RESOLUTION,
    conflict::RESOLVED_BY,
    conflict::RESOLVED_AT,
];
/// Fields only a supervisor may set on a stage request (others may leave them undecided).
const STAGE_DECISION_FIELDS: &[&str] = &[
    stage_request::DECIDED_BY,
    stage_request::DECIDED_AT,
    stage_request::DECISION_REASON,
];

/// The record-level rules for an op that is not an erasure.
pub(super) fn check(who: &Who, write: &Write<'_>) -> Result<(), Denial> {
    let author = user_value(who);
    if let Some(field) = creator_field(write.op.kind) {
        if let Some(change) = write.op.fields.get(field) {
            let expected = before(write, field).unwrap_or(&author);
            if change.value != *expected {
                return Err(Denial::on_field(DenialCode::CreatorFixed, field));
            }
        }
    }
    match write.op.kind {
        RecordKind::Patrol => patrol_rules(who, write),
        RecordKind::Contact => contact_rules(who, write),
        RecordKind::FollowUp => follow_up_rules(who, write),
        RecordKind::StageRequest => stage_request_rules(who, write),
        RecordKind::Conflict => conflict_rules(who, write),
        _ => Ok(()),
    }
}

fn patrol_rules(who: &Who, write: &Write<'_>) -> Result<(), Denial> {
    if let Some(record) = write.before {
        if record.field(patrol::RECORDED_BY).is_some()
            && !who.role.is_supervisor()
            && !names(record.field(patrol::RECORDED_BY), who)
            && !names(record.field(patrol::PARTICIPANTS), who)
        {
            return Err(Denial::new(DenialCode::NotOnPatrol));
        }
    }
    if who.role == Role::Volunteer
        && write.after.field(patrol::KIND) != Some(&Value::String("cip_targeted".into()))
    {
        return Err(Denial::on_field(DenialCode::CipPatrolsOnly, patrol::KIND));
    }
    Ok(())
}

fn contact_rules(who: &Who, write: &Write<'_>) -> Result<(), Denial> {
    match write.before {
        Some(record)
            if who.role == Role::Volunteer && !names(record.field(contact::RECORDED_BY), who) =>
        {
            Err(Denial::new(DenialCode::NotRecorder))
        }
        _ => Ok(()),
    }
}

/// A volunteer's promise is a referral to the team: made unowned, naming the volunteer as
/// `referred_by`, for a supervisor to give to someone; the volunteer does not change it after.
/// Otherwise only a supervisor gives a follow-up to someone, and only its owner or a supervisor
/// answers or cancels it. `referred_by` names the author when set at all, and never changes.
fn follow_up_rules(who: &Who, write: &Write<'_>) -> Result<(), Denial> {
    let author = user_value(who);
    if let Some(change) = write.op.fields.get(follow_up::REFERRED_BY) {
        let allowed = match write.before {
            None => change.value.is_null() || change.value == author,
            Some(_) => Some(&change.value) == before(write, follow_up::REFERRED_BY),
        };
        if !allowed {
            return Err(Denial::on_field(
                DenialCode::CreatorFixed,
                follow_up::REFERRED_BY,
            ));
        }
    }
    if who.role == Role::Volunteer {
        let referral = write.before.is_none()
            && write
                .after
                .field(follow_up::OWNER)
                .is_none_or(Value::is_null)
            && write.after.field(follow_up::REFERRED_BY) == Some(&author);
        return if referral {
            Ok(())
        } else {
            Err(Denial::new(DenialCode::VolunteersRefer))
        };
    }
    if who.role.is_supervisor() {
        return Ok(());
    }
    let Some(record) = write.before else {
        return Ok(());
    };
    if changes(write, follow_up::OWNER) {
        return Err(Denial::on_field(
            DenialCode::AssignBySupervisors,
            follow_up::OWNER,
        ));
    }
    let closes = [
        follow_up::STATUS,
        follow_up::ANSWERED_AT,
        follow_up::OUTCOME,
    ]
    .iter()
    .any(|field| changes(write, field));
    if closes && !names(record.field(follow_up::OWNER), who) {
        return Err(Denial::new(DenialCode::NotFollowUpOwner));
    }
    Ok(())
}

fn stage_request_rules(who: &Who, write: &Write<'_>) -> Result<(), Denial> {
    if who.role.is_supervisor() {
        return Ok(());
    }
    let undecided = write
        .op
        .fields
        .iter()
        .all(|(name, change)| match name.as_str() {
            stage_request::STATUS => change.value == Value::String("pending".into()),
            name if STAGE_DECISION_FIELDS.contains(&name) => change.value.is_null(),
            _ => true,
        });
    if undecided {
        Ok(())
    } else {
        Err(Denial::new(DenialCode::StageDecisionBySupervisors))
    }
}

fn conflict_rules(who: &Who, write: &Write<'_>) -> Result<(), Denial> {
    let Some(record) = write.before else {
        return Err(Denial::new(DenialCode::ConflictsByServer));
    };
    if write
        .op
        .fields
        .keys()
        .any(|f| !CONFLICT_RESOLUTION_FIELDS.contains(&f.as_str()))
    {
        return Err(Denial::new(DenialCode::ConflictResolutionOnly));
    }
    if let Some(by) = write.op.fields.get(conflict::RESOLVED_BY) {
        if !by.value.is_null() && by.value != user_value(who) {
            return Err(Denial::on_field(
                DenialCode::CreatorFixed,
                conflict::RESOLVED_BY,
            ));
        }
    }
    if who.role == Role::Volunteer
        && !names(record.field(conflict::WINNER_AUTHOR), who)
        && !names(record.field(conflict::LOSER_AUTHOR), who)
    {
        return Err(Denial::new(DenialCode::NotPartyToConflict));
    }
    Ok(())
}

/// The author's id as the fields hold it.
fn user_value(who: &Who) -> Value {
    Value::String(who.user.to_string())
}

/// The field's value before the write, if the record existed and held it.
fn before<'a>(write: &Write<'a>, field: &str) -> Option<&'a Value> {
    write.before.and_then(|record| record.field(field))
}

/// Whether the op sets `field` to a value other than the one it held before.
fn changes(write: &Write<'_>, field: &str) -> bool {
    write
        .op
        .fields
        .get(field)
        .is_some_and(|change| before(write, field).unwrap_or(&Value::Null) != &change.value)
}

/// Whether `value` (a user id, or a list of them) names `who`.
fn names(value: Option<&Value>, who: &Who) -> bool {
    let id = who.user.to_string();
    match value {
        Some(Value::String(s)) => *s == id,
        Some(Value::Array(items)) => items.iter().any(|v| v.as_str() == Some(id.as_str())),
        _ => false,
    }
}
