//! Applying one pushed op: the protocol's checks in order, the core's merge
//! (`beatbook_core::sync::merge::plan_op` — the one implementation devices share), validation
//! of the merged record, and conflict records for every concurrent edit that lost.
//!
//! [`decide`] runs inside the storage's transaction with the record as stored (a repeated op
//! id never reaches it: the storage answers `duplicate` first, so a resent op is always
//! `duplicate`, whatever has changed since), runs [`precheck`] (the checks that need no stored
//! state) and the record's rules, and returns what to write. Both are pure: no I/O, no clock
//! reads.

use crate::consent;
use crate::reference;
use crate::s62;
use crate::scope;
use crate::storage::{ConflictScrub, CurrentRecord, Decision, Principal, RecordMeta, RecordRow};
use crate::team_rules;
use crate::validate;
use beatbook_core::ids::{DeviceId, UserId};
use beatbook_core::model::TimeSense;
use beatbook_core::policy::{self, Denial, FieldView};
use beatbook_core::sync::conflict::Conflict;
use beatbook_core::sync::legacy_fields;
use beatbook_core::sync::merge::{plan_op, ConflictFound, OpPlan, RecordState};
use beatbook_core::sync::protocol::{Op, RejectCode};
use beatbook_core::sync::{Hlc, RecordKind};
use chrono::{DateTime, SecondsFormat, Utc};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// Why an op was refused: a stable code and a message for people (never a record's values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub code: RejectCode,
    pub message: String,
}

/// What applying ops needs to know besides the op.
#[derive(Debug, Clone)]
pub struct PushContext {
    pub principal: Principal,
    pub now: DateTime<Utc>,
    /// How far ahead of the server's clock an op's HLC may be.
    pub max_skew_ms: u64,
    /// The earliest time a record may carry; with `now` and `max_skew_ms`, what a recorded
    /// time is judged against (`model::time_sense`).
    pub earliest_record_time: DateTime<Utc>,
    /// The server's HLC node, for the conflict records it makes.
    pub server_node: DeviceId,
    /// The users of the author's team: who an op may name as a follow-up's or problem's owner,
    /// a patrol's participant or a review's member.
    pub team_members: BTreeSet<UserId>,
    /// Who each of the team's devices belongs to: the author of a value the merge kept
    /// without knowing who wrote it (its clock names the device), so that a conflict names
    /// both authors. A value the server wrote (its own node) has none.
    pub device_users: BTreeMap<DeviceId, UserId>,
}

impl PushContext {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.now.timestamp_millis()).unwrap_or(0)
    }
}

/// The checks that need no stored state: who sent it and their clock (server-only: the
/// authenticated device), whether their role may push this kind at all (the core's policy,
/// `policy::check_kind`), and whether they are in a team (server-only).
pub fn precheck(ctx: &PushContext, op: &Op) -> Result<(), Rejection> {
    let principal = &ctx.principal;
    // The clock's node is the device too: a forged node could tie another device's stamp on
    // a field (equal clocks keep the value already there) and leave that device disagreeing
    // with the server for ever.
    if op.author != principal.user_id
        || op.device != principal.device_id
        || op.hlc.node != principal.device_id
    {
        return Err(Rejection {
            code: RejectCode::AuthorMismatch,
            message: "the op's author, device and clock node must be the enrolled user and device"
                .into(),
        });
    }
    if op.hlc.wall_ms > ctx.now_ms().saturating_add(ctx.max_skew_ms) {
        return Err(Rejection {
            code: RejectCode::ClockAhead,
            message: format!(
                "the op's clock is ahead of the server's by more than {} s; server time is {}",
                ctx.max_skew_ms / 1000,
                ctx.now.to_rfc3339_opts(SecondsFormat::Millis, true)
            ),
        });
    }
    policy::check_kind(&who(principal), op).map_err(|d| rejection(op, d))?;
    if principal.team_id.is_none() {
        return Err(Rejection {
            code: RejectCode::Forbidden,
            message: "the user is not in a team, so cannot record team data".into(),
        });
    }
    Ok(())
}

/// The policy's `Who` for an authenticated device's holder.
fn who(principal: &Principal) -> policy::Who {
    policy::Who {
        user: principal.user_id,
        role: principal.role,
    }
}

/// An op refused by the policy: the protocol's code for the denial, and its message.
fn rejection(op: &Op, denial: Denial) -> Rejection {
    Rejection {
        code: denial.code.reject_code(),
        message: format!("{}: {denial}", op.kind),
    }
}

