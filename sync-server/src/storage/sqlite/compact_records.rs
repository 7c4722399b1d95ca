//! Migration 0004's step: stored records converted to the compact form
//! ([`crate::storage::compact`]: values as one JSON object, clocks as compact bytes).

use crate::storage::compact::{split, Fields};
use crate::storage::{StorageError, StorageResult};
use rusqlite::{params, Connection};

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
