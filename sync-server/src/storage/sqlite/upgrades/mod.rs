//! The embedded store's upgrade steps that rewrite whole tables in bounded memory: a batch of
//! at most [`BATCH_ROWS`] rows per statement, a moved table's indexes made before its rows
//! arrive, a table whose rows have all moved dropped without zeroing
//! (`beatbook_core::sql_batches` says why and holds the mechanisms).
//! Measured in `docs/operations.md` ("The store").

pub(super) mod log_events;
pub(super) mod record_ids;
pub(super) mod report_reach;

use crate::storage::StorageResult;
use rusqlite::Connection;

/// Rows one statement of an upgrade step reads or writes at most.
#[cfg(not(test))]
const BATCH_ROWS: u32 = 2_000;
/// Small in the crate's tests, so that every upgrade test crosses batch boundaries.
#[cfg(test)]
const BATCH_ROWS: u32 = 2;

/// [`beatbook_core::sql_batches::for_each_rowid_batch`] at [`BATCH_ROWS`] a batch.
fn for_each_rowid_batch(
    conn: &Connection,
    table: &str,
    batch: impl FnMut(i64, i64) -> StorageResult<()>,
) -> StorageResult<()> {
    beatbook_core::sql_batches::for_each_rowid_batch(conn, table, BATCH_ROWS, batch)
}

#[cfg(test)]
mod tests;