/// The server's permission check for one pushed op: the core's policy (`policy::check`, the
/// check a device runs before it commits the write) on the record as stored (`None` when the
/// op makes it) and the record `merged` as the op leaves it.
pub fn permit_pushed_op(
    principal: &Principal,
    op: &Op,
    current: &CurrentRecord,
    merged: &RecordState,
) -> Result<(), Rejection> {
    let write = policy::Write {
        op,
        before: current.exists.then_some(&current.state as &dyn FieldView),
        after: merged,
    };
    policy::check(&who(principal), &write).map_err(|d| rejection(op, d))
}

/// Decides what `op` does to `current` (called inside the storage's transaction, after the
/// storage has answered a repeated op id `duplicate`): the prechecks, then the record's rules.
pub fn decide(ctx: &PushContext, op: &Op, current: &CurrentRecord) -> Decision {
    let decided = precheck(ctx, op)
        .and_then(|()| current_fields(op))
        .and_then(|op| decide_or_reject(ctx, &op, current));
    match decided {
        Ok(decision) => decision,
        Err(Rejection { code, message }) => Decision::Reject { code, message },
    }
}

/// The op in this build's fields: an older build's whole-triangle op is read as the six corner
/// fields (`beatbook_core::sync::legacy_fields`); one whose triangle is not an object is refused.
fn current_fields(op: &Op) -> Result<Cow<'_, Op>, Rejection> {
    if !legacy_fields::has_legacy_fields(op) {
        return Ok(Cow::Borrowed(op));
    }
    let mut upgraded = op.clone();
    legacy_fields::upgrade_op(&mut upgraded).map_err(|e| Rejection {
        code: RejectCode::InvalidRecord,
        message: e.to_string(),
    })?;
    Ok(Cow::Owned(upgraded))
}

fn decide_or_reject(
    ctx: &PushContext,
    op: &Op,
    current: &CurrentRecord,
) -> Result<Decision, Rejection> {
    let principal = &ctx.principal;
    if current.exists && current.meta.team_id != principal.team_id {
        return Err(Rejection {
            code: RejectCode::Forbidden,
            message: format!("the {} belongs to another team", op.kind),
        });
    }
    let meta = |members: Vec<_>| {
        if current.exists {
            RecordMeta {
                members,
                ..current.meta.clone()
            }
        } else {
            RecordMeta {
                team_id: principal.team_id,
                owner: Some(op.author),
                subject: None,
                members,
            }
        }
    };
    match plan_op(&current.state, op) {
        OpPlan::RecordErased => Err(Rejection {
            code: RejectCode::RecordErased,
            message: format!("the {} was erased; changes to it are refused", op.kind),
        }),
        OpPlan::Erase => Ok(Decision::Write {
            record: RecordRow {
                kind: op.kind,
                record_id: op.record_id.clone(),
                // Members stay, so that everyone who received the record receives its erasure.
                meta: meta(current.meta.members.clone()),
                state: RecordState {
                    fields: Default::default(),
                    erased: true,
                },
            },
            extra: Vec::new(),
            reference_rows: Vec::new(),
            scrub_conflicts: crate::storage::ConflictScrub::All,
            audit: s62::erasure(principal, op, ctx.now.timestamp_millis()),
        }),
        OpPlan::Apply {
            state,
            changed,
            conflicts,
        } => {
            permit_pushed_op(principal, op, current, &state)?;
            // Server-only: the team's users are known here alone.
            team_rules::named_users_in_team(&ctx.team_members, op)?;
            validate::check_record(op.kind, &op.record_id, &state)?;
            retention_rules::check(principal, op, current, &state)?;
            consent::check(
                principal.role,
                op.kind,
                &|field| op.fields.contains_key(field),
                &state,
                current.companion.as_ref(),
            )?;
            check_times(ctx, op, &state)?;
            if changed.is_empty() && conflicts.is_empty() {
                return Ok(Decision::Unchanged);
            }
            let members = if op.kind == RecordKind::Conflict {
                current.meta.members.clone()
            } else {
                scope::members_of(op.kind, &state, None)
            };
            let record_meta = meta(members);
            let extra = conflicts
                .into_iter()
                .map(|found| conflict_row(ctx, op, found, &record_meta))
                .collect::<Result<Vec<_>, _>>()?;
            // A redaction empties a contact's personal record, and erasing a follow-up takes
            // its promise off the contact; the conflicts about those values hold copies of
            // them, so they go with them.
            let scrub_conflicts = if personal_values_gone(op.kind, &state) {
                ConflictScrub::All
            } else if promise_erased(op, &current.state, &state) {
                ConflictScrub::Field(policy::fields::contact::PROMISED)
            } else {
                ConflictScrub::Keep
            };
            let audit = s62::change(
                principal,
                op,
                current.exists,
                current.meta.subject.as_ref().map(|(kind, _)| *kind),
                &state,
                &changed,
                ctx.now.timestamp_millis(),
            );
            Ok(Decision::Write {
                record: RecordRow {
                    kind: op.kind,
                    record_id: op.record_id.clone(),
                    meta: record_meta,
                    state,
                },
                extra,
                reference_rows: Vec::new(),
                scrub_conflicts,
                audit,
            })
        }
    }
}

