//! Bounds on what one request may make the server read, applied before any handler:
//!
//! - a declared `Content-Length` over the body limit is refused `413 body_too_large` at once,
//!   without reading a byte of the body (the limit still counts decompressed bytes as they
//!   arrive for bodies that do not declare a length, or declare a small gzip);
//! - a request body must arrive whole within a deadline from the end of its head
//!   (`--body-deadline-secs`): the idle timeout (`RequestBodyTimeoutLayer`) does not stop a
//!   body trickled one byte every few seconds, this does. Past it the body fails to read and
//!   the request is answered `408 request_timeout`, then the connection is closed.

use super::errors::ApiError;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use beatbook_core::sync::protocol::MAX_BODY_BYTES;
use http_body::{Frame, SizeHint};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::Sleep;

/// The whole-body deadline passed (see the module docs).
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within its deadline")]
pub struct BodyDeadline;

/// Refuses an oversized declared body, and puts every other body under the deadline.
pub async fn bound_body(
    State(deadline): State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        // Answered here, outside the API's own layers: given their finish (error shape, server time).
        return super::finish(ApiError::body_too_large().into_response()).await;
    }
    let request = request.map(|body| {
        Body::new(DeadlineBody {
            body,
            deadline: Box::pin(tokio::time::sleep(deadline)),
        })
    });
    next.run(request).await
}

/// A body that fails with [`BodyDeadline`] once its deadline passes.
struct DeadlineBody {
    body: Body,
    deadline: Pin<Box<Sleep>>,
}

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        if let Poll::Ready(frame) = Pin::new(&mut this.body).poll_frame(cx) {
            return Poll::Ready(frame);
        }
        match this.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(axum::Error::new(BodyDeadline)))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
