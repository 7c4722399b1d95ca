//! Raw FTS5 queries beside the store's, for comparison: what other query forms would cost on
//! the same data. The store does not use these; `Store::search` is what the figures measure.

use crate::stats::timed;
use rusqlite::Connection;
use std::time::Duration;

/// `Store::search`'s first form (before the fix in `docs/performance.md` §3), to run on a
/// connection with other settings: the join is made for every match, before the sort. The
/// index is contentless since store version 20, so none of these forms reads a title or a
/// snippet from it (the store builds those from the records shown).
pub const STORE: &str = "SELECT n.id, bm25(search_index, 2.0, 1.0)
    FROM search_index JOIN notes n ON n.rowid = search_index.rowid >> 3
    WHERE search_index MATCH ?1
    ORDER BY bm25(search_index, 2.0, 1.0) LIMIT ?2";

/// The page cache for the `STORE` comparison: 64 MiB, against SQLite's default 2 MiB.
pub const BIG_CACHE_KIB: i64 = 65_536;

/// The same ranking as `Store::search` (BM25, title weighted 2), but through FTS5's `rank`
/// column: FTS5 sorts the matches itself, so the join is made only for the rows returned, not
/// for every match.
pub const BY_RANK: &str = "SELECT n.id, rank
    FROM search_index JOIN notes n ON n.rowid = search_index.rowid >> 3
    WHERE search_index MATCH ?1 AND rank MATCH 'bm25(2.0, 1.0)'
    ORDER BY rank LIMIT ?2";

/// Newest matches first, no relevance ranking: FTS5 walks rowids backwards and stops early.
pub const NEWEST_FIRST: &str = "SELECT n.id
    FROM search_index JOIN notes n ON n.rowid = search_index.rowid >> 3
    WHERE search_index MATCH ?1
    ORDER BY search_index.rowid DESC LIMIT ?2";

/// The store's FTS5 query form (`store/search.rs`): every word quoted, the last a prefix.
pub fn match_query(typed: &str) -> String {
    let mut query = typed
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{w}\""))
        .collect::<Vec<_>>()
        .join(" ");
    query.push('*');
    query
}

/// How many documents a typed query matches.
pub fn matching(conn: &Connection, typed: &str) -> i64 {
    conn.query_row(
        "SELECT count(*) FROM search_index WHERE search_index MATCH ?1",
        [match_query(typed)],
        |r| r.get(0),
    )
    .expect("count matching documents")
}

/// Runs one of the SQL forms above for `typed`, reading every row; returns its time.
pub fn time(conn: &Connection, sql: &str, typed: &str, limit: usize) -> Duration {
    let (rows, took) = timed(|| -> rusqlite::Result<usize> {
        let mut stmt = conn.prepare_cached(sql)?;
        let rows = stmt.query_map((match_query(typed), limit as i64), |r| {
            r.get::<_, String>(0)
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?.len())
    });
    assert!(rows.expect("raw search") <= limit);
    took
}
