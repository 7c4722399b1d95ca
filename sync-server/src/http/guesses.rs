//! The per-source guessing limits at the HTTP edge (`crate::throttle` keeps the tallies).
//!
//! [`EnrolAllowed`] is an extractor that runs before `POST /v1/enrol` reads its body: a source
//! that must wait is answered `429 slow_down` with `Retry-After` without a byte of its body
//! read or a store call made. Unknown bearer tokens are counted by the `Authed` extractor
//! (`auth.rs`), which also runs before any body: a source past its free failures gets `429`
//! instead of `401` for a bad token, while a valid token still works from anywhere.

use super::errors::ApiError;
use super::AppState;
use crate::throttle::{client_address, GuessLimiter, GuessLimits};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::StatusCode;
use beatbook_core::sync::protocol::ErrorCode;
use chrono::{DateTime, Utc};
use std::net::{IpAddr, SocketAddr};

/// What a server counts guesses of, and whose addresses it trusts to forward a client's.
#[derive(Debug, Default)]
pub struct Guesses {
    pub enrolment_codes: GuessLimiter,
    pub tokens: GuessLimiter,
    pub trusted_proxies: Vec<IpAddr>,
}

impl Guesses {
    pub fn new(limits: GuessLimits, trusted_proxies: Vec<IpAddr>) -> Self {
        Self {
            enrolment_codes: GuessLimiter::new(limits),
            tokens: GuessLimiter::new(limits),
            trusted_proxies,
        }
    }

    /// The client address of a request (see `throttle::client_address`).
    pub fn source(&self, parts: &Parts) -> Option<IpAddr> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        client_address(peer, &parts.headers, &self.trusted_proxies)
    }
}

/// `429 slow_down` with `Retry-After`.
pub fn slow_down(secs: i64, message: &str) -> ApiError {
    let mut error = ApiError::new(StatusCode::TOO_MANY_REQUESTS, ErrorCode::SlowDown, message);
    error.retry_after_secs = Some(u64::try_from(secs).unwrap_or(1).max(1));
    error
}

/// Notes a failed guess; logs once when a source is first held back (never its address or
/// what it sent).
pub fn note_failure(
    limiter: &GuessLimiter,
    what: &str,
    source: Option<IpAddr>,
    now: DateTime<Utc>,
) {
    if let Some(wait) = limiter.failed(source, now) {
        if wait == limiter.limits().first_wait {
            tracing::warn!(
                guessing = what,
                wait_secs = wait.num_seconds(),
                "a source used up its free failed guesses and is held back"
            );
        }
    }
}

/// An enrolment attempt from a source that is not held back; carries the source, so that a
/// failure is counted against the same address that was checked.
#[derive(Debug, Clone, Copy)]
pub struct EnrolAllowed {
    pub source: Option<IpAddr>,
}

impl FromRequestParts<AppState> for EnrolAllowed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let source = state.guesses.source(parts);
        match state
            .guesses
            .enrolment_codes
            .blocked_for(source, Utc::now())
        {
            Some(secs) => Err(slow_down(
                secs,
                "too many failed enrolments from this address; try again later",
            )),
            None => Ok(Self { source }),
        }
    }
}
