//! The one error type of the core. Every variant's message is safe to show and to log: none
//! carries a field's value, so personal data never leaks through an error.

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
    /// The actor's role does not allow this.
    #[error("not permitted: {0}")]
    Forbidden(&'static str),
    /// The store was written by a newer Beatbook than this one.
    #[error("the store's schema (version {found}) is newer than this app supports ({supported})")]
    SchemaTooNew { found: u32, supported: u32 },
    /// A row could not be read back into its record type.
    #[error("stored {kind} is corrupt: {reason}")]
    Corrupt { kind: &'static str, reason: String },
    /// Area boundaries could not be loaded.
    #[error("area boundaries: {0}")]
    Geo(#[from] crate::geo::GeoError),
    /// SQLite failed.
    #[cfg(feature = "sqlite")]
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    /// The filesystem failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
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

    /// The validation error, if this is one (handy in tests and UIs).
    pub fn validation(&self) -> Option<&ValidationError> {
        match self {
            Error::Invalid(v) => Some(v),
            _ => None,
        }
    }
}
