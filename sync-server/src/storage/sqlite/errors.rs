//! SQLite's errors in the storage's backend-neutral terms: a lock not granted within the busy
//! timeout is [`StorageError::Busy`] (the caller may retry; the HTTP layer answers 503 with
//! `Retry-After`), anything else is [`StorageError::Database`]. rusqlite's messages name
//! statements and constraints, not bound values, so they are safe to keep.

use crate::storage::StorageError;
use rusqlite::ErrorCode;

impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                StorageError::Busy(e.to_string())
            }
            _ => StorageError::Database(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_database_is_busy_and_a_constraint_is_not() {
        let busy = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            None,
        );
        assert!(matches!(StorageError::from(busy), StorageError::Busy(_)));
        let constraint = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT),
            None,
        );
        assert!(matches!(
            StorageError::from(constraint),
            StorageError::Database(_)
        ));
    }
}
