//! Short references: what a person reads out, writes in a pocket notebook or types for a
//! record, instead of its UUID.
//!
//! Ids are UUIDv7s. Their first 12 hexadecimal digits are the creation time, so records made
//! the same hour share most of any prefix a person would type, and hexadecimal is easy to
//! misread aloud. A short reference is the UUID's last 40 bits — random in a v7 UUID (the
//! time and the counter sit in front of them) — written as eight Crockford base32 symbols in
//! two groups, `7KQ4-ZM2P`: no I, L, O or U, so nothing reads as another symbol, and typing is
//! forgiving (any case, the hyphen optional, `O` read as `0`, `I` and `L` as `1`).
//!
//! 40 bits make a clash between two records of one kind on one device unlikely (about one in
//! 20 million pairs; one chance in 200 among 100,000 records) but not impossible, so a
//! reference is resolved against the records that exist, and a clash is an error that asks for
//! more of the id, never a guess (the terminal client's `ids::resolve`).

use uuid::Uuid;

/// Crockford's base32 alphabet.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Symbols in a reference (5 bits each).
const SYMBOLS: usize = 8;
/// The bits of the UUID a reference shows (its last 40).
const MASK: u128 = (1 << (5 * SYMBOLS)) - 1;

/// The record's short reference, `XXXX-XXXX`.
pub fn short_ref(id: &Uuid) -> String {
    let bits = ref_bits(id);
    let mut out = String::with_capacity(SYMBOLS + 1);
    for i in (0..SYMBOLS).rev() {
        let symbol = ((bits >> (5 * i)) & 0x1f) as usize;
        out.push(char::from(ALPHABET[symbol]));
        if i == SYMBOLS / 2 {
            out.push('-');
        }
    }
    out
}

/// The short reference of a record id held as text (`None` when it is not a UUID).
pub fn short_ref_of(id: &str) -> Option<String> {
    Uuid::parse_str(id.trim()).ok().map(|uuid| short_ref(&uuid))
}

/// Whether `typed` is the reference of the record id `id` held as text (`None` when `id` is
/// not a UUID).
pub fn is_short_ref_of(typed: &str, id: &str) -> Option<bool> {
    let uuid = Uuid::parse_str(id.trim()).ok()?;
    Some(parse_short_ref(typed).is_some_and(|r| r.matches(&uuid)))
}

/// What a typed reference stands for, or `None` when `typed` is not one (eight base32
/// symbols, any case, at most one hyphen or space between the two groups).
pub fn parse_short_ref(typed: &str) -> Option<ShortRef> {
    let symbols: Vec<char> = typed
        .trim()
        .chars()
        .filter(|c| *c != '-' && *c != ' ')
        .collect();
    if symbols.len() != SYMBOLS || typed.trim().chars().filter(|c| *c == '-').count() > 1 {
        return None;
    }
    let mut bits: u64 = 0;
    for c in symbols {
        bits = (bits << 5) | u64::from(symbol_value(c)?);
    }
    Some(ShortRef(bits))
}

/// A parsed short reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShortRef(u64);

impl ShortRef {
    /// Whether `id`'s reference is this one.
    pub fn matches(&self, id: &Uuid) -> bool {
        ref_bits(id) == self.0
    }
}

fn ref_bits(id: &Uuid) -> u64 {
    // MASK keeps 40 bits: the cast cannot truncate.
    (id.as_u128() & MASK) as u64
}

/// A symbol's value, with Crockford's readings of the letters it leaves out.
fn symbol_value(c: char) -> Option<u8> {
    let c = match c.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        other => other,
    };
    ALPHABET
        .iter()
        .position(|a| char::from(*a) == c)
        .map(|p| p as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_is_two_groups_of_four_readable_symbols() {
        let id: Uuid = "0193a1b2-0000-7000-8000-0123456789ab"
            .parse()
            .expect("uuid");
        let r = short_ref(&id);
        assert_eq!(r.len(), 9);
        assert_eq!(r.chars().nth(4), Some('-'));
        assert!(r.chars().all(|c| c == '-' || ALPHABET.contains(&(c as u8))));
        assert!(!r.contains(['I', 'L', 'O', 'U']));
    }

    #[test]
    fn every_reference_reads_back_as_its_record_and_no_other() {
        for _ in 0..1000 {
            let id = Uuid::now_v7();
            let other = Uuid::now_v7();
            let typed = short_ref(&id);
            let parsed = parse_short_ref(&typed).expect("parses");
            assert!(parsed.matches(&id), "{typed}");
            // Two ids a moment apart differ in their reference (their random bits differ).
            assert_ne!(short_ref(&other), typed);
        }
    }

    #[test]
    fn typing_is_forgiving_but_not_a_guess() {
        let id = Uuid::from_u128(0x0193_a1b2_0000_7000_8000_0000_0000_0001);
        assert_eq!(short_ref(&id), "0000-0001");
        for typed in [
            "0000-0001",
            "00000001",
            "oooo-ooo1",
            "0000 000l",
            " 0000-000i ",
        ] {
            let parsed = parse_short_ref(typed).unwrap_or_else(|| panic!("{typed}"));
            assert!(parsed.matches(&id), "{typed}");
        }
        for not_a_ref in ["", "0000-000", "0000-00011", "0000-000U", "00-00-0001"] {
            assert!(parse_short_ref(not_a_ref).is_none(), "{not_a_ref}");
        }
    }

    #[test]
    fn records_made_in_the_same_millisecond_get_different_references() {
        let ids: Vec<Uuid> = (0..2000).map(|_| Uuid::now_v7()).collect();
        let mut refs: Vec<String> = ids.iter().map(short_ref).collect();
        refs.sort();
        refs.dedup();
        // 2,000 random 40-bit values clash with probability ~2e-6.
        assert_eq!(refs.len(), ids.len());
    }
}
