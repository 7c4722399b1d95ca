//! How the device's sync state names a record in SQLite (store version 30): its kind as a
//! small number and its id packed the way the s.62 log packs it
//! ([`LoggedRecordId`](crate::logged_record_id::LoggedRecordId): a UUID in
//! its canonical text as its 16 bytes, any other id as the text it was written with).
//!
//! Why: `sync_records` holds one row per record a device has ever synced, and until version 30
//! half of each row was its key — 36 characters of id and up to 20 of kind name, repeated in
//! the B-tree's interior pages — about 4 MB of a new device's 105 MB after a 100k-contact sync
//! (`docs/performance.md` §7 "Sync state keyed in bytes"). Record ids are UUID v7, so their
//! bytes sort as their text does and a commit's rows still go together at the B-tree's right
//! end (version 26's reason for keying by id first).
//!
//! The numbers are part of the store's format: a number, once given to a kind, is never given
//! to another or changed (`numbers_are_frozen_and_no_two_kinds_share_one` below); a new kind
//! takes the next one.

use crate::sync::protocol::RecordKind;
use rusqlite::functions::FunctionFlags;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSqlOutput, Value, ValueRef};
use rusqlite::{Connection, ToSql};

/// A record kind as `sync_records.kind` keeps it: its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StoredKind(pub RecordKind);

impl StoredKind {
    /// The kind's number: a match, so a new kind does not build until it is given one.
    fn number(self) -> i64 {
        match self.0 {
            RecordKind::Patrol => 1,
            RecordKind::Note => 2,
            RecordKind::Contact => 3,
            RecordKind::ContactPersonal => 4,
            RecordKind::FollowUp => 5,
            RecordKind::Problem => 6,
            RecordKind::ProblemStep => 7,
            RecordKind::StageRequest => 8,
            RecordKind::Conflict => 9,
            RecordKind::User => 10,
            RecordKind::Team => 11,
            RecordKind::PriorityArea => 12,
            RecordKind::AreaBoundaries => 13,
            RecordKind::Review => 14,
            RecordKind::RetentionSchedule => 15,
            RecordKind::RetentionReview => 16,
        }
    }

    fn of_number(number: i64) -> Option<RecordKind> {
        RecordKind::ALL
            .iter()
            .copied()
            .find(|&kind| StoredKind(kind).number() == number)
    }
}

impl ToSql for StoredKind {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Owned(Value::Integer(self.number())))
    }
}

impl FromSql for StoredKind {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let number = value.as_i64()?;
        Self::of_number(number)
            .map(StoredKind)
            .ok_or(FromSqlError::OutOfRange(number))
    }
}

/// Registers the SQL functions that give a key's stored form from its text, for statements
/// that take their keys from JSON (a pulled page's, `incoming.rs`) and for migration 0030:
/// `beatbook_sync_kind(kind)` (NULL for a name no kind has) and the log's
/// `beatbook_logged_record_id(id)` (`crate::logged_record_id`).
pub(crate) fn register(conn: &Connection) -> rusqlite::Result<()> {
    crate::logged_record_id::register_sql_function(conn)?;
    // Reads its argument in place (no copy): a pulled page calls it once a record.
    conn.create_scalar_function(
        "beatbook_sync_kind",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let name = ctx
                .get_raw(0)
                .as_str()
                .map_err(|e| rusqlite::Error::UserFunctionError(Box::new(e)))?;
            Ok(name
                .parse::<RecordKind>()
                .ok()
                .map(|kind| StoredKind(kind).number()))
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logged_record_id::LoggedRecordId;

    #[test]
    fn numbers_are_frozen_and_no_two_kinds_share_one() {
        // Stores on phones hold these numbers: changing one would misread every row of it.
        let frozen = [
            "patrol",
            "note",
            "contact",
            "contact_personal",
            "follow_up",
            "problem",
            "problem_step",
            "stage_request",
            "conflict",
            "user",
            "team",
            "priority_area",
            "area_boundaries",
            "review",
            "retention_schedule",
            "retention_review",
        ];
        for (i, name) in frozen.iter().enumerate() {
            let kind: RecordKind = name.parse().expect("a kind");
            let number = i as i64 + 1;
            assert_eq!(StoredKind(kind).number(), number, "{name}");
            assert_eq!(StoredKind::of_number(number), Some(kind), "{name}");
        }
        let mut numbers: Vec<i64> = RecordKind::ALL
            .iter()
            .map(|&kind| StoredKind(kind).number())
            .collect();
        numbers.sort_unstable();
        numbers.dedup();
        assert_eq!(numbers.len(), RecordKind::ALL.len(), "a number given twice");
        assert_eq!(StoredKind::of_number(0), None);
    }

    #[test]
    fn the_sql_functions_give_the_stored_forms() {
        let conn = Connection::open_in_memory().expect("memory");
        register(&conn).expect("functions");
        let id = "0190a000-0000-7000-8000-0000000000c2";
        let (kind, unknown, packed, other): (i64, Option<i64>, Vec<u8>, String) = conn
            .query_row(
                "SELECT beatbook_sync_kind('contact_personal'), beatbook_sync_kind('nothing'),
                        beatbook_logged_record_id(?1), beatbook_logged_record_id('legacy-7')",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .expect("row");
        assert_eq!(kind, 4);
        assert_eq!(unknown, None);
        assert_eq!(packed.len(), 16);
        assert_eq!(other, "legacy-7");
        let back: (StoredKind, LoggedRecordId) = conn
            .query_row(
                "SELECT ?1, ?2",
                (StoredKind(RecordKind::FollowUp), LoggedRecordId::stored(id)),
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("round trip");
        assert_eq!(
            back,
            (
                StoredKind(RecordKind::FollowUp),
                LoggedRecordId(id.to_owned())
            )
        );
    }
}
