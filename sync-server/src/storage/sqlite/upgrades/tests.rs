//! The batching that keeps upgrades in bounded memory: every row visited once, in order, and the
//! store's settings as they were (the whole migrations run in `migrations` and the upgrade tests
//! with their rows, at a batch of [`BATCH_ROWS`] = 2 rows).

use super::*;
use crate::storage::StorageError;
use beatbook_core::logged_record_id::LoggedRecordId;
use rusqlite::types::Value;

fn memory() -> Connection {
    let conn = Connection::open_in_memory().expect("a database");
    beatbook_core::logged_record_id::register_sql_function(&conn).expect("function");
    conn
}

#[test]
fn rowid_batches_cover_every_row_once_in_order_up_to_the_largest_rowid() {
    let conn = memory();
    conn.execute_batch("CREATE TABLE t (x INTEGER)")
        .expect("table");
    let rowids = [-5, 1, 2, 3, 7, 100, i64::MAX];
    for rowid in rowids {
        conn.execute("INSERT INTO t (rowid, x) VALUES (?1, 0)", [rowid])
            .expect("row");
    }
    let mut batches: Vec<Vec<i64>> = Vec::new();
    let mut read = conn
        .prepare("SELECT rowid FROM t WHERE rowid BETWEEN ?1 AND ?2 ORDER BY rowid")
        .expect("read");
    for_each_rowid_batch(&conn, "t", |low, high| {
        let rows = read
            .query_map([low, high], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        batches.push(rows);
        Ok(())
    })
    .expect("batches");
    assert_eq!(
        batches,
        [vec![-5, 1], vec![2, 3], vec![7, 100], vec![i64::MAX]],
        "{BATCH_ROWS} rows a batch, each row once"
    );

    let mut none = Vec::new();
    conn.execute_batch("CREATE TABLE empty (x INTEGER)")
        .expect("table");
    for_each_rowid_batch(&conn, "empty", |low, high| {
        none.push((low, high));
        Ok(())
    })
    .expect("no batches");
    assert!(none.is_empty());
}

#[test]
fn secure_delete_is_put_back_as_it_was_even_when_the_work_fails() {
    let conn = memory();
    let secure = |conn: &Connection| -> bool {
        conn.query_row("PRAGMA secure_delete", [], |r| r.get(0))
            .expect("pragma")
    };
    for was in [true, false] {
        conn.pragma_update(None, "secure_delete", was).expect("set");
        let inside = without_zeroing(&conn, || Ok(secure(&conn))).expect("ran");
        assert!(!inside, "off while the step frees pages");
        assert_eq!(secure(&conn), was);
        let failed: StorageResult<()> =
            without_zeroing(&conn, || Err(StorageError::Corrupt("a failed step".into())));
        assert!(matches!(failed, Err(StorageError::Corrupt(_))));
        assert_eq!(secure(&conn), was, "put back after a failure too");
    }
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
