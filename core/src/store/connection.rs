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
