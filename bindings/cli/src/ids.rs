//! Record ids as typed: a full UUID, or a unique prefix of at least 8 characters.
//!
//! Ids are UUIDv7s, long to type from a terminal. A prefix is matched against the records of
//! that kind this device holds; an ambiguous or unknown prefix is an error, never a guess.
//! (The first 12 hexadecimal digits of a UUIDv7 are its creation time, so records made a few
//! seconds apart share the first 8 or so; copy a longer prefix then.)

use crate::error::{CliError, Result};
use std::fmt::Display;
use std::str::FromStr;

/// The shortest prefix accepted.
pub const MIN_PREFIX: usize = 8;

/// Resolves `typed` to one id of `kind`, from `candidates` (fetched only for a prefix).
pub fn resolve<T, I>(kind: &str, typed: &str, candidates: impl FnOnce() -> Result<I>) -> Result<T>
where
    T: FromStr + Display + Copy,
    I: IntoIterator<Item = T>,
{
    let typed = typed.trim();
    if let Ok(id) = typed.parse::<T>() {
        return Ok(id);
    }
    let prefix = typed.to_ascii_lowercase();
    if prefix.chars().count() < MIN_PREFIX
        || !prefix.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
    {
        return Err(CliError::usage(format!(
            "{kind} id `{typed}` is not an id: give the full id or its first {MIN_PREFIX} or more characters"
        )));
    }
    let matches: Vec<T> = candidates()?
        .into_iter()
        .filter(|id| id.to_string().starts_with(&prefix))
        .collect();
    match matches.as_slice() {
        [one] => Ok(*one),
        [] => Err(CliError::not_found(format!(
            "no {kind} id starts with {typed}"
        ))),
        many => Err(CliError::usage(format!(
            "{} {kind} ids start with {typed}; give more characters",
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
        assert!(err.message.contains("2 patrol ids"), "{}", err.message);
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
}
