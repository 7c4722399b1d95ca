//! The HTTP/1.1 and HTTP/2 settings every connection is served with, and why.
//!
//! HTTP/2 puts many requests on one connection, so one client could otherwise hold many
//! handler tasks, large header blocks and buffered data through a single socket. Each of these
//! is bounded here (docs/operations.md, "Limits and throttling"); everything per request —
//! body size, body deadlines, request ids, throttling — is the router's and applies alike.

use hyper_util::rt::{TokioExecutor, TokioTimer};
use std::time::Duration;

/// hyper-util's builder that serves either protocol.
pub type Builder = hyper_util::server::conn::auto::Builder<TokioExecutor>;

/// Requests one HTTP/2 connection may have in flight at once. A device has at most two (a pull
/// page applied while the next is fetched); a supervisor's browser loads a page's few assets.
/// Past it the client waits (the protocol's own back-pressure), nothing is refused.
pub const H2_MAX_CONCURRENT_STREAMS: u32 = 32;

/// The largest request header block, decompressed (HPACK), an HTTP/2 client may send. Beatbook
/// requests carry a token, a cookie and a few short headers; a larger block is refused
/// (`431`) before it is buffered.
pub const H2_MAX_HEADER_LIST_BYTES: u32 = 16 * 1024;

/// Bytes of request body one stream, and one connection, may have in flight unread (HTTP/2
/// flow-control windows): what a connection can make the server buffer.
pub const H2_STREAM_WINDOW_BYTES: u32 = 256 * 1024;
pub const H2_CONNECTION_WINDOW_BYTES: u32 = 1024 * 1024;

/// Answer bytes buffered per stream for a client that reads slowly.
pub const H2_MAX_SEND_BUFFER_BYTES: usize = 256 * 1024;

/// Streams a client may open and reset at once before the server answers (the "rapid reset"
/// attack, CVE-2023-44487), and streams the server may reset for a client's errors, before the
/// connection is closed.
pub const H2_MAX_PENDING_RESET_STREAMS: usize = 20;
pub const H2_MAX_ERROR_RESET_STREAMS: usize = 128;

/// How long a keep-alive ping may go unanswered before the connection is closed: a peer that
/// vanished (a phone out of signal) frees its connection.
pub const H2_PING_TIMEOUT: Duration = Duration::from_secs(20);

/// The three ways a connection is served: by ALPN's choice, or by what the client sends first.
#[derive(Debug, Clone)]
pub struct Protocols {
    pub http1: Builder,
    pub http2: Builder,
    /// Reads the client's first bytes: HTTP/2's preface, or an HTTP/1.1 request.
    pub detect: Builder,
}

impl Protocols {
    /// `header_timeout`: a request head must arrive within it (HTTP/1.1); HTTP/2 pings a
    /// connection that has been silent for as long.
    pub fn new(header_timeout: Duration) -> Protocols {
        let mut both = Builder::new(TokioExecutor::new());
        both.http1()
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            // A client that shuts its sending side after a whole request (`shutdown(SHUT_WR)`)
            // still gets its answer: without this hyper closed the connection at the EOF and
            // the device never learnt which ops of a push were applied.
            .half_close(true)
            .keep_alive(true);
        both.http2()
            .timer(TokioTimer::new())
            .max_concurrent_streams(H2_MAX_CONCURRENT_STREAMS)
            .max_header_list_size(H2_MAX_HEADER_LIST_BYTES)
            .initial_stream_window_size(H2_STREAM_WINDOW_BYTES)
            .initial_connection_window_size(H2_CONNECTION_WINDOW_BYTES)
            .max_send_buf_size(H2_MAX_SEND_BUFFER_BYTES)
            .max_pending_accept_reset_streams(H2_MAX_PENDING_RESET_STREAMS)
            .max_local_error_reset_streams(H2_MAX_ERROR_RESET_STREAMS)
            .keep_alive_interval(header_timeout)
            .keep_alive_timeout(H2_PING_TIMEOUT);
        Protocols {
            http1: both.clone().http1_only(),
            http2: both.clone().http2_only(),
            detect: both,
        }
    }
}
