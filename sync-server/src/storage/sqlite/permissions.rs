//! Who else on the host can read the embedded store. The data directory is made 0700 and the
//! database file 0600 when the server creates them (SQLite gives its `-wal` and `-shm` files
//! the database file's mode); a directory or file that group or other users may read, write or
//! enter is refused at start, with the command that fixes it, rather than served from: the
//! file holds the force's records (personal details included). It is encrypted (`key.rs`), but
//! a process running as another user on the same host may find the key (an environment, a
//! misplaced key file): the permissions keep the file itself out of its reach.
//!
//! Unix only: elsewhere the directory's ACLs are the operator's to set.

use crate::storage::{StorageError, StorageResult};
use std::path::Path;

/// The mode bits group and other users must not have.
#[cfg(unix)]
const SHARED_BITS: u32 = 0o077;

/// Creates `dir` (0700) if missing and refuses one other users can reach.
pub(super) fn prepare_dir(dir: &Path) -> StorageResult<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        if !dir.exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)?;
        }
        let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
        if mode & SHARED_BITS != 0 {
            return Err(StorageError::Invalid(format!(
                "the data directory {} can be reached by other users (mode {mode:o}); it holds \
                 personal data: run `chmod 700 {}` (and make it owned by the server's user)",
                dir.display(),
                dir.display()
            )));
        }
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)?;
    Ok(())
}

/// Creates the database file (0600) if missing, and refuses it, or its `-wal`/`-shm`, when
/// other users can read or write them.
pub(super) fn prepare_file(path: &Path) -> StorageResult<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        if !path.exists() {
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o600)
                .open(path)?;
        }
        let mut name = path.as_os_str().to_owned();
        let mut files = vec![path.to_path_buf()];
        for suffix in ["-wal", "-shm"] {
            name.push(suffix);
            files.push(name.clone().into());
            name = path.as_os_str().to_owned();
        }
        for file in files.iter().filter(|f| f.exists()) {
            let mode = std::fs::metadata(file)?.permissions().mode() & 0o777;
            if mode & SHARED_BITS != 0 {
                return Err(StorageError::Invalid(format!(
                    "the database file {} can be read by other users (mode {mode:o}); it holds \
                     personal data: run `chmod 600 {}`",
                    file.display(),
                    file.display()
                )));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::super::SqliteStorage;
    use crate::storage::StorageError;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &std::path::Path) -> u32 {
        std::fs::metadata(path)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777
    }

    fn chmod(path: &std::path::Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }

    #[test]
    fn a_new_store_is_private_to_the_servers_user() {
        let parent = tempfile::tempdir().expect("dir");
        let dir = parent.path().join("data");
        let storage = SqliteStorage::open(&dir, &crate::storage::sqlite::test_key()).expect("open");
        drop(storage);
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join(super::super::DB_FILE)), 0o600);
        let wal = dir.join(format!("{}-wal", super::super::DB_FILE));
        if wal.exists() {
            assert_eq!(mode(&wal), 0o600);
        }
    }

    #[test]
    fn a_store_others_can_read_is_refused_with_the_fix() {
        let parent = tempfile::tempdir().expect("dir");
        let dir = parent.path().join("data");
        drop(SqliteStorage::open(&dir, &crate::storage::sqlite::test_key()).expect("open"));

        chmod(&dir, 0o755);
        match SqliteStorage::open(&dir, &crate::storage::sqlite::test_key()) {
            Err(StorageError::Invalid(message)) => {
                assert!(
                    message.contains(&format!("chmod 700 {}", dir.display())),
                    "{message}"
                );
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        chmod(&dir, 0o700);

        let file = dir.join(super::super::DB_FILE);
        chmod(&file, 0o644);
        match SqliteStorage::open(&dir, &crate::storage::sqlite::test_key()) {
            Err(StorageError::Invalid(message)) => {
                assert!(
                    message.contains(&format!("chmod 600 {}", file.display())),
                    "{message}"
                );
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        chmod(&file, 0o600);
        SqliteStorage::open(&dir, &crate::storage::sqlite::test_key()).expect("fixed, it opens");
    }
}
