//! PostgreSQL's and the pool's errors in the storage's backend-neutral terms.
//!
//! Busy (the caller may retry; the HTTP layer answers 503 with `Retry-After`): a lock not
//! granted within `lock_timeout`, a serialisation failure or deadlock (the transaction was
//! rolled back), a statement cancelled by `statement_timeout`, a server shutting down or not
//! accepting connections, a lost connection, no pooled connection within the checkout timeout.
//! Anything else is [`StorageError::Database`].
//!
//! Messages keep PostgreSQL's primary message and SQLSTATE only: its `DETAIL` can quote row
//! values (`Key (…)=(…) already exists`), which must never reach a log.

use crate::storage::StorageError;
use postgres::error::SqlState;

/// SQLSTATEs after which the same call may simply be made again.
fn is_transient(code: &SqlState) -> bool {
    [
        SqlState::T_R_SERIALIZATION_FAILURE,
        SqlState::T_R_DEADLOCK_DETECTED,
        SqlState::LOCK_NOT_AVAILABLE,
        SqlState::QUERY_CANCELED,
        SqlState::ADMIN_SHUTDOWN,
        SqlState::CRASH_SHUTDOWN,
        SqlState::CANNOT_CONNECT_NOW,
        SqlState::TOO_MANY_CONNECTIONS,
    ]
    .contains(code)
        // Class 08: connection exceptions.
        || code.code().starts_with("08")
}

impl From<postgres::Error> for StorageError {
    fn from(e: postgres::Error) -> Self {
        if let Some(db) = e.as_db_error() {
            let text = format!("{} (SQLSTATE {})", db.message(), db.code().code());
            return if is_transient(db.code()) {
                StorageError::Busy(text)
            } else {
                StorageError::Database(text)
            };
        }
        if e.is_closed() || e.code().is_some_and(is_transient) {
            return StorageError::Busy(e.to_string());
        }
        // No server error: an I/O failure talking to it (busy), or a value of the wrong type.
        let io = std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>());
        if io {
            StorageError::Busy(e.to_string())
        } else {
            StorageError::Database(e.to_string())
        }
    }
}

impl From<r2d2::Error> for StorageError {
    fn from(e: r2d2::Error) -> Self {
        StorageError::Busy(format!("no database connection: {e}"))
    }
}
