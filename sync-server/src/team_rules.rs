//! Server-only permission rules: the ones that need the team's list of users, which only the
//! server holds. Everything else about who may push what is the core's one policy
//! (`beatbook_core::policy`), which devices run too; `apply` calls both.

use crate::apply::Rejection;
use beatbook_core::ids::UserId;
use beatbook_core::policy::fields::{follow_up, patrol, problem, response_action, review};
use beatbook_core::sync::protocol::{Op, RejectCode};
use beatbook_core::sync::RecordKind;
use serde_json::Value;
use std::collections::BTreeSet;

fn forbidden(message: &str) -> Rejection {
    Rejection {
        code: RejectCode::Forbidden,
        message: message.to_owned(),
    }
}

/// The fields, by kind, that name other users of the team: who owns a follow-up or a problem,
/// who was on a patrol, whose work a review covers.
fn user_fields(kind: RecordKind) -> &'static [&'static str] {
    match kind {
        RecordKind::FollowUp => &[follow_up::OWNER],
        RecordKind::Problem => &[problem::OWNER],
        RecordKind::Patrol => &[patrol::PARTICIPANTS],
        RecordKind::Review => &[review::MEMBER],
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
        if let Some(Value::Array(actions)) = op.fields.get(problem::RESPONSES).map(|c| &c.value) {
            let outside = actions
                .iter()
                .filter_map(|action| action.get(response_action::OWNER))
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
