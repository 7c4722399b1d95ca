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

#[cfg(test)]
mod tests {
    use super::super::testing::TestSchema;
    use super::super::{PoolOptions, PostgresStorage};
    use crate::storage::conformance::{target, write_note};
    use crate::storage::{StorageError, SyncStorage, WriteOutcome};
    use beatbook_core::sync::RecordKind;
    use std::time::Duration;

    /// A batch that cannot get the feed lock within `lock_timeout` (another session holds it)
    /// fails busy, with nothing written, and goes through once the lock is free.
    #[test]
    fn a_batch_kept_from_the_feed_lock_is_busy_and_commits_nothing() {
        let Some(schema) = TestSchema::create() else {
            return;
        };
        let options = PoolOptions {
            lock_timeout: Duration::from_millis(200),
            ..PoolOptions::default()
        };
        let storage = PostgresStorage::open_with(schema.url(), &options).expect("open");
        let mut holder = postgres::Client::connect(schema.url(), postgres::NoTls).expect("connect");
        let mut held = holder.transaction().expect("begin");
        held.execute("SELECT last_seq FROM feed WHERE id = 1 FOR UPDATE", &[])
            .expect("lock");
        let write = || {
            storage.write_record(&target(None, RecordKind::Note, "n1"), &mut |_| {
                write_note("n1")
            })
        };
        assert!(matches!(write(), Err(StorageError::Busy(_))));
        held.rollback().expect("release");
        assert_eq!(storage.feed_head().expect("head"), 0, "nothing committed");
        assert!(matches!(
            write().expect("write"),
            WriteOutcome::Applied { seq: Some(1), .. }
        ));
    }
}
