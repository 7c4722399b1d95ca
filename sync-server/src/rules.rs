//! Who may push what: the "Who may push" column of the kinds table in
//! `docs/sync-protocol.md`, as checks on one op. Kind-level rules need only the author's role;
//! record-level rules compare the record before the op with the merged result.

use crate::apply::Rejection;
use crate::storage::{CurrentRecord, Principal};
use beatbook_core::ids::UserId;
use beatbook_core::model::Role;
use beatbook_core::sync::merge::RecordState;
use beatbook_core::sync::protocol::{Op, RejectCode};
use beatbook_core::sync::RecordKind;
use serde_json::Value;
use std::collections::BTreeSet;

/// Fields a device may set on a conflict record (the server writes the rest).
const CONFLICT_RESOLUTION_FIELDS: &[&str] = &["resolution", "resolved_by", "resolved_at"];
/// Fields only a supervisor may set on a stage request (others may leave them undecided).
const STAGE_DECISION_FIELDS: &[&str] = &["decided_by", "decided_at", "decision_reason"];

fn forbidden(message: &str) -> Rejection {
    Rejection {
        code: RejectCode::Forbidden,
        message: message.to_owned(),
    }
}

/// Whether `role` may push records of `kind` at all.
pub fn kind_allowed(role: Role, kind: RecordKind) -> Result<(), Rejection> {
    if kind.is_reference() {
        return Err(forbidden(
            "reference data (users, teams, areas) is written by administrators only",
        ));
    }
    if kind == RecordKind::Review && !role.is_supervisor() {
        return Err(forbidden("only supervisors record reviews"));
    }
    if role != Role::Volunteer {
        return Ok(());
    }
    if kind.is_personal() {
        return Err(Rejection {
            code: RejectCode::PersonalDataForbidden,
            message: format!("volunteers may not record or change {kind} records"),
        });
    }
    match kind {
        RecordKind::FollowUp
        | RecordKind::Problem
        | RecordKind::ProblemStep
        | RecordKind::StageRequest => Err(forbidden(&format!(
            "volunteers may not record or change {kind} records"
        ))),
        _ => Ok(()),
    }
}

/// The field naming who created a record: it must be the author when the record is created,
/// and it never changes afterwards (scopes and ownership rest on it).
pub fn creator_field(kind: RecordKind) -> Option<&'static str> {
    match kind {
        RecordKind::Patrol | RecordKind::Contact => Some("recorded_by"),
        RecordKind::Note | RecordKind::ProblemStep => Some("author"),
        RecordKind::Problem => Some("created_by"),
        RecordKind::StageRequest => Some("requested_by"),
        RecordKind::Review => Some("reviewer"),
        _ => None,
    }
}

