//! `POST /v1/sync/push`: one answer per op, in request order. Each op is read on its own (an
//! op of an unknown kind or a malformed op is rejected, not the whole batch), checked, and
//! applied in its own storage transaction, so one bad op never blocks the others.

use super::auth::Authed;
use super::body::json_body;
use super::errors::ApiError;
use super::AppState;
use crate::apply::{self, PushContext};
use crate::storage::{SyncStorage, WriteOutcome, WriteTarget};
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
use serde_json::Value;
use std::sync::Arc;
use uuid::Uuid;

/// The push envelope, with ops left as JSON so that each is judged on its own.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PushEnvelope {
    protocol: u32,
    ops: Vec<Value>,
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
            op.get("op_id")
                .and_then(Value::as_str)
                .and_then(|s| Uuid::parse_str(s).ok())
                .ok_or_else(|| {
                    ApiError::bad_request(format!("ops[{i}].op_id is missing or not a UUID"))
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let storage = state.storage.clone();
    let server_node = {
        let storage = storage.clone();
        tokio::task::spawn_blocking(move || storage.server_node()).await??
    };
    let ctx = PushContext {
        principal,
        now: Utc::now(),
        max_skew_ms: state.config.max_clock_skew_ms,
        server_node,
    };
    let device_id = ctx.principal.device_id;
    let (results, tally) =
        tokio::task::spawn_blocking(move || apply_all(storage, &ctx, envelope.ops, op_ids))
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
    ops: Vec<Value>,
    op_ids: Vec<Uuid>,
) -> Result<(Vec<OpResult>, Tally), ApiError> {
    let mut tally = Tally::default();
    let mut results = Vec::with_capacity(ops.len());
    for (raw, op_id) in ops.into_iter().zip(op_ids) {
        let (status, conflicts) = apply_one(storage.as_ref(), ctx, raw, op_id)?;
        tally.conflicts += conflicts;
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

fn apply_one(
    storage: &dyn SyncStorage,
    ctx: &PushContext,
    raw: Value,
    op_id: Uuid,
) -> Result<(OpStatus, usize), ApiError> {
    let size = serde_json::to_vec(&raw).map(|v| v.len()).unwrap_or(0);
    if size > MAX_OP_BYTES {
        tracing::debug!(%op_id, size, "op rejected: too large");
        return Ok((
            rejected(
                RejectCode::OpTooLarge,
                format!("an op may be at most {MAX_OP_BYTES} bytes of JSON"),
            ),
            0,
        ));
    }
    let kind = raw.get("kind").and_then(Value::as_str).unwrap_or_default();
    if kind.parse::<RecordKind>().is_err() {
        tracing::debug!(%op_id, "op rejected: unknown kind");
        return Ok((
            rejected(
                RejectCode::UnknownKind,
                "this server does not know that record kind",
            ),
            0,
        ));
    }
    let op: Op = match serde_path_to_error::deserialize(raw) {
        Ok(op) => op,
        Err(e) => {
            let path = e.path().to_string();
            let message = format!(
                "the op is malformed: {}",
                describe(&path, &e.into_inner().to_string())
            );
            return Ok((rejected(RejectCode::InvalidRecord, message), 0));
        }
    };
    let target = WriteTarget {
        op_id: Some(op.op_id),
        device_id: Some(ctx.principal.device_id),
        kind: op.kind,
        record_id: op.record_id.clone(),
        now_ms: ctx.now.timestamp_millis(),
    };
    let outcome = storage.write_record(&target, &mut |current| apply::decide(ctx, &op, current))?;
    Ok(match outcome {
        WriteOutcome::Duplicate => {
            tracing::debug!(%op_id, kind = %op.kind, "op duplicate");
            (OpStatus::Duplicate, 0)
        }
        WriteOutcome::Rejected { code, message } => {
            tracing::debug!(%op_id, kind = %op.kind, code = %code, "op rejected");
            (OpStatus::Rejected { code, message }, 0)
        }
        WriteOutcome::Applied { seq, conflicts } => {
            tracing::debug!(%op_id, kind = %op.kind, seq, conflicts, "op accepted");
            (OpStatus::Accepted, conflicts)
        }
    })
}
