//! People as they are named: wherever a command takes a user, a name works as well as an id.
//!
//! "kim", "Sergeant Kim" and "sam demo" are what a supervisor types, not a UUID. A name
//! matches case-insensitively, with spaces squeezed, as a prefix of the whole display name or
//! of any word in it ("kim" finds "Sergeant Kim Demo"). One match is taken; several are an
//! error that lists them (never a guess); an exact full name wins over prefixes of longer ones.

use crate::error::{CliError, Result};
use beatbook_core::ids::UserId;
use beatbook_core::model::User;

/// The one user `typed` names, from `users`.
pub fn by_name(typed: &str, users: &[User]) -> Result<UserId> {
    let wanted = squeeze(typed);
    if wanted.is_empty() {
        return Err(CliError::usage("no user named: give a name or an id"));
    }
    let exact: Vec<&User> = users
        .iter()
        .filter(|u| squeeze(&u.display_name) == wanted)
        .collect();
    if let [one] = exact.as_slice() {
        return Ok(one.id);
    }
    let matches: Vec<&User> = users
        .iter()
        .filter(|u| names_start_with(&squeeze(&u.display_name), &wanted))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one.id),
        [] => Err(CliError::not_found(format!("no user is called `{typed}`"))
            .hint("see the names with `beatbook user list`")),
        many => {
            let names: Vec<&str> = many.iter().map(|u| u.display_name.as_str()).collect();
            Err(CliError::usage(format!(
                "`{typed}` could be {}; give more of the name",
                names.join(", ")
            )))
        }
    }
}

/// Lower case, words separated by single spaces.
fn squeeze(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Whether `wanted` starts the name or starts at one of its words.
fn names_start_with(name: &str, wanted: &str) -> bool {
    name.starts_with(wanted)
        || name
            .match_indices(' ')
            .any(|(at, _)| name[at + 1..].starts_with(wanted))
}

#[cfg(test)]
mod tests {
    use super::*;
    use beatbook_core::model::Role;

    fn team() -> Vec<User> {
        [
            "PCSO Sam Demo",
            "PCSO Alex Demo",
            "Sergeant Kim Demo",
            "Sam",
        ]
        .iter()
        .map(|name| User {
            id: UserId::new(),
            display_name: (*name).to_owned(),
            role: Role::Pcso,
            team_id: None,
        })
        .collect()
    }

    #[test]
    fn a_name_or_a_word_prefix_finds_one_person_in_any_case() {
        let users = team();
        assert_eq!(by_name("kim", &users).expect("kim"), users[2].id);
        assert_eq!(
            by_name("  sergeant   KIM ", &users).expect("kim"),
            users[2].id
        );
        assert_eq!(by_name("alex d", &users).expect("alex"), users[1].id);
        assert_eq!(by_name("pcso s", &users).expect("sam"), users[0].id);
    }

    #[test]
    fn an_exact_name_wins_and_an_ambiguous_one_lists_the_candidates() {
        let users = team();
        assert_eq!(by_name("sam", &users).expect("exact"), users[3].id);
        let err = by_name("pcso", &users).expect_err("two PCSOs");
        assert!(
            err.message.contains("PCSO Sam Demo") && err.message.contains("PCSO Alex Demo"),
            "{}",
            err.message
        );
        let err = by_name("nobody", &users).expect_err("unknown");
        assert_eq!(err.code, crate::error::exit::NOT_FOUND);
    }
}
