//! A pulled page's search rows, written to the full-text index once, at the end of the page.
//!
//! Why: FTS5 keeps the terms written in a transaction in memory and writes them out as one
//! segment at commit — unless a savepoint opens first, when it must write them out at once.
//! SQLite opens a statement savepoint for any statement that fires a trigger, and writing a
//! contact does (its place goes into the R*Tree by trigger), so a page of contacts, each indexed
//! as it was written, made FTS5 write a segment per contact and then merge them: 15% of a new
//! device's first sync (`docs/performance.md` §7). While a [`SearchBatch`] is open on this
//! thread, [`super::search::index`] queues a record's row in a temporary table instead, and
//! [`SearchBatch::finish`] moves the queue into the index in one statement, with the records
//! that waited for the index before the page (`search_progress`) and are not in the queue:
//! those written on this device since its last catch-up. Queued, a pulled record's text is
//! taken as it is written, not read back from its row.
//!
//! The queue is in the page's transaction: rolling the page back takes its queued rows with it.
//! A record unindexed while the batch is open leaves the queue too, so a record written and
//! then erased within one page is never indexed.

use crate::error::Result;
use rusqlite::Connection;
use std::cell::Cell;

thread_local! {
    /// Whether a batch is open on this thread (the store's one writer connection runs one
    /// transaction at a time, on the thread that holds it).
    static OPEN: Cell<bool> = const { Cell::new(false) };
}

/// An open batch; closed by [`SearchBatch::finish`], or on drop without writing (an error
/// path: the transaction that holds the queue is then rolled back).
#[derive(Debug)]
pub(crate) struct SearchBatch<'c> {
    conn: &'c Connection,
    /// The newest record's row number when the batch opened: records at or below it that
    /// wait for the index were written here before the page.
    newest_before: i64,
}

impl<'c> SearchBatch<'c> {
    /// Opens a batch on `conn`, inside its transaction.
    pub(crate) fn open(conn: &'c Connection) -> Result<SearchBatch<'c>> {
        conn.prepare_cached(
            "CREATE TEMP TABLE IF NOT EXISTS search_queue (
                 rowid INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL)",
        )?
        .execute([])?;
        conn.prepare_cached("DELETE FROM temp.search_queue")?
            .execute([])?;
        let newest_before = super::search_progress::newest_record_row(conn)?;
        OPEN.set(true);
        Ok(SearchBatch {
            conn,
            newest_before,
        })
    }

    /// Indexes the records that waited for the index before the page and that the queue does
    /// not hold ([`super::search_progress`]: those written here since the last catch-up), then
    /// writes the queued rows, and marks every record indexed.
    pub(crate) fn finish(self) -> Result<()> {
        OPEN.set(false);
        super::search_progress::index_waiting_before(self.conn, self.newest_before)?;
        self.conn
            .prepare_cached(
                "INSERT INTO search_index (rowid, title, body)
                 SELECT rowid, title, body FROM temp.search_queue ORDER BY rowid",
            )?
            .execute([])?;
        self.conn
            .prepare_cached("DELETE FROM temp.search_queue")?
            .execute([])?;
        super::search_progress::mark_all_indexed(self.conn)
    }
}

impl Drop for SearchBatch<'_> {
    fn drop(&mut self) {
        OPEN.set(false);
    }
}

/// Queues a row if a batch is open on this thread; `false` when the caller must write it.
pub(super) fn queue(conn: &Connection, rowid: i64, title: &str, body: &str) -> Result<bool> {
    if !OPEN.get() {
        return Ok(false);
    }
    conn.prepare_cached("INSERT INTO temp.search_queue (rowid, title, body) VALUES (?1, ?2, ?3)")?
        .execute(rusqlite::params![rowid, title, body])?;
    Ok(true)
}

/// Whether the queue holds a row (its text, written when the batch finishes).
pub(super) fn is_queued(conn: &Connection, row: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM temp.search_queue WHERE rowid = ?1")?
        .exists([row])?)
}

/// Takes a row out of the queue, if a batch is open and holds it.
pub(super) fn dequeue(conn: &Connection, rowid: i64) -> Result<()> {
    if OPEN.get() {
        conn.prepare_cached("DELETE FROM temp.search_queue WHERE rowid = ?1")?
            .execute([rowid])?;
    }
    Ok(())
}
