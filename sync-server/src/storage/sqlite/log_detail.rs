//! A log entry's detail as the embedded store keeps it (schema 18): the text around its first
//! number, which a few phrasings share across hundreds of thousands of entries, apart from the
//! number, which is nearly always the entry's own.
//!
//! Why: the server's log keeps every device's entries as "device log entry 10452: no personal
//! details" and each disclosure as "pull, seq 88213". Kept whole, each detail is its own text
//! and cannot be shared (schema 18's first form, which kept whole details once each, made the
//! store bigger: `docs/performance.md` §7); split, the text around the number is one of a
//! handful of events and the number a few bytes in the entry. The chain's hash covers the
//! detail as written, so the split must give back exactly that text: [`split`] takes a number
//! only where SQLite's integer-to-text conversion writes the same digits (no sign, no leading
//! zero, at most 18 digits), and `head || number || tail` is the detail again.

/// A detail split around its first number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DetailParts<'a> {
    /// The text before the number, or the whole detail when it has none.
    pub head: &'a str,
    /// The number and the text after it; `None` when the detail has no number to take out.
    pub number: Option<(i64, &'a str)>,
}

/// Most digits taken as a number: every 18-digit run fits an `i64`.
const MAX_DIGITS: usize = 18;

/// Splits `detail` around its first run of ASCII digits, when that run reads back as the same
/// digits (no leading zero unless it is `0`, at most 18 digits); otherwise it is all head.
pub(crate) fn split(detail: &str) -> DetailParts<'_> {
    let whole = DetailParts {
        head: detail,
        number: None,
    };
    let Some(start) = detail.find(|c: char| c.is_ascii_digit()) else {
        return whole;
    };
    let digits = detail[start..]
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(detail.len() - start);
    let run = &detail[start..start + digits];
    if digits > MAX_DIGITS || (digits > 1 && run.starts_with('0')) {
        return whole;
    }
    match run.parse::<i64>() {
        Ok(number) => DetailParts {
            head: &detail[..start],
            number: Some((number, &detail[start + digits..])),
        },
        Err(_) => whole,
    }
}

/// The SQL expression that gives an entry's detail back from its event `v` and entry `e`
/// (the `audit_chain` view and the log's readers).
pub(crate) const DETAIL_SQL: &str = "CASE WHEN v.detail_tail IS NULL THEN v.detail_head
    ELSE v.detail_head || e.detail_number || v.detail_tail END";

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rusqlite::Connection;

    fn join(parts: DetailParts<'_>) -> String {
        match parts.number {
            None => parts.head.to_owned(),
            Some((n, tail)) => format!("{}{n}{tail}", parts.head),
        }
    }

    #[test]
    fn the_numbers_the_log_writes_are_taken_out() {
        assert_eq!(
            split("device log entry 10452: no personal details"),
            DetailParts {
                head: "device log entry ",
                number: Some((10452, ": no personal details")),
            }
        );
        assert_eq!(
            split("pull, seq 88213"),
            DetailParts {
                head: "pull, seq ",
                number: Some((88213, "")),
            }
        );
        assert_eq!(
            split("0 left"),
            DetailParts {
                head: "",
                number: Some((0, " left")),
            }
        );
    }

    #[test]
    fn digits_that_would_not_read_back_the_same_stay_in_the_head() {
        for kept in [
            "no number here",
            "",
            "order 007",
            "a 1234567890123456789 long one",
        ] {
            assert_eq!(
                split(kept),
                DetailParts {
                    head: kept,
                    number: None
                },
                "{kept:?}"
            );
        }
        // Only the first run is looked at; a second stays in the tail.
        assert_eq!(
            split("linked to 2 earlier contact(s), 3 days"),
            DetailParts {
                head: "linked to ",
                number: Some((2, " earlier contact(s), 3 days")),
            }
        );
    }

    #[test]
    fn sql_gives_back_the_detail_from_its_parts() {
        let conn = Connection::open_in_memory().expect("db");
        for detail in [
            Some("device log entry 7: with personal details"),
            Some("order 007"),
            Some("pull, seq 5"),
            Some(""),
            None,
        ] {
            let parts = detail.map(split);
            let head = parts.map(|p| p.head);
            let (number, tail) = parts.and_then(|p| p.number).unzip();
            let back: Option<String> = conn
                .query_row(
                    &format!(
                        "SELECT {DETAIL_SQL} FROM (SELECT ?1 AS detail_head, ?3 AS detail_tail) v,
                         (SELECT ?2 AS detail_number) e"
                    ),
                    rusqlite::params![head, number, tail],
                    |r| r.get(0),
                )
                .expect("query");
            assert_eq!(back.as_deref(), detail);
        }
    }

    proptest! {
        #[test]
        fn any_detail_comes_back_whole(detail in "\\PC{0,40}|[a-z ]{0,5}[0-9]{1,20}[a-z: ]{0,5}") {
            prop_assert_eq!(join(split(&detail)), detail);
        }

        #[test]
        fn sql_joins_the_parts_as_rust_does(detail in "[a-z ]{0,5}-?[0-9]{1,20}[a-z: 0-9]{0,5}") {
            let conn = Connection::open_in_memory().expect("db");
            let parts = split(&detail);
            let (number, tail) = parts.number.unzip();
            let back: String = conn
                .query_row(
                    &format!("SELECT {DETAIL_SQL} FROM (SELECT ?1 AS detail_head, ?2 AS detail_tail) v,
                        (SELECT ?3 AS detail_number) e"),
                    rusqlite::params![parts.head, tail, number],
                    |r| r.get(0),
                )
                .expect("query");
            prop_assert_eq!(back, detail);
        }
    }
}
