//! Upgrade steps that rewrite whole tables in bounded memory.
//!
//! Why: a migration runs in one transaction, so that a store is either upgraded or as it was.
//! Within it, SQLite keeps the original of every page a statement changes until the statement
//! ends (its statement journal, so that one failed statement can be undone alone), and a sort's
//! keys until it is done; SQLCipher keeps both in memory, as a temporary file would hold them
//! unencrypted. A statement that rewrote every record, or dropped the old log, or indexed it
//! afresh, therefore held memory in proportion to the store: the 17 → 19 upgrade of a store
//! of a million records peaked at 950 MB. These steps work a batch of at most [`BATCH_ROWS`]
//! rows per statement, build a moved table's indexes as its rows arrive rather than sorting
//! them afterwards, and free the pages of a table whose rows have all moved without zeroing
//! them (nothing in them is gone from the store: see [`without_zeroing`]).
//! Measured in `docs/operations.md` ("Upgrading").

pub(super) mod log_events;
pub(super) mod record_ids;

use crate::storage::StorageResult;
use rusqlite::{Connection, OptionalExtension};

/// Rows one statement of an upgrade step reads or writes at most.
#[cfg(not(test))]
const BATCH_ROWS: i64 = 2_000;
/// Small in the crate's tests, so that every upgrade test crosses batch boundaries.
#[cfg(test)]
const BATCH_ROWS: i64 = 2;

/// Runs `batch` on each inclusive range of rowids of `table` that holds [`BATCH_ROWS`] rows (the
/// last may hold fewer), in order. `batch` must not add or remove rows of `table`.
fn for_each_rowid_batch(
    conn: &Connection,
    table: &str,
    mut batch: impl FnMut(i64, i64) -> StorageResult<()>,
) -> StorageResult<()> {
    let (first, last): (Option<i64>, Option<i64>) = conn.query_row(
        &format!("SELECT min(rowid), max(rowid) FROM {table}"),
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let (Some(mut low), Some(last)) = (first, last) else {
        return Ok(());
    };
    let mut batch_end = conn.prepare(&format!(
        "SELECT rowid FROM {table} WHERE rowid >= ?1 ORDER BY rowid LIMIT 1 OFFSET {}",
        BATCH_ROWS - 1
    ))?;
    loop {
        let high = batch_end
            .query_row([low], |r| r.get::<_, i64>(0))
            .optional()?
            .unwrap_or(last);
        batch(low, high)?;
        match high.checked_add(1) {
            Some(next) if high < last => low = next,
            _ => return Ok(()),
        }
    }
}

/// Runs `f` with `secure_delete` off on `conn`, and puts it back as it was whatever `f` gives.
///
/// With it on (as the server runs: `storage::sqlite::configure`), every page a statement frees
/// is overwritten with zeros, which is a change to the page, so dropping a table of a million
/// rows in a transaction holds a copy of each of its pages in memory. A step frees pages this
/// way only when every row in them is still in the store, copied elsewhere in the same
/// transaction (a moved table, the indexes of a table that moves): nothing erased lingers in
/// them, and later writes take free pages before they grow the file.
fn without_zeroing<T>(conn: &Connection, f: impl FnOnce() -> StorageResult<T>) -> StorageResult<T> {
    let was: bool = conn.query_row("PRAGMA secure_delete", [], |r| r.get(0))?;
    conn.pragma_update(None, "secure_delete", false)?;
    let result = f();
    let restored = conn.pragma_update(None, "secure_delete", was);
    let value = result?;
    restored?;
    Ok(value)
}

#[cfg(test)]
mod tests;
