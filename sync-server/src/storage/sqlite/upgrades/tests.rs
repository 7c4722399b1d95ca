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

#[test]
fn version_20_gives_every_live_record_its_report_reach_across_batches() {
    let (_dir, conn) = crate::storage::sqlite::store_at_version(19);
    let put = |kind: &str, id: &str, values: &str, erased: bool| {
        conn.execute(
            "INSERT INTO records (kind, record_id, field_values, clocks, erased, seq, created_at,
               updated_at) VALUES (?1, ?2, ?3, x'010000', ?4, (SELECT count(*) + 1 FROM records), 1, 1)",
            rusqlite::params![
                kind,
                id,
                crate::storage::packed_values::pack(values).expect("packed"),
                erased
            ],
        )
        .expect("an old record");
    };
    for (i, day) in ["01", "02", "03"].iter().enumerate() {
        let values = format!(r#"{{"occurred_at": "2026-01-{day}T00:00:00Z"}}"#);
        put("contact", &format!("c{i}"), &values, false);
    }
    put("note", "n", r#"{"text": "Gate open"}"#, false);
    put("follow_up", "open", r#"{"status": "open"}"#, false);
    put(
        "contact",
        "gone",
        r#"{"occurred_at": "2026-01-04T00:00:00Z"}"#,
        true,
    );
    put("kind_from_a_later_build", "x", "{}", false);

    let (name, sql) = crate::storage::sqlite::migrations::MIGRATIONS[19];
    crate::storage::sqlite::migrations::apply(&conn, name, sql).expect("version 20");

    let reach = |id: &str| -> Option<i64> {
        conn.query_row(
            "SELECT report_until_day FROM records WHERE record_id = ?1",
            [id],
            |r| r.get(0),
        )
        .expect("the record")
    };
    // Days since 1970-01-01: 2026-01-01 is day 20,454.
    let jan = |day: i64| 20_453 + day;
    assert_eq!(
        [reach("c0"), reach("c1"), reach("c2")],
        [Some(jan(1)), Some(jan(2)), Some(jan(3))],
        "every contact, in every batch of two"
    );
    assert_eq!(reach("open"), Some(beatbook_core::reports::ALWAYS_READ));
    assert_eq!(reach("n"), None, "no report reads notes");
    assert_eq!(reach("gone"), None, "an erased record is read by none");
    assert_eq!(reach("x"), None);
}
