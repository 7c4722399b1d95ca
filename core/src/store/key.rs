//! The store key. It comes from the host app — the Android Keystore or iOS Keychain — and is
//! never generated or stored by the core. A raw 256-bit key is passed straight to SQLCipher
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
    pub(crate) fn pragma_value(&self) -> String {
        format!("x'{}'", self.to_hex())
    }
}

impl fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StoreKey(<redacted>)")
    }
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
