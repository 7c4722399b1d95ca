//! `POST /v1/sync/push`: one answer per op, in request order. Each op is read on its own (an
//! op of an unknown kind or a malformed op is rejected, not the whole batch) and checked on its
//! own, so one bad op never blocks the others; the ops that can be applied go to the storage as
//! one batch, one transaction and one fsync for the whole push, and the answers go out only
//! after it commits.

use super::auth::Authed;
use super::body::json_body;
use super::errors::ApiError;
use super::AppState;
use crate::apply::{self, PushContext};
use crate::storage::{
    CurrentRecord, PendingWrite, StorageError, SyncStorage, WriteOutcome, WriteTarget,
};
use crate::validate::describe;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use beatbook_core::sync::protocol::{
    ErrorCode, Op, OpResult, OpStatus, PushResponse, RecordKind, RejectCode, MAX_OPS_PER_PUSH,
    MAX_OP_BYTES, PROTOCOL_VERSION,
};
use chrono::Utc;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Arc;
use uuid::Uuid;

/// The push envelope, with each op left as its raw JSON text so that each is judged on its
/// own (and its size is the size it was sent at, measured without re-encoding it).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PushEnvelope {
    protocol: u32,
    ops: Vec<Box<RawValue>>,
    /// The device's pull cursor (see `PushRequest::pulled_through`).
    #[serde(default)]
    pulled_through: Option<u64>,
}

/// The two members of an op read before the rest: its id (to answer it) and its kind.
#[derive(Debug, Deserialize)]
struct OpHead {
    #[serde(default)]
    op_id: Option<Value>,
    #[serde(default)]
    kind: Option<Value>,
}

impl OpHead {
    fn read(raw: &RawValue) -> Option<Self> {
        serde_json::from_str(raw.get()).ok()
    }
}

/// Counts for the log line.
#[derive(Debug, Default)]
struct Tally {
    accepted: usize,
    duplicate: usize,
    rejected: usize,
    conflicts: usize,
}

