//! Offline full-text search (FTS5) over notes, contacts' non-personal text and problems,
//! ranked by BM25 (among the newest `RANK_WINDOW` matches) with highlighted snippets.
//!
//! Personal fields are never indexed. Each record has at most one row in the index, written in
//! the same transaction as the record, and removed with it; after an erasure the index is
//! optimised so that no segment keeps the erased text.

use super::Store;
use crate::error::Result;
use crate::model::code_enum::code_enum;
use crate::validation::{Rule, ValidationError};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

code_enum!(
    /// Which kind of record a search hit is.
    SearchKind, "search kind" {
        Note => "note",
        Contact => "contact",
        Problem => "problem",
        Patrol => "patrol",
    }
);

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub kind: SearchKind,
    pub record_id: String,
    pub title: String,
    /// Matching text with the matched words in `[` `]`.
    pub snippet: String,
    /// BM25 score: lower is a better match.
    pub rank: f64,
}

/// The most results one search returns.
pub const MAX_RESULTS: usize = 200;

/// How many of the newest matches are ranked. A search for a word in most of the store ranks
/// the newest 2,000 records that contain it, which keeps every search within a few
/// milliseconds on a phone; rarer words rank every match.
pub const RANK_WINDOW: i64 = 2_000;

/// Adds or replaces a record's row in the index.
pub(crate) fn index(
    conn: &Connection,
    kind: SearchKind,
    record_id: &str,
    title: &str,
    body: &str,
) -> Result<()> {
    unindex(conn, record_id)?;
    conn.prepare_cached("INSERT INTO search_docs (record_kind, record_id) VALUES (?1, ?2)")?
        .execute(params![kind, record_id])?;
    let rowid = conn.last_insert_rowid();
    conn.prepare_cached("INSERT INTO search_index (rowid, title, body) VALUES (?1, ?2, ?3)")?
        .execute(params![rowid, title, body])?;
    Ok(())
}

/// Removes a record's row from the index, if it has one.
pub(crate) fn unindex(conn: &Connection, record_id: &str) -> Result<()> {
    let rowid: Option<i64> = conn
        .prepare_cached("SELECT rowid FROM search_docs WHERE record_id = ?1")?
        .query_row([record_id], |r| r.get(0))
        .optional()?;
    if let Some(rowid) = rowid {
        conn.prepare_cached("DELETE FROM search_index WHERE rowid = ?1")?
            .execute([rowid])?;
        conn.prepare_cached("DELETE FROM search_docs WHERE rowid = ?1")?
            .execute([rowid])?;
    }
    Ok(())
}

/// Merges the index's segments so that deleted text is gone from the files, not just hidden.
pub(crate) fn purge_deleted(conn: &Connection) -> Result<()> {
    conn.execute(
        "INSERT INTO search_index (search_index) VALUES ('optimize')",
        [],
    )?;
    Ok(())
}

/// Turns what a person typed into an FTS5 query: every word is quoted (so `"`, `*`, `:`,
/// `NEAR`, `OR` and friends are plain text), all words must match, the last one as a prefix.
pub(crate) fn to_match_query(typed: &str) -> Option<String> {
    let words: Vec<String> = typed
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect();
    if words.is_empty() {
        return None;
    }
    let mut query = words.join(" ");
    query.push('*');
    Some(query)
}

impl Store {
    /// Searches notes, contacts and problems offline, best match first.
    pub fn search(&self, typed: &str, limit: usize) -> Result<Vec<SearchHit>> {
        if typed.chars().count() > 500 {
            return Err(ValidationError::new("query", Rule::TooLong { max_chars: 500 }).into());
        }
        let Some(query) = to_match_query(typed) else {
            return Ok(Vec::new());
        };
        let limit = limit.clamp(1, MAX_RESULTS) as i64;
        self.read(|conn| {
            // Rank only the newest matches (cheap: FTS5 walks rowids newest first), so a word
            // that is in most notes costs no more than a rare one; then build snippets for the
            // few results shown, not for every match.
            let top: Vec<i64> = conn
                .prepare_cached(
                    "SELECT rowid FROM (
                         SELECT rowid, bm25(search_index, 2.0, 1.0) AS score FROM search_index
                         WHERE search_index MATCH ?1 ORDER BY rowid DESC LIMIT ?3
                     ) ORDER BY score, rowid DESC LIMIT ?2",
                )?
                .query_map(params![query, limit, RANK_WINDOW], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut detail = conn.prepare_cached(
                "SELECT d.record_kind, d.record_id, search_index.title,
                        snippet(search_index, -1, '[', ']', '…', 12), bm25(search_index, 2.0, 1.0)
                 FROM search_index JOIN search_docs d ON d.rowid = search_index.rowid
                 WHERE search_index MATCH ?1 AND search_index.rowid = ?2",
            )?;
            let mut hits = Vec::with_capacity(top.len());
            for rowid in top {
                hits.push(detail.query_row(params![query, rowid], |r| {
                    Ok(SearchHit {
                        kind: r.get(0)?,
                        record_id: r.get(1)?,
                        title: r.get(2)?,
                        snippet: r.get(3)?,
                        rank: r.get(4)?,
                    })
                })?);
            }
            Ok(hits)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::to_match_query;

    #[test]
    fn metacharacters_become_plain_words() {
        assert_eq!(to_match_query("  "), None);
        assert_eq!(to_match_query("bike"), Some("\"bike\"*".into()));
        assert_eq!(
            to_match_query("graffiti OR \"x\" NEAR(* a:b"),
            Some("\"graffiti\" \"OR\" \"x\" \"NEAR\" \"a\" \"b\"*".into())
        );
    }
}
