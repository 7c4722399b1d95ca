//! The write floor of a store: how long writing its final contents takes when nothing has to
//! be computed — a copy of every table and index, record by record, into a new file under the
//! same cipher and durability, in one transaction (SQLCipher's `sqlcipher_export`, which copies
//! the way `VACUUM` does).
//!
//! The sync target compares a sync with a bulk insert of bare rows. A sync cannot be faster
//! than writing what the stores it fills must hold: the server's store and the new device's,
//! with their indexes, sync state and s.62 logs. Copying each store measures that floor on the
//! same machine in the same run, so the benches can say how much of a sync is pages the law and
//! the features keep, and how much is the work of getting there.

use crate::keyed::{open_keyed, read_write};
use std::path::Path;
use std::time::Instant;

/// A store's write floor: seconds to copy it, and the copy's bytes (WAL included).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WriteFloor {
    pub seconds: f64,
    pub bytes: u64,
}

/// Copies the SQLCipher store at `source` (keyed with `key_hex`) into a new file `copy` with the
/// same key, `journal_mode = WAL` and `synchronous = FULL`, in one transaction, and times it.
/// Panics on failure: callers are benches.
pub fn copy_store(source: &Path, key_hex: &str, copy: &Path) -> WriteFloor {
    assert!(!copy.exists(), "{} exists already", copy.display());
    let conn = open_keyed(source, key_hex, read_write());
    // The copy's cipher settings are the stores' own: SQLCipher's defaults but for the page
    // MAC, which an attached file must be given (`store_key::PAGE_MAC`).
    conn.execute(
        "ATTACH DATABASE ?1 AS copy KEY ?2",
        rusqlite::params![
            copy.to_str().expect("a UTF-8 path"),
            format!("x'{key_hex}'")
        ],
    )
    .expect("attach the copy");
    beatbook_core::store_key::give_attached_page_mac(&conn, "copy").expect("the stores' page MAC");
    conn.execute_batch("PRAGMA copy.synchronous = FULL")
        .expect("durability");
    let mode: String = conn
        .query_row("PRAGMA copy.journal_mode = WAL", [], |r| r.get(0))
        .expect("journal mode");
    assert_eq!(mode, "wal");
    let started = Instant::now();
    conn.execute_batch("BEGIN").expect("begin");
    conn.query_row("SELECT sqlcipher_export('copy')", [], |_| Ok(()))
        .expect("copy every table and index");
    conn.execute_batch("COMMIT").expect("commit");
    let seconds = started.elapsed().as_secs_f64();
    conn.execute_batch("DETACH DATABASE copy").expect("detach");
    WriteFloor {
        seconds,
        bytes: crate::disk::store_bytes(copy),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_holds_every_row_and_its_search_index_under_the_same_key() {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = "3c".repeat(32);
        let source = dir.path().join("source.db");
        let conn = open_keyed(&source, &key, read_write());
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
             CREATE INDEX notes_body ON notes (body);
             CREATE VIRTUAL TABLE notes_search USING fts5(body, content='');
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
             INSERT INTO notes SELECT i, 'gate open at number ' || i FROM n;
             INSERT INTO notes_search (rowid, body) SELECT id, body FROM notes;",
        )
        .expect("source rows");
        drop(conn);

        let copy = dir.path().join("copy.db");
        let floor = copy_store(&source, &key, &copy);
        assert!(floor.seconds > 0.0);
        assert!(floor.bytes > 0);

        let copied = open_keyed(&copy, &key, read_write());
        let count: i64 = copied
            .query_row("SELECT count(*) FROM notes", [], |r| r.get(0))
            .expect("the copy opens with the key");
        assert_eq!(count, 500);
        let hits: i64 = copied
            .query_row(
                "SELECT count(*) FROM notes_search WHERE notes_search MATCH 'number'",
                [],
                |r| r.get(0),
            )
            .expect("search the copy");
        assert_eq!(hits, 500);
        let check: String = copied
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("integrity check");
        assert_eq!(check, "ok");

        let wrong = beatbook_core::StoreKey::from_bytes([0x3d; 32]);
        let refused = beatbook_core::store_key::open_keyed(&copy, &wrong, read_write())
            .expect_err("the copy is encrypted under its own key");
        assert_eq!(
            refused.sqlite_error_code(),
            Some(rusqlite::ErrorCode::NotADatabase)
        );
    }
}
