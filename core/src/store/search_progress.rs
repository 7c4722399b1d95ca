//! New records are indexed for search in batches: which records wait, and indexing them.
//!
//! Why: FTS5 writes what a transaction indexed as a new segment at its commit, with the
//! segment's entry in its index and the record's column sizes, and later merges those small
//! segments into bigger ones. One contact a commit, that was about five of the twenty-odd pages
//! a contact writes (`docs/performance.md` §1). Indexed 32 at a time, the same records cost the
//! index about a fifth of a page each.
//!
//! What stays true: a search finds every record as it is now. Every note, contact, problem and
//! patrol takes its row number from one sequence (`next_record_row!`), so the records not yet
//! indexed are exactly those above one row number, `search_progress.indexed_through` (store
//! version 32). A record at or below it is in the index as its current text (its writer indexes
//! it at once, as before); a record above it is not in the index at all, and its writer leaves
//! it to [`catch_up`]. Catching up reads the waiting records from their rows with the functions
//! that build their text (`search::indexed_text`, as a rebuild does), indexes them in one
//! statement run, and moves the mark to the newest record: before every search, in the commit
//! that leaves [`CATCH_UP_AFTER`] records waiting, and with each pulled page (whose own records
//! the page's batch indexes from the text it queued as they were written). Nothing is
//! remembered outside the store: the waiting records are the ones the rows say wait, so a
//! crash or a rolled-back transaction loses none and indexes none twice. A record whose row
//! number is at or below the mark (the newest record erased and its number given again) is
//! indexed at once, as every record used to be.

use super::search::{self, next_record_row, SearchKind};
use crate::error::Result;
use rusqlite::Connection;

/// A local write's commit that would leave this many records waiting indexes them all.
pub const CATCH_UP_AFTER: i64 = 32;

/// The newest record's row number of the four searched tables (each a B-tree's right edge).
pub(super) fn newest_record_row(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached(concat!("SELECT ", next_record_row!(), " - 1"))?
        .query_row([], |r| r.get(0))?)
}

/// The row number at or below which every record is indexed.
fn indexed_through(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT indexed_through FROM search_progress WHERE id = 1")?
        .query_row([], |r| r.get(0))?)
}

/// Whether a record's row waits for [`catch_up`] (and so has no row in the index).
pub(super) fn waits(conn: &Connection, record_row: i64) -> Result<bool> {
    Ok(record_row > indexed_through(conn)?)
}

/// How many row numbers lie above the mark: the records waiting, or more if some of them
/// were erased before they were indexed.
fn waiting(conn: &Connection) -> Result<i64> {
    Ok(newest_record_row(conn)? - indexed_through(conn)?)
}

/// Whether any record waits: a search catches up first.
pub(super) fn any_waiting(conn: &Connection) -> Result<bool> {
    Ok(waiting(conn)? > 0)
}

/// Indexes the waiting records if [`CATCH_UP_AFTER`] of them wait: run by every local write
/// before its commit.
pub(crate) fn catch_up_if_due(conn: &Connection) -> Result<()> {
    if waiting(conn)? >= CATCH_UP_AFTER {
        catch_up(conn)?;
    }
    Ok(())
}

/// Indexes every waiting record and moves the mark to the newest record. Returns how many
/// records it indexed.
pub(crate) fn catch_up(conn: &Connection) -> Result<usize> {
    let through = indexed_through(conn)?;
    let indexed = index_records_between(conn, through, i64::MAX, Queued::Index)?;
    mark_all_indexed(conn)?;
    Ok(indexed)
}

/// Indexes the records that waited before a pulled page began (row numbers up to
/// `newest_before`, the newest then) and that its queue does not hold, leaving the mark for the
/// batch to move once it has written its queue (`search_batch`). The page's own new records
/// are above `newest_before` and all queued by their writers: a first sync, where nothing
/// waits, reads no row here.
pub(super) fn index_waiting_before(conn: &Connection, newest_before: i64) -> Result<usize> {
    let through = indexed_through(conn)?;
    if through >= newest_before {
        return Ok(0);
    }
    index_records_between(conn, through, newest_before, Queued::Skip)
}

/// What to do with a record an open batch has queued.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Queued {
    /// No batch is open: index every record.
    Index,
    /// Skip it: the batch writes its queued text itself.
    Skip,
}

/// Moves the mark to the newest record: after a catch-up or a rebuild.
pub(super) fn mark_all_indexed(conn: &Connection) -> Result<()> {
    let newest = newest_record_row(conn)?;
    conn.prepare_cached("UPDATE search_progress SET indexed_through = ?1 WHERE id = 1")?
        .execute([newest])?;
    Ok(())
}

/// The searchable records of a kind whose row numbers are in `(?1, ?2]`, oldest first: every
/// one, except a note that another note amends (search finds the newest note of a chain of
/// corrections).
fn searchable_between_sql(kind: SearchKind) -> &'static str {
    match kind {
        SearchKind::Note => {
            "SELECT rowid, id FROM notes n WHERE rowid > ?1 AND rowid <= ?2
               AND NOT EXISTS (SELECT 1 FROM notes newer WHERE newer.amends = n.id)
             ORDER BY rowid"
        }
        SearchKind::Contact => {
            "SELECT rowid, id FROM contacts WHERE rowid > ?1 AND rowid <= ?2 ORDER BY rowid"
        }
        SearchKind::Problem => {
            "SELECT rowid, id FROM problems WHERE rowid > ?1 AND rowid <= ?2 ORDER BY rowid"
        }
        SearchKind::Patrol => {
            "SELECT rowid, id FROM patrols WHERE rowid > ?1 AND rowid <= ?2 ORDER BY rowid"
        }
    }
}

/// Indexes every searchable record whose row number is above `after` and at most `through`,
/// from its row. Returns how many it indexed.
pub(super) fn index_records_between(
    conn: &Connection,
    after: i64,
    through: i64,
    queued: Queued,
) -> Result<usize> {
    let mut indexed = 0;
    for &kind in SearchKind::ALL {
        let records: Vec<(i64, String)> = conn
            .prepare_cached(searchable_between_sql(kind))?
            .query_map([after, through], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (record_row, record_id) in records {
            let row = search::search_row(kind, record_row);
            if queued == Queued::Skip && super::search_batch::is_queued(conn, row)? {
                continue;
            }
            let (title, body) = search::indexed_text(conn, kind, &record_id)?;
            search::insert_row(conn, row, &title, &body)?;
            indexed += 1;
        }
    }
    Ok(indexed)
}
