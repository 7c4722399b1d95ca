//! `Authorization: Bearer <device token>` on every `/v1/sync/*` request. The token is hashed
//! and looked up; a revoked device gets `401 device_revoked` (its app then wipes its store),
//! anything else unknown gets `401 unauthenticated`. Tokens never reach the logs.
//!
//! A wrong token is a failed guess for its source address (`crate::throttle`): past the free
//! failures, a wrong token from that address is answered `429 slow_down` with `Retry-After`
//! instead of `401`, before any body is read, and is not logged line by line. A valid token
//! works from anywhere — tokens are 256 random bits, so letting one through teaches a guesser
//! nothing, and a phone behind the same address as a broken one is never locked out.

use super::errors::ApiError;
use super::guesses::{note_failure, slow_down};
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
        match check(parts, state).await? {
            Holder::Active(principal) => Ok(Authed(principal)),
            Holder::Revoked(_) => {
                tracing::info!("request from a revoked device refused");
                Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    ErrorCode::DeviceRevoked,
                    "this device was revoked; wipe its data",
                ))
            }
        }
    }
}

/// The device behind the token, revoked or not: only for handing in a device's s.62 log
/// (`POST /v1/sync/audit`), the one thing a revoked device may still do — so that what was done
/// on a lost phone before it was revoked reaches the force's log before the phone wipes.
#[derive(Debug, Clone)]
pub struct AuthedOrRevoked(pub Principal, pub bool);

impl FromRequestParts<AppState> for AuthedOrRevoked {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(match check(parts, state).await? {
            Holder::Active(principal) => AuthedOrRevoked(principal, false),
            Holder::Revoked(principal) => AuthedOrRevoked(principal, true),
        })
    }
}

/// A known token's device.
enum Holder {
    Active(Principal),
    Revoked(Principal),
}

/// Reads and checks the bearer token: a known device (active or revoked), or the error.
async fn check(parts: &Parts, state: &AppState) -> Result<Holder, ApiError> {
    let header = parts
        .headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthenticated("an Authorization: Bearer token is required"))?;
    let token = header
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| secrets::is_token_shaped(t));
    let Some(token) = token else {
        return Err(wrong_token(
            parts,
            state,
            "the bearer token is not a device token",
        ));
    };
    let hash = secrets::hash(&token.to_ascii_lowercase());
    let storage = state.storage.clone();
    let now_ms = chrono::Utc::now().timestamp_millis();
    let check =
        crate::http::request_id::in_request(move || storage.authenticate(hash, now_ms)).await??;
    match check {
        TokenCheck::Active(principal) => Ok(Holder::Active(principal)),
        TokenCheck::Revoked(principal) => Ok(Holder::Revoked(principal)),
        TokenCheck::Unknown => Err(wrong_token(parts, state, "unknown device token")),
    }
}

/// A wrong token: counted against its source, answered `401`, or `429` once the source must
/// wait.
fn wrong_token(parts: &Parts, state: &AppState, message: &str) -> ApiError {
    let source = state.guesses.source(parts);
    let now = chrono::Utc::now();
    let limiter = &state.guesses.tokens;
    if let Some(secs) = limiter.blocked_for(source, now) {
        return slow_down(
            secs,
            "too many wrong tokens from this address; try again later",
        );
    }
    note_failure(limiter, "bearer tokens", source, now);
    ApiError::unauthenticated(message)
}
