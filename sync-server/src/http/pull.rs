//! `GET /v1/sync/pull` and `GET /v1/sync/status`.
//!
//! A pull page is the current state of records the device may see (see `crate::scope`) with
//! `seq > cursor`, in seq order. The page and the feed head are read in one snapshot: when no
//! admitted record is left, `next_cursor` jumps to the head, so a device whose scope is narrow
//! (a volunteer) does not rescan others' records on every pull — safe because every seq up to
//! the head is committed in that snapshot. A cursor beyond the head (a store restored from an
//! older backup) is served from 0: re-applying pages is harmless, missing them is not.

use super::auth::Authed;
use super::errors::ApiError;
use super::AppState;
use crate::scope;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use beatbook_core::sync::compact_wire::{CompactPullResponse, COMPACT_FORM};
use beatbook_core::sync::protocol::{Change, PullResponse, StatusResponse, MAX_PULL_LIMIT};
use chrono::Utc;
use serde::Deserialize;

/// Changes per page when the device does not say.
pub const DEFAULT_PULL_LIMIT: u32 = 500;

/// A page stops before its changes, serialised (full form), would pass this many bytes —
/// though it always holds at least one change. The store stops reading at the same budget of
/// stored bytes, so one pull holds a bounded amount of memory however large its records are
/// (`docs/sync-protocol.md#pull`).
pub const MAX_PULL_PAGE_BYTES: usize = 512 * 1024;

/// Counts the bytes serialising writes, keeping none.
#[derive(Default)]
struct Counter(usize);

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The serialised size of one change (its JSON in the full form, and a separating comma).
fn wire_size(change: &Change) -> usize {
    let mut counter = Counter::default();
    match serde_json::to_writer(&mut counter, change) {
        Ok(()) => counter.0 + 1,
        // A change that cannot be serialised fails the answer later anyway; count it as large.
        Err(_) => usize::MAX,
    }
}

#[derive(Debug, Deserialize)]
pub struct PullParams {
    #[serde(default)]
    cursor: u64,
    limit: Option<u32>,
    /// `compact` for the compact form (`beatbook_core::sync::compact_wire`); the full form
    /// otherwise, as older clients expect.
    form: Option<String>,
}

pub async fn pull(
    State(state): State<AppState>,
    Authed(principal): Authed,
    params: Result<Query<PullParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params.map_err(|_| {
        ApiError::bad_request("cursor and limit must be whole numbers (limit 1 to 1000)")
    })?;
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
    let filter = scope::feed_filter(&principal);
    let requested = params.cursor;
    let (page, after) = crate::http::request_id::in_request(move || {
        let page = storage.feed_page_within(&filter, requested, limit, MAX_PULL_PAGE_BYTES)?;
        if requested > page.head {
            tracing::warn!(
                cursor = requested,
                head = page.head,
                "cursor beyond the feed head; serving from the start"
            );
            return storage
                .feed_page_within(&filter, 0, limit, MAX_PULL_PAGE_BYTES)
                .map(|p| (p, 0));
        }
        Ok((page, requested))
    })
    .await??;
    let mut has_more = page.has_more;
    let mut last_seq = page.rows.last().map(|r| r.seq);
    let mut changes: Vec<Change> = Vec::with_capacity(page.rows.len());
    let mut bytes = 0usize;
    for row in page.rows {
        // `last_seq` follows every row read, sent or not (a row outside the holder's scope
        // is passed over, never re-read), except where the page is cut for size below.
        if !scope::may_receive(&principal, &row) {
            continue;
        }
        let change = Change {
            seq: row.seq,
            kind: row.kind,
            record_id: row.record_id,
            fields: row.state.fields,
            erased: row.state.erased,
        };
        let size = wire_size(&change);
        if !changes.is_empty() && bytes.saturating_add(size) > MAX_PULL_PAGE_BYTES {
            // Cut here: the next page starts at this change.
            has_more = true;
            last_seq = changes.last().map(|c: &Change| c.seq);
            break;
        }
        bytes = bytes.saturating_add(size);
        changes.push(change);
    }
    let next_cursor = match (last_seq, has_more) {
        (Some(seq), true) => seq,
        (Some(seq), false) => seq.max(page.head),
        (None, _) => after.max(page.head),
    };
    tracing::info!(
        device_id = %principal.device_id,
        cursor = after,
        changes = changes.len(),
        next_cursor,
        has_more,
        bytes,
        "pull served"
    );
    let response = PullResponse {
        changes,
        next_cursor,
        has_more,
        server_time: Utc::now(),
    };
    Ok(if compact {
        Json(CompactPullResponse::from(response)).into_response()
    } else {
        Json(response).into_response()
    })
}

pub async fn status(Authed(principal): Authed) -> Json<StatusResponse> {
    Json(StatusResponse {
        device_id: principal.device_id,
        user_id: principal.user_id,
        role: principal.role,
        team_id: principal.team_id,
        server_time: Utc::now(),
    })
}
