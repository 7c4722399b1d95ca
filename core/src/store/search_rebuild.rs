//! Indexing every searchable record again, from the records themselves: what the upgrade to
//! store version 25 does after its migration has dropped `search_docs`.
//!
//! Why here and not in SQL: the index is contentless (version 20), so the text to index is
//! only in the records, and what a record contributes (a contact's non-personal text, a
//! problem's steps, which notes a correction hides) is decided by Rust functions. The rebuild
//! calls those same functions ([`super::search::indexed_text`]), so a rebuilt index holds
//! exactly the rows writing each record would have given it. It runs after the last migration,
//! with the code that matches the schema then in place.

use super::search_progress;
use crate::error::Result;
use rusqlite::Connection;

/// Empties the index and indexes every searchable record from its row, then marks every
/// record indexed. Returns how many records it indexed.
pub(crate) fn rebuild(conn: &Connection) -> Result<usize> {
    conn.execute(
        "INSERT INTO search_index (search_index) VALUES ('delete-all')",
        [],
    )?;
    let indexed = search_progress::index_records_between(
        conn,
        i64::MIN,
        i64::MAX,
        search_progress::Queued::Index,
    )?;
    search_progress::mark_all_indexed(conn)?;
    Ok(indexed)
}
