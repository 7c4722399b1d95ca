//! The store key. On a device it comes from the host app — the Android Keystore or iOS
//! Keychain — and is never generated or stored by the core; the sync server keys its own
//! embedded store with the same type (feature `sqlite`), its key from a file or the
//! environment (`beatbook-server`'s `storage::sqlite::key`). A raw 256-bit key is passed straight to SQLCipher
//! (`x'…'` form), which skips SQLCipher's passphrase derivation: the platform keystore already
//! guards the key, and opening stays fast.

use crate::error::{Error, Result};
use rusqlite::{Connection, ErrorCode, OpenFlags};
use std::fmt;
use std::path::Path;

/// The page MAC (SQLCipher's `cipher_hmac_algorithm`) of every store file this build makes:
/// HMAC-SHA256, which CPUs with SHA extensions compute two to three times faster than SQLCipher
/// 4's default HMAC-SHA512, and every page written or read from disk is MACed
/// (`docs/performance.md` §1, "The page MAC"). As sound a MAC as SHA-512's for a page.
pub const PAGE_MAC: &str = "HMAC_SHA256";

/// The page MAC of store files made before [`PAGE_MAC`]: SQLCipher 4's default. It is part of
/// a file's format, so such a file keeps it; [`open_keyed`] opens either.
pub const EARLIER_PAGE_MAC: &str = "HMAC_SHA512";

/// A 256-bit SQLCipher key. Its `Debug` never prints the key.
#[derive(Clone, PartialEq, Eq)]
pub struct StoreKey([u8; 32]);

impl StoreKey {
    pub const LEN: usize = 32;

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// From a slice that must be exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        let array: [u8; 32] = bytes
            .try_into()
            .map_err(|_| Error::BadKey("a store key must be 32 bytes"))?;
        Ok(Self(array))
    }

    /// From 64 hexadecimal characters (surrounding whitespace ignored).
    pub fn from_hex(text: &str) -> Result<Self> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::BadKey("no key was given"));
        }
        if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::BadKey(
                "a store key must be 64 hexadecimal characters",
            ));
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[i * 2..i * 2 + 2], 16)
                .map_err(|_| Error::BadKey("a store key must be 64 hexadecimal characters"))?;
        }
        Ok(Self(out))
    }

    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The value for `PRAGMA key`: a raw key, so SQLCipher does no key derivation.
    pub fn pragma_value(&self) -> String {
        format!("x'{}'", self.to_hex())
    }
}

impl fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StoreKey(<redacted>)")
    }
}

/// Lets one thread finish SQLite's and SQLCipher's process-wide set-up before any keyed
/// connection opens (a device's store, the server's embedded store, a harness reading either).
///
/// SQLite marks itself initialised before it runs SQLCipher's own set-up
/// (`sqlcipher_extra_init`), and a second thread that opens a connection in that window sees
/// SQLite ready but SQLCipher not, so its `PRAGMA key` fails ("An error occurred with PRAGMA
/// key or rekey"). An app that opens its store from two threads at start-up would fail at
/// random. Opening (and dropping) an in-memory connection inside a `OnceLock` runs the whole
/// set-up on one thread while every other opener waits for it to finish.
/// `tests/first_open_race.rs` is the regression test. Code that opens its own SQLCipher
/// connections (the server's store, test harnesses, benchmarks) calls this first.
pub fn prepare_sqlcipher() {
    static INITIALISED: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    INITIALISED.get_or_init(|| {
        // A failure here is not lost: the real open that follows meets the same error and
        // reports it.
        let _ = rusqlite::Connection::open_in_memory();
    });
}

/// Opens a SQLCipher connection to the store file at `path` keyed with `key`, and checks the
/// key by reading the schema: with [`PAGE_MAC`] first (every file this build makes, a new or
/// empty file included), then with [`EARLIER_PAGE_MAC`] (files made before). A key that is not
/// the file's fails both, as SQLite's `NotADatabase`. Everything that opens a store file — the
/// device's store, the server's, its backups and tools, the test harnesses — opens it here, so
/// that files of both kinds open everywhere.
pub fn open_keyed(path: &Path, key: &StoreKey, flags: OpenFlags) -> rusqlite::Result<Connection> {
    match open_with_page_mac(path, key, flags, PAGE_MAC) {
        Err(e) if e.sqlite_error_code() == Some(ErrorCode::NotADatabase) => {
            open_with_page_mac(path, key, flags, EARLIER_PAGE_MAC)
        }
        opened => opened,
    }
}

