//! Reading typed values back from PostgreSQL's text columns. Ids and codes are stored as text
//! (as in the SQLite store); a value that does not parse is corruption, never a panic.

use crate::storage::{StorageError, StorageResult};
use postgres::Row;
use std::str::FromStr;

/// Column `idx` of `row`, parsed as `T`.
pub(super) fn parsed<T: FromStr>(row: &Row, idx: usize, what: &str) -> StorageResult<T> {
    let text: String = row.try_get(idx)?;
    text.parse()
        .map_err(|_| StorageError::Corrupt(format!("a stored {what} does not parse")))
}

/// Column `idx` of `row`, NULL or parsed as `T`.
pub(super) fn parsed_opt<T: FromStr>(
    row: &Row,
    idx: usize,
    what: &str,
) -> StorageResult<Option<T>> {
    let text: Option<String> = row.try_get(idx)?;
    text.map(|t| {
        t.parse()
            .map_err(|_| StorageError::Corrupt(format!("a stored {what} does not parse")))
    })
    .transpose()
}

/// A feed position read back (stored as BIGINT, never negative).
pub(super) fn seq(value: i64) -> StorageResult<u64> {
    u64::try_from(value).map_err(|_| StorageError::Corrupt("negative feed position".into()))
}

/// A feed position to store.
pub(super) fn seq_param(value: u64) -> StorageResult<i64> {
    i64::try_from(value).map_err(|_| StorageError::Invalid("feed position out of range".into()))
}
