//! Offline full-text search (FTS5) over notes, contacts' non-personal text and problems,
//! ranked by BM25 (among the newest `RANK_WINDOW` matches) with highlighted snippets.
//!
//! Personal fields are never indexed. Each record has at most one row in the index, written in
//! the same transaction as the record, and removed with it; after an erasure the index is
//! optimised so that no segment keeps the erased text. The index is contentless (store version
//! 20): it keeps the terms, not a second copy of the text, which the records already hold — a
//! page less per write, a smaller store, one copy less to erase. A hit's title and snippet are
//! built from its record by the function that indexed it.

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
/// the newest 1,000 records that contain it, which bounds what one search costs however common
/// its words are (`docs/performance.md`); rarer words rank every match.
pub const RANK_WINDOW: i64 = 1_000;

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
    if !super::search_batch::queue(conn, rowid, title, body)? {
        conn.prepare_cached("INSERT INTO search_index (rowid, title, body) VALUES (?1, ?2, ?3)")?
            .execute(params![rowid, title, body])?;
    }
    Ok(())
}

/// Removes a record's row from the index, if it has one.
pub(crate) fn unindex(conn: &Connection, record_id: &str) -> Result<()> {
    let rowid: Option<i64> = conn
        .prepare_cached("SELECT rowid FROM search_docs WHERE record_id = ?1")?
        .query_row([record_id], |r| r.get(0))
        .optional()?;
    if let Some(rowid) = rowid {
        super::search_batch::dequeue(conn, rowid)?;
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
    // Prefix-match the word being typed, once it is long enough to narrow things down: a
    // one- or two-letter prefix expands to most of the vocabulary.
    let last_len = typed
        .split(|c: char| !c.is_alphanumeric())
        .rfind(|w| !w.is_empty())
        .map_or(0, |w| w.chars().count());
    if last_len >= 3 {
        query.push('*');
    }
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
        let terms = query_terms(typed);
        self.read(|conn| {
            // Rank only the newest matches (cheap: FTS5 walks rowids newest first), so a word
            // that is in most notes costs no more than a rare one.
            let top: Vec<(i64, f64)> = conn
                .prepare_cached(
                    "SELECT rowid, score FROM (
                         SELECT rowid, bm25(search_index, 2.0, 1.0) AS score FROM search_index
                         WHERE search_index MATCH ?1 ORDER BY rowid DESC LIMIT ?3
                     ) ORDER BY score, rowid DESC LIMIT ?2",
                )?
                .query_map(params![query, limit, RANK_WINDOW], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            // Then read just the records shown, by rowid: the index keeps no copy of the text
            // (store version 20), so a hit's title and snippet come from its record.
            let mut docs = conn.prepare_cached(
                "SELECT record_kind, record_id FROM search_docs WHERE rowid = ?1",
            )?;
            let mut hits = Vec::with_capacity(top.len());
            for (rowid, rank) in top {
                let (kind, record_id): (SearchKind, String) =
                    docs.query_row([rowid], |r| Ok((r.get(0)?, r.get(1)?)))?;
                let (title, body) = indexed_text(conn, kind, &record_id)?;
                hits.push(SearchHit {
                    kind,
                    record_id,
                    title,
                    snippet: snippet(&body, &terms),
                    rank,
                });
            }
            Ok(hits)
        })
    }
}

/// A record's title and text as it was indexed, built from the record by the same function
/// that indexed it.
fn indexed_text(conn: &Connection, kind: SearchKind, record_id: &str) -> Result<(String, String)> {
    Ok(match kind {
        SearchKind::Note => {
            super::notes::note_search_text(&super::notes::load_note(conn, parsed_id(record_id)?)?)
        }
        SearchKind::Contact => super::contacts::contact_search_text(
            &super::contacts::load_contact(conn, parsed_id(record_id)?)?,
        ),
        SearchKind::Patrol => super::patrols::patrol_search_text(&super::patrols::load_patrol(
            conn,
            parsed_id(record_id)?,
        )?),
        SearchKind::Problem => {
            let problem = super::problems::load(conn, parsed_id(record_id)?)?;
            super::problems::search_text(conn, &problem)?
        }
    })
}

/// A `search_docs` row's record id, as its kind's id type.
fn parsed_id<T: std::str::FromStr>(record_id: &str) -> Result<T> {
    record_id.parse().map_err(|_| crate::error::Error::Corrupt {
        kind: "search_docs",
        reason: "a record id that is not an id".into(),
    })
}

/// The words of a query, lower-cased, as the snippet marks them.
fn query_terms(typed: &str) -> Vec<String> {
    typed
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Words either side of the first match that a snippet shows.
const SNIPPET_WORDS: usize = 12;

/// A short extract of `body` around the first matched word, matched words in `[` `]`.
/// A word matches a term when one starts with the other (stemmed and prefix matches, roughly
/// as the index matched them).
fn snippet(body: &str, terms: &[String]) -> String {
    let words: Vec<&str> = body.split_whitespace().collect();
    let matches = |word: &str| {
        let bare: String = word
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
            .to_lowercase();
        !bare.is_empty()
            && terms.iter().any(|t| {
                bare.starts_with(t.as_str()) || (bare.len() >= 3 && t.starts_with(bare.as_str()))
            })
    };
    let first = words.iter().position(|w| matches(w)).unwrap_or(0);
    let start = first.saturating_sub(SNIPPET_WORDS / 3);
    let end = (start + SNIPPET_WORDS).min(words.len());
    let mut out: Vec<String> = words[start..end]
        .iter()
        .map(|w| {
            if matches(w) {
                format!("[{w}]")
            } else {
                (*w).to_owned()
            }
        })
        .collect();
    if start > 0 {
        out.insert(0, "…".to_owned());
    }
    if end < words.len() {
        out.push("…".to_owned());
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::{snippet, to_match_query};

    #[test]
    fn snippets_mark_matches_around_the_first_one() {
        let body = "one two three four five six seven eight Bicycles nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen";
        let s = snippet(body, &["bicycle".to_owned()]);
        assert!(s.starts_with("… five six seven eight [Bicycles]"), "{s}");
        assert!(s.ends_with('…'));
        assert_eq!(
            snippet("no match here", &["zebra".to_owned()]),
            "no match here"
        );
    }

    #[test]
    fn metacharacters_become_plain_words() {
        assert_eq!(to_match_query("  "), None);
        assert_eq!(to_match_query("bike"), Some("\"bike\"*".into()));
        assert_eq!(
            to_match_query("bi"),
            Some("\"bi\"".into()),
            "short words are not prefixes"
        );
        assert_eq!(
            to_match_query("graffiti OR \"x\" NEAR(* a:bcd"),
            Some("\"graffiti\" \"OR\" \"x\" \"NEAR\" \"a\" \"bcd\"*".into())
        );
    }
}
