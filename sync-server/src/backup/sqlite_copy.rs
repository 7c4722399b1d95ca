//! Copying the embedded store's file: an online copy with `VACUUM INTO` (why: `mod.rs`), and
//! putting a copy in place. Every file is written under a temporary name in its final
//! directory, flushed to disk, then renamed: a crash leaves the old file or the whole new
//! one, never half of one.

use super::{io, BackupError, BackupMade, Restored};
use crate::storage::sqlite::{keyed, people, DB_FILE};
use crate::storage::StorageError;
use beatbook_core::StoreKey;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a backup waits for the store's lock when a checkpoint holds it.
const BUSY: Duration = Duration::from_secs(5);

/// The side files SQLite keeps beside a database in WAL mode.
pub(super) const SIDE_FILES: [&str; 3] = ["-wal", "-shm", "-journal"];

pub(super) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// A temporary name beside `target`, unique to this process.
pub(super) fn partial_name(target: &Path) -> PathBuf {
    with_suffix(target, &format!(".partial-{}", std::process::id()))
}

/// Opens a store file (or a copy of one) read-write with its key.
fn open_rw(path: &Path, key: &StoreKey) -> Result<Connection, BackupError> {
    Ok(keyed::open(
        path,
        key,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?)
}

pub(super) fn backup(db: &Path, key: &StoreKey, to: &Path) -> Result<BackupMade, BackupError> {
    if !db.is_file() {
        return Err(BackupError::NoStore(db.to_owned()));
    }
    if to.exists() {
        return Err(BackupError::Exists(to.to_owned()));
    }
    let partial = partial_name(to);
    remove_if_present(&partial)?;
    let result = (|| {
        let source = open_rw(db, key)?;
        source.busy_timeout(BUSY)?;
        let target = partial.to_str().ok_or_else(|| {
            BackupError::Storage(StorageError::Invalid(
                "the backup file's name is not valid UTF-8".into(),
            ))
        })?;
        // One read transaction: the copy is the store as of one commit, written under the
        // source's key (SQLCipher gives `VACUUM INTO`'s target the source connection's key).
        source.execute("VACUUM INTO ?1", [target])?;
        drop(source);
        let copy = open_rw(&partial, key)?;
        // The copy starts a history of its own the moment it is restored somewhere.
        let epoch = people::renew_epoch(&copy)?;
        let head = feed_head(&copy)?;
        let schema_version: i64 = copy.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        drop(copy);
        durable_rename(&partial, to)?;
        let bytes = std::fs::metadata(to)
            .map_err(io(format!("reading {}", to.display())))?
            .len();
        Ok(BackupMade {
            bytes,
            head,
            schema_version,
            epoch,
        })
    })();
    if result.is_err() {
        let _ = remove_if_present(&partial);
    }
    result
}

pub(super) fn restore(
    from: &Path,
    key: &StoreKey,
    data_dir: &Path,
    replace: bool,
) -> Result<Restored, BackupError> {
    std::fs::create_dir_all(data_dir).map_err(io(format!("creating {}", data_dir.display())))?;
    let db = data_dir.join(DB_FILE);
    let occupied = db.exists() || SIDE_FILES.iter().any(|s| with_suffix(&db, s).exists());
    let mut replaced = None;
    if occupied {
        if !replace {
            return Err(BackupError::Occupied(data_dir.to_owned()));
        }
        if in_use(&db, Some(key))? {
            return Err(BackupError::InUse(db));
        }
    }
    let partial = partial_name(&db);
    remove_if_present(&partial)?;
    let result = (|| {
        std::fs::copy(from, &partial).map_err(io(format!(
            "copying {} into {}",
            from.display(),
            data_dir.display()
        )))?;
        let copy = open_rw(&partial, key)?;
        let epoch = people::renew_epoch(&copy)?;
        let head = feed_head(&copy)?;
        drop(copy);
        sync_file(&partial)?;
        Ok((epoch, head))
    })();
    let (epoch, head) = match result {
        Ok(done) => done,
        Err(e) => {
            let _ = remove_if_present(&partial);
            return Err(e);
        }
    };
    if occupied {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let kept = with_suffix(&db, &format!(".replaced-{stamp}"));
        // The WAL and its index go with their database, so the kept store stays whole.
        for suffix in SIDE_FILES {
            let side = with_suffix(&db, suffix);
            if side.exists() {
                std::fs::rename(&side, with_suffix(&kept, suffix))
                    .map_err(io(format!("moving {} aside", side.display())))?;
            }
        }
        if db.exists() {
            std::fs::rename(&db, &kept).map_err(io(format!("moving {} aside", db.display())))?;
        }
        replaced = Some(kept);
    }
    durable_rename(&partial, &db)?;
    Ok(Restored {
        head,
        epoch,
        replaced,
    })
}

/// Gives the store at `db` a new epoch.
pub(super) fn renew_epoch_in(db: &Path, key: &StoreKey) -> Result<uuid::Uuid, BackupError> {
    if !db.is_file() {
        return Err(BackupError::NoStore(db.to_owned()));
    }
    let conn = open_rw(db, key)?;
    conn.busy_timeout(BUSY)?;
    Ok(people::renew_epoch(&conn)?)
}

/// Whether another connection (a running server, an admin command) has the store open. A
/// connection in WAL mode holds a shared lock on the database file for as long as it is open;
/// a connection in exclusive locking mode must take an exclusive lock to read at all, which it
/// cannot get while another holds one.
/// `key`: the store's key, or `None` for a plain store (one being encrypted).
pub(super) fn in_use(db: &Path, key: Option<&StoreKey>) -> Result<bool, BackupError> {
    if !db.exists() {
        return Ok(false);
    }
    let conn = match key {
        Some(key) => open_rw(db, key)?,
        None => keyed::open_unkeyed(db, OpenFlags::SQLITE_OPEN_READ_WRITE)?,
    };
    conn.busy_timeout(Duration::ZERO)?;
    conn.pragma_update(None, "locking_mode", "EXCLUSIVE")?;
    let probe = conn.query_row("BEGIN EXCLUSIVE", [], |_| Ok(())).optional();
    match probe {
        Ok(_) => {
            conn.execute_batch("ROLLBACK")?;
            Ok(false)
        }
        Err(rusqlite::Error::SqliteFailure(e, _))
            if matches!(
                e.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ) =>
        {
            Ok(true)
        }
        Err(e) => Err(e.into()),
    }
}

fn feed_head(conn: &Connection) -> Result<u64, BackupError> {
    let head: i64 = conn.query_row("SELECT last_seq FROM feed WHERE id = 1", [], |r| r.get(0))?;
    u64::try_from(head)
        .map_err(|_| BackupError::Storage(StorageError::Corrupt("negative feed head".into())))
}

pub(super) fn remove_if_present(path: &Path) -> Result<(), BackupError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(BackupError::Io {
            what: format!("removing {}", path.display()),
            source: e,
        }),
    }
}

pub(super) fn sync_file(path: &Path) -> Result<(), BackupError> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(io(format!("flushing {}", path.display())))
}

/// Makes `from` readable by its owner only (a backup or a restored store holds every record:
/// the server refuses a store other users can read), flushes it, renames it to `to`, and
/// flushes the directory (so the rename survives a power cut too).
pub(super) fn durable_rename(from: &Path, to: &Path) -> Result<(), BackupError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(from, std::fs::Permissions::from_mode(0o600))
            .map_err(io(format!("making {} private", from.display())))?;
    }
    sync_file(from)?;
    std::fs::rename(from, to).map_err(io(format!("renaming to {}", to.display())))?;
    let dir = to
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(format!("flushing {}", dir.display())))?;
    Ok(())
}
