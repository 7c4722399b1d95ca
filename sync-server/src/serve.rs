//! Running the server: bind, serve until told to stop, then shut down gracefully — stop
//! accepting connections, let in-flight requests finish for up to a grace period, and return.
//! A push's ops commit together before it is answered, so even a push cut off after the grace
//! loses nothing: the device resends the ops it got no answer for and the server answers
//! `duplicate` for those already applied.

use crate::connections;
use crate::http::{self, AppState, HttpConfig};
use crate::storage::SyncStorage;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub http: HttpConfig,
    /// How long in-flight requests may take to finish once shutdown starts.
    pub shutdown_grace: Duration,
    /// Where to serve the Prometheus metrics (`crate::metrics`); `None`: not at all. Bound by
    /// the caller ([`bind`]), which hands the listener to [`run_with_metrics`].
    pub metrics_listen: Option<SocketAddr>,
    /// Serve TLS with this certificate (reloaded on SIGHUP); plain HTTP when `None`.
    pub tls: Option<Arc<crate::tls::ServerTls>>,
    /// How often to sweep for records past their retention date (`crate::retention`), besides
    /// once at start; `None`: only at start.
    pub retention_sweep: Option<Duration>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            http: HttpConfig::default(),
            shutdown_grace: Duration::from_secs(10),
            metrics_listen: None,
            tls: None,
            retention_sweep: None,
        }
    }
}

/// A serving failure.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("could not listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the server failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("the server task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Binds `addr` (port 0 picks a free port).
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, ServeError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })
}

/// Serves on `listener` until `shutdown` completes, then shuts down gracefully.
pub async fn run(
    listener: TcpListener,
    storage: Arc<dyn SyncStorage>,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    run_with_metrics(listener, None, storage, options, shutdown).await
}

/// As [`run`], and serves the metrics (`GET /metrics`) on `metrics` until shutdown.
pub async fn run_with_metrics(
    listener: TcpListener,
    metrics: Option<TcpListener>,
    storage: Arc<dyn SyncStorage>,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let header_timeout = options.http.header_timeout;
    let state = AppState::new(storage, options.http.clone());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    if let Some(metrics) = metrics {
        // Plain HTTP on its own (loopback by default) address: scraped from inside the host.
        let endpoint = crate::metrics::endpoint::router(state.clone());
        tokio::spawn(connections::serve(
            metrics,
            endpoint,
            header_timeout,
            stop_rx.clone(),
            None,
        ));
    }
    let _sweeper = AbortOnDrop(tokio::spawn(sweep_retention(
        state.storage.clone(),
        state.config.clock.clone(),
        options.retention_sweep,
    )));
    let app = http::router(state);
    let acceptor = options.tls.as_ref().map(|tls| tls.acceptor());
    let _reloader = options
        .tls
        .clone()
        .map(|tls| AbortOnDrop(tokio::spawn(crate::tls::reload_on_sighup(tls))));
    let mut server = tokio::spawn(connections::serve(
        listener,
        app,
        header_timeout,
        stop_rx,
        acceptor,
    ));
    tokio::select! {
        finished = &mut server => return Ok(finished?),
        () = shutdown => {}
    }
    tracing::info!(
        grace_secs = options.shutdown_grace.as_secs(),
        "shutting down: no new connections; finishing requests in flight"
    );
    let _ = stop_tx.send(true);
    match tokio::time::timeout(options.shutdown_grace, &mut server).await {
        Ok(finished) => {
            finished?;
            tracing::info!("shut down cleanly");
        }
        Err(_) => {
            server.abort();
            tracing::warn!("requests still in flight after the grace period were cut off");
        }
    }
    Ok(())
}

/// Stops a background task when dropped (the SIGHUP reloader ends with the server).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The retention sweep (`crate::retention::sweep`): once at start, then every `every`. Runs on
/// a blocking thread (the store's calls block); a failed pass is logged and the next one tries
/// again.
async fn sweep_retention(
    storage: Arc<dyn SyncStorage>,
    clock: Arc<dyn beatbook_core::clock::Clock>,
    every: Option<Duration>,
) {
    loop {
        let (storage, clock) = (storage.clone(), clock.clone());
        match tokio::task::spawn_blocking(move || crate::retention::sweep(&*storage, clock.now()))
            .await
        {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "retention sweep failed"),
            Err(e) => tracing::warn!(error = %e, "retention sweep task failed"),
        }
        match every {
            Some(every) => tokio::time::sleep(every).await,
            None => return,
        }
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn termination_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C received"),
        () = term => tracing::info!("SIGTERM received"),
    }
}
