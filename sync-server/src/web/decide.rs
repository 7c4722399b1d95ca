//! Approving or sending back a SARA stage move from the web page, through the path a device's
//! push takes: the decision is made into ops — authored by the supervisor, sent from the
//! browser's own enrolled device, stamped with a hybrid clock and based on the fields' current
//! clocks — and applied with [`apply::decide`] (the protocol's checks, the role rules, the
//! core's merge, validation) in one `write_records` batch. So the records change exactly as if
//! the sergeant's phone had pushed `beatbook approve`, and every device of the team pulls them.
//!
//! The ops are the ones the device's `Store::decide_stage_request` makes: the request's
//! decision fields; on approval, the problem's stage (with `stage_changed_at`, `updated_at`) and
//! a problem step recording the approval (its id is the request's, as on the device).

use crate::apply::{self, PushContext};
use crate::http::HttpConfig;
use crate::reference;
use crate::storage::{
    Principal, ServerAudit, StorageError, StorageResult, SyncStorage, WriteOutcome,
};
use beatbook_core::ids::{StageRequestId, StepId, TeamId};
use beatbook_core::model::{Problem, ProblemStep, SaraStage, StageRequest, StageRequestStatus};
use beatbook_core::sync::merge::RecordState;
use beatbook_core::sync::protocol::{FieldChange, Op};
use beatbook_core::sync::{Hlc, RecordKind};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// What the supervisor decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StageDecision {
    Approve,
    SendBack { reason: String },
}

/// The longest reason for sending a move back (the device's long-text limit is larger).
pub const MAX_REASON_CHARS: usize = 2000;

/// A stage's name as the device's step text spells it.
fn label(stage: SaraStage) -> &'static str {
    match stage {
        SaraStage::Scanning => "Scanning",
        SaraStage::Analysis => "Analysis",
        SaraStage::Response => "Response",
        SaraStage::Assessment => "Assessment",
        SaraStage::Closed => "Closed",
    }
}

pub fn find<'r>(
    records: &'r [(RecordKind, RecordState)],
    kind: RecordKind,
    id: &str,
) -> Option<&'r RecordState> {
    records
        .iter()
        .filter(|(k, _)| *k == kind)
        .map(|(_, state)| state)
        .find(|state| {
            state
                .fields
                .get("id")
                .and_then(|f| f.value.as_str())
                .is_some_and(|v| v == id)
        })
}

pub fn parse<T: serde::de::DeserializeOwned>(state: &RecordState) -> Option<T> {
    let object = state
        .fields
        .iter()
        .map(|(name, field)| (name.clone(), field.value.clone()))
        .collect();
    parse_value(&serde_json::Value::Object(object))
}

/// A record's values (a JSON object, as a store streams them) read as `T`, or `None` when they
/// are not one.
pub fn parse_value<T: serde::de::DeserializeOwned>(record: &serde_json::Value) -> Option<T> {
    T::deserialize(record).ok()
}

/// The fields of `new` that differ from `current` (all of them for a new record), each based
/// on the clock the supervisor's page saw.
pub fn changes<T: Serialize>(
    current: Option<&RecordState>,
    new: &T,
) -> StorageResult<BTreeMap<String, FieldChange>> {
    let object = reference::object_of(new)
        .map_err(|_| StorageError::Invalid("a decision record is not an object".into()))?;
    Ok(object
        .into_iter()
        .filter_map(|(name, value)| {
            let seen = current.and_then(|c| c.fields.get(&name));
            match seen {
                Some(field) if field.value == value => None,
                _ => Some((
                    name,
                    FieldChange {
                        value,
                        base: seen.map(|f| f.hlc),
                    },
                )),
            }
        })
        .collect())
}

