//! `POST /v1/sync/push`: one answer per op, in request order. Each op is read on its own (an
//! op of an unknown kind or a malformed op is rejected, not the whole batch) and checked on its
//! own, so one bad op never blocks the others; the ops that can be applied go to the storage as
//! one batch, one transaction and one fsync for the whole push, and the answers go out only
//! after it commits.

use super::auth::Authed;
use super::body::{json_body, read_json, JsonFailure};
use super::errors::ApiError;
use super::AppState;
use crate::apply::{self, PushContext};
use crate::storage::stored_ahead::{Ahead, AheadSlot};
use crate::storage::{
    CurrentRecord, PendingWrite, StorageError, SyncStorage, TeamRoster, WriteOutcome, WriteTarget,
};
use crate::validate::describe;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use beatbook_core::sync::compact_push::{CompactPushResponse, COMPACT_ANSWER};
use beatbook_core::sync::protocol::{
    ErrorBody, ErrorCode, Op, OpResult, OpStatus, PushResponse, RecordKind, RejectCode,
    MAX_OPS_PER_PUSH, MAX_OP_BYTES, PROTOCOL_VERSION,
};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
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
    /// The epoch the device last saw (see `PushRequest::epoch`).
    #[serde(default)]
    epoch: Option<Uuid>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PushParams {
    /// `compact` for the compact answer (`beatbook_core::sync::compact_push`): how many ops
    /// were answered and only those not accepted; the full answer otherwise, as older clients
    /// expect.
    #[param(pattern = "^compact$")]
    answer: Option<String>,
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

/// What an op's head said: its id, and whether its kind is one this server knows.
#[derive(Debug, Clone, Copy)]
struct ReadHead {
    op_id: Uuid,
    known_kind: bool,
}

/// Counts for the log line.
#[derive(Debug, Default)]
struct Tally {
    accepted: usize,
    duplicate: usize,
    rejected: usize,
    conflicts: usize,
}

/// Pushes a batch of ops: one result per op, in request order.
#[utoipa::path(
    post,
    path = "/v1/sync/push",
    tag = "sync",
    security(("device_token" = [])),
    params(PushParams),
    request_body(content = super::openapi::PushBody, content_type = "application/json", description = "At most 1,000 ops and 4 MiB (after gzip decompression; `Content-Encoding: gzip` is accepted); an op at most 64 KiB. Each op is judged on its own: one that is malformed, of an unknown kind or refused is answered `rejected` in its result, and the others are applied."),
    responses(
        (status = 200, description = "Every op's result, in request order (with `answer=compact`: how many ops were answered, and only those not accepted, by place); the accepted ops were committed together before the answer.", body = super::openapi::PushAnswer, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
        (status = 400, description = "`bad_request` (not a push envelope, an op without a UUID `op_id`, or `answer` other than `compact`), or `unsupported_protocol`.", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
        (status = 401, description = "`unauthenticated`: no, or an unknown, device token; `device_revoked`: this device was revoked (wipe its data).", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
        (status = 429, description = "`slow_down`: too many wrong tokens from this address; wait `Retry-After` seconds (a valid token is still served).", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."), ("Retry-After" = u64, description = "Seconds to wait before trying again."))),
        (status = 408, description = "`request_timeout`: the body stopped arriving; nothing was applied.", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
        (status = 409, description = "`epoch_changed`: the store was restored from a backup since the device's last sync (its `epoch` is not the store's); nothing was applied: pull from cursor 0 with `echoes=include`, then push again.", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
        (status = 413, description = "`body_too_large`: more than 4 MiB or more than 1,000 ops; split the batch.", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
        (status = 503, description = "The store is busy: nothing was applied; retry after `Retry-After`.", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."), ("Retry-After" = u64, description = "Seconds to wait before trying again."))),
        (status = 500, description = "`internal`: the server failed; retry later.", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
    )
)]
pub async fn push(
    State(state): State<AppState>,
    Authed(principal): Authed,
    params: Result<Query<PushParams>, QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let compact = match params.map(|Query(p)| p.answer) {
        Ok(None) => false,
        Ok(Some(answer)) if answer == COMPACT_ANSWER => true,
        _ => return Err(ApiError::bad_request("answer must be compact, or absent")),
    };
    let envelope: PushEnvelope = json_body(&headers, body)?;
    if envelope
        .pulled_through
        .is_some_and(|p| p > super::pull::MAX_SEQ)
    {
        return Err(ApiError::bad_request(
            "pulled_through is beyond any sequence number (at most 2^63 - 1)",
        ));
    }
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
    // Each op's head is read once: its id answers it, its kind says whether it is read further.
    let heads = envelope
        .ops
        .iter()
        .enumerate()
        .map(|(i, op)| {
            let head = OpHead::read(op);
            let op_id = head
                .as_ref()
                .and_then(|head| head.op_id.as_ref())
                .and_then(Value::as_str)
                .and_then(|s| Uuid::parse_str(s).ok())
                .ok_or_else(|| {
                    ApiError::bad_request(format!("ops[{i}].op_id is missing or not a UUID"))
                })?;
            let known_kind = head
                .as_ref()
                .and_then(|head| head.kind.as_ref())
                .and_then(Value::as_str)
                .is_some_and(|kind| kind.parse::<RecordKind>().is_ok());
            Ok(ReadHead { op_id, known_kind })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    // A malformed push is refused as such (400/413) first; only a well-formed one can be out of
    // its epoch.
    let epoch = state.storage.epoch()?;
    if let Some(seen) = envelope.epoch.filter(|&seen| seen != epoch) {
        // The device synced with this store before it was restored from a backup: its ops may
        // be edits over changes the store no longer has, and its cursor counts seqs the store
        // will hand out again. Nothing is applied; the device pulls from 0 and re-sends.
        tracing::info!(device_id = %principal.device_id, %seen, %epoch, "push from another epoch refused");
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::EpochChanged,
            format!("this server was restored from a backup (epoch {epoch}); pull from cursor 0, then push again"),
        ));
    }
    let storage = state.storage.clone();
    let (server_node, roster) = {
        let storage = storage.clone();
        let team = principal.team_id;
        crate::http::request_id::in_request(move || {
            let roster = match team {
                Some(team) => storage.team_roster(team)?,
                None => TeamRoster::default(),
            };
            Ok::<_, StorageError>((storage.server_node()?, roster))
        })
        .await??
    };
    let pulled_through = envelope.pulled_through;
    let ctx = PushContext {
        principal,
        now: state.config.clock.now(),
        max_skew_ms: state.config.max_clock_skew_ms,
        earliest_record_time: state.config.earliest_record_time,
        server_node,
        team_members: roster.members,
        device_users: roster.device_users,
    };
    let device_id = ctx.principal.device_id;
    let (results, tally) = crate::http::request_id::in_request(move || {
        apply_all(storage, &ctx, envelope.ops, heads, pulled_through)
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
    state.metrics.record_push(&results);
    let answer = PushResponse {
        results,
        server_time: state.config.clock.now(),
        epoch: Some(epoch),
    };
    Ok(match compact {
        true => Json(CompactPushResponse::from_full(answer)).into_response(),
        false => Json(answer).into_response(),
    })
}

fn apply_all(
    storage: Arc<dyn SyncStorage>,
    ctx: &PushContext,
    ops: Vec<Box<RawValue>>,
    heads: Vec<ReadHead>,
    pulled_through: Option<u64>,
) -> Result<(Vec<OpResult>, Tally), ApiError> {
    // Read every op first: a malformed one is answered here and never reaches the storage.
    let read: Vec<Result<Op, OpStatus>> = ops
        .into_iter()
        .zip(&heads)
        .map(|(raw, head)| read_op(&raw, head))
        .collect();
    let valid: Vec<&Op> = read.iter().filter_map(|r| r.as_ref().ok()).collect();
    let mut decides: Vec<_> = valid
        .iter()
        .map(|op| move |current: &CurrentRecord| apply::decide(ctx, op, current))
        .collect();
    // A store that packs values works each record's stored form out on a helper thread while
    // its writer works through the ops before it (`storage::stored_ahead`).
    let slots: Vec<AheadSlot> = if storage.packs_values() {
        valid.iter().map(|_| AheadSlot::new()).collect()
    } else {
        Vec::new()
    };
    let mut batch: Vec<PendingWrite<'_>> = valid
        .iter()
        .zip(decides.iter_mut())
        .enumerate()
        .map(|(i, (op, decide))| PendingWrite {
            target: WriteTarget {
                op_id: Some(op.op_id),
                device_id: Some(ctx.principal.device_id),
                kind: op.kind,
                record_id: op.record_id.clone(),
                now_ms: ctx.now.timestamp_millis(),
                pulled_through,
            },
            decide,
            ahead: slots.get(i).map(|slot| Ahead { op, slot }),
        })
        .collect();
    let mut outcomes = storage.write_records(&mut batch)?.into_iter();

    let mut tally = Tally::default();
    let mut results = Vec::with_capacity(read.len());
    for (read, op_id) in read.into_iter().zip(heads.iter().map(|head| head.op_id)) {
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

/// Reads one op on its own (its head already read): too large, of an unknown kind or
/// malformed → its rejection.
fn read_op(raw: &RawValue, head: &ReadHead) -> Result<Op, OpStatus> {
    let op_id = head.op_id;
    let size = raw.get().len();
    if size > MAX_OP_BYTES {
        tracing::debug!(%op_id, size, "op rejected: too large");
        return Err(rejected(
            RejectCode::OpTooLarge,
            format!("an op may be at most {MAX_OP_BYTES} bytes of JSON"),
        ));
    }
    if !head.known_kind {
        tracing::debug!(%op_id, "op rejected: unknown kind");
        return Err(rejected(
            RejectCode::UnknownKind,
            "this server does not know that record kind",
        ));
    }
    read_json(raw.get().as_bytes()).map_err(|failure| {
        // An op is one JSON value (the envelope's parser cut it out), so nothing trails it.
        let (path, error) = match failure {
            JsonFailure::At { path, error } => (path, error),
            JsonFailure::Trailing(error) => (String::new(), error),
        };
        let message = format!(
            "the op is malformed: {}",
            describe(&path, &error.to_string())
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