/// Record-level rules for an op that is not an erasure; `merged` is the state after the op.
pub fn record_allowed(
    principal: &Principal,
    op: &Op,
    current: &CurrentRecord,
    merged: &RecordState,
) -> Result<(), Rejection> {
    let author = serde_json::to_value(op.author).unwrap_or(Value::Null);
    let current_value = |field: &str| current.state.fields.get(field).map(|f| &f.value);
    let supervisor = principal.role.is_supervisor();
    let volunteer = principal.role == Role::Volunteer;

    if let Some(field) = creator_field(op.kind) {
        if let Some(change) = op.fields.get(field) {
            let expected = current_value(field).unwrap_or(&author);
            if change.value != *expected {
                return Err(forbidden(&format!(
                    "field `{field}` must name the author when a {} is created, and cannot change",
                    op.kind
                )));
            }
        }
    }

    match op.kind {
        RecordKind::Patrol => {
            if current_value("recorded_by").is_some()
                && !supervisor
                && !current.meta.members.contains(&op.author)
            {
                return Err(forbidden(
                    "only the patrol's recorder, its participants or a supervisor may change it",
                ));
            }
            if volunteer
                && merged.fields.get("kind").map(|f| &f.value)
                    != Some(&Value::String("cip_targeted".into()))
            {
                return Err(forbidden(
                    "volunteers may record only CiP targeted patrols (kind `cip_targeted`)",
                ));
            }
        }
        RecordKind::Contact
            if volunteer && current.exists && current.meta.owner != Some(op.author) =>
        {
            return Err(forbidden(
                "volunteers may change only contacts they recorded",
            ));
        }
        RecordKind::StageRequest if !supervisor => {
            let undecided = op.fields.iter().all(|(name, change)| match name.as_str() {
                "status" => change.value == Value::String("pending".into()),
                name if STAGE_DECISION_FIELDS.contains(&name) => change.value.is_null(),
                _ => true,
            });
            if !undecided {
                return Err(forbidden("only a supervisor may decide a stage request"));
            }
        }
        RecordKind::FollowUp if current.exists && !supervisor => {
            if let Some(change) = op.fields.get("owner") {
                if current_value("owner") != Some(&change.value) {
                    return Err(forbidden("only a supervisor may reassign a follow-up"));
                }
            }
        }
        RecordKind::Conflict => {
            if !current.exists {
                return Err(forbidden("conflict records are made by the server"));
            }
            if let Some(field) = op
                .fields
                .keys()
                .find(|f| !CONFLICT_RESOLUTION_FIELDS.contains(&f.as_str()))
            {
                return Err(forbidden(&format!(
                    "only the resolution of a conflict may be set (not `{field}`)"
                )));
            }
            if let Some(by) = op.fields.get("resolved_by") {
                if !by.value.is_null() && by.value != author {
                    return Err(forbidden("field `resolved_by` must name the author"));
                }
            }
            if volunteer && !current.meta.members.contains(&op.author) {
                return Err(forbidden(
                    "volunteers may resolve only conflicts about their own patrols",
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

/// The fields, by kind, that name other users of the team: who owns a follow-up or a problem,
/// who was on a patrol, whose work a review covers.
fn user_fields(kind: RecordKind) -> &'static [&'static str] {
    match kind {
        RecordKind::FollowUp | RecordKind::Problem => &["owner"],
        RecordKind::Patrol => &["participants"],
        RecordKind::Review => &["member"],
        _ => &[],
    }
}

/// Every user an op names in those fields must be in the author's team: a record of the team
/// cannot hand a promise, a problem or a review to someone the team's devices do not know (and
/// whose own devices would never receive it). Only fields the op sets are checked, so a record
/// naming someone who has since moved team can still be edited otherwise.
pub fn named_users_in_team(team_members: &BTreeSet<UserId>, op: &Op) -> Result<(), Rejection> {
    for field in user_fields(op.kind) {
        let Some(change) = op.fields.get(*field) else {
            continue;
        };
        let named: Vec<&Value> = match &change.value {
            Value::Array(items) => items.iter().collect(),
            Value::Null => Vec::new(),
            single => vec![single],
        };
        if named.into_iter().any(|value| !in_team(team_members, value)) {
            return Err(forbidden(&format!(
                "field `{field}` must name users of the author's team"
            )));
        }
    }
    // A problem's response actions each name an optional owner.
    if op.kind == RecordKind::Problem {
        if let Some(Value::Array(actions)) = op.fields.get("responses").map(|c| &c.value) {
            let outside = actions
                .iter()
                .filter_map(|action| action.get("owner"))
                .filter(|owner| !owner.is_null())
                .any(|owner| !in_team(team_members, owner));
            if outside {
                return Err(forbidden(
                    "field `responses.owner` must name users of the author's team",
                ));
            }
        }
    }
    Ok(())
}

/// Whether `value` is the id of a user in `team_members`.
fn in_team(team_members: &BTreeSet<UserId>, value: &Value) -> bool {
    serde_json::from_value::<UserId>(value.clone()).is_ok_and(|user| team_members.contains(&user))
}
