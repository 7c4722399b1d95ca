//! Device tokens and enrolment codes: made from the operating system's CSPRNG (`getrandom`),
//! shown once, and stored only as SHA-256 — a copy of the server's database holds nothing a
//! thief could present. SHA-256 without a salt or slow hash is right here because both
//! secrets are long random values (256 and 50 bits, the code also expiring and one-time), not
//! passwords a dictionary could guess.

use sha2::{Digest, Sha256};

/// Enrolment codes use RFC 4648 base32: no 0/1/8/9, so no O/0 or I/1 confusion when read out.
const CODE_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/// Characters in an enrolment code (50 bits).
pub const CODE_LEN: usize = 10;

/// The CSPRNG failed: the server cannot make secrets and must not pretend to.
#[derive(Debug, thiserror::Error)]
#[error("the system random number generator failed: {0}")]
pub struct RandomError(String);

fn random_bytes<const N: usize>() -> Result<[u8; N], RandomError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| RandomError(e.to_string()))?;
    Ok(bytes)
}

/// A new device token: 32 random bytes as 64 lowercase hex characters.
pub fn new_token() -> Result<String, RandomError> {
    Ok(hex(&random_bytes::<32>()?))
}

/// A new enrolment code: 10 base32 characters.
pub fn new_enrolment_code() -> Result<String, RandomError> {
    let bytes = random_bytes::<CODE_LEN>()?;
    // 256 is a multiple of 32: taking each byte mod 32 is unbiased.
    Ok(bytes
        .iter()
        .map(|b| CODE_ALPHABET[usize::from(b % 32)] as char)
        .collect())
}

/// An enrolment code as typed: case, spaces and hyphens do not matter.
pub fn normalise_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

/// Whether `token` has the shape of a device token (64 hex characters).
pub fn is_token_shaped(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The SHA-256 of a secret's text, as stored.
pub fn hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_codes_have_their_shapes_and_differ() {
        let a = new_token().expect("token");
        let b = new_token().expect("token");
        assert!(is_token_shaped(&a) && is_token_shaped(&b));
        assert_ne!(a, b);
        let code = new_enrolment_code().expect("code");
        assert_eq!(code.len(), CODE_LEN);
        assert!(code.bytes().all(|c| CODE_ALPHABET.contains(&c)));
        assert!(!is_token_shaped("xyz"));
    }

    #[test]
    fn codes_are_compared_without_case_spaces_or_hyphens() {
        assert_eq!(normalise_code(" abcde-fg hij "), "ABCDEFGHIJ");
        assert_eq!(hash(&normalise_code("abcde-fghij")), hash("ABCDEFGHIJ"));
        assert_eq!(hex(&[0x00, 0xff, 0x1a]), "00ff1a");
    }
}
