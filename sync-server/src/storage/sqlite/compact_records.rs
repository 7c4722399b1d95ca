//! A record's fields as the server stores them (schema version 4): its values as one plain
//! JSON object, its field clocks in the compact form devices store ([`RecordClocks`]). The two
//! are joined back into `{name: {value, hlc}}` only where the merge or the wire needs them.
//!
//! Why: the previous `fields` column spelled out a 62-character clock beside every value
//! (about 4 KB a contact on disk). Also here: the migration step that converts stored rows.

use crate::storage::{StorageError, StorageResult};
use beatbook_core::sync::protocol::FieldState;
use beatbook_core::sync::RecordClocks;
use rusqlite::{params, Connection};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub(super) type Fields = BTreeMap<String, FieldState>;

/// Splits fields into the stored values (JSON text) and clocks (compact bytes).
pub(super) fn split(fields: &Fields) -> StorageResult<(String, Vec<u8>)> {
    let values: Map<String, Value> = fields
        .iter()
        .map(|(name, state)| (name.clone(), state.value.clone()))
        .collect();
    let clocks: RecordClocks = fields
        .iter()
        .map(|(name, state)| (name.clone(), state.hlc))
        .collect();
    let text = serde_json::to_string(&values)
        .map_err(|_| StorageError::Corrupt("a record's values would not encode".into()))?;
    Ok((text, clocks.encode()))
}

/// Joins stored values and clocks back into fields. Every clocked field must have its value.
pub(super) fn join(values: &str, clocks: &[u8]) -> StorageResult<Fields> {
    let mut values: Map<String, Value> = serde_json::from_str(values)
        .map_err(|_| StorageError::Corrupt("a record's values are not a JSON object".into()))?;
    let clocks = RecordClocks::decode(clocks)
        .map_err(|e| StorageError::Corrupt(format!("a record's clocks: {e}")))?;
    if values.len() != clocks.fields.len() {
        return Err(StorageError::Corrupt(
            "a record's values and clocks name different fields".into(),
        ));
    }
    clocks
        .fields
        .into_iter()
        .map(|(name, hlc)| {
            let value = values.remove(&name).ok_or_else(|| {
                StorageError::Corrupt("a record's values and clocks name different fields".into())
            })?;
            Ok((name, FieldState { value, hlc }))
        })
        .collect()
}

/// Migration 0004's step: copies every stored record from the old table (values and clocks
/// from its `fields`) into `records_compact`, then puts the new table in the old one's place
/// with the same indexes.
pub(super) fn convert(conn: &Connection) -> StorageResult<()> {
    let mut read = conn.prepare(
        "SELECT kind, record_id, team_id, owner_user_id, subject_kind, subject_id, fields,
           erased, seq, created_at, updated_at, echo_device FROM records",
    )?;
    let mut write = conn.prepare(
        "INSERT INTO records_compact (kind, record_id, team_id, owner_user_id, subject_kind,
           subject_id, field_values, clocks, erased, seq, created_at, updated_at, echo_device)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    let mut rows = read.query([])?;
    while let Some(r) = rows.next()? {
        let text: String = r.get(6)?;
        let fields: Fields = serde_json::from_str(&text)
            .map_err(|_| StorageError::Corrupt("a stored record's fields".into()))?;
        let (values, clocks) = split(&fields)?;
        write.execute(params![
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, Option<String>>(5)?,
            values,
            clocks,
            r.get::<_, i64>(7)?,
            r.get::<_, i64>(8)?,
            r.get::<_, i64>(9)?,
            r.get::<_, i64>(10)?,
            r.get::<_, Option<String>>(11)?,
        ])?;
    }
    drop(rows);
    conn.execute_batch(
        "DROP TABLE records;
         ALTER TABLE records_compact RENAME TO records;
         CREATE INDEX records_team_seq ON records (team_id, seq);
         CREATE INDEX records_subject ON records (subject_kind, subject_id)
           WHERE subject_kind IS NOT NULL;",
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use beatbook_core::ids::DeviceId;
    use beatbook_core::sync::Hlc;

    #[test]
    fn fields_split_and_join_back_unchanged() {
        let node = DeviceId::new();
        let fields: Fields = [
            ("text", serde_json::json!("Fence down"), Hlc::new(5, node)),
            (
                "place",
                serde_json::json!({"lat": 52.4, "lon": -1.5}),
                Hlc::new(7, node),
            ),
            ("ended_at", Value::Null, Hlc::new(5, node)),
        ]
        .into_iter()
        .map(|(n, value, hlc)| (n.to_owned(), FieldState { value, hlc }))
        .collect();
        let (values, clocks) = split(&fields).expect("split");
        assert_eq!(join(&values, &clocks).expect("join"), fields);
        assert!(join("{}", &clocks).is_err(), "a clock without its value");
        assert!(join(&values, &RecordClocks::default().encode()).is_err());
    }
}
