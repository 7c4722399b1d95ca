//! Accepting connections and serving HTTP/1.1 on them with hyper, so that the server itself
//! times out slow clients.
//!
//! `axum::serve` gives hyper no timer, so a client that sends half its headers and stops
//! (slowloris) holds a connection and a task for ever. Here each connection gets hyper's
//! header-read timeout (the whole request head must arrive within it; an idle keep-alive
//! connection waiting for its next request is closed after it too), and the router's
//! `RequestBodyTimeoutLayer` (in `http`) answers `408` to a body that stops arriving. Shutdown
//! stops accepting, asks every connection to finish its request in flight and close, and
//! returns when all have (the caller bounds the wait with its grace period).
//!
//! HTTP/1.1 only: devices speak it. With `tls` (`crate::tls`), each accepted connection is
//! wrapped in TLS first; without it, a reverse proxy in front terminates TLS.

use axum::extract::ConnectInfo;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;
use tower_http::add_extension::AddExtension;

/// How long to pause after a failed accept (out of file descriptors, say) before the next.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serves `app` on `listener` until `stop` turns true, then shuts connections down gracefully
/// and returns once every one has closed.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    header_timeout: Duration,
    mut stop: watch::Receiver<bool>,
    tls: Option<TlsAcceptor>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        // A client that shuts its sending side after a whole request (`shutdown(SHUT_WR)`)
        // still gets its answer: without this hyper closed the connection at the EOF and the
        // device never learnt which ops of a push were applied.
        .half_close(true)
        .keep_alive(true);
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    // Small JSON answers: do not wait to fill a segment.
                    let _ = stream.set_nodelay(true);
                    // The peer's address, for limits kept per source (web sign-in).
                    let service = TowerToHyperService::new(
                        AddExtension::new(app.clone(), ConnectInfo(peer)),
                    );
                    if let Some(acceptor) = &tls {
                        // The handshake runs in the connection's own task, bounded like a
                        // request head, so a client that stalls in it holds nothing else up.
                        let (acceptor, http, watcher) = (acceptor.clone(), http.clone(), graceful.watcher());
                        tokio::spawn(async move {
                            match tokio::time::timeout(header_timeout, acceptor.accept(stream)).await {
                                Ok(Ok(tls)) => {
                                    let connection = http.serve_connection(TokioIo::new(tls), service);
                                    if let Err(e) = watcher.watch(connection).await {
                                        tracing::debug!(error = %e, "connection closed with an error");
                                    }
                                }
                                Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                                Err(_) => tracing::debug!("TLS handshake timed out"),
                            }
                        });
                        continue;
                    }
                    let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
                    tokio::spawn(async move {
                        if let Err(e) = connection.await {
                            // Timeouts, resets and malformed requests end up here.
                            tracing::debug!(error = %e, "connection closed with an error");
                        }
                    });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "could not accept a connection");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            },
            // A closed channel (the sender dropped) also means stop. The guard `wait_for`
            // returns is dropped inside, so the loop's future stays `Send`.
            () = async { let _ = stop.wait_for(|stop| *stop).await; } => break,
        }
    }
    drop(listener);
    graceful.shutdown().await;
}
