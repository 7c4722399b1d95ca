//! People and teams as they are named: one matching rule for every place that takes a name
//! instead of an id — the terminal client's `--owner kim`, the server's
//! `admin enrol-code --user "sam demo"`.
//!
//! A name matches case-insensitively, with spaces squeezed, as a prefix of the whole name or
//! of any word in it ("kim" finds "Sergeant Kim Demo"). An exact full name wins over prefixes
//! of longer ones ("Sam" beside "PCSO Sam Demo"). One match is taken; several are an error
//! that lists them — never a guess, because the wrong officer's enrolment code or follow-up is
//! worse than a second try.

/// Why a typed name does not name exactly one candidate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameMatchError {
    #[error("no name given")]
    Empty,
    #[error("nobody is called `{0}`")]
    NotFound(String),
    #[error("`{typed}` could be {}; give more of the name", .candidates.join(", "))]
    Ambiguous {
        typed: String,
        candidates: Vec<String>,
    },
}

/// The one candidate `typed` names; `name` gives each candidate's display name.
pub fn one_named<'a, T>(
    typed: &str,
    candidates: &'a [T],
    name: impl Fn(&T) -> &str,
) -> Result<&'a T, NameMatchError> {
    let wanted = squeeze(typed);
    if wanted.is_empty() {
        return Err(NameMatchError::Empty);
    }
    let exact: Vec<&T> = candidates
        .iter()
        .filter(|c| squeeze(name(c)) == wanted)
        .collect();
    if let [one] = exact.as_slice() {
        return Ok(one);
    }
    let matches: Vec<&T> = candidates
        .iter()
        .filter(|c| names_start_with(&squeeze(name(c)), &wanted))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(NameMatchError::NotFound(typed.trim().to_owned())),
        many => Err(NameMatchError::Ambiguous {
            typed: typed.trim().to_owned(),
            candidates: many.iter().map(|c| name(c).to_owned()).collect(),
        }),
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

    const TEAM: [&str; 4] = [
        "PCSO Sam Demo",
        "PCSO Alex Demo",
        "Sergeant Kim Demo",
        "Sam",
    ];

    fn find(typed: &str) -> Result<&'static str, NameMatchError> {
        one_named(typed, &TEAM, |n| n).copied()
    }

    #[test]
    fn a_name_or_a_word_prefix_finds_one_person_in_any_case() {
        assert_eq!(find("kim"), Ok("Sergeant Kim Demo"));
        assert_eq!(find("  sergeant   KIM "), Ok("Sergeant Kim Demo"));
        assert_eq!(find("alex d"), Ok("PCSO Alex Demo"));
        assert_eq!(find("pcso s"), Ok("PCSO Sam Demo"));
    }

    #[test]
    fn an_exact_name_wins_and_an_ambiguous_one_lists_the_candidates() {
        assert_eq!(find("sam"), Ok("Sam"));
        let err = find("pcso").expect_err("two PCSOs");
        let text = err.to_string();
        assert!(
            text.contains("PCSO Sam Demo") && text.contains("PCSO Alex Demo"),
            "{text}"
        );
        assert_eq!(
            find("nobody"),
            Err(NameMatchError::NotFound("nobody".into()))
        );
        assert_eq!(find("   "), Err(NameMatchError::Empty));
    }

    #[test]
    fn a_prefix_inside_a_word_is_not_a_match() {
        // "am" is inside "Sam", not the start of a word.
        assert_eq!(find("am"), Err(NameMatchError::NotFound("am".into())));
    }
}
