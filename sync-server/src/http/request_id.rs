//! A request id on every request, for operators following one request through the logs: taken
//! from the client's `X-Request-Id` when it is sane (1 to 64 characters of letters, digits,
//! `-`, `_`, `.`; anything else is replaced, so a client cannot inject text into the logs),
//! otherwise made here. It is echoed in the `X-Request-Id` response header and every log line
//! written while the request is handled carries it (a tracing span, `request_id`), including
//! lines from its store calls on blocking threads ([`in_request`]).

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// The header, both ways.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The longest id accepted from a client.
const MAX_LEN: usize = 64;

/// Whether a client's id may be used as it is.
fn sane(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Tags the request, runs it inside its span, and echoes the id.
pub async fn tag(request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| sane(v))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().simple().to_string());
    let span = tracing::info_span!("request", request_id = %id);
    let mut response = next.run(request).instrument(span).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

/// Runs `f` on a blocking thread inside the current request's span, so that what it logs
/// carries the request id.
pub async fn in_request<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, tokio::task::JoinError> {
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(f)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_plain_ids_are_taken_from_clients() {
        assert!(sane("req-123_abc.4"));
        assert!(sane(&"a".repeat(64)));
        assert!(!sane(""));
        assert!(!sane(&"a".repeat(65)));
        assert!(!sane("a b"));
        assert!(!sane("x\ny"));
        assert!(!sane("{\"forged\":1}"));
    }
}