pub async fn push(
    State(state): State<AppState>,
    Authed(principal): Authed,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<PushResponse>, ApiError> {
    let envelope: PushEnvelope = json_body(&headers, body)?;
    if envelope.protocol != PROTOCOL_VERSION {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::UnsupportedProtocol,
            format!(
                "this server speaks protocol {PROTOCOL_VERSION}, not {}",
                envelope.protocol
            ),
        ));
    }
    if envelope.ops.len() > MAX_OPS_PER_PUSH {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::BodyTooLarge,
            format!("at most {MAX_OPS_PER_PUSH} ops per push; split the batch"),
        ));
    }
    let op_ids = envelope
        .ops
        .iter()
        .enumerate()
        .map(|(i, op)| {
            OpHead::read(op)
                .and_then(|head| head.op_id)
                .as_ref()
                .and_then(Value::as_str)
                .and_then(|s| Uuid::parse_str(s).ok())
                .ok_or_else(|| {
                    ApiError::bad_request(format!("ops[{i}].op_id is missing or not a UUID"))
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let storage = state.storage.clone();
    let (server_node, team_members) = {
        let storage = storage.clone();
        let team = principal.team_id;
        crate::http::request_id::in_request(move || {
            let members = match team {
                Some(team) => storage.team_member_ids(team)?.into_iter().collect(),
                None => BTreeSet::new(),
            };
            Ok::<_, StorageError>((storage.server_node()?, members))
        })
        .await??
    };
    let ctx = PushContext {
        principal,
        now: Utc::now(),
        max_skew_ms: state.config.max_clock_skew_ms,
        earliest_record_time: state.config.earliest_record_time,
        server_node,
        team_members,
    };
    let device_id = ctx.principal.device_id;
    let (results, tally) = crate::http::request_id::in_request(move || {
        apply_all(storage, &ctx, envelope.ops, op_ids, envelope.pulled_through)
    })
    .await??;
    tracing::info!(
        %device_id,
        ops = results.len(),
        accepted = tally.accepted,
        duplicate = tally.duplicate,
        rejected = tally.rejected,
        conflicts = tally.conflicts,
        "push applied"
    );
    Ok(Json(PushResponse {
        results,
        server_time: Utc::now(),
    }))
}

fn apply_all(
    storage: Arc<dyn SyncStorage>,
    ctx: &PushContext,
    ops: Vec<Box<RawValue>>,
    op_ids: Vec<Uuid>,
    pulled_through: Option<u64>,
) -> Result<(Vec<OpResult>, Tally), ApiError> {
    // Read every op first: a malformed one is answered here and never reaches the storage.
    let read: Vec<Result<Op, OpStatus>> = ops
        .into_iter()
        .zip(&op_ids)
        .map(|(raw, op_id)| read_op(raw, *op_id))
        .collect();
    let valid: Vec<&Op> = read.iter().filter_map(|r| r.as_ref().ok()).collect();
    let mut decides: Vec<_> = valid
        .iter()
        .map(|op| move |current: &CurrentRecord| apply::decide(ctx, op, current))
        .collect();
    let mut batch: Vec<PendingWrite<'_>> = valid
        .iter()
        .zip(decides.iter_mut())
        .map(|(op, decide)| PendingWrite {
            target: WriteTarget {
                op_id: Some(op.op_id),
                device_id: Some(ctx.principal.device_id),
                kind: op.kind,
                record_id: op.record_id.clone(),
                now_ms: ctx.now.timestamp_millis(),
                pulled_through,
            },
            decide,
        })
        .collect();
    let mut outcomes = storage.write_records(&mut batch)?.into_iter();

    let mut tally = Tally::default();
    let mut results = Vec::with_capacity(read.len());
    for (read, op_id) in read.into_iter().zip(op_ids) {
        let status = match read {
            Err(status) => status,
            Ok(op) => {
                let outcome = outcomes.next().ok_or_else(|| {
                    ApiError::internal(&"the storage answered fewer ops than it was given")
                })?;
                status_of(&op, outcome, &mut tally)
            }
        };
        match &status {
            OpStatus::Accepted => tally.accepted += 1,
            OpStatus::Duplicate => tally.duplicate += 1,
            OpStatus::Rejected { .. } => tally.rejected += 1,
        }
        results.push(OpResult { op_id, status });
    }
    Ok((results, tally))
}

fn rejected(code: RejectCode, message: impl Into<String>) -> OpStatus {
    OpStatus::Rejected {
        code,
        message: message.into(),
    }
}

/// Reads one op on its own: too large, of an unknown kind or malformed → its rejection.
fn read_op(raw: Box<RawValue>, op_id: Uuid) -> Result<Op, OpStatus> {
    let size = raw.get().len();
    if size > MAX_OP_BYTES {
        tracing::debug!(%op_id, size, "op rejected: too large");
        return Err(rejected(
            RejectCode::OpTooLarge,
            format!("an op may be at most {MAX_OP_BYTES} bytes of JSON"),
        ));
    }
    let kind = OpHead::read(&raw).and_then(|head| head.kind);
    let kind = kind.as_ref().and_then(Value::as_str).unwrap_or_default();
    if kind.parse::<RecordKind>().is_err() {
        tracing::debug!(%op_id, "op rejected: unknown kind");
        return Err(rejected(
            RejectCode::UnknownKind,
            "this server does not know that record kind",
        ));
    }
    let mut de = serde_json::Deserializer::from_str(raw.get());
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let message = format!(
            "the op is malformed: {}",
            describe(&path, &e.into_inner().to_string())
        );
        rejected(RejectCode::InvalidRecord, message)
    })
}

/// The answer for one op the storage handled.
fn status_of(op: &Op, outcome: WriteOutcome, tally: &mut Tally) -> OpStatus {
    let op_id = op.op_id;
    match outcome {
        WriteOutcome::Duplicate => {
            tracing::debug!(%op_id, kind = %op.kind, "op duplicate");
            OpStatus::Duplicate
        }
        WriteOutcome::Rejected { code, message } => {
            tracing::debug!(%op_id, kind = %op.kind, code = %code, "op rejected");
            OpStatus::Rejected { code, message }
        }
        WriteOutcome::Applied { seq, conflicts } => {
            tracing::debug!(%op_id, kind = %op.kind, seq, conflicts, "op accepted");
            tally.conflicts += conflicts;
            OpStatus::Accepted
        }
    }
}
