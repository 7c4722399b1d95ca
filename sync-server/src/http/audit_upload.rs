//! `POST /v1/sync/audit`: a device hands in its own s.62 log (wire form and rules in
//! `beatbook_core::sync::audit_wire`; how the chain takes it in `storage::device_audits`). The
//! one request a revoked device may still make: what was done on a lost phone before its
//! revocation reaches the force's log before the phone wipes. The batch is checked whole before
//! the store is touched, and chained in one transaction with the device's mark.

use super::auth::AuthedOrRevoked;
use super::body::json_body;
use super::errors::ApiError;
use super::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use beatbook_core::sync::audit_wire::{AuditUploadError, AuditUploadRequest, AuditUploadResponse};
use beatbook_core::sync::protocol::{ErrorBody, ErrorCode, PROTOCOL_VERSION};

/// Chains the device's log entries onto the server's log.
#[utoipa::path(
    post,
    path = "/v1/sync/audit",
    tag = "sync",
    security(("device_token" = [])),
    request_body(content = AuditUploadRequest, content_type = "application/json", description = "The device's log entries the server has not acknowledged, oldest first: at most 500, `seq` increasing. Entries at or below what the server holds are skipped; a batch that does not follow on from it adds nothing. Metadata only, never a record's values. Accepted from a revoked device too."),
    responses(
        (status = 200, description = "The highest entry of this device's log the server now holds; the device sends only what follows it.", body = AuditUploadResponse, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
        (status = 400, description = "`bad_request` (not an upload, entries out of order, a text too long) or `unsupported_protocol`; nothing was kept.", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
        (status = 401, description = "`unauthenticated`: no, or an unknown, device token.", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
        (status = 429, description = "`slow_down`: too many wrong tokens from this address; wait `Retry-After` seconds (a valid token is still served).", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."), ("Retry-After" = u64, description = "Seconds to wait before trying again."))),
        (status = 408, description = "`request_timeout`: the body stopped arriving; nothing was kept.", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
        (status = 413, description = "`body_too_large`: more than 500 entries or 4 MiB; send fewer.", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
        (status = 503, description = "The store is busy: nothing was kept; retry after `Retry-After`.", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."), ("Retry-After" = u64, description = "Seconds to wait before trying again."))),
        (status = 500, description = "`internal`: the server failed; retry later.", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
    )
)]
pub async fn upload(
    State(state): State<AppState>,
    AuthedOrRevoked(principal, revoked): AuthedOrRevoked,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<AuditUploadResponse>, ApiError> {
    let upload: AuditUploadRequest = json_body(&headers, body)?;
    if upload.protocol != PROTOCOL_VERSION {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::UnsupportedProtocol,
            format!(
                "this server speaks protocol {PROTOCOL_VERSION}, not {}",
                upload.protocol
            ),
        ));
    }
    upload.check().map_err(|e| match e {
        AuditUploadError::TooMany => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::BodyTooLarge,
            e.to_string(),
        ),
        other => ApiError::bad_request(other.to_string()),
    })?;
    let batch: Vec<_> = upload
        .entries
        .iter()
        .map(|entry| crate::s62::from_device(&principal, entry, revoked))
        .collect();
    let storage = state.storage.clone();
    let device = principal.device_id;
    let acknowledged_through =
        crate::http::request_id::in_request(move || storage.receive_device_audits(device, &batch))
            .await??;
    tracing::info!(
        device_id = %device,
        entries = upload.entries.len(),
        acknowledged_through,
        revoked,
        "device audit log received"
    );
    Ok(Json(AuditUploadResponse {
        acknowledged_through,
    }))
}
