//! The one error type of the core. Every variant's message is safe to show and to log: none
//! carries a field's value, so personal data never leaks through an error. Two variants wrap
//! messages written elsewhere — a decoding error's reason (serde quotes the value it could not
//! read: ``invalid type: string "Jane Smith"``) and SQLite's — so their messages are shown with
//! every quoted part replaced by `…` ([`redact_quoted`]): the kind of failure and where stay,
//! the value goes.

use crate::validation::ValidationError;

/// Anything the core can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The key does not open this store (or the file is not a Beatbook store at all).
    #[error("the store key is wrong, or the file is not a Beatbook store")]
    WrongKey,
    /// The key material given by the host app is missing or malformed.
    #[error("the store key is missing or malformed: {0}")]
    BadKey(&'static str),
    /// A record broke a rule; nothing was written.
    #[error("invalid input: {0}")]
    Invalid(#[from] ValidationError),
    /// A referenced record does not exist (or was erased).
    #[error("{kind} {id} not found")]
    NotFound { kind: &'static str, id: String },
    /// Not permitted: the permission policy (`crate::policy`) or a device-side permission
    /// rule refused it, with a stable code. Nothing was written.
    #[error("not permitted: {0}")]
    Denied(#[from] crate::policy::Denial),
    /// The store was written by a newer Beatbook than this one.
    #[error("the store's schema (version {found}) is newer than this app supports ({supported})")]
    SchemaTooNew { found: u32, supported: u32 },
    /// A row could not be read back into its record type.
    #[error("stored {kind} is corrupt: {}", redact_quoted(reason))]
    Corrupt { kind: &'static str, reason: String },
    /// Area boundaries could not be loaded.
    #[error("area boundaries: {0}")]
    Geo(#[from] crate::geo::GeoError),
    /// SQLite failed.
    #[cfg(feature = "sqlite")]
    #[error("database error: {}", redact_quoted(&.0.to_string()))]
    Database(#[from] rusqlite::Error),
    /// The filesystem failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// `text` with every part between double quotes, single quotes or backticks replaced by `…`
/// (an unclosed quote hides the rest), so that a message written by a library cannot carry a
/// value it quoted.
pub fn redact_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut open: Option<char> = None;
    for c in text.chars() {
        match open {
            Some(q) if c == q => {
                out.push(q);
                open = None;
            }
            Some(_) => {}
            None if matches!(c, '"' | '`' | '\'') => {
                out.push(c);
                out.push('…');
                open = Some(c);
            }
            None => out.push(c),
        }
    }
    out
}

/// The core's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    #[cfg_attr(not(feature = "store"), allow(dead_code))]
    pub(crate) fn not_found(kind: &'static str, id: impl ToString) -> Self {
        Error::NotFound {
            kind,
            id: id.to_string(),
        }
    }

    /// The denial's code, if this is a permission denial.
    pub fn denial(&self) -> Option<crate::policy::DenialCode> {
        match self {
            Error::Denied(d) => Some(d.code),
            _ => None,
        }
    }

    /// The validation error, if this is one (handy in tests and UIs).
    pub fn validation(&self) -> Option<&ValidationError> {
        match self {
            Error::Invalid(v) => Some(v),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_never_reach_a_message() {
        let serde = serde_json::from_str::<u32>("\"Jane Smith\"").expect_err("not a number");
        let e = Error::Corrupt {
            kind: "contact",
            reason: serde.to_string(),
        };
        let shown = e.to_string();
        assert!(!shown.contains("Jane"), "{shown}");
        assert!(
            shown.starts_with("stored contact is corrupt: invalid type"),
            "{shown}"
        );
        assert_eq!(
            redact_quoted("unknown variant `x9`, expected one of `W1`"),
            "unknown variant `…`, expected one of `…`"
        );
        assert_eq!(redact_quoted("no quotes here"), "no quotes here");
        assert_eq!(redact_quoted("cut \"Jane"), "cut \"…");
    }

    #[cfg(feature = "sqlite")]
    #[test]
    fn a_database_conversion_error_does_not_quote_the_value() {
        let inner = serde_json::from_str::<u32>("\"07700 900123\"").expect_err("not a number");
        let e = Error::Database(rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            Box::new(inner),
        ));
        let shown = e.to_string();
        assert!(!shown.contains("07700"), "{shown}");
        assert!(shown.starts_with("database error:"), "{shown}");
    }
}
