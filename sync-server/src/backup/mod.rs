//! Backup, restore and verification of the server's store (`admin backup`, `admin restore`,
//! `admin verify`, `admin new-epoch`); `docs/operations.md`, "Backup and restore".
//!
//! The embedded SQLite store is copied online with `VACUUM INTO` (`sqlite_copy.rs`): one read
//! transaction, so the copy is the store as of one commit while devices keep pushing and
//! pulling (a WAL reader blocks no writer). Chosen over SQLite's page-by-page backup API for
//! two reasons: the copy holds only live rows — no free pages, so no page image of a record
//! erased earlier (`secure_delete` zeroes them in the store; `VACUUM INTO` leaves them out of
//! the copy altogether) — and it needs no rusqlite feature; the online backup API restarts
//! its copy whenever another connection writes between its steps, so under steady pushes it
//! either starves or must copy in one step, which is one read transaction anyway.
//!
//! A restored store is a history of its own: changes made after the backup are not in it, and
//! its feed will hand out again the seqs those changes had. So a copy gets a new epoch
//! (`storage::epoch`) when it is taken and again when it is restored, and devices that see a
//! new epoch pull everything again and re-send their own changes the store lacks
//! (`docs/sync-protocol.md#server-epochs`).
//!
//! The store is encrypted (`storage::sqlite::key`), and so is every copy: `VACUUM INTO` on a
//! keyed connection writes the copy under the same key, a restore and a verify open the file
//! with it. A backup is therefore useless without the key, which is kept apart from it (and
//! safe: without it no backup can be restored). `encrypt-store` (`encrypt.rs`) turns a store
//! from before encryption at rest into an encrypted one, or re-keys one (key rotation).
//!
//! PostgreSQL is backed up with its own tools (pg_dump, or base backups and WAL archiving for
//! point-in-time recovery); these commands refuse it and say so, except `new-epoch`, which is
//! what to run after bringing a PostgreSQL database back.

mod encrypt;
mod sqlite_copy;
pub mod verify;

use crate::storage::location::LocationError;
use crate::storage::sqlite::key::StoreKeyError;
use crate::storage::{PostgresStorage, StorageError, StorageLocation};
use beatbook_core::StoreKey;
use std::path::{Path, PathBuf};

pub use verify::{Check, Verification};

/// The backup commands, flattened into `admin`.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum BackupCommand {
    /// Copy the embedded store to FILE while the server runs (a consistent snapshot of one
    /// moment; PostgreSQL: use pg_dump or point-in-time recovery).
    Backup {
        /// The backup file to write; must not exist.
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
    /// Put a backup in place as the embedded store (server stopped), with a new epoch so
    /// devices re-send what the backup lacks. Checked with `verify` first.
    Restore {
        /// The backup file.
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// Replace a store already in the data directory (it is kept beside, renamed
        /// `beatbook-server.db.replaced-<time>`). Refused while a server has it open.
        #[arg(long)]
        replace: bool,
    },
    /// Check the store (or a backup file): integrity, schema version, epoch, feed continuity,
    /// audit chain where there is one. Exits non-zero if any check fails.
    Verify {
        /// Check this backup file instead of the store.
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// Give the store a new epoch: run after bringing a PostgreSQL database back from a dump
    /// or a point-in-time recovery, before starting the servers (the embedded store's
    /// `restore` does it itself).
    NewEpoch,
    /// Encrypt the embedded store in place with the key given by --store-key-file (server
    /// stopped): a store from before encryption at rest, or — with --from-key-file — one
    /// encrypted under an old key (key rotation). The new file is written and checked beside
    /// the old one, then swapped in; the old file is removed.
    EncryptStore {
        /// The store's current key, when it is already encrypted (rotation).
        #[arg(long, value_name = "FILE")]
        from_key_file: Option<PathBuf>,
    },
}

/// Why a backup command failed. Messages name files and checks, never record values.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "{0}: back PostgreSQL up with its own tools — pg_dump for a logical copy, or base \
         backups with WAL archiving for point-in-time recovery — and after bringing a \
         database back run `beatbook-server admin new-epoch` before starting the servers \
         (docs/operations.md, \"Backup and restore\")"
    )]
    Postgres(&'static str),
    #[error("{0} already exists; choose a new file name (a backup never overwrites)")]
    Exists(PathBuf),
    #[error("no store at {0}")]
    NoStore(PathBuf),
    #[error(
        "{0} already holds a store; stop the server and pass --replace to put the backup in \
         its place (the old store is kept beside it)"
    )]
    Occupied(PathBuf),
    #[error("{0} is open in a running server (or another process); stop it before restoring")]
    InUse(PathBuf),
    #[error("the backup {file} failed verification: {failed}")]
    Unverified { file: PathBuf, failed: String },
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Location(#[from] LocationError),
    #[error(
        "{0} is already encrypted; to change its key pass its current key with --from-key-file"
    )]
    AlreadyEncrypted(PathBuf),
}

