//! Opens a device's encrypted store file directly, beside (or after) the app, for the
//! harnesses that check the file itself and the benchmarks' baselines.

use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::time::Duration;

/// A connection to the SQLCipher file at `path`, keyed with the raw 32-byte key given as 64
/// hex characters (the form `StoreKey::to_hex` gives). Panics on failure: callers are tests.
/// Opened as the store opens it (its page MAC found: `store_key::open_keyed`).
pub fn open_keyed(path: &Path, key_hex: &str, flags: OpenFlags) -> Connection {
    let key = beatbook_core::StoreKey::from_hex(key_hex).expect("a 64-hex-character key");
    let conn = beatbook_core::store_key::open_keyed(path, &key, flags)
        .expect("open the device's store with its key");
    conn.busy_timeout(Duration::from_secs(10))
        .expect("busy timeout");
    conn
}

/// Read-write, creating the file if it is missing.
pub fn read_write() -> OpenFlags {
    OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
}