/// Applies a supervisor's decision on one of `team`'s pending stage requests. `Ok(Err(why))`
/// when it is refused (already decided, the problem moved on, a rule of the protocol).
pub fn decide(
    storage: &dyn SyncStorage,
    principal: &Principal,
    team: TeamId,
    request_id: StageRequestId,
    decision: StageDecision,
    now: DateTime<Utc>,
    config: &HttpConfig,
) -> StorageResult<Result<(), String>> {
    let records =
        storage.report_records(Some(team), &[RecordKind::StageRequest, RecordKind::Problem])?;
    let request_key = request_id.to_string();
    let Some(request_state) = find(&records, RecordKind::StageRequest, &request_key) else {
        return Ok(Err("Your team has no such stage request.".into()));
    };
    let Some(request) = parse::<StageRequest>(request_state) else {
        return Ok(Err("The stage request could not be read.".into()));
    };
    if request.status != StageRequestStatus::Pending {
        return Ok(Err("This stage move has already been decided.".into()));
    }
    let (status, decision_reason) = match &decision {
        StageDecision::Approve => (StageRequestStatus::Approved, None),
        StageDecision::SendBack { reason } => {
            (StageRequestStatus::SentBack, Some(reason.trim().to_owned()))
        }
    };
    let decided = StageRequest {
        status,
        decided_by: Some(principal.user_id),
        decided_at: Some(now),
        decision_reason,
        ..request.clone()
    };
    let mut planned: Vec<PlannedOp> = vec![(
        RecordKind::StageRequest,
        request_key,
        changes(Some(request_state), &decided)?,
    )];
    if decision == StageDecision::Approve {
        let problem_key = request.problem_id.to_string();
        let Some(problem_state) = find(&records, RecordKind::Problem, &problem_key) else {
            return Ok(Err(
                "The problem of this request is not on the server.".into()
            ));
        };
        let Some(problem) = parse::<Problem>(problem_state) else {
            return Ok(Err("The problem could not be read.".into()));
        };
        if problem.stage != request.from_stage {
            return Ok(Err(
                "The problem has changed stage since the request; send it back.".into(),
            ));
        }
        let moved = Problem {
            stage: request.to_stage,
            stage_changed_at: now,
            updated_at: now,
            ..problem
        };
        let step = ProblemStep {
            id: StepId(request.id.0),
            problem_id: moved.id,
            stage: request.from_stage,
            text: format!(
                "Move from {} to {} approved.",
                label(request.from_stage),
                label(request.to_stage)
            ),
            author: principal.user_id,
            recorded_at: now,
        };
        planned.push((
            RecordKind::Problem,
            problem_key,
            changes(Some(problem_state), &moved)?,
        ));
        planned.push((
            RecordKind::ProblemStep,
            step.id.0.to_string(),
            changes(None, &step)?,
        ));
    }
    apply_ops(
        storage, principal, team, planned, &records, now, config, None,
    )
}

/// Changes planned for one record: its kind, id and fields.
pub type PlannedOp = (RecordKind, String, BTreeMap<String, FieldChange>);

/// Makes `planned` into ops from the supervisor's browser device and applies them with
/// [`apply::decide`], as a push of them would be, in one batch. `seen` are the records the page
/// read: the ops' clock follows all of theirs. Once one op is refused the rest are refused too
/// (never half a decision). `logged_as`, when given, is the decision's entry in the s.62 log:
/// written in the batch's transaction with the first op (in place of what the push path would
/// log for that op), so a decision is never kept without its entry nor logged without being
/// kept. `Ok(Err(why))` when refused.
#[allow(clippy::too_many_arguments)]
pub fn apply_ops(
    storage: &dyn SyncStorage,
    principal: &Principal,
    team: TeamId,
    planned: Vec<PlannedOp>,
    seen: &[(RecordKind, RecordState)],
    now: DateTime<Utc>,
    config: &HttpConfig,
    logged_as: Option<ServerAudit>,
) -> StorageResult<Result<(), String>> {
    // The stamp follows every clock the page saw, so the decision is a successor of them all.
    let wall_ms = apply::server_ops::stamp_after(now, seen.iter().map(|(_, state)| state));
    let ops: Vec<Op> = planned
        .into_iter()
        .enumerate()
        .map(|(i, (kind, record_id, fields))| Op {
            op_id: Uuid::now_v7(),
            kind,
            record_id,
            hlc: Hlc {
                wall_ms,
                counter: u32::try_from(i).unwrap_or(u32::MAX),
                node: principal.device_id,
            },
            author: principal.user_id,
            device: principal.device_id,
            fields,
            erase: None,
        })
        .collect();
    let roster = storage.team_roster(team)?;
    let ctx = PushContext {
        principal: principal.clone(),
        now,
        // The same clock limits as a device's push.
        max_skew_ms: config.max_clock_skew_ms,
        earliest_record_time: config.earliest_record_time,
        server_node: storage.server_node()?,
        team_members: roster.members,
        device_users: roster.device_users,
    };
    let outcomes =
        apply::server_ops::write_all_or_none(storage, &ctx, &ops, now.timestamp_millis(), |i| {
            logged_as
                .as_ref()
                .filter(|_| i == 0)
                .map(|entry| vec![entry.clone()])
        })?;
    for outcome in outcomes {
        if let WriteOutcome::Rejected { code, message } = outcome {
            tracing::warn!(code = code.as_str(), "a web stage decision was refused");
            return Ok(Err(format!("The server refused the decision: {message}")));
        }
    }
    Ok(Ok(()))
}