impl From<rusqlite::Error> for BackupError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage(StorageError::from(e))
    }
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BackupError {
    let what = what.into();
    move |source| BackupError::Io { what, source }
}

/// Runs a backup command against the store at `location`, printing what it did. `key`: the
/// embedded store's key (required for it; PostgreSQL has none).
pub fn run(
    location: &StorageLocation,
    key: Option<&StoreKey>,
    command: BackupCommand,
) -> Result<(), BackupError> {
    let key = || key.ok_or(BackupError::Storage(StoreKeyError::Missing.into()));
    match (location, command) {
        (StorageLocation::Postgres(_), BackupCommand::Backup { .. }) => Err(BackupError::Postgres(
            "admin backup is for the embedded store",
        )),
        (StorageLocation::Postgres(_), BackupCommand::Restore { .. }) => Err(
            BackupError::Postgres("admin restore is for the embedded store"),
        ),
        (StorageLocation::Postgres(_), BackupCommand::Verify { .. }) => Err(BackupError::Postgres(
            "admin verify is for the embedded store (use pg_amcheck on PostgreSQL)",
        )),
        (StorageLocation::Postgres(_), BackupCommand::EncryptStore { .. }) => {
            Err(BackupError::Postgres(
                "admin encrypt-store is for the embedded store (PostgreSQL's storage at rest is \
                 the database host's: disk or tablespace encryption)",
            ))
        }
        (StorageLocation::Postgres(url), BackupCommand::NewEpoch) => {
            let epoch = PostgresStorage::open(url)?.renew_epoch()?;
            println!("new epoch {epoch}");
            Ok(())
        }
        (StorageLocation::Sqlite(dir), BackupCommand::Backup { to }) => {
            let made = backup(dir, key()?, &to)?;
            println!(
                "backup written to {} ({} bytes, feed head {}, schema version {}, epoch {})",
                to.display(),
                made.bytes,
                made.head,
                made.schema_version,
                made.epoch
            );
            Ok(())
        }
        (StorageLocation::Sqlite(dir), BackupCommand::Restore { from, replace }) => {
            let restored = restore(&from, key()?, dir, replace)?;
            if let Some(old) = &restored.replaced {
                println!("the store that was there is kept as {}", old.display());
            }
            println!(
                "restored {} into {} (feed head {}, new epoch {}); start the server",
                from.display(),
                dir.display(),
                restored.head,
                restored.epoch
            );
            Ok(())
        }
        (StorageLocation::Sqlite(dir), BackupCommand::Verify { file }) => {
            let path = file.unwrap_or_else(|| dir.join(crate::storage::sqlite::DB_FILE));
            let verification = verify::verify_file(&path, key()?)?;
            print!("{verification}");
            match verification.failed() {
                None => Ok(()),
                Some(failed) => Err(BackupError::Unverified { file: path, failed }),
            }
        }
        (StorageLocation::Sqlite(dir), BackupCommand::NewEpoch) => {
            let epoch =
                sqlite_copy::renew_epoch_in(&dir.join(crate::storage::sqlite::DB_FILE), key()?)?;
            println!("new epoch {epoch}; restart the server");
            Ok(())
        }
        (StorageLocation::Sqlite(dir), BackupCommand::EncryptStore { from_key_file }) => {
            let from = from_key_file
                .map(|file| crate::storage::sqlite::key::from_file(&file))
                .transpose()
                .map_err(StorageError::from)?;
            let db = dir.join(crate::storage::sqlite::DB_FILE);
            encrypt::encrypt_store(&db, from.as_ref(), key()?)?;
            println!(
                "{} is encrypted with the key given; start the server with the same \
                 --store-key-file",
                db.display()
            );
            Ok(())
        }
    }
}

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupMade {
    pub bytes: u64,
    /// The feed head in the copy: every change up to it is in the backup.
    pub head: u64,
    pub schema_version: i64,
    /// The copy's own epoch.
    pub epoch: uuid::Uuid,
}

/// Copies the embedded store in `data_dir` to `to`, online, encrypted under the store's `key`.
pub fn backup(data_dir: &Path, key: &StoreKey, to: &Path) -> Result<BackupMade, BackupError> {
    sqlite_copy::backup(&data_dir.join(crate::storage::sqlite::DB_FILE), key, to)
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    pub head: u64,
    pub epoch: uuid::Uuid,
    /// Where the store that was replaced now is.
    pub replaced: Option<PathBuf>,
}

/// Puts the backup `from` in place as the store in `data_dir` (see [`BackupCommand::Restore`]).
pub fn restore(
    from: &Path,
    key: &StoreKey,
    data_dir: &Path,
    replace: bool,
) -> Result<Restored, BackupError> {
    let verification = verify::verify_file(from, key)?;
    if let Some(failed) = verification.failed() {
        return Err(BackupError::Unverified {
            file: from.to_owned(),
            failed,
        });
    }
    sqlite_copy::restore(from, key, data_dir, replace)
}

#[cfg(test)]
mod tests;
