//! The store key: where this client gets it, and `keygen`, which makes one.
//!
//! On a phone the key lives in the Android Keystore or iOS Keychain and the core never sees it
//! at rest. A terminal has no keystore, so the key comes from a file (`--key-file`,
//! `BEATBOOK_KEY_FILE`) or the environment (`BEATBOOK_KEY`) — never from a command-line
//! argument, which any user on the machine can read in the process list and which lands in
//! shell history. Generating the key is the host's job too (the core never generates keys), so
//! it is here: 32 bytes from the operating system's CSPRNG, written once, readable by the owner
//! only.

use crate::error::{io_reason, CliError, Result};
use beatbook_core::StoreKey;
use std::io::Write;
use std::path::Path;

/// The environment variable that may hold the key itself (64 hexadecimal characters).
pub const KEY_ENV: &str = "BEATBOOK_KEY";

/// Finds the key: the key file if one is given (flag or `BEATBOOK_KEY_FILE`), else `BEATBOOK_KEY`.
pub fn load(key_file: Option<&Path>) -> Result<StoreKey> {
    if let Some(path) = key_file {
        return from_file(path);
    }
    match std::env::var(KEY_ENV) {
        Ok(hex) => StoreKey::from_hex(&hex).map_err(|_| {
            CliError::key(format!(
                "{KEY_ENV} does not hold a store key: it must be 64 hexadecimal characters"
            ))
        }),
        Err(std::env::VarError::NotUnicode(_)) => Err(CliError::key(format!(
            "{KEY_ENV} does not hold a store key: it must be 64 hexadecimal characters"
        ))),
        Err(std::env::VarError::NotPresent) => Err(CliError::key("no store key was given").hint(
            "give the key file with --key-file FILE or BEATBOOK_KEY_FILE=FILE \
                 (make one with `beatbook keygen --out FILE`)",
        )),
    }
}

fn from_file(path: &Path) -> Result<StoreKey> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        if looks_like_a_key(path) {
            // Someone typed the key where its file goes: say so without echoing it.
            return CliError::key("--key-file takes the path of a key file, not the key itself")
                .hint(
                    "the key never goes on the command line; put it in a file readable only by you",
                );
        }
        CliError::key(format!(
            "cannot read the key file {}: {}",
            path.display(),
            io_reason(&e)
        ))
    })?;
    warn_if_readable_by_others(path);
    StoreKey::from_hex(&text).map_err(|_| {
        CliError::key(format!(
            "the key file {} does not hold a store key: it must hold 64 hexadecimal characters",
            path.display()
        ))
    })
}

fn looks_like_a_key(path: &Path) -> bool {
    path.to_str()
        .is_some_and(|s| s.trim().len() == 64 && s.trim().bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.permissions().mode() & 0o077 != 0 {
            eprintln!(
                "warning: other users can read the key file {0}; run: chmod 600 {0}",
                path.display()
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path) {}

/// Writes a new random key to `path` as hex, readable by its owner only. Never overwrites: a
/// replaced key would lock its store for good.
pub fn generate(path: &Path) -> Result<()> {
    let mut bytes = [0u8; StoreKey::LEN];
    getrandom::fill(&mut bytes)
        .map_err(|e| CliError::other(format!("the system gave no random bytes: {e}")))?;
    let hex = StoreKey::from_bytes(bytes).to_hex();
    bytes.fill(0);
    let mut file = create_private(path).map_err(|e| {
        let err = CliError::file(path, "create the key file", &e);
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            err.hint("keygen never overwrites a key: a store cannot be opened without its own key")
        } else {
            err
        }
    })?;
    let written = file
        .write_all(format!("{hex}\n").as_bytes())
        .and_then(|()| file.sync_all());
    if let Err(e) = written {
        drop(file);
        // A half-written key file would only fail later and more confusingly.
        let _ = std::fs::remove_file(path);
        return Err(CliError::file(path, "write the key file", &e));
    }
    Ok(())
}

/// Creates a new file that only its owner can read or write (mode 0600 on Unix).
pub fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}
