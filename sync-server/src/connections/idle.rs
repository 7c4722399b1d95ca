//! Keeping a connection from being held for nothing: the client's first bytes must arrive
//! within a deadline ([`FirstBytesDeadline`]), and a connection with no request in flight for
//! as long is asked to close ([`InFlight::idle_for`]). HTTP/1.1's header-read timeout does
//! both for HTTP/1.1 alone; HTTP/2 (and hyper-util's reading of the first bytes to tell the
//! two apart) has no such timer.

use hyper::body::Incoming;
use hyper::service::Service;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::watch;
use tokio::time::Sleep;

/// Bytes a client must send within the deadline: HTTP/2's connection preface is 24 bytes, and
/// an HTTP/1.1 request line is longer than that (`GET /healthz HTTP/1.1\r\n` is 24).
const FIRST_BYTES: usize = 24;

/// Requests in flight on one connection (handlers running; an answer still streaming out is
/// the protocol's to finish).
#[derive(Debug, Clone)]
pub struct InFlight(Arc<watch::Sender<usize>>);

impl Default for InFlight {
    fn default() -> Self {
        InFlight(Arc::new(watch::Sender::new(0)))
    }
}

impl InFlight {
    /// Completes once no request has been in flight for `timeout` on end.
    pub async fn idle_for(&self, timeout: Duration) {
        let mut changes = self.0.subscribe();
        loop {
            if changes.wait_for(|n| *n == 0).await.is_err() {
                return std::future::pending().await;
            }
            if tokio::time::timeout(timeout, changes.changed())
                .await
                .is_err()
            {
                return;
            }
        }
    }

    fn start(&self) -> Finished {
        self.0.send_modify(|n| *n += 1);
        Finished(self.0.clone())
    }
}

/// Counts a request out of flight when its handler's future ends (or is dropped).
struct Finished(Arc<watch::Sender<usize>>);

impl Drop for Finished {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// A hyper service that counts its requests in flight.
#[derive(Debug, Clone)]
pub struct CountInFlight<S> {
    inner: S,
    in_flight: InFlight,
}

impl<S> CountInFlight<S> {
    pub fn new(inner: S, in_flight: InFlight) -> Self {
        CountInFlight { inner, in_flight }
    }
}

impl<S> Service<axum::http::Request<Incoming>> for CountInFlight<S>
where
    S: Service<axum::http::Request<Incoming>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn call(&self, request: axum::http::Request<Incoming>) -> Self::Future {
        let finished = self.in_flight.start();
        let answer = self.inner.call(request);
        Box::pin(async move {
            let answer = answer.await;
            drop(finished);
            answer
        })
    }
}

/// An I/O stream whose reads fail with `TimedOut` if the first [`FIRST_BYTES`] have not
/// arrived by the deadline (a client that connects and sends nothing, or trickles the
/// start of its first request).
#[derive(Debug)]
pub struct FirstBytesDeadline<T> {
    inner: T,
    /// Bytes still expected before the deadline stops applying.
    awaited: usize,
    deadline: Pin<Box<Sleep>>,
}

impl<T> FirstBytesDeadline<T> {
    pub fn new(inner: T, within: Duration) -> Self {
        FirstBytesDeadline {
            inner,
            awaited: FIRST_BYTES,
            deadline: Box::pin(tokio::time::sleep(within)),
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for FirstBytesDeadline<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(result) => {
                let read = buf.filled().len() - before;
                this.awaited = this.awaited.saturating_sub(read);
                Poll::Ready(result)
            }
            Poll::Pending if this.awaited > 0 => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the client's first bytes did not arrive in time",
                ))),
                Poll::Pending => Poll::Pending,
            },
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for FirstBytesDeadline<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, data)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
