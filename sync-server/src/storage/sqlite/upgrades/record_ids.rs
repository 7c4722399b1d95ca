//! Migration 0019's step: the ids in record rows, their members and the retention index packed
//! by the s.62 logs' rule (`beatbook_logged_record_id`), a batch at a time.
//!
//! `records` is rewritten by ranges of rowid. `record_members` and `retention_index` are keyed
//! by the ids being packed (`WITHOUT ROWID`), so a packed row moves: their keys are read a batch
//! at a time in key order and each row is packed by its key. A packed UUID is bytes, which SQLite
//! orders after every text, so a moved row comes round again later in the walk; it has no text
//! id left and is passed over.

use super::{for_each_rowid_batch, BATCH_ROWS};
use crate::storage::StorageResult;
use rusqlite::types::Value;
use rusqlite::Connection;

/// `column` packed if it is still text.
fn packed(column: &str) -> String {
    format!(
        "{column} = CASE WHEN typeof({column}) = 'text' \
         THEN beatbook_logged_record_id({column}) ELSE {column} END"
    )
}

/// Packs every id column of `records`, `record_members` and `retention_index`.
pub(in crate::storage::sqlite) fn pack(conn: &Connection) -> StorageResult<()> {
    let columns = [
        "record_id",
        "subject_id",
        "team_id",
        "owner_user_id",
        "echo_device",
    ];
    let mut records = conn.prepare(&format!(
        "UPDATE records SET {} WHERE rowid BETWEEN ?1 AND ?2",
        columns.map(packed).join(", ")
    ))?;
    for_each_rowid_batch(conn, "records", |low, high| {
        records.execute([low, high])?;
        Ok(())
    })?;
    pack_keyed_rows(
        conn,
        "record_members",
        &["kind", "record_id", "user_id"],
        &["record_id"],
    )?;
    pack_keyed_rows(
        conn,
        "retention_index",
        &["kind", "record_id"],
        &["record_id", "parent_id", "team_id"],
    )
}

/// Packs `columns` of every row of `table`, whose primary key is `key`, one row per statement.
pub(super) fn pack_keyed_rows(
    conn: &Connection,
    table: &str,
    key: &[&str],
    columns: &[&str],
) -> StorageResult<()> {
    let key_list = key.join(", ");
    let key_params = (1..=key.len())
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut first = conn.prepare(&format!(
        "SELECT {key_list} FROM {table} ORDER BY {key_list} LIMIT {BATCH_ROWS}"
    ))?;
    let mut next = conn.prepare(&format!(
        "SELECT {key_list} FROM {table} WHERE ({key_list}) > ({key_params})
         ORDER BY {key_list} LIMIT {BATCH_ROWS}"
    ))?;
    let any_text = columns
        .iter()
        .map(|c| format!("typeof({c}) = 'text'"))
        .collect::<Vec<_>>()
        .join(" OR ");
    let mut update = conn.prepare(&format!(
        "UPDATE {table} SET {} WHERE ({key_list}) = ({key_params}) AND ({any_text})",
        columns
            .iter()
            .map(|c| packed(c))
            .collect::<Vec<_>>()
            .join(", ")
    ))?;
    let read_key = |row: &rusqlite::Row<'_>| -> rusqlite::Result<Vec<Value>> {
        (0..key.len()).map(|i| row.get(i)).collect()
    };
    let mut after: Option<Vec<Value>> = None;
    loop {
        let keys: Vec<Vec<Value>> = match &after {
            None => first
                .query_map([], read_key)?
                .collect::<rusqlite::Result<_>>()?,
            Some(last) => next
                .query_map(rusqlite::params_from_iter(last), read_key)?
                .collect::<rusqlite::Result<_>>()?,
        };
        let Some(last) = keys.last().cloned() else {
            return Ok(());
        };
        for row_key in &keys {
            update.execute(rusqlite::params_from_iter(row_key))?;
        }
        after = Some(last);
    }
}
