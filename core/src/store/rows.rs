//! Small helpers for moving values between records and rows: JSON columns and typed errors
//! for rows that cannot be read back.

use crate::error::Error;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Serialises a nested value for a JSON column.
pub(crate) fn to_json<T: Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| Error::Corrupt {
        kind: "json value",
        reason: e.to_string(),
    })
}

/// Reads a JSON column inside a row mapper (as a `rusqlite` conversion error).
pub(crate) fn from_json<T: DeserializeOwned>(text: &str) -> rusqlite::Result<T> {
    serde_json::from_str(text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// A stored value that fails validation on the way out becomes a conversion error.
pub(crate) fn conversion<E: std::error::Error + Send + Sync + 'static>(e: E) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
}

/// `rusqlite`'s "no rows" as our `NotFound`.
pub(crate) trait OptionalRow<T> {
    fn or_not_found(self, kind: &'static str, id: impl ToString) -> Result<T, Error>;
}

impl<T> OptionalRow<T> for rusqlite::Result<T> {
    fn or_not_found(self, kind: &'static str, id: impl ToString) -> Result<T, Error> {
        match self {
            Ok(v) => Ok(v),
            Err(rusqlite::Error::QueryReturnedNoRows) => Err(Error::not_found(kind, id)),
            Err(e) => Err(Error::Database(e)),
        }
    }
}
