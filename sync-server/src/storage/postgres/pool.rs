//! The bounded pool of connections one server instance holds (r2d2). Every connection is set
//! up the same way when it is made: a `lock_timeout`, so that a batch waiting on the feed lock
//! behind a stuck one gives up and is answered 503 (busy) rather than holding a request open
//! for ever, and a `statement_timeout` for the same reason. TLS as the URL's `sslmode` asks
//! (`tls.rs`).

use super::tls::{explain_tls_failure, DatabaseTls};
use crate::storage::StorageResult;
use postgres_openssl::MakeTlsConnector;
use r2d2::ManageConnection;
use r2d2_postgres::PostgresConnectionManager;
use std::time::Duration;

type Manager = PostgresConnectionManager<MakeTlsConnector>;
pub(super) type Pool = r2d2::Pool<Manager>;
pub(super) type PooledClient = r2d2::PooledConnection<Manager>;

/// How an instance uses the database.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// Connections held at most (PostgreSQL's `max_connections` is shared by every instance).
    pub max_connections: u32,
    /// How long a call waits for a free connection before it is answered busy.
    pub checkout_timeout: Duration,
    /// How long a statement waits for a row lock (the feed lock) before it is answered busy.
    pub lock_timeout: Duration,
    /// How long one statement may run.
    pub statement_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            checkout_timeout: Duration::from_secs(10),
            lock_timeout: Duration::from_secs(10),
            statement_timeout: Duration::from_secs(60),
        }
    }
}

/// Sets the session's timeouts on every new connection.
#[derive(Debug)]
struct Session {
    lock_timeout_ms: u128,
    statement_timeout_ms: u128,
}

impl r2d2::CustomizeConnection<postgres::Client, postgres::Error> for Session {
    fn on_acquire(&self, client: &mut postgres::Client) -> Result<(), postgres::Error> {
        client.batch_execute(&format!(
            "SET lock_timeout = {}; SET statement_timeout = {};",
            self.lock_timeout_ms, self.statement_timeout_ms
        ))
    }
}

/// Connects to `url`; fails (busy) if no connection can be made within the checkout timeout,
/// and at once, naming the cause, if the first connection's TLS is refused (`tls.rs`).
pub(super) fn connect(url: &str, options: &PoolOptions) -> StorageResult<Pool> {
    let tls = DatabaseTls::from_url(url)?;
    let manager = PostgresConnectionManager::new(tls.config.clone(), tls.connector()?);
    if let Err(e) = manager.connect() {
        if let Some(refused) = explain_tls_failure(&e, tls.mode) {
            return Err(refused);
        }
    }
    Ok(r2d2::Pool::builder()
        .max_size(options.max_connections)
        .min_idle(Some(1))
        .connection_timeout(options.checkout_timeout)
        .connection_customizer(Box::new(Session {
            lock_timeout_ms: options.lock_timeout.as_millis(),
            statement_timeout_ms: options.statement_timeout.as_millis(),
        }))
        .build(manager)?)
}
