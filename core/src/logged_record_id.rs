//! A record id as an s.62 log keeps it in SQLite — the device's (store version 27) and the
//! embedded sync server's (its schema 17): a UUID in its canonical text is kept as its 16
//! bytes, any other id as text, and both read back as the text the entry was written with
//! (which is what the server's hash chain covers).
//!
//! Why: nearly every entry names a record, and record ids are UUIDs; as text they took 36 bytes
//! of the entry and 36 more of the log's index by record. Only the canonical text (lower case,
//! hyphenated, as `Uuid` prints) is packed, so that unpacking gives back the very same
//! characters; ids written in any other form stay as they were written. One rule for both
//! logs, here, so that they cannot drift. The device's sync state (store version 30) and the
//! embedded server's record rows, members and retention index (its schema 19) keep ids by the
//! same rule, so that every join between them compares like with like.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSqlOutput, Value, ValueRef};
use rusqlite::ToSql;
use uuid::Uuid;

/// A log entry's record id as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRecordId(pub String);

impl LoggedRecordId {
    /// The stored form of `id`: 16 bytes when it is a UUID's canonical text.
    pub fn stored(id: &str) -> Value {
        match Uuid::try_parse(id) {
            // 36 characters parse only as the hyphenated form; lower case makes it canonical.
            Ok(uuid) if id.len() == 36 && !id.bytes().any(|b| b.is_ascii_uppercase()) => {
                Value::Blob(uuid.as_bytes().to_vec())
            }
            _ => Value::Text(id.to_owned()),
        }
    }
}

/// Registers `beatbook_logged_record_id(id)` on `conn`: the stored form of an id given as text
/// (NULL for NULL; any other type is an error). For SQL that takes ids as text: migration
/// 0027's copy of the device's log, migration 0030's of its sync state, and a pulled page's
/// lookup of its records' sync state (`store/device_sync/incoming.rs`), which calls it once a
/// record — so it reads its argument in place.
pub fn register_sql_function(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        "beatbook_logged_record_id",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let id = ctx
                .get_raw(0)
                .as_str_or_null()
                .map_err(|e| rusqlite::Error::UserFunctionError(Box::new(e)))?;
            Ok(id.map(LoggedRecordId::stored))
        },
    )
}

impl ToSql for LoggedRecordId {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Owned(Self::stored(&self.0)))
    }
}

impl FromSql for LoggedRecordId {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value {
            ValueRef::Text(text) => std::str::from_utf8(text)
                .map(|t| Self(t.to_owned()))
                .map_err(|e| FromSqlError::Other(Box::new(e))),
            ValueRef::Blob(bytes) => Uuid::from_slice(bytes)
                .map(|uuid| Self(uuid.hyphenated().to_string()))
                .map_err(|e| FromSqlError::Other(Box::new(e))),
            _ => Err(FromSqlError::InvalidType),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    fn round_trip(id: &str) -> (String, String) {
        let conn = Connection::open_in_memory().expect("memory");
        let (kind, back): (String, LoggedRecordId) = conn
            .query_row(
                "SELECT typeof(?1), ?1",
                [LoggedRecordId(id.to_owned())],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("row");
        (kind, back.0)
    }

    #[test]
    fn a_canonical_uuid_is_kept_as_its_bytes_and_read_back_as_the_same_text() {
        let id = Uuid::now_v7().to_string();
        assert_eq!(round_trip(&id), ("blob".to_owned(), id));
    }

    #[test]
    fn any_other_id_is_kept_as_written() {
        let upper = Uuid::now_v7().to_string().to_uppercase();
        let simple = Uuid::now_v7().simple().to_string();
        let mixed = format!("{}C", &Uuid::now_v7().to_string()[..35]);
        for id in [
            upper.as_str(),
            simple.as_str(),
            mixed.as_str(),
            "c1",
            "",
            "report",
        ] {
            assert_eq!(round_trip(id), ("text".to_owned(), id.to_owned()), "{id}");
        }
    }

    #[test]
    fn the_sql_function_gives_the_stored_form_and_keeps_null() {
        let conn = Connection::open_in_memory().expect("memory");
        register_sql_function(&conn).expect("function");
        let id = Uuid::now_v7().to_string();
        let (packed, other, none): (Vec<u8>, String, Option<String>) = conn
            .query_row(
                "SELECT beatbook_logged_record_id(?1), beatbook_logged_record_id('c1'),
                        beatbook_logged_record_id(NULL)",
                [&id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .expect("row");
        assert_eq!(packed, Uuid::parse_str(&id).expect("uuid").as_bytes());
        assert_eq!((other.as_str(), none), ("c1", None));
        let refused = conn.query_row("SELECT beatbook_logged_record_id(7)", [], |r| {
            r.get::<_, Option<Vec<u8>>>(0)
        });
        assert!(refused.is_err(), "a number is not an id");
    }

    #[test]
    fn a_stored_value_of_another_type_is_refused() {
        let conn = Connection::open_in_memory().expect("memory");
        let read = conn.query_row("SELECT x'0102'", [], |r| r.get::<_, LoggedRecordId>(0));
        assert!(read.is_err(), "two bytes are not a record id");
        let read = conn.query_row("SELECT 7", [], |r| r.get::<_, LoggedRecordId>(0));
        assert!(read.is_err(), "a number is not a record id");
    }
}
