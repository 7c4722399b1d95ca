//! Opening one SQLCipher connection with the store's settings.
//!
//! Durability: WAL with `synchronous = FULL`. In WAL mode `NORMAL` may lose the last
//! transactions on power loss (they are in the WAL but not yet synced); `FULL` syncs the WAL on
//! every commit, so a record acknowledged to the caller survives the battery dying. The cost is
//! one fsync per commit, measured in `docs/performance.md`.

use crate::error::{Error, Result};
use crate::store_key::StoreKey;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// Whether a connection may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    Writer,
    Reader,
}

/// What the write-ahead log is cut back to each time it starts over after a checkpoint: about
/// one automatic checkpoint's worth (1,000 frames of a 4 KiB page).
///
/// Why: SQLite's default keeps the WAL file at the largest size it ever reached, so one big
/// transaction (a pulled page of thousands of records, an upgrade that rebuilds an index, an
/// erasure) left that many megabytes on the phone for good beside the store (6–8 MB after a
/// 100k-contact sync, `docs/performance.md` §7). The pages are in the store by then; only the
/// file's spent tail is given back.
pub(crate) const WAL_SIZE_LIMIT_BYTES: i64 = 4 * 1024 * 1024;

/// Prepared statements each connection keeps (rusqlite's default is 16).
const STATEMENT_CACHE_CAPACITY: usize = 128;

pub(crate) fn open(path: &Path, key: &StoreKey, access: Access) -> Result<Connection> {
    let flags = match access {
        Access::Writer => OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        Access::Reader => OpenFlags::SQLITE_OPEN_READ_ONLY,
    } | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    // Keyed, its page MAC found (a store made before HMAC-SHA256 keeps HMAC-SHA512) and the
    // key checked by the first read of the schema.
    // It waits for another connection's lock for `store_key::OPEN_BUSY_TIMEOUT`.
    let conn = crate::store_key::open_keyed(path, key, flags).map_err(map_open_error)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // 8 MiB of decrypted pages per connection (SQLite's default is 2 MiB): searches and lists
    // revisit the same index pages, and each cache miss costs a decryption.
    conn.pragma_update(None, "cache_size", -8192)?;
    // The store runs ~100 distinct cached statements; rusqlite keeps 16 by default, so a pulled
    // page (materialise, merge, audit, FTS, sync state) evicted and re-parsed its own statements.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE_CAPACITY);
    if access == Access::Writer {
        // Takes effect only on a new, empty store (an existing one keeps its mode): pages
        // freed by answered outbox ops and erasures can then be handed back to the file
        // system (`device_sync::reclaim_free_pages`) instead of staying in the file for good.
        conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
        let mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Corrupt {
                kind: "store",
                reason: format!("could not switch to WAL (got {mode})"),
            });
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "journal_size_limit", WAL_SIZE_LIMIT_BYTES)?;
        // The sync state's key forms, for a pulled page's lookups and the upgrade to v30.
        super::device_sync::record_key::register(&conn)?;
    }
    Ok(conn)
}

/// SQLCipher's process-wide set-up, once, before this store's first key: see
/// [`crate::store_key::prepare_sqlcipher`].
pub(crate) fn initialise_sqlcipher_once() {
    crate::store_key::prepare_sqlcipher();
}

fn map_open_error(e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => Error::WrongKey,
        _ => Error::Database(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wal_bytes(path: &Path) -> u64 {
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0)
    }

    /// A big transaction grows the WAL past the limit; once checkpointed, the next write starts
    /// the log over and cuts the file back to the limit instead of keeping it at its largest.
    #[test]
    fn the_wal_is_cut_back_after_a_big_transaction_is_checkpointed() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("wal.db");
        let key = StoreKey::from_bytes([7; 32]);
        initialise_sqlcipher_once();
        let mut conn = open(&path, &key, Access::Writer).expect("open");
        conn.execute_batch("CREATE TABLE scratch (bytes BLOB NOT NULL)")
            .expect("table");
        let tx = conn.transaction().expect("tx");
        for _ in 0..3_000 {
            tx.execute("INSERT INTO scratch (bytes) VALUES (zeroblob(4000))", [])
                .expect("row");
        }
        tx.commit().expect("commit");
        let grown = wal_bytes(&path);
        assert!(grown > 2 * WAL_SIZE_LIMIT_BYTES as u64, "{grown} bytes");
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            .expect("checkpoint");
        conn.execute("INSERT INTO scratch (bytes) VALUES (x'00')", [])
            .expect("a small write starts the log over");
        let after = wal_bytes(&path);
        assert!(after <= WAL_SIZE_LIMIT_BYTES as u64, "{after} bytes");
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM scratch", [], |r| r.get(0))
            .expect("count");
        assert_eq!(rows, 3_001, "nothing lost");
    }
}
