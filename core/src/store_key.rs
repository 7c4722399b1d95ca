//! The store key. On a device it comes from the host app — the Android Keystore or iOS
//! Keychain — and is never generated or stored by the core; the sync server keys its own
//! embedded store with the same type (feature `sqlite`), its key from a file or the
//! environment (`beatbook-server`'s `storage::sqlite::key`). A raw 256-bit key is passed straight to SQLCipher
//! (`x'…'` form), which skips SQLCipher's passphrase derivation: the platform keystore already
//! guards the key, and opening stays fast.

use crate::error::{Error, Result};
use std::fmt;

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
}
