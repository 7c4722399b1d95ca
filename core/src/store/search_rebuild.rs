//! Indexing every searchable record again, from the records themselves: what the upgrade to
//! store version 25 does after its migration has dropped `search_docs`.
//!
//! Why here and not in SQL: the index is contentless (version 20), so the text to index is
//! only in the records, and what a record contributes (a contact's non-personal text, a
//! problem's steps, which notes a correction hides) is decided by Rust functions. The rebuild
//! calls those same functions ([`super::search::indexed_text`]), so a rebuilt index holds
//! exactly the rows writing each record would have given it. It runs after the last migration,
//! with the code that matches the schema then in place.

use super::search::{self, SearchKind};
use crate::error::Result;
use rusqlite::Connection;

/// The records of a kind that the index holds, oldest row first: every one, except a note
/// that another note amends (search finds the newest note of a chain of corrections).
fn searchable_records_sql(kind: SearchKind) -> &'static str {
    match kind {
        SearchKind::Note => {
            "SELECT rowid, id FROM notes n
             WHERE NOT EXISTS (SELECT 1 FROM notes newer WHERE newer.amends = n.id)
             ORDER BY rowid"
        }
        SearchKind::Contact => "SELECT rowid, id FROM contacts ORDER BY rowid",
        SearchKind::Problem => "SELECT rowid, id FROM problems ORDER BY rowid",
        SearchKind::Patrol => "SELECT rowid, id FROM patrols ORDER BY rowid",
    }
}

/// Empties the index and indexes every searchable record from its row. Returns how many
/// records it indexed.
pub(crate) fn rebuild(conn: &Connection) -> Result<usize> {
    conn.execute(
        "INSERT INTO search_index (search_index) VALUES ('delete-all')",
        [],
    )?;
    let mut indexed = 0;
    for &kind in SearchKind::ALL {
        let records: Vec<(i64, String)> = conn
            .prepare(searchable_records_sql(kind))?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (record_row, record_id) in records {
            let (title, body) = search::indexed_text(conn, kind, &record_id)?;
            search::insert_row(conn, search::search_row(kind, record_row), &title, &body)?;
            indexed += 1;
        }
    }
    Ok(indexed)
}
