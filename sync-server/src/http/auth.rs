//! `Authorization: Bearer <device token>` on every `/v1/sync/*` request. The token is hashed
//! and looked up; a revoked device gets `401 device_revoked` (its app then wipes its store),
//! anything else unknown gets `401 unauthenticated`. Tokens never reach the logs.

use super::errors::ApiError;
use super::AppState;
use crate::secrets;
use crate::storage::{Principal, TokenCheck};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use beatbook_core::sync::protocol::ErrorCode;

/// The authenticated device and its holder.
#[derive(Debug, Clone)]
pub struct Authed(pub Principal);

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts.headers.get(header::AUTHORIZATION).ok_or_else(|| {
            ApiError::unauthenticated("an Authorization: Bearer token is required")
        })?;
        let token = header
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| secrets::is_token_shaped(t))
            .ok_or_else(|| ApiError::unauthenticated("the bearer token is not a device token"))?;
        let hash = secrets::hash(&token.to_ascii_lowercase());
        let storage = state.storage.clone();
        let now_ms = chrono::Utc::now().timestamp_millis();
        let check =
            tokio::task::spawn_blocking(move || storage.authenticate(hash, now_ms)).await??;
        match check {
            TokenCheck::Active(principal) => Ok(Authed(principal)),
            TokenCheck::Revoked => {
                tracing::info!("request from a revoked device refused");
                Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    ErrorCode::DeviceRevoked,
                    "this device was revoked; wipe its data",
                ))
            }
            TokenCheck::Unknown => Err(ApiError::unauthenticated("unknown device token")),
        }
    }
}
