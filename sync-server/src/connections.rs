//! Accepting connections and serving HTTP/1.1 and HTTP/2 on them with hyper, so that the
//! server itself times out slow clients.
//!
//! `axum::serve` gives hyper no timer, so a client that sends half its headers and stops
//! (slowloris) holds a connection and a task for ever. Here every connection must send its
//! first bytes (an HTTP/1.1 request head's start, or HTTP/2's connection preface) within the
//! header timeout (`idle::FirstBytesDeadline`); HTTP/1.1 then gets hyper's header-read
//! timeout (the whole request head must arrive within it; an idle keep-alive connection
//! waiting for its next request is closed after it too), and an HTTP/2 connection is closed
//! once it has had no request in flight for as long (`idle::InFlight`). The router's
//! `RequestBodyTimeoutLayer` (in `http`) answers `408` to a body that stops arriving, whatever
//! the protocol. Shutdown stops accepting, asks every connection to finish its requests in
//! flight and close, and returns when all have (the caller bounds the wait with its grace
//! period).
//!
//! Which protocol: with `tls` (`crate::tls`) ALPN decides (`h2`, else HTTP/1.1); on plain TCP
//! hyper-util reads the first bytes and serves HTTP/2 to a client that opens with its preface
//! (h2c with prior knowledge, what a proxy speaking HTTP/2 to its backend sends), else
//! HTTP/1.1. The HTTP/2 limits are in `protocols`.

mod idle;
mod protocols;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use idle::{CountInFlight, FirstBytesDeadline, InFlight};
use protocols::Protocols;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
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
    let protocols = Protocols::new(header_timeout);
    // Every connection task holds a sender; once all are dropped, `recv` answers `None`.
    let (open_tx, mut open_rx) = mpsc::channel::<()>(1);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    // Small JSON answers: do not wait to fill a segment.
                    let _ = stream.set_nodelay(true);
                    let connection = Connection {
                        // The peer's address, for limits kept per source.
                        app: AddExtension::new(app.clone(), ConnectInfo(peer)),
                        protocols: protocols.clone(),
                        header_timeout,
                        stop: stop.clone(),
                        _open: open_tx.clone(),
                    };
                    let tls = tls.clone();
                    tokio::spawn(async move {
                        match tls {
                            Some(acceptor) => connection.serve_tls(stream, acceptor).await,
                            None => connection.serve_plain(stream).await,
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
            () = stopped(&mut stop) => break,
        }
    }
    drop(listener);
    drop(open_tx);
    let _ = open_rx.recv().await;
}

/// Completes once `stop` is true (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// One accepted connection, served in its own task.
struct Connection {
    app: AddExtension<Router, ConnectInfo<std::net::SocketAddr>>,
    protocols: Protocols,
    header_timeout: Duration,
    stop: watch::Receiver<bool>,
    /// Dropped when the connection ends (see `serve`).
    _open: mpsc::Sender<()>,
}

impl Connection {
    async fn serve_plain(self, stream: tokio::net::TcpStream) {
        let io = FirstBytesDeadline::new(stream, self.header_timeout);
        let builder = self.protocols.detect.clone();
        self.drive(io, builder).await;
    }

    async fn serve_tls(self, stream: tokio::net::TcpStream, acceptor: TlsAcceptor) {
        // The handshake runs in the connection's own task, bounded like a request head, so a
        // client that stalls in it holds nothing else up.
        let tls = match tokio::time::timeout(self.header_timeout, acceptor.accept(stream)).await {
            Ok(Ok(tls)) => tls,
            Ok(Err(e)) => return tracing::debug!(error = %e, "TLS handshake failed"),
            Err(_) => return tracing::debug!("TLS handshake timed out"),
        };
        let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
        let builder = match h2 {
            true => self.protocols.http2.clone(),
            false => self.protocols.http1.clone(),
        };
        let io = FirstBytesDeadline::new(tls, self.header_timeout);
        self.drive(io, builder).await;
    }

    /// Serves requests on `io` until the client closes, the connection idles out, or the
    /// server stops (then requests in flight finish first).
    async fn drive<I>(self, io: I, builder: protocols::Builder)
    where
        I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let Connection {
            app,
            header_timeout,
            mut stop,
            ..
        } = self;
        let in_flight = InFlight::default();
        let service = CountInFlight::new(TowerToHyperService::new(app), in_flight.clone());
        let connection = builder.serve_connection(TokioIo::new(io), service);
        let mut connection = std::pin::pin!(connection);
        let mut closing = false;
        loop {
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(e) = result {
                        // Timeouts, resets and malformed requests end up here.
                        tracing::debug!(error = %e, "connection closed with an error");
                    }
                    return;
                }
                () = stopped(&mut stop), if !closing => {
                    connection.as_mut().graceful_shutdown();
                    closing = true;
                }
                // No request in flight for the header timeout: HTTP/2 has no timer of its own
                // for that (HTTP/1.1's header-read timeout closes it about as soon).
                () = in_flight.idle_for(header_timeout), if !closing => {
                    connection.as_mut().graceful_shutdown();
                    closing = true;
                }
            }
        }
    }
}
