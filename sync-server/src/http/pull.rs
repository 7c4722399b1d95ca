//! `GET /v1/sync/pull` and `GET /v1/sync/status`.
//!
//! A pull page is the current state of records the device may see (see `crate::scope`) with
//! `seq > cursor`, in seq order. The page and the feed head are read in one snapshot: when no
//! admitted record is left, `next_cursor` jumps to the head, so a device whose scope is narrow
//! (a volunteer) does not rescan others' records on every pull — safe because every seq up to
//! the head is committed in that snapshot. A cursor beyond the head (a store restored from an
//! older backup) is served from 0: re-applying pages is harmless, missing them is not. Every
//! page names the store's epoch, which is what tells a device that the store was restored
//! (`docs/sync-protocol.md#server-epochs`); `echoes=include` gives a re-syncing device its own
//! changes too. Records that hold or name people are logged as disclosures to the device
//! before the page is sent (`crate::s62`).

use super::auth::Authed;
use super::errors::ApiError;
use super::AppState;
use crate::s62;
use crate::scope;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use beatbook_core::sync::compact_wire::COMPACT_FORM;
use beatbook_core::sync::protocol::{ErrorBody, StatusResponse, ECHOES_INCLUDE, MAX_PULL_LIMIT};
use serde::Deserialize;

mod page_body;
mod stored_change;

use stored_change::StoredChange;

/// The largest sequence number a store can hold (both stores keep them as signed 64-bit
/// integers): a cursor beyond it is malformed, and the OpenAPI document says `int64`.
pub const MAX_SEQ: u64 = i64::MAX as u64;

/// Changes per page when the device does not say.
pub const DEFAULT_PULL_LIMIT: u32 = 500;

/// A page stops before its changes, serialised in the form sent, would pass this many bytes
/// — though it always holds at least one change. The store stops reading at the same budget of
/// stored bytes, so one pull holds a bounded amount of memory however large its records are
/// (`docs/sync-protocol.md#pull`).
pub const MAX_PULL_PAGE_BYTES: usize = 512 * 1024;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PullParams {
    /// The `next_cursor` of the last page applied; 0 (the default) for everything.
    #[serde(default)]
    cursor: u64,
    /// Most changes in the page: 1 to 1,000 (more is served as 1,000); 500 by default.
    #[param(minimum = 1, maximum = 4294967295_u64, format = Int64)]
    limit: Option<u32>,
    /// `compact` for the compact form (`beatbook_core::sync::compact_wire`); the full form
    /// otherwise, as older clients expect.
    #[param(pattern = "^compact$")]
    form: Option<String>,
    /// `include` to receive this device's own changes too (no-echo off), as a device re-syncing
    /// after a restore asks (`docs/sync-protocol.md#server-epochs`).
    #[param(pattern = "^include$")]
    echoes: Option<String>,
}