/// Whether a personal record now holds no personal value at all (every field null): what a
/// redaction leaves.
/// The times this op sets are believable against the server's clock (`model::time_sense`, the
/// rules a device runs before it commits): not ahead of it by more than the clock skew allowed,
/// not before the configured floor, a follow-up due within a year, a patrol at most 24 hours.
fn check_times(ctx: &PushContext, op: &Op, state: &RecordState) -> Result<(), Rejection> {
    let sense = TimeSense {
        now: ctx.now,
        floor: ctx.earliest_record_time,
        max_ahead: chrono::Duration::milliseconds(
            i64::try_from(ctx.max_skew_ms).unwrap_or(i64::MAX),
        ),
    };
    sense
        .check_set_fields(
            op.kind,
            |field| op.fields.get(field).map(|change| &change.value),
            |field| state.fields.get(field).map(|stored| &stored.value),
        )
        .map_err(|e| Rejection {
            code: RejectCode::InvalidRecord,
            message: format!("{}: {e}", op.kind),
        })
}

fn personal_values_gone(kind: RecordKind, state: &RecordState) -> bool {
    kind.is_personal() && state.fields.values().all(|field| field.value.is_null())
}

/// Whether `op` takes a contact's promise off it (the promise it held is gone after the
/// merge): only the erasure of its follow-up does — a correction may change a promise's text,
/// never remove it (`Store::erase_follow_up`, `Store::amend_contact`).
fn promise_erased(op: &Op, before: &RecordState, after: &RecordState) -> bool {
    let promised = policy::fields::contact::PROMISED;
    let held = |state: &RecordState| {
        state
            .fields
            .get(promised)
            .is_some_and(|f| !f.value.is_null())
    };
    op.kind == RecordKind::Contact
        && op.fields.contains_key(promised)
        && held(before)
        && !held(after)
}

/// A `conflict` record for one concurrent edit that lost, in the record's team, received by
/// whoever receives the record (for a volunteer: patrols they are on).
fn conflict_row(
    ctx: &PushContext,
    op: &Op,
    found: ConflictFound,
    subject_meta: &RecordMeta,
) -> Result<RecordRow, Rejection> {
    let id = Uuid::now_v7().to_string();
    let conflict = Conflict {
        id: id.clone(),
        record_kind: op.kind,
        record_id: op.record_id.clone(),
        field: found.field,
        winner_value: found.winner.value,
        winner_hlc: found.winner.hlc,
        winner_author: found
            .winner_author
            .or_else(|| ctx.device_users.get(&found.winner.hlc.node).copied()),
        loser_value: found.loser.value,
        loser_hlc: found.loser.hlc,
        loser_author: found
            .loser_author
            .or_else(|| ctx.device_users.get(&found.loser.hlc.node).copied()),
        detected_at: ctx.now,
        resolution: None,
        resolved_by: None,
        resolved_at: None,
    };
    let state =
        reference::state_of(&conflict, Hlc::new(ctx.now_ms(), ctx.server_node)).map_err(|_| {
            Rejection {
                code: RejectCode::InvalidRecord,
                message: "the conflict record could not be encoded".into(),
            }
        })?;
    Ok(RecordRow {
        kind: RecordKind::Conflict,
        record_id: id,
        meta: RecordMeta {
            team_id: subject_meta.team_id,
            owner: None,
            subject: Some((op.kind, op.record_id.clone())),
            members: scope::members_of(
                RecordKind::Conflict,
                &state,
                Some((op.kind, &subject_meta.members)),
            ),
        },
        state,
    })
}

mod retention_rules;
pub mod server_ops;

#[cfg(test)]
mod legacy_tests;
#[cfg(test)]
mod retention_tests;
#[cfg(test)]
mod tests;

#[cfg(test)]
mod agreement_tests;