/// How long a connection [`open_keyed`] makes waits for another connection's lock, from its
/// first read on (callers may set their own afterwards).
pub const OPEN_BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// A connection keyed with `key` under exactly `page_mac` (one attempt of [`open_keyed`]): the
/// key and the MAC set before anything reads the file, the key checked by reading the schema.
/// Stores are opened with [`open_keyed`]; this is for a tool or a test that must make a file
/// under a given MAC, such as one as an earlier build made it ([`EARLIER_PAGE_MAC`]).
pub fn open_with_page_mac(
    path: &Path,
    key: &StoreKey,
    flags: OpenFlags,
    page_mac: &str,
) -> rusqlite::Result<Connection> {
    prepare_sqlcipher();
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(OPEN_BUSY_TIMEOUT)?;
    // SQLCipher's own logging writes to stderr (logcat on Android); failures come back as
    // typed errors instead.
    conn.execute_batch("PRAGMA cipher_log_level = NONE")?;
    conn.pragma_update(None, "key", key.pragma_value())?;
    conn.execute_batch(&format!("PRAGMA cipher_hmac_algorithm = {page_mac}"))?;
    // The first read of the schema is where a wrong key (or the other page MAC) shows.
    conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
        r.get::<_, i64>(0)
    })?;
    Ok(conn)
}

/// Gives the file attached to `conn` as `schema` (by `ATTACH … KEY`, before anything is
/// written to it) the page MAC of every store this build makes: an attached file otherwise
/// gets SQLCipher's default, [`EARLIER_PAGE_MAC`].
pub fn give_attached_page_mac(conn: &Connection, schema: &str) -> rusqlite::Result<()> {
    conn.execute_batch(&format!(
        "PRAGMA \"{schema}\".cipher_hmac_algorithm = {PAGE_MAC}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_bad_hex_is_a_typed_error() {
        let key = StoreKey::from_bytes([0xab; 32]);
        assert_eq!(StoreKey::from_hex(&key.to_hex()).expect("parse"), key);
        assert!(matches!(StoreKey::from_hex(""), Err(Error::BadKey(_))));
        assert!(matches!(StoreKey::from_hex("abc"), Err(Error::BadKey(_))));
        assert!(matches!(
            StoreKey::from_hex(&"zz".repeat(32)),
            Err(Error::BadKey(_))
        ));
        assert_eq!(format!("{key:?}"), "StoreKey(<redacted>)");
    }

    fn rw() -> OpenFlags {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
    }

    /// Whether the file at `path` opens with `key` under exactly `page_mac`.
    fn opens_with(path: &Path, key: &StoreKey, page_mac: &str) -> bool {
        open_with_page_mac(path, key, rw(), page_mac).is_ok()
    }

    #[test]
    fn a_new_file_gets_the_faster_page_mac_and_an_earlier_file_still_opens() {
        let dir = tempfile::tempdir().expect("dir");
        let key = StoreKey::from_bytes([0x5a; 32]);

        let new = dir.path().join("new.db");
        open_keyed(&new, &key, rw())
            .expect("create")
            .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .expect("write");
        assert!(opens_with(&new, &key, PAGE_MAC));
        assert!(!opens_with(&new, &key, EARLIER_PAGE_MAC));

        // A file as an earlier build made it: SQLCipher 4's default page MAC.
        let earlier = dir.path().join("earlier.db");
        open_with_page_mac(&earlier, &key, rw(), EARLIER_PAGE_MAC)
            .expect("create")
            .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (2);")
            .expect("write");
        assert!(opens_with(&earlier, &key, EARLIER_PAGE_MAC));
        let conn = open_keyed(&earlier, &key, rw()).expect("an earlier file opens");
        conn.execute("INSERT INTO t VALUES (3)", [])
            .expect("and takes writes");
        drop(conn);
        assert!(
            opens_with(&earlier, &key, EARLIER_PAGE_MAC),
            "it keeps its page MAC"
        );

        for path in [&new, &earlier] {
            let wrong = open_keyed(path, &StoreKey::from_bytes([1; 32]), rw())
                .expect_err("a wrong key opens neither");
            assert_eq!(
                wrong.sqlite_error_code(),
                Some(ErrorCode::NotADatabase),
                "{wrong}"
            );
        }
    }
}
