//! Packing keyed rows whose keys move as they are packed (the whole migrations run in the
//! upgrade tests with their rows, at a batch of [`BATCH_ROWS`] = 2 rows; the batching itself is
//! tested in `beatbook_core::sql_batches`).

use super::*;
use beatbook_core::logged_record_id::LoggedRecordId;
use rusqlite::types::Value;

fn memory() -> Connection {
    let conn = Connection::open_in_memory().expect("a database");
    beatbook_core::logged_record_id::register_sql_function(&conn).expect("function");
    conn
}

#[test]
fn keyed_rows_are_each_packed_once_though_packing_moves_them() {
    let conn = memory();
    conn.execute_batch(
        "CREATE TABLE keyed (kind TEXT NOT NULL, record_id NOT NULL, parent_id,
                             PRIMARY KEY (kind, record_id)) WITHOUT ROWID",
    )
    .expect("table");
    let uuids: Vec<String> = (0..5).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    let mut rows: Vec<(&str, String, Option<String>)> = Vec::new();
    for (i, id) in uuids.iter().enumerate() {
        let kind = if i % 2 == 0 { "contact" } else { "note" };
        rows.push((kind, id.clone(), uuids.first().cloned()));
    }
    // Ids that are not canonical UUIDs stay as written; one of them in capitals.
    rows.push(("contact", "c-17".into(), None));
    rows.push(("note", uuids[1].to_uppercase(), Some("p-1".into())));
    for (kind, id, parent) in &rows {
        conn.execute(
            "INSERT INTO keyed (kind, record_id, parent_id) VALUES (?1, ?2, ?3)",
            rusqlite::params![kind, id, parent],
        )
        .expect("row");
    }

    record_ids::pack_keyed_rows(
        &conn,
        "keyed",
        &["kind", "record_id"],
        &["record_id", "parent_id"],
    )
    .expect("packed");

    let mut stored: Vec<(String, Value, Value)> = conn
        .prepare("SELECT kind, record_id, parent_id FROM keyed")
        .expect("read")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("rows")
        .collect::<rusqlite::Result<_>>()
        .expect("rows");
    let mut expected: Vec<(String, Value, Value)> = rows
        .iter()
        .map(|(kind, id, parent)| {
            (
                kind.to_string(),
                LoggedRecordId::stored(id),
                parent
                    .as_deref()
                    .map_or(Value::Null, LoggedRecordId::stored),
            )
        })
        .collect();
    let order = |rows: &mut Vec<(String, Value, Value)>| {
        rows.sort_by_key(|(kind, id, _)| (kind.clone(), format!("{id:?}")))
    };
    order(&mut stored);
    order(&mut expected);
    assert_eq!(stored, expected);
    assert!(
        matches!(LoggedRecordId::stored(&uuids[0]), Value::Blob(ref b) if b.len() == 16),
        "a canonical UUID is packed to its 16 bytes"
    );
}
