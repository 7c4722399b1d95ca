//! The embedded store's SQLCipher key: where the server finds it, and `admin new-store-key`,
//! which makes one.
//!
//! Why a key at all: the store holds the force's records, personal details included. The data
//! directory is private to the server's user (`permissions.rs`), but a disk, a snapshot or a
//! backup file leaves the host; encrypted, it is useless without the key kept elsewhere.
//!
//! The key is the device's kind (`beatbook_core::StoreKey`): 32 random bytes given to SQLCipher
//! raw (`x'…'`), so no passphrase derivation runs on every connection. It comes from a file
//! (`--store-key-file`, `BEATBOOK_STORE_KEY_FILE`) that other users cannot read — a shared key
//! file is refused like a shared data directory — or from the environment
//! (`BEATBOOK_STORE_KEY`, 64 hex characters, for secret stores that inject variables). Never
//! from a command-line value, which any user sees in the process list, and never logged: the
//! messages here name files and variables, not what they hold.
//!
//! No key is an error that says how to make one: a server that silently ran unencrypted would
//! be worse than one that does not start. `serve --demo` is the one exception (`demo_key`):
//! its store holds only fictional people.

use beatbook_core::StoreKey;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The environment variable that may hold the key itself (64 hexadecimal characters).
pub const KEY_ENV: &str = "BEATBOOK_STORE_KEY";

/// The file `serve --demo` keeps its generated key in, inside the demo's data directory.
pub const DEMO_KEY_FILE: &str = "demo-store.key";

/// How to make and pass a key, for the messages that need one.
const HOW_TO_KEY: &str = "make a key with `beatbook-server admin new-store-key --out FILE` \
     (keep FILE off the data directory's disk and its backups), then pass --store-key-file FILE \
     (or BEATBOOK_STORE_KEY_FILE=FILE, or the key itself in BEATBOOK_STORE_KEY)";

/// Why the key could not be had or used. Never carries the key or any part of it.
#[derive(Debug, thiserror::Error)]
pub enum StoreKeyError {
    #[error("no store key given: the embedded store is encrypted at rest; {HOW_TO_KEY}")]
    Missing,
    #[error(
        "both --store-key-file (or BEATBOOK_STORE_KEY_FILE) and {KEY_ENV} are set; give only one"
    )]
    Ambiguous,
    #[error("{origin} does not hold a store key: it must be 64 hexadecimal characters")]
    Malformed { origin: String },
    #[error("cannot read the store key file {path}: {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the store key file {path} can be read by other users (mode {mode:o}); run `chmod 600 {path}` \
         (and make it owned by the server's user)",
        path = .path.display()
    )]
    Shared { path: PathBuf, mode: u32 },
    #[error(
        "{path} already exists; a new key never overwrites one (a store cannot be opened without \
         its own key)",
        path = .0.display()
    )]
    Exists(PathBuf),
    #[error("cannot write the store key file {path}: {source}", path = .path.display())]
    Unwritable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the system random number generator failed: {0}")]
    Random(String),
    #[error(
        "the store key does not open {path}: it is not this store's key (or the file is not a \
         Beatbook server store); use the key file the store was made or encrypted with",
        path = .0.display()
    )]
    WrongKey(PathBuf),
    #[error(
        "{path} is an unencrypted store from before encryption at rest; stop the server and run \
         `beatbook-server admin --database DIR --store-key-file FILE encrypt-store` to encrypt it \
         in place ({HOW_TO_KEY})",
        path = .0.display()
    )]
    Plaintext(PathBuf),
}

/// The key named by `key_file` or else `BEATBOOK_STORE_KEY`; `None` if neither is given.
pub fn load(key_file: Option<&Path>) -> Result<Option<StoreKey>, StoreKeyError> {
    let from_env = match std::env::var(KEY_ENV) {
        Ok(text) => Some(text),
        Err(std::env::VarError::NotPresent) => None,
        Err(std::env::VarError::NotUnicode(_)) => {
            return Err(StoreKeyError::Malformed {
                origin: KEY_ENV.into(),
            })
        }
    };
    match (key_file, from_env) {
        (Some(_), Some(_)) => Err(StoreKeyError::Ambiguous),
        (Some(path), None) => from_file(path).map(Some),
        (None, Some(text)) => {
            StoreKey::from_hex(&text)
                .map(Some)
                .map_err(|_| StoreKeyError::Malformed {
                    origin: KEY_ENV.into(),
                })
        }
        (None, None) => Ok(None),
    }
}

