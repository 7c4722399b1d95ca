//! `POST /v1/enrol`: a one-time, expiring code from an administrator buys a device its id and
//! bearer token. The token is shown once, in this answer; the server keeps only its SHA-256.
//!
//! Codes are 50 random bits, so guessing one is hopeless at any rate a network allows; still,
//! failed attempts are counted per source address, and a source past its free failures is
//! answered `429 slow_down` with exponential back-off before its body is read
//! ([`EnrolAllowed`], `crate::throttle`): a guessing script is slowed rather than served, and
//! nobody else is held up by it.

use super::body::json_body;
use super::errors::ApiError;
use super::guesses::{note_failure, EnrolAllowed};
use super::AppState;
use crate::secrets;
use crate::storage::{EnrolRefusal, NewDevice};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use beatbook_core::ids::DeviceId;
use beatbook_core::sync::protocol::{
    EnrolRequest, EnrolResponse, EnrolledUser, ErrorBody, ErrorCode,
};
use chrono::Utc;

/// Longest device name accepted.
const MAX_DEVICE_NAME: usize = 100;

/// Enrols a device with a one-time code from an administrator: the answer holds the device's
/// token, shown only this once.
#[utoipa::path(
    post,
    path = "/v1/enrol",
    tag = "enrolment",
    request_body(content = EnrolRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Enrolled: the device's id and bearer token (kept only as a hash by the server).", body = EnrolResponse, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
        (status = 400, description = "`bad_request` (the body is not an `EnrolRequest`, or the device name is empty or longer than 100 characters), `enrolment_code_invalid`, `enrolment_code_expired` or `enrolment_code_used`.", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
        (status = 408, description = "`request_timeout`: the body stopped arriving.", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
        (status = 413, description = "`body_too_large`: the body is larger than 4 MiB.", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
        (status = 429, description = "`slow_down`: too many failed enrolment codes from this address; wait `Retry-After` seconds (checked before the body is read).", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."), ("Retry-After" = u64, description = "Seconds to wait before trying again."))),
        (status = 503, description = "The store is busy: nothing was applied; retry after `Retry-After`.", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."), ("Retry-After" = u64, description = "Seconds to wait before trying again."))),
        (status = 500, description = "`internal`: the server failed; retry later.", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
    )
)]
pub async fn enrol(
    State(state): State<AppState>,
    EnrolAllowed { source }: EnrolAllowed,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<EnrolResponse>, ApiError> {
    let request: EnrolRequest = json_body(&headers, body)?;
    let device_name = request.device_name.trim().to_owned();
    if device_name.is_empty() || device_name.chars().count() > MAX_DEVICE_NAME {
        return Err(ApiError::bad_request(format!(
            "device_name is required, at most {MAX_DEVICE_NAME} characters"
        )));
    }
    // Control characters (terminal escapes, new lines) would be printed raw by
    // `admin list-devices` and forge lines in logs: refused, not cleaned silently.
    if device_name.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "device_name must not contain control characters",
        ));
    }
    let token = secrets::new_token().map_err(|e| ApiError::internal(&e))?;
    let device = NewDevice {
        id: DeviceId::new(),
        name: device_name,
        token_hash: secrets::hash(&token),
    };
    let code_hash = secrets::hash(&secrets::normalise_code(&request.code));
    let storage = state.storage.clone();
    let now = Utc::now();
    let device_for_db = device.clone();
    let outcome = crate::http::request_id::in_request(move || {
        storage.enrol(code_hash, &device_for_db, now.timestamp_millis())
    })
    .await??;
    match outcome {
        Ok(user) => {
            tracing::info!(device_id = %device.id, user_id = %user.id, role = %user.role, "device enrolled");
            Ok(Json(EnrolResponse {
                device_id: device.id,
                token,
                user: EnrolledUser {
                    id: user.id,
                    display_name: user.display_name,
                    role: user.role,
                    team_id: user.team_id,
                },
                server_time: Utc::now(),
            }))
        }
        Err(refusal) => {
            note_failure(
                &state.guesses.enrolment_codes,
                "enrolment codes",
                source,
                now,
            );
            let (code, message) = match refusal {
                EnrolRefusal::Invalid => (
                    ErrorCode::EnrolmentCodeInvalid,
                    "no such enrolment code; check it with your administrator",
                ),
                EnrolRefusal::Expired => (
                    ErrorCode::EnrolmentCodeExpired,
                    "the enrolment code has expired; ask for a new one",
                ),
                EnrolRefusal::Used => (
                    ErrorCode::EnrolmentCodeUsed,
                    "the enrolment code was already used; ask for a new one",
                ),
            };
            tracing::info!(code = %code, "enrolment refused");
            Err(ApiError::new(StatusCode::BAD_REQUEST, code, message))
        }
    }
}
