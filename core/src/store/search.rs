//! Offline full-text search (FTS5) over notes, contacts' non-personal text and problems,
//! ranked by BM25 (among the newest `RANK_WINDOW` matches) with highlighted snippets.
//!
//! Personal fields are never indexed. Each record has at most one row in the index, removed
//! with it; a record new to the store is indexed with others like it, before the next search at
//! the latest (`search_progress`, store version 32), and a change to one already indexed is
//! written in the same transaction as the change; after an erasure the index is
//! optimised so that no segment keeps the erased text. The index is contentless (store version
//! 20): it keeps the terms, not a second copy of the text, which the records already hold — a
//! page less per write, a smaller store, one copy less to erase. A hit's title and snippet are
//! built from its record by the function that indexed it.
//!
//! A search row is numbered by its record's row: the record's row number with its kind in the
//! low bits ([`search_row`], store version 25). Until then a table of its own, `search_docs`,
//! mapped search rows to record ids: two more B-trees written with every record and about a
//! fifteenth of a device's store (`docs/performance.md` §7). The four searchable tables take
//! their row numbers from one sequence ([`next_record_row!`]), so that the newest search rows
//! are the newest records of any kind, as the ranking window needs.

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

impl SearchKind {
    /// The kind's number in the low bits of a search row.
    fn tag(self) -> i64 {
        match self {
            SearchKind::Note => 0,
            SearchKind::Contact => 1,
            SearchKind::Problem => 2,
            SearchKind::Patrol => 3,
        }
    }

    fn from_tag(tag: i64) -> Option<SearchKind> {
        SearchKind::ALL
            .iter()
            .copied()
            .find(|kind| kind.tag() == tag)
    }

    /// The search kind of a synced record kind, for the kinds that are searched.
    pub(crate) fn of_record(kind: crate::sync::RecordKind) -> Option<SearchKind> {
        use crate::sync::RecordKind;
        match kind {
            RecordKind::Note => Some(SearchKind::Note),
            RecordKind::Contact => Some(SearchKind::Contact),
            RecordKind::Problem => Some(SearchKind::Problem),
            RecordKind::Patrol => Some(SearchKind::Patrol),
            _ => None,
        }
    }

    /// The statement that finds a record's row number by its id.
    fn row_by_id_sql(self) -> &'static str {
        match self {
            SearchKind::Note => "SELECT rowid FROM notes WHERE id = ?1",
            SearchKind::Contact => "SELECT rowid FROM contacts WHERE id = ?1",
            SearchKind::Problem => "SELECT rowid FROM problems WHERE id = ?1",
            SearchKind::Patrol => "SELECT rowid FROM patrols WHERE id = ?1",
        }
    }

    /// The statement that finds a record's id by its row number.
    fn id_by_row_sql(self) -> &'static str {
        match self {
            SearchKind::Note => "SELECT id FROM notes WHERE rowid = ?1",
            SearchKind::Contact => "SELECT id FROM contacts WHERE rowid = ?1",
            SearchKind::Problem => "SELECT id FROM problems WHERE rowid = ?1",
            SearchKind::Patrol => "SELECT id FROM patrols WHERE rowid = ?1",
        }
    }
}

/// How many low bits of a search row hold its kind: room for eight searchable kinds.
const KIND_BITS: u32 = 3;

/// The search row of a record: its row number in its kind's table, its kind in the low bits.
pub(crate) fn search_row(kind: SearchKind, record_row: i64) -> i64 {
    (record_row << KIND_BITS) | kind.tag()
}

/// The kind and record row number a search row names.
fn split_search_row(row: i64) -> Result<(SearchKind, i64)> {
    let kind = SearchKind::from_tag(row & ((1 << KIND_BITS) - 1)).ok_or_else(|| {
        crate::error::Error::Corrupt {
            kind: "search_index",
            reason: "a row whose kind bits name no searchable kind".into(),
        }
    })?;
    Ok((kind, row >> KIND_BITS))
}

/// The row number a new note, contact, problem or patrol takes, as SQL: one more than the
/// highest of the four tables' (each a B-tree's right edge, not a scan), so that search rows,
/// numbered by record row, are in the order the records were first written here, whatever
/// their kind. Each of the four writers inserts with it; an upsert of a record already here
/// keeps its row.
macro_rules! next_record_row {
    () => {
        "(SELECT 1 + max(coalesce((SELECT max(rowid) FROM notes), 0),
                         coalesce((SELECT max(rowid) FROM contacts), 0),
                         coalesce((SELECT max(rowid) FROM problems), 0),
                         coalesce((SELECT max(rowid) FROM patrols), 0)))"
    };
}
pub(crate) use next_record_row;