/// As [`load`], but no key is [`StoreKeyError::Missing`].
pub fn require(key_file: Option<&Path>) -> Result<StoreKey, StoreKeyError> {
    load(key_file)?.ok_or(StoreKeyError::Missing)
}

/// Reads a key file: 64 hex characters (surrounding whitespace ignored), mode 0600 or tighter.
pub fn from_file(path: &Path) -> Result<StoreKey, StoreKeyError> {
    let unreadable = |source| StoreKeyError::Unreadable {
        path: path.to_owned(),
        source,
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(unreadable)?
            .permissions()
            .mode()
            & 0o777;
        if mode & 0o077 != 0 {
            return Err(StoreKeyError::Shared {
                path: path.to_owned(),
                mode,
            });
        }
    }
    let text = std::fs::read_to_string(path).map_err(unreadable)?;
    StoreKey::from_hex(&text).map_err(|_| StoreKeyError::Malformed {
        origin: format!("the key file {}", path.display()),
    })
}

/// Writes a new random key to `path` (64 hex characters and a newline), mode 0600; never
/// overwrites.
pub fn generate(path: &Path) -> Result<(), StoreKeyError> {
    let mut bytes = [0u8; StoreKey::LEN];
    getrandom::fill(&mut bytes).map_err(|e| StoreKeyError::Random(e.to_string()))?;
    let hex = StoreKey::from_bytes(bytes).to_hex();
    bytes.fill(0);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => StoreKeyError::Exists(path.to_owned()),
        _ => StoreKeyError::Unwritable {
            path: path.to_owned(),
            source: e,
        },
    })?;
    let written = file
        .write_all(format!("{hex}\n").as_bytes())
        .and_then(|()| file.sync_all());
    if let Err(source) = written {
        drop(file);
        // A half-written key file would only fail later and more confusingly.
        let _ = std::fs::remove_file(path);
        return Err(StoreKeyError::Unwritable {
            path: path.to_owned(),
            source,
        });
    }
    Ok(())
}

/// `serve --demo` with no key given: the key in `data_dir/demo-store.key`, made on first use.
/// Kept beside the store, so it protects nothing — the demo's people are fictional; a real
/// store's key lives elsewhere. Returns the key and the file it is in.
pub fn demo_key(data_dir: &Path) -> crate::storage::StorageResult<(StoreKey, PathBuf)> {
    super::permissions::prepare_dir(data_dir)?;
    let path = data_dir.join(DEMO_KEY_FILE);
    if !path.exists() {
        generate(&path)?;
    }
    Ok((from_file(&path)?, path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_generated_key_is_private_reads_back_and_is_never_overwritten() {
        let dir = super::super::private_tempdir();
        let path = dir.path().join("store.key");
        generate(&path).expect("generate");
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let key = from_file(&path).expect("read back");
        assert!(matches!(generate(&path), Err(StoreKeyError::Exists(_))));
        assert_eq!(from_file(&path).expect("unchanged"), key);
        let other = dir.path().join("other.key");
        generate(&other).expect("generate");
        assert_ne!(from_file(&other).expect("read"), key, "keys are random");
    }

    #[test]
    fn a_shared_or_malformed_key_file_is_refused_without_echoing_it() {
        let dir = super::super::private_tempdir();
        let path = dir.path().join("store.key");
        generate(&path).expect("generate");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let shared = from_file(&path).expect_err("shared");
        assert!(
            matches!(shared, StoreKeyError::Shared { mode: 0o644, .. }),
            "{shared}"
        );
        assert!(shared.to_string().contains("chmod 600"), "{shared}");

        let bad = dir.path().join("bad.key");
        std::fs::write(&bad, "secret-but-not-hex").expect("write");
        std::fs::set_permissions(&bad, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let message = from_file(&bad).expect_err("malformed").to_string();
        assert!(message.contains("64 hexadecimal"), "{message}");
        assert!(!message.contains("secret"), "{message}");
        assert!(matches!(
            from_file(&dir.path().join("missing.key")),
            Err(StoreKeyError::Unreadable { .. })
        ));
    }

    #[test]
    fn the_demo_key_is_made_once_and_reused() {
        let dir = super::super::private_tempdir();
        let (first, path) = demo_key(dir.path()).expect("made");
        assert_eq!(path, dir.path().join(DEMO_KEY_FILE));
        let (again, _) = demo_key(dir.path()).expect("reused");
        assert_eq!(first, again);
    }

    #[test]
    fn no_key_says_how_to_make_one() {
        let message = StoreKeyError::Missing.to_string();
        assert!(message.contains("admin new-store-key"), "{message}");
        assert!(message.contains("--store-key-file"), "{message}");
    }
}
