//! Record ids as typed: a full UUID, the record's short reference (`7KQ4-ZM2P`, what tables
//! and confirmations show — [`beatbook_core::short_ref`]), or a unique prefix of the UUID of
//! at least 8 characters.
//!
//! A reference or a prefix is matched against the records of that kind this device holds; an
//! ambiguous or unknown one is an error, never a guess. (The first 12 hexadecimal digits of a
//! UUIDv7 are its creation time, so records made a few seconds apart share the first 8 or so:
//! the reference, made of the id's random end, is the thing to type.)

use crate::error::{CliError, Result};
use beatbook_core::short_ref::parse_short_ref;
use std::fmt::Display;
use std::str::FromStr;
use uuid::Uuid;

/// The shortest prefix accepted.
pub const MIN_PREFIX: usize = 8;

/// Resolves `typed` to one id of `kind`, from `candidates` (fetched only for a reference or a
/// prefix).
pub fn resolve<T, I>(kind: &str, typed: &str, candidates: impl FnOnce() -> Result<I>) -> Result<T>
where
    T: FromStr + Display + Copy,
    Uuid: From<T>,
    I: IntoIterator<Item = T>,
{
    let typed = typed.trim();
    if let Ok(id) = typed.parse::<T>() {
        return Ok(id);
    }
    let reference = parse_short_ref(typed);
    let prefix = typed.to_ascii_lowercase();
    let is_prefix = prefix.chars().count() >= MIN_PREFIX
        && prefix.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    if reference.is_none() && !is_prefix {
        return Err(CliError::usage(format!(
            "{kind} `{typed}` is not a reference or an id: give the reference shown in lists \
             (like 7KQ4-ZM2P), the full id, or its first {MIN_PREFIX} or more characters"
        )));
    }
    // Eight hexadecimal digits can be both a reference and a prefix: either may match.
    let matches: Vec<T> = candidates()?
        .into_iter()
        .filter(|id| {
            let uuid = Uuid::from(*id);
            reference.is_some_and(|r| r.matches(&uuid))
                || (is_prefix && uuid.to_string().starts_with(&prefix))
        })
        .collect();
    match matches.as_slice() {
        [one] => Ok(*one),
        [] => Err(CliError::not_found(format!("no {kind} is `{typed}`"))),
        many => Err(CliError::usage(format!(
            "{} {kind}s match `{typed}`; give more of the id",
            many.len()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use beatbook_core::ids::PatrolId;

    fn ids() -> Vec<PatrolId> {
        [
            "0193a1b2-0000-7000-8000-000000000001",
            "0193a1b2-0000-7000-8000-000000000002",
            "0193ffff-0000-7000-8000-000000000003",
        ]
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect()
    }

    #[test]
    fn a_unique_prefix_resolves_and_an_ambiguous_one_does_not() {
        let one: PatrolId = resolve("patrol", "0193FFFF", || Ok(ids())).expect("unique");
        assert_eq!(one.to_string(), "0193ffff-0000-7000-8000-000000000003");
        let err =
            resolve::<PatrolId, _>("patrol", "0193a1b2", || Ok(ids())).expect_err("ambiguous");
        assert_eq!(err.code, crate::error::exit::USAGE);
        assert!(err.message.contains("2 patrols"), "{}", err.message);
        let err = resolve::<PatrolId, _>("patrol", "01234567", || Ok(ids())).expect_err("none");
        assert_eq!(err.code, crate::error::exit::NOT_FOUND);
        let err = resolve::<PatrolId, _>("patrol", "0193", || Ok(ids())).expect_err("short");
        assert_eq!(err.code, crate::error::exit::USAGE);
    }

    #[test]
    fn a_full_id_needs_no_lookup() {
        let full = "0193a1b2-0000-7000-8000-000000000009";
        let id: PatrolId = resolve("patrol", full, || -> Result<Vec<PatrolId>> {
            Err(CliError::other("no lookup expected"))
        })
        .expect("full id");
        assert_eq!(id.to_string(), full);
    }

    #[test]
    fn a_short_reference_resolves_in_any_case_and_a_clash_is_refused() {
        let all = ids();
        let third = all[2];
        let typed = third.short_ref().to_lowercase();
        let found: PatrolId = resolve("patrol", &typed, || Ok(ids())).expect("reference");
        assert_eq!(found, third);
        // Two records whose ids end alike clash on their reference: refused, never a guess.
        let clash: Vec<PatrolId> = [
            "0193a1b2-0000-7000-8000-000000000003",
            "0193ffff-1111-7000-8000-000000000003",
        ]
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
        let err = resolve::<PatrolId, _>("patrol", "0000-0003", || Ok(clash)).expect_err("clash");
        assert_eq!(err.code, crate::error::exit::USAGE);
        let err = resolve::<PatrolId, _>("patrol", "ZZZZ-ZZZZ", || Ok(ids())).expect_err("none");
        assert_eq!(err.code, crate::error::exit::NOT_FOUND);
    }
}
