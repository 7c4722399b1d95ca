//! Request-level errors: every non-2xx answer is an `ErrorBody {code, message}` with a stable
//! code from the protocol (`ErrorCode`). Messages are for people and never quote request
//! content; internal failures are logged here and answered with a generic message.
//!
//! [`normalise`] rewrites the few answers produced outside the handlers (unknown path, wrong
//! method, a body the decompressor could not read, a caught panic) into the same shape.

use crate::storage::StorageError;
use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use beatbook_core::sync::protocol::{ErrorBody, ErrorCode};

/// A request-level error, ready to answer.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
    pub retry_after_secs: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after_secs: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, message)
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            message,
        )
    }

    pub fn body_too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::BodyTooLarge,
            "the request body is larger than 4 MiB; split the batch",
        )
    }

    /// A request body that stopped arriving (the body idle timeout): nothing was applied.
    pub fn body_stalled() -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            ErrorCode::RequestTimeout,
            "the request body stopped arriving; nothing was applied, send it again",
        )
    }

    /// A failure of the server itself: logged (without request content), answered generically.
    pub fn internal(error: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %error, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "the server failed; retry later",
        )
    }
}

/// How long a client is asked to wait when the database is busy or unreachable.
pub const BUSY_RETRY_AFTER_SECS: u64 = 2;

impl ApiError {
    /// The database is busy or cannot be reached now: nothing was applied, the same request may
    /// be sent again. `503` with `Retry-After` (devices retry 503 on their own); the code stays
    /// `internal`, which every client already knows.
    pub fn busy(error: &dyn std::fmt::Display) -> Self {
        tracing::warn!(error = %error, "storage busy");
        Self {
            retry_after_secs: Some(BUSY_RETRY_AFTER_SECS),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Internal,
                "the server is busy; nothing was applied, retry shortly",
            )
        }
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Busy(_) => Self::busy(&e),
            _ => Self::internal(&e),
        }
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> Self {
        Self::internal(&e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            Json(ErrorBody {
                code: self.code,
                message: self.message,
            }),
        )
            .into_response();
        if let Some(secs) = self.retry_after_secs {
            if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

/// Gives an error answer made outside the handlers the `ErrorBody` shape.
pub fn normalise(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return response;
    }
    let (code, message) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            ErrorCode::BodyTooLarge,
            "the request body is larger than 4 MiB; split the batch",
        ),
        StatusCode::NOT_FOUND => (ErrorCode::BadRequest, "no such endpoint"),
        StatusCode::METHOD_NOT_ALLOWED => (
            ErrorCode::BadRequest,
            "this endpoint does not take that method",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            ErrorCode::BadRequest,
            "unsupported Content-Encoding; send identity or gzip",
        ),
        StatusCode::TOO_MANY_REQUESTS => (ErrorCode::SlowDown, "too many requests; back off"),
        s if s.is_server_error() => (ErrorCode::Internal, "the server failed; retry later"),
        _ => (ErrorCode::BadRequest, "the request could not be read"),
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_ENCODING);
    parts.headers.remove(header::CONTENT_LENGTH);
    let fresh = ApiError::new(status, code, message).into_response();
    let (fresh_parts, body) = fresh.into_parts();
    for (name, value) in fresh_parts.headers.iter() {
        parts.headers.insert(name.clone(), value.clone());
    }
    Response::from_parts(parts, Body::new(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_storage_is_503_with_retry_after_and_other_failures_are_500() {
        let busy = ApiError::from(StorageError::Busy("lock timeout".into())).into_response();
        assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            busy.headers().get(header::RETRY_AFTER),
            Some(&HeaderValue::from_static("2"))
        );
        let failed = ApiError::from(StorageError::Database("disk I/O".into())).into_response();
        assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(failed.headers().get(header::RETRY_AFTER).is_none());
    }
}
