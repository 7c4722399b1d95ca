//! `admin encrypt-store`: puts a store from before encryption at rest (plain SQLite) under a
//! key, or moves an encrypted store to a new key (rotation), in place, with the server stopped.
//!
//! Why a new file rather than re-keying the old one: SQLCipher cannot encrypt a plain database
//! in place, and its `PRAGMA rekey` rewrites every page of the live file, so a crash half-way
//! leaves a file under two keys. Here SQLCipher's `sqlcipher_export` copies every table, index
//! and trigger into a new file under the new key beside the store; the copy is checked as a
//! backup is (`verify.rs`: integrity, schema, feed, audit chain), flushed, and only then
//! renamed over the store — a crash leaves the old store whole or the new one whole. The old
//! file's blocks are released to the file system, not overwritten: on a disk that must never
//! have held the plain records, encrypt a copy made elsewhere (`docs/operations.md`).

use super::sqlite_copy::{
    durable_rename, in_use, partial_name, remove_if_present, with_suffix, SIDE_FILES,
};
use super::{verify, BackupError};
use crate::storage::sqlite::keyed;
use beatbook_core::StoreKey;
use rusqlite::OpenFlags;
use std::path::Path;

/// Encrypts the store file `db` under `to`. `from`: its current key, when it is already
/// encrypted; a plain store needs none.
pub(super) fn encrypt_store(
    db: &Path,
    from: Option<&StoreKey>,
    to: &StoreKey,
) -> Result<(), BackupError> {
    if !db.is_file() {
        return Err(BackupError::NoStore(db.to_owned()));
    }
    let from = if keyed::is_plaintext(db)? {
        None
    } else {
        Some(from.ok_or_else(|| BackupError::AlreadyEncrypted(db.to_owned()))?)
    };
    if in_use(db, from)? {
        return Err(BackupError::InUse(db.to_owned()));
    }
    // CREATE: an attached database inherits the connection's flags, and the new file is one.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let source = match from {
        Some(key) => keyed::open(db, key, flags)?,
        None => keyed::open_unkeyed(db, flags)?,
    };
    // Everything committed moves from the WAL into the file, so the side files left after the
    // swap hold nothing of the old store.
    source.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    let partial = partial_name(db);
    remove_if_present(&partial)?;
    let result = (|| {
        let target = partial.to_str().ok_or_else(|| {
            BackupError::Storage(crate::storage::StorageError::Invalid(
                "the store's file name is not valid UTF-8".into(),
            ))
        })?;
        source.execute(
            "ATTACH DATABASE ?1 AS encrypted KEY ?2",
            [target, to.pragma_value().as_str()],
        )?;
        beatbook_core::store_key::give_attached_page_mac(&source, "encrypted")?;
        source.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        // The export copies the schema and rows, not the header's schema version.
        let version: i64 = source.query_row("PRAGMA main.user_version", [], |r| r.get(0))?;
        source.execute_batch(&format!("PRAGMA encrypted.user_version = {version}"))?;
        source.execute_batch("DETACH DATABASE encrypted")?;
        let verification = verify::verify_file(&partial, to)?;
        match verification.failed() {
            None => Ok(()),
            Some(failed) => Err(BackupError::Unverified {
                file: partial.clone(),
                failed,
            }),
        }
    })();
    drop(source);
    if let Err(e) = result {
        let _ = remove_if_present(&partial);
        return Err(e);
    }
    for suffix in SIDE_FILES {
        remove_if_present(&with_suffix(db, suffix))?;
    }
    durable_rename(&partial, db)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::sqlite::key::StoreKeyError;
    use crate::storage::sqlite::{SqliteStorage, DB_FILE};
    use crate::storage::{StorageError, SyncStorage};

    /// A store as a server before encryption at rest left it: plain SQLite, made by encrypting
    /// nothing — the keyed store exported to a plain file.
    fn plain_store_with_a_team(dir: &Path) -> beatbook_core::ids::TeamId {
        let key = crate::storage::sqlite::test_key();
        let storage = SqliteStorage::open(dir, &key).expect("store");
        let team = crate::admin::create_team(&storage, "Northvale NPT", None).expect("team");
        drop(storage);
        let db = dir.join(DB_FILE);
        let plain = dir.join("plain.db");
        let conn = crate::storage::sqlite::open_test_file(&db);
        conn.execute(
            "ATTACH DATABASE ?1 AS plain KEY ''",
            [plain.to_str().expect("utf-8")],
        )
        .expect("attach");
        conn.query_row("SELECT sqlcipher_export('plain')", [], |_| Ok(()))
            .expect("export");
        let version: i64 = conn
            .query_row("PRAGMA main.user_version", [], |r| r.get(0))
            .expect("version");
        conn.execute_batch(&format!(
            "PRAGMA plain.user_version = {version}; DETACH DATABASE plain"
        ))
        .expect("version");
        drop(conn);
        for suffix in SIDE_FILES {
            remove_if_present(&with_suffix(&db, suffix)).expect("side file");
        }
        std::fs::rename(&plain, &db).expect("swap");
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        assert!(keyed::is_plaintext(&db).expect("check"));
        team.id
    }

    #[test]
    fn a_plain_store_is_refused_then_encrypted_in_place_and_a_key_can_be_rotated() {
        let dir = crate::storage::sqlite::private_tempdir();
        let team = plain_store_with_a_team(dir.path());
        let db = dir.path().join(DB_FILE);
        let key = StoreKey::from_bytes([0x11; 32]);
        let refused = SqliteStorage::open(dir.path(), &key).expect_err("plain store");
        assert!(
            matches!(refused, StorageError::Key(StoreKeyError::Plaintext(_))),
            "{refused}"
        );

        encrypt_store(&db, None, &key).expect("encrypt");
        assert!(!keyed::is_plaintext(&db).expect("check"));
        let raw = std::fs::read(&db).expect("raw");
        assert!(!raw.windows(13).any(|w| w == b"Northvale NPT"));
        let storage = SqliteStorage::open(dir.path(), &key).expect("opens with the key");
        let teams = storage.teams().expect("teams");
        assert_eq!(teams.len(), 1);
        assert_eq!(teams[0].id, team);
        // Open: refused.
        let rotated = StoreKey::from_bytes([0x22; 32]);
        assert!(matches!(
            encrypt_store(&db, Some(&key), &rotated),
            Err(BackupError::InUse(_))
        ));
        drop(storage);
        // Already encrypted and no current key given: refused, nothing changed.
        assert!(matches!(
            encrypt_store(&db, None, &rotated),
            Err(BackupError::AlreadyEncrypted(_))
        ));
        encrypt_store(&db, Some(&key), &rotated).expect("rotate");
        let old = SqliteStorage::open(dir.path(), &key).expect_err("the old key");
        assert!(
            matches!(old, StorageError::Key(StoreKeyError::WrongKey(_))),
            "{old}"
        );
        let storage = SqliteStorage::open(dir.path(), &rotated).expect("the new key");
        assert_eq!(storage.teams().expect("teams").len(), 1);
    }
}
