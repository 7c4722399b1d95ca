//! The one way the server opens a connection to an embedded store file (the live store, a
//! backup, a copy being restored or encrypted): SQLCipher keyed with the store's key before
//! anything else touches the file, and the two ways that can go wrong told apart —
//! a store written before encryption at rest (plain SQLite: its first 16 bytes are SQLite's
//! own header, which an encrypted file never shows) and a key that is not this store's.
//! Both are typed errors with the fix in their message, never a `500` or a panic later.

use super::key::StoreKeyError;
use crate::storage::{StorageError, StorageResult};
use beatbook_core::StoreKey;
use rusqlite::{Connection, ErrorCode, OpenFlags};
use std::io::Read;
use std::path::Path;
use std::time::Duration;

/// The first 16 bytes of every plain SQLite database file.
const PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// How long a statement waits for another connection's lock, unless the caller sets its own.
const BUSY: Duration = Duration::from_secs(5);

/// Opens the store file at `path` with `flags`, keyed with `key`, and checks the key by
/// reading the schema.
pub fn open(path: &Path, key: &StoreKey, flags: OpenFlags) -> StorageResult<Connection> {
    if is_plaintext(path)? {
        return Err(StoreKeyError::Plaintext(path.to_owned()).into());
    }
    // Keyed, its page MAC found (a store made before HMAC-SHA256 keeps HMAC-SHA512:
    // `beatbook_core::store_key::open_keyed`), the key checked by reading the schema, waiting
    // up to `OPEN_BUSY_TIMEOUT` for another connection's lock.
    match beatbook_core::store_key::open_keyed(path, key, flags) {
        Ok(conn) => Ok(conn),
        Err(e) if e.sqlite_error_code() == Some(ErrorCode::NotADatabase) => {
            Err(StoreKeyError::WrongKey(path.to_owned()).into())
        }
        Err(e) => Err(e.into()),
    }
}

/// A connection with no key: only for reading a plain store to encrypt it
/// (`backup::encrypt`).
pub(crate) fn open_unkeyed(path: &Path, flags: OpenFlags) -> StorageResult<Connection> {
    beatbook_core::store_key::prepare_sqlcipher();
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(BUSY)?;
    Ok(conn)
}

/// Whether the file at `path` is a plain (unencrypted) SQLite database. A missing or empty
/// file is not: the server creates it encrypted.
pub fn is_plaintext(path: &Path) -> StorageResult<bool> {
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(StorageError::Io(e)),
    };
    let mut header = [0u8; 16];
    let mut read = 0;
    while read < header.len() {
        match file.read(&mut header[read..])? {
            0 => return Ok(false),
            n => read += n,
        }
    }
    Ok(&header == PLAIN_HEADER)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rw() -> OpenFlags {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
    }

    #[test]
    fn a_keyed_file_opens_with_its_key_only_and_a_plain_file_is_told_apart() {
        let dir = super::super::private_tempdir();
        let path = dir.path().join("s.db");
        let key = StoreKey::from_bytes([3; 32]);
        let conn = open(&path, &key, rw()).expect("create");
        conn.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES ('Planted Value')")
            .expect("write");
        drop(conn);
        let raw = std::fs::read(&path).expect("raw");
        assert!(!raw.starts_with(PLAIN_HEADER), "the file is encrypted");
        assert!(
            !raw.windows(13).any(|w| w == b"Planted Value"),
            "no value in clear"
        );
        assert!(!is_plaintext(&path).expect("check"));
        let wrong = open(&path, &StoreKey::from_bytes([4; 32]), rw()).expect_err("wrong key");
        assert!(
            matches!(wrong, StorageError::Key(StoreKeyError::WrongKey(_))),
            "{wrong}"
        );
        let count: i64 = open(&path, &key, rw())
            .expect("reopen")
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .expect("read");
        assert_eq!(count, 1);

        let plain = dir.path().join("plain.db");
        Connection::open(&plain)
            .expect("plain")
            .execute_batch("CREATE TABLE t(x)")
            .expect("write");
        assert!(is_plaintext(&plain).expect("check"));
        let refused = open(&plain, &key, rw()).expect_err("plain");
        assert!(
            matches!(refused, StorageError::Key(StoreKeyError::Plaintext(_))),
            "{refused}"
        );
        assert!(refused.to_string().contains("encrypt-store"), "{refused}");
        assert!(!is_plaintext(&dir.path().join("missing.db")).expect("missing"));
    }
    #[test]
    fn a_store_made_with_the_earlier_page_mac_still_opens() {
        // Servers before HMAC-SHA256 made their stores with SQLCipher 4's default page MAC.
        let dir = super::super::private_tempdir();
        let path = dir.path().join("earlier.db");
        let key = StoreKey::from_bytes([6; 32]);
        beatbook_core::store_key::open_with_page_mac(
            &path,
            &key,
            rw(),
            beatbook_core::store_key::EARLIER_PAGE_MAC,
        )
        .expect("create")
        .execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
        .expect("an earlier store");
        let count: i64 = open(&path, &key, rw())
            .expect("opens")
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .expect("read");
        assert_eq!(count, 1);
        let wrong = open(&path, &StoreKey::from_bytes([7; 32]), rw()).expect_err("wrong key");
        assert!(
            matches!(wrong, StorageError::Key(StoreKeyError::WrongKey(_))),
            "{wrong}"
        );
    }
}
