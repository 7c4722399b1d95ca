//! A server on its own thread and runtime, for tests and tools that want a real server over
//! loopback without owning an async runtime (the device-side tests, this crate's tests).
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let key = beatbook_core::StoreKey::from_bytes([7; 32]);
//! let server = beatbook_server::background::BackgroundServer::start(dir.path(), &key, Default::default())?;
//! println!("{}", server.url()); // http://127.0.0.1:<port>
//! server.shutdown()?; // graceful; also done on drop
//! # Ok(()) }
//! ```

use crate::serve::{self, ServeError, ServeOptions};
use crate::storage::{SqliteStorage, StorageError, SyncStorage};
use beatbook_core::StoreKey;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::thread::JoinHandle;

/// Why a background server did not start or stop cleanly.
#[derive(Debug, thiserror::Error)]
pub enum BackgroundError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Serve(#[from] ServeError),
    #[error("could not start the server's runtime: {0}")]
    Runtime(std::io::Error),
    #[error("the server thread panicked")]
    Panicked,
}

/// A running server on 127.0.0.1 with a free port.
#[derive(Debug)]
pub struct BackgroundServer {
    addr: SocketAddr,
    metrics_addr: Option<SocketAddr>,
    storage: Arc<dyn SyncStorage>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<Result<(), ServeError>>>,
}

impl BackgroundServer {
    /// Opens (or creates) the embedded store in `data_dir` with its key and serves it on
    /// 127.0.0.1:0.
    pub fn start(
        data_dir: &Path,
        key: &StoreKey,
        options: ServeOptions,
    ) -> Result<Self, BackgroundError> {
        Self::serve(Arc::new(SqliteStorage::open(data_dir, key)?), options)
    }

    /// Serves an open store on 127.0.0.1:0.
    pub fn serve(
        storage: Arc<dyn SyncStorage>,
        options: ServeOptions,
    ) -> Result<Self, BackgroundError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(BackgroundError::Runtime)?;
        let listener = runtime.block_on(serve::bind(SocketAddr::from(([127, 0, 0, 1], 0))))?;
        let addr = listener.local_addr().map_err(ServeError::Io)?;
        let metrics = options
            .metrics_listen
            .map(|addr| runtime.block_on(serve::bind(addr)))
            .transpose()?;
        let metrics_addr = metrics
            .as_ref()
            .map(|m| m.local_addr())
            .transpose()
            .map_err(ServeError::Io)?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let shared = storage.clone();
        let thread = std::thread::Builder::new()
            .name(format!("beatbook-server-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(serve::run_with_metrics(
                    listener,
                    metrics,
                    shared,
                    options,
                    async move {
                        let _ = stopped.await;
                    },
                ))
            })
            .map_err(BackgroundError::Runtime)?;
        Ok(Self {
            addr,
            metrics_addr,
            storage,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Where the metrics are served, if `ServeOptions::metrics_listen` asked for them.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The server's store, for administration in tests (creating users, enrolment codes).
    pub fn storage(&self) -> &Arc<dyn SyncStorage> {
        &self.storage
    }

    /// Starts a graceful shutdown without waiting for it.
    pub fn begin_shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Shuts down gracefully and waits for the server to finish.
    pub fn shutdown(mut self) -> Result<(), BackgroundError> {
        self.finish()
    }

    fn finish(&mut self) -> Result<(), BackgroundError> {
        self.begin_shutdown();
        match self.thread.take() {
            Some(thread) => match thread.join() {
                Ok(result) => Ok(result?),
                Err(_) => Err(BackgroundError::Panicked),
            },
            None => Ok(()),
        }
    }
}

impl Drop for BackgroundServer {
    fn drop(&mut self) {
        if let Err(e) = self.finish() {
            tracing::warn!(error = %e, "background server did not stop cleanly");
        }
    }
}
