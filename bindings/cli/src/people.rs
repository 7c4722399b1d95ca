//! People as they are named: wherever a command takes a user, a name works as well as an id.
//!
//! "kim", "Sergeant Kim" and "sam demo" are what a supervisor types, not a UUID. The matching
//! rule is the core's ([`beatbook_core::naming`]), shared with the server's admin commands;
//! this module turns its refusals into the client's errors and hints.

use crate::error::{CliError, Result};
use beatbook_core::ids::UserId;
use beatbook_core::model::User;
use beatbook_core::naming::{one_named, NameMatchError};

/// The one user `typed` names, from `users`.
pub fn by_name(typed: &str, users: &[User]) -> Result<UserId> {
    match one_named(typed, users, |u| u.display_name.as_str()) {
        Ok(user) => Ok(user.id),
        Err(NameMatchError::Empty) => Err(CliError::usage("no user named: give a name or an id")),
        Err(e @ NameMatchError::NotFound(_)) => {
            Err(CliError::not_found(e.to_string()).hint("see the names with `beatbook user list`"))
        }
        Err(e @ NameMatchError::Ambiguous { .. }) => Err(CliError::usage(e.to_string())),
    }
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
