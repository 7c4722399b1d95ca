//! Versions 30 and 31 on a frozen version-29 store with more rows than a batch ([`BATCH_ROWS`]
//! is 2 here): every sync-state row and every log entry arrives, as the single statements they
//! replace would have written them.

use super::BATCH_ROWS;
use crate::store::migrations::{apply, MIGRATIONS};
use rusqlite::Connection;

fn version_29_store() -> Connection {
    let conn = Connection::open_in_memory().expect("a database");
    crate::store::migration_functions::register(&conn).expect("migration functions");
    crate::store::device_sync::record_key::register(&conn).expect("key functions");
    conn.execute_batch(include_str!("../../../tests/schemas/v29.sql"))
        .expect("the frozen version 29 schema");
    conn
}

type Rows = Vec<Vec<rusqlite::types::Value>>;

fn rows(conn: &Connection, sql: &str) -> Rows {
    let mut stmt = conn.prepare(sql).expect("query");
    let columns = stmt.column_count();
    stmt.query_map([], |r| (0..columns).map(|i| r.get(i)).collect())
        .expect("rows")
        .collect::<rusqlite::Result<_>>()
        .expect("rows")
}

#[test]
fn versions_30_and_31_move_every_row_across_batches() {
    let conn = version_29_store();
    let ids: Vec<String> = (0..5).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    for (i, id) in ids
        .iter()
        .chain(["not-a-uuid".to_owned()].iter())
        .enumerate()
    {
        let kind = ["contact", "note", "follow_up"][i % 3];
        conn.execute(
            "INSERT INTO sync_records (record_id, kind, clocks) VALUES (?1, ?2, ?3)",
            rusqlite::params![id, kind, vec![i as u8; 9]],
        )
        .expect("a sync-state row");
    }
    conn.execute(
        "INSERT INTO audit_actors (id, user_id, role, device_id) VALUES (1, 'u', 'pcso', 'd')",
        [],
    )
    .expect("an actor");
    let said = ["no personal details", "linked to 1 earlier contact(s)"];
    for seq in 1..=7_i64 {
        conn.execute(
            "INSERT INTO audit_entries (seq, at_us, actor, action, record_kind, record_id,
                                        justification, detail)
             VALUES (?1, ?1 * 1000, 1, ?2, 'contact', ?3, ?4, ?5)",
            rusqlite::params![
                seq,
                if seq % 3 == 0 {
                    "consultation"
                } else {
                    "collection"
                },
                ids.get(seq as usize % 5)
                    .map(|id| crate::logged_record_id::LoggedRecordId::stored(id)),
                (seq == 4).then_some("asked by the victim"),
                (seq != 5).then(|| said[seq as usize % 2]),
            ],
        )
        .expect("a log entry");
    }
    let log = "SELECT * FROM audit_log ORDER BY seq";
    let log_before = rows(&conn, log);
    let distinct =
        "SELECT count(*) FROM (SELECT DISTINCT action, record_kind, detail FROM audit_log)";
    let distinct_before: i64 = conn.query_row(distinct, [], |r| r.get(0)).expect("events");
    let sync_expected = rows(
        &conn,
        "SELECT beatbook_logged_record_id(record_id), beatbook_sync_kind(kind), clocks
         FROM sync_records ORDER BY 1, 2",
    );
    assert!(
        sync_expected.len() > 2 * BATCH_ROWS as usize && log_before.len() > 3 * BATCH_ROWS as usize
    );

    for version in [30, 31] {
        apply(&conn, version, MIGRATIONS[version as usize - 1]).expect("upgrade");
    }

    assert_eq!(
        rows(
            &conn,
            "SELECT record_id, kind, clocks FROM sync_records ORDER BY 1, 2"
        ),
        sync_expected
    );
    assert_eq!(rows(&conn, log), log_before, "every entry as it was");
    let events: i64 = conn
        .query_row("SELECT count(*) FROM audit_events", [], |r| r.get(0))
        .expect("events");
    assert_eq!(events, distinct_before, "each (action, kind, detail) once");
    assert!(events < log_before.len() as i64);
    let old_tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name IN ('audit_entries_v30', 'sync_records_keyed')",
            [],
            |r| r.get(0),
        )
        .expect("schema");
    assert_eq!(old_tables, 0);
}
