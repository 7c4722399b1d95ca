//! Our own bounds on a request's head (its target and headers), enforced below hyper's.
//!
//! Why: when hyper's parser refuses a request itself (a target over 64 KiB: `414`; a head
//! over its ~408 KiB read buffer, or more than 100 headers: `431`; bytes that are not HTTP:
//! `400`) it writes a bare status line with no body, and there is no hook to change that. A
//! client that sends something merely too long — a runaway query string, a cookie jar grown
//! too large — deserves the same `ErrorBody` as every other error. So the server refuses a
//! target over [`MAX_TARGET_BYTES`] (`414`) and headers over [`MAX_HEADER_BYTES`] (`431`)
//! here, well inside hyper's limits, before any handler or body read, through the same finish
//! as every API answer (error shape, server time, `Connection: close`). What hyper still
//! answers bare is only what no real client sends: heads hundreds of KiB long, over 100
//! headers, or bytes that do not parse as HTTP/1.1 (`docs/operations.md`, "Limits").

use super::errors::ApiError;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use beatbook_core::sync::protocol::ErrorCode;

/// The longest request target (path and query) served: no route needs more than a few hundred
/// bytes; 8 KiB is what common proxies allow by default.
pub const MAX_TARGET_BYTES: usize = 8 * 1024;

/// The most header bytes (names, values and their separators) a request may carry: a device
/// sends a few hundred; browsers' cookies for the web pages stay far below.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// The bytes of the head's headers as a client sent them (`name: value\r\n` each).
fn header_bytes(request: &Request) -> usize {
    request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum()
}

/// The length of the request target as sent (origin form: path and query).
fn target_bytes(request: &Request) -> usize {
    request
        .uri()
        .path_and_query()
        .map_or(0, |target| target.as_str().len())
}

/// Refuses a request whose head is over our bounds, before anything else reads it.
pub async fn bound_head(request: Request, next: Next) -> Response {
    let refusal = if target_bytes(&request) > MAX_TARGET_BYTES {
        Some(ApiError::new(
            StatusCode::URI_TOO_LONG,
            ErrorCode::BadRequest,
            "the request target is longer than 8 KiB",
        ))
    } else if header_bytes(&request) > MAX_HEADER_BYTES {
        Some(ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ErrorCode::BadRequest,
            "the request's headers are larger than 32 KiB",
        ))
    } else {
        None
    };
    match refusal {
        Some(error) => {
            tracing::info!(
                status = error.status.as_u16(),
                "request head over its bounds refused"
            );
            // Answered here, outside the API's own layers: given their finish.
            super::finish(error.into_response()).await
        }
        None => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    #[test]
    fn the_target_and_headers_are_measured_as_sent() {
        let request = Request::builder()
            .uri("/v1/sync/pull?cursor=0")
            .header("authorization", "Bearer abc")
            .body(Body::empty())
            .expect("request");
        assert_eq!(target_bytes(&request), "/v1/sync/pull?cursor=0".len());
        assert_eq!(
            header_bytes(&request),
            "authorization: Bearer abc\r\n".len()
        );
    }
}