/// The row number of a record of `kind`, if it is here.
fn record_row(conn: &Connection, kind: SearchKind, record_id: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached(kind.row_by_id_sql())?
        .query_row([record_id], |r| r.get(0))
        .optional()?)
}

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

/// Adds or replaces the index row of a record, which must be in its table already.
pub(crate) fn index(
    conn: &Connection,
    kind: SearchKind,
    record_id: &str,
    title: &str,
    body: &str,
) -> Result<()> {
    let record_row = record_row(conn, kind, record_id)?
        .ok_or_else(|| crate::error::Error::not_found(kind.as_str(), record_id))?;
    index_by_row(conn, kind, record_row, title, body)
}

/// [`index`] for a writer that already holds the record's row number (the contacts' writer
/// reads it for the spatial index).
pub(crate) fn index_by_row(
    conn: &Connection,
    kind: SearchKind,
    record_row: i64,
    title: &str,
    body: &str,
) -> Result<()> {
    let row = search_row(kind, record_row);
    // A record above the mark is not in the index. A pulled page's batch takes its text all
    // the same (it is at hand); otherwise the next catch-up indexes it as it is then.
    let waits = super::search_progress::waits(conn, record_row)?;
    remove_row(conn, row, !waits)?;
    if super::search_batch::queue(conn, row, title, body)? || waits {
        return Ok(());
    }
    insert_row(conn, row, title, body)
}

/// Writes one row of the index.
pub(super) fn insert_row(conn: &Connection, row: i64, title: &str, body: &str) -> Result<()> {
    conn.prepare_cached("INSERT INTO search_index (rowid, title, body) VALUES (?1, ?2, ?3)")?
        .execute(params![row, title, body])?;
    Ok(())
}

/// Removes a record's row from the index, if it has one. Called while the record's own row is
/// still in its table (its row number names its index row).
pub(crate) fn unindex(conn: &Connection, kind: SearchKind, record_id: &str) -> Result<()> {
    if let Some(record_row) = record_row(conn, kind, record_id)? {
        let waits = super::search_progress::waits(conn, record_row)?;
        remove_row(conn, search_row(kind, record_row), !waits)?;
    }
    Ok(())
}

/// Removes one row from a pulled page's queue and, when `indexed` (the record is at or below
/// the mark), from the index. A row the index does not hold is no error: FTS5 finds no sizes
/// for it and changes nothing.
fn remove_row(conn: &Connection, row: i64, indexed: bool) -> Result<()> {
    super::search_batch::dequeue(conn, row)?;
    if indexed {
        conn.prepare_cached("DELETE FROM search_index WHERE rowid = ?1")?
            .execute([row])?;
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
        // Records written since the last catch-up are indexed first, so that every record is
        // found as it is now (`search_progress`).
        if self.read(super::search_progress::any_waiting)? {
            self.write(|tx| super::search_progress::catch_up(tx))?;
        }
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
            // Then read just the records shown, by row number: the index keeps no copy of the
            // text (store version 20), so a hit's title and snippet come from its record.
            let mut hits = Vec::with_capacity(top.len());
            for (row, rank) in top {
                let (kind, record_row) = split_search_row(row)?;
                let record_id: String = conn
                    .prepare_cached(kind.id_by_row_sql())?
                    .query_row([record_row], |r| r.get(0))?;
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
pub(super) fn indexed_text(
    conn: &Connection,
    kind: SearchKind,
    record_id: &str,
) -> Result<(String, String)> {
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

/// A searched record's id, as its kind's id type.
fn parsed_id<T: std::str::FromStr>(record_id: &str) -> Result<T> {
    record_id.parse().map_err(|_| crate::error::Error::Corrupt {
        kind: "search_index",
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
    use super::{search_row, snippet, split_search_row, to_match_query, SearchKind};

    #[test]
    fn a_search_row_names_its_kind_and_record_row() {
        for &kind in SearchKind::ALL {
            for record_row in [1, 2, 7, 8, 1_000_003, i64::MAX >> 3] {
                let row = search_row(kind, record_row);
                assert_eq!(split_search_row(row).expect("a kind"), (kind, record_row));
            }
        }
        let rows: std::collections::BTreeSet<i64> = SearchKind::ALL
            .iter()
            .map(|&kind| search_row(kind, 5))
            .collect();
        assert_eq!(rows.len(), SearchKind::ALL.len(), "one row per kind");
        assert!(
            split_search_row(7).is_err(),
            "kind bits naming no kind are corrupt"
        );
    }

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