/// Pulls a page of the current state of records changed after `cursor`, that this device may see.
#[utoipa::path(
    get,
    path = "/v1/sync/pull",
    tag = "sync",
    security(("device_token" = [])),
    params(PullParams),
    responses(
        (status = 200, description = "A page of changes in seq order; pull again from `next_cursor` while `has_more`.", body = super::openapi::PullPage, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
        (status = 400, description = "`bad_request`: a parameter is not valid.", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
        (status = 401, description = "`unauthenticated`: no, or an unknown, device token; `device_revoked`: this device was revoked (wipe its data).", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
        (status = 429, description = "`slow_down`: too many wrong tokens from this address; wait `Retry-After` seconds (a valid token is still served).", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."), ("Retry-After" = u64, description = "Seconds to wait before trying again."))),
        (status = 503, description = "The store is busy: nothing was applied; retry after `Retry-After`.", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."), ("Retry-After" = u64, description = "Seconds to wait before trying again."))),
        (status = 500, description = "`internal`: the server failed; retry later.", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
    )
)]
pub async fn pull(
    State(state): State<AppState>,
    Authed(principal): Authed,
    params: Result<Query<PullParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params.map_err(|_| {
        ApiError::bad_request("cursor and limit must be whole numbers (limit 1 to 1000)")
    })?;
    if params.cursor > MAX_SEQ {
        return Err(ApiError::bad_request(
            "cursor is beyond any sequence number (at most 2^63 - 1)",
        ));
    }
    let compact = match params.form.as_deref() {
        None => false,
        Some(COMPACT_FORM) => true,
        Some(_) => return Err(ApiError::bad_request("form must be compact, or absent")),
    };
    let limit = params.limit.unwrap_or(DEFAULT_PULL_LIMIT);
    if limit == 0 {
        return Err(ApiError::bad_request("limit must be at least 1"));
    }
    let limit = limit.min(MAX_PULL_LIMIT);
    let storage = state.storage.clone();
    let mut filter = scope::feed_filter(&principal);
    match params.echoes.as_deref() {
        None => {}
        Some(ECHOES_INCLUDE) => filter.echoes_of = None,
        Some(_) => return Err(ApiError::bad_request("echoes must be include, or absent")),
    }
    let requested = params.cursor;
    let now = state.config.clock.now();
    let (page, after) = crate::http::request_id::in_request(move || {
        // Nothing past its retention date is served, swept yet or not (`retention_index`).
        let schedule = crate::retention::current_schedule(&*storage)
            .map_err(crate::retention::ScheduleError::into_storage)?;
        filter.retention = Some(crate::storage::retention_index::Cutoffs::at(&schedule, now));
        let page = storage.feed_page_stored(&filter, requested, limit, MAX_PULL_PAGE_BYTES)?;
        if requested > page.head {
            tracing::warn!(
                cursor = requested,
                head = page.head,
                "cursor beyond the feed head; serving from the start"
            );
            return storage
                .feed_page_stored(&filter, 0, limit, MAX_PULL_PAGE_BYTES)
                .map(|p| (p, 0));
        }
        Ok((page, requested))
    })
    .await??;
    let mut has_more = page.has_more;
    let mut last_seq = page.rows.last().map(|r| r.seq);
    let mut written = page_body::Changes::new();
    let mut disclosed = Vec::new();
    let now_ms = now.timestamp_millis();
    for row in page.rows {
        // `last_seq` follows every row read, sent or not (a row outside the holder's scope
        // is passed over, never re-read), except where the page is cut for size below.
        if !scope::may_receive(&principal, &row) {
            continue;
        }
        // s.62: a record holding or naming people that this device receives is a disclosure.
        let disclosure = s62::disclosures(&principal, [&row], now_ms);
        let seq = row.seq;
        // The compact form writes the stored values as they are; the full form spells out
        // each field with its clock.
        let fits = if compact {
            written.push(seq, &StoredChange::of(row)?, MAX_PULL_PAGE_BYTES)
        } else {
            written.push(seq, &stored_change::full(row)?, MAX_PULL_PAGE_BYTES)
        }
        .map_err(|e| ApiError::internal(&e))?;
        if !fits {
            // Cut here: the next page starts at this change.
            has_more = true;
            last_seq = written.last_seq();
            break;
        }
        disclosed.extend(disclosure);
    }
    // Logged before the page is sent: a disclosure that cannot be logged does not happen.
    if !disclosed.is_empty() {
        let storage = state.storage.clone();
        crate::http::request_id::in_request(move || storage.append_audits(&disclosed)).await??;
    }
    let next_cursor = match (last_seq, has_more) {
        (Some(seq), true) => seq,
        (Some(seq), false) => seq.max(page.head),
        (None, _) => after.max(page.head),
    };
    tracing::info!(
        device_id = %principal.device_id,
        cursor = after,
        changes = written.count(),
        next_cursor,
        has_more,
        bytes = written.bytes(),
        "pull served"
    );
    state.metrics.record_pull(written.count());
    let tail = page_body::Tail {
        next_cursor,
        has_more,
        server_time: state.config.clock.now(),
        epoch: Some(state.storage.epoch()?),
    };
    let body = written.finish(&tail).map_err(|e| ApiError::internal(&e))?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response())
}

/// Who this device is: its id, its holder, their role and team.
#[utoipa::path(
    get,
    path = "/v1/sync/status",
    tag = "sync",
    security(("device_token" = [])),
    responses(
        (status = 200, description = "The device and its holder.", body = StatusResponse, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
        (status = 401, description = "`unauthenticated`: no, or an unknown, device token; `device_revoked`: this device was revoked (wipe its data).", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
        (status = 429, description = "`slow_down`: too many wrong tokens from this address; wait `Retry-After` seconds (a valid token is still served).", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."), ("Retry-After" = u64, description = "Seconds to wait before trying again."))),
        (status = 503, description = "The store is busy: nothing was applied; retry after `Retry-After`.", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."), ("Retry-After" = u64, description = "Seconds to wait before trying again."))),
        (status = 500, description = "`internal`: the server failed; retry later.", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
    )
)]
pub async fn status(
    State(state): State<AppState>,
    Authed(principal): Authed,
) -> Json<StatusResponse> {
    Json(StatusResponse {
        device_id: principal.device_id,
        user_id: principal.user_id,
        role: principal.role,
        team_id: principal.team_id,
        server_time: state.config.clock.now(),
    })
}
