//! Schema migrations: the `.sql` files in `sync-server/migrations/`, applied in order, each in
//! its own transaction, tracked by SQLite's `user_version`. A store newer than this build is
//! refused rather than written to with the wrong schema.
//!
//! A migration may have Rust steps for what SQL cannot do, or cannot do in bounded memory (a
//! statement that rewrites a whole table holds every page it changed in memory until it ends:
//! `upgrades`). Each step runs where its migration's SQL has a line `-- @step`, in order; a
//! step without such a line runs after the SQL.

use crate::storage::{StorageError, StorageResult};
use rusqlite::Connection;

/// A step a migration takes after its SQL, in the same transaction, for what SQL cannot do.
pub(super) type ConvertStep = beatbook_core::sql_batches::MigrationStep<StorageError>;

/// Every migration, in order; the store's `user_version` is how many have been applied.
pub(super) const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_initial",
        include_str!("../../../migrations/0001_initial.sql"),
    ),
    (
        "0002_audit",
        include_str!("../../../migrations/0002_audit.sql"),
    ),
    (
        "0003_no_echo",
        include_str!("../../../migrations/0003_no_echo.sql"),
    ),
    (
        "0004_compact_records",
        include_str!("../../../migrations/0004_compact_records.sql"),
    ),
    (
        "0005_audit_chain",
        include_str!("../../../migrations/0005_audit_chain.sql"),
    ),
    (
        "0006_op_ids_per_device",
        include_str!("../../../migrations/0006_op_ids_per_device.sql"),
    ),
    (
        "0007_device_audit_marks",
        include_str!("../../../migrations/0007_device_audit_marks.sql"),
    ),
    (
        "0008_triangle_corners",
        include_str!("../../../migrations/0008_triangle_corners.sql"),
    ),
    (
        "0009_retention_index",
        include_str!("../../../migrations/0009_retention_index.sql"),
    ),
    (
        "0010_packed_values",
        include_str!("../../../migrations/0010_packed_values.sql"),
    ),
    (
        "0011_team_roster",
        include_str!("../../../migrations/0011_team_roster.sql"),
    ),
    (
        "0012_audit_actors",
        include_str!("../../../migrations/0012_audit_actors.sql"),
    ),
    (
        "0013_applied_ops_blobs",
        include_str!("../../../migrations/0013_applied_ops_blobs.sql"),
    ),
    (
        "0014_retention_ranges_held_only",
        include_str!("../../../migrations/0014_retention_ranges_held_only.sql"),
    ),
    (
        "0015_checks_without_in_lists",
        include_str!("../../../migrations/0015_checks_without_in_lists.sql"),
    ),
    (
        "0016_retention_no_empty_personal_rows",
        include_str!("../../../migrations/0016_retention_no_empty_personal_rows.sql"),
    ),
    (
        "0017_lean_log_and_clocks",
        include_str!("../../../migrations/0017_lean_log_and_clocks.sql"),
    ),
    (
        "0018_audit_events",
        include_str!("../../../migrations/0018_audit_events.sql"),
    ),
    (
        "0019_record_ids_packed",
        include_str!("../../../migrations/0019_record_ids_packed.sql"),
    ),
    (
        "0020_report_reach",
        include_str!("../../../migrations/0020_report_reach.sql"),
    ),
];

/// The schema version this build writes.
pub(crate) const LATEST: usize = MIGRATIONS.len();

/// The Rust steps of a migration, by its name, in the order its SQL calls them.
pub(super) fn convert_steps(name: &str) -> &'static [ConvertStep] {
    match name {
        "0004_compact_records" => &[super::compact_records::convert],
        "0005_audit_chain" => &[super::audit::adopt_legacy],
        "0008_triangle_corners" => &[split_triangles],
        "0009_retention_index" => &[super::retention::backfill],
        "0010_packed_values" => &[crate::storage::packed_values::pack_plain_rows],
        "0015_checks_without_in_lists" => &[super::check_lists::rewrite],
        "0017_lean_log_and_clocks" => &[clocks_v2],
        "0018_audit_events" => &[
            super::upgrades::log_events::drop_old_indexes,
            super::upgrades::log_events::move_entries,
        ],
        "0019_record_ids_packed" => &[super::upgrades::record_ids::pack],
        "0020_report_reach" => &[super::upgrades::report_reach::fill],
        _ => &[],
    }
}

/// Applies migration `name` (its SQL and its Rust steps, each step where the SQL marks it) to
/// `conn`, in the caller's transaction.
pub(super) fn apply(conn: &Connection, name: &str, sql: &str) -> StorageResult<()> {
    beatbook_core::sql_batches::run_migration(conn, sql, convert_steps(name), || {
        StorageError::Corrupt(format!("migration {name} marks a step it does not have"))
    })
}

/// Migration 0008's step: every stored problem's `triangle` split into its corner fields
/// (`storage::triangle_corners`).
fn split_triangles(conn: &Connection) -> StorageResult<()> {
    let mut read = conn.prepare(
        "SELECT record_id, field_values, clocks FROM records WHERE kind = 'problem' AND NOT erased",
    )?;
    let mut write =
        conn.prepare("UPDATE records SET field_values = ?2, clocks = ?3 WHERE kind = 'problem' AND record_id = ?1")?;
    let mut rows = read.query([])?;
    while let Some(r) = rows.next()? {
        let (id, values, clocks): (String, String, Vec<u8>) = (r.get(0)?, r.get(1)?, r.get(2)?);
        if let Some((values, clocks)) =
            crate::storage::triangle_corners::split_stored(&values, &clocks)?
        {
            write.execute(rusqlite::params![id, values, clocks])?;
        }
    }
    Ok(())
}

/// Migration 0017's step: every record's clocks rewritten in their second form
/// (`RecordClocks::encode_v2`); a row already in it is left alone.
fn clocks_v2(conn: &Connection) -> StorageResult<()> {
    use beatbook_core::sync::RecordClocks;
    let mut read = conn.prepare("SELECT rowid, clocks FROM records")?;
    let mut write = conn.prepare("UPDATE records SET clocks = ?2 WHERE rowid = ?1")?;
    let mut rows = read.query([])?;
    while let Some(r) = rows.next()? {
        let (rowid, clocks): (i64, Vec<u8>) = (r.get(0)?, r.get(1)?);
        let decoded = RecordClocks::decode(&clocks)
            .map_err(|e| StorageError::Corrupt(format!("a record's clocks: {e}")))?;
        let v2 = decoded.encode_v2();
        if v2 != clocks {
            write.execute(rusqlite::params![rowid, v2])?;
        }
    }
    Ok(())
}

/// The SQL functions migrations call: 0019 packs record rows' ids by the logs' rule.
pub(super) fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    beatbook_core::logged_record_id::register_sql_function(conn)
}

/// Brings the store's schema up to date.
pub(super) fn migrate(conn: &mut Connection) -> StorageResult<()> {
    let applied: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let applied = usize::try_from(applied)
        .map_err(|_| StorageError::Corrupt("negative schema version".into()))?;
    if applied > MIGRATIONS.len() {
        return Err(StorageError::Invalid(format!(
            "the store has schema version {applied}, newer than this server ({}); upgrade the server",
            MIGRATIONS.len()
        )));
    }
    if applied < MIGRATIONS.len() {
        register_functions(conn)?;
    }
    for (index, (name, sql)) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = conn.transaction()?;
        apply(&tx, name, sql)?;
        tx.pragma_update(None, "user_version", (index + 1) as i64)?;
        tx.commit()?;
        tracing::info!(migration = name, "applied schema migration");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::conformance::filter;
    use crate::storage::sqlite::SqliteStorage;
    use crate::storage::SyncStorage;

    #[test]
    fn a_version_3_store_keeps_every_record_field_and_clock_in_the_compact_form() {
        let dir = crate::storage::sqlite::private_tempdir();
        let path = dir.path().join("beatbook-server.db");
        super::super::permissions::prepare_file(&path).expect("a private file");
        let mut conn = crate::storage::sqlite::open_test_file(&path);
        for (_, sql) in &MIGRATIONS[..3] {
            conn.execute_batch(sql).expect("old schema");
        }
        conn.pragma_update(None, "user_version", 3)
            .expect("version");
        let fields = r#"{"text": {"value": "Fence down by the rec", "hlc": "0000019a9c2e3000-00000000-0190a000-0000-7000-8000-0000000000d1"},
                         "place": {"value": {"lat": 52.4, "lon": -1.5}, "hlc": "0000019a9c2e4000-00000002-0190a000-0000-7000-8000-0000000000d2"}}"#;
        conn.execute(
            "INSERT INTO records (kind, record_id, team_id, fields, seq, created_at, updated_at)
             VALUES ('note', 'n1', NULL, ?1, 1, 1, 1)",
            [fields],
        )
        .expect("an old row");
        conn.execute("UPDATE feed SET last_seq = 1", [])
            .expect("feed");
        migrate(&mut conn).expect("upgrade");
        let columns: Vec<String> = conn
            .prepare("SELECT name FROM pragma_table_info('records')")
            .expect("columns")
            .query_map([], |r| r.get(0))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        assert!(!columns.contains(&"fields".to_owned()), "{columns:?}");
        drop(conn);

        let storage =
            SqliteStorage::open(dir.path(), &crate::storage::sqlite::test_key()).expect("storage");
        let page = storage.feed_page(&filter(), 0, 10).expect("page");
        let expected: std::collections::BTreeMap<
            String,
            beatbook_core::sync::protocol::FieldState,
        > = serde_json::from_str(fields).expect("fields");
        assert_eq!(page.rows.len(), 1);
        assert_eq!(page.rows[0].state.fields, expected);
    }

    #[test]
    fn every_step_a_migration_marks_is_one_of_its_steps() {
        for (name, sql) in MIGRATIONS {
            let marked = sql
                .lines()
                .filter(|l| {
                    l.trim_start()
                        .starts_with(beatbook_core::sql_batches::STEP_MARKER)
                })
                .count();
            assert!(marked <= convert_steps(name).len(), "{name}");
        }
        let (_, log) = MIGRATIONS[17];
        assert_eq!(
            log.matches(beatbook_core::sql_batches::STEP_MARKER).count(),
            2,
            "0018 runs two steps"
        );
    }

    #[test]
    fn a_marked_step_that_is_missing_fails_the_migration() {
        let conn = Connection::open_in_memory().expect("a database");
        let unknown = apply(
            &conn,
            "no_such_migration",
            "CREATE TABLE a (x);\n-- @step: a step it does not have\nCREATE TABLE b (x);",
        );
        assert!(
            matches!(unknown, Err(StorageError::Corrupt(_))),
            "{unknown:?}"
        );
    }

    /// The device that wrote the old stores' clocks.
    fn old_node() -> beatbook_core::ids::DeviceId {
        "0190a000-0000-7000-8000-0000000000d1"
            .parse()
            .expect("node")
    }

    #[test]
    fn a_version_6_store_keeps_its_problems_triangles_as_corners_with_their_clocks() {
        use beatbook_core::model::{TRIANGLE_CORNERS, TRIANGLE_LOCATION};
        use beatbook_core::sync::protocol::FieldState;
        use beatbook_core::sync::Hlc;
        let (dir, mut conn) = crate::storage::sqlite::store_at_version(6);
        let node = old_node();
        let analysed = Hlc::new(1_764_000_000_500, node);
        let old: crate::storage::compact::Fields = [
            (
                "title",
                serde_json::json!("Garage burglaries"),
                Hlc::new(1_764_000_000_000, node),
            ),
            (
                "triangle",
                serde_json::json!({"offender": null, "location": "Rear lane"}),
                analysed,
            ),
        ]
        .into_iter()
        .map(|(n, value, hlc)| (n.to_owned(), FieldState { value, hlc }))
        .collect();
        let (values, clocks) = crate::storage::compact::split(&old).expect("split");
        conn.execute(
            "INSERT INTO records (kind, record_id, field_values, clocks, seq, created_at, updated_at)
             VALUES ('problem', 'p1', ?1, ?2, 1, 1, 1)",
            rusqlite::params![values, clocks],
        )
        .expect("an old problem");
        conn.execute("UPDATE feed SET last_seq = 1", [])
            .expect("feed");
        migrate(&mut conn).expect("upgrade");
        drop(conn);

        let storage = SqliteStorage::open(dir.path(), &super::super::test_key()).expect("storage");
        let page = storage.feed_page(&filter(), 0, 10).expect("page");
        let fields = &page.rows[0].state.fields;
        assert!(!fields.contains_key("triangle"));
        assert_eq!(fields[TRIANGLE_LOCATION].value, "Rear lane");
        for (corner, _, _) in TRIANGLE_CORNERS {
            assert_eq!(fields[corner].hlc, analysed, "{corner}");
        }
        assert_eq!(
            page.rows[0].seq, 1,
            "not re-sent: devices split their copies alike"
        );
    }

    #[test]
    fn a_version_9_store_has_every_records_values_packed_and_reads_them_back_unchanged() {
        use beatbook_core::sync::protocol::FieldState;
        use beatbook_core::sync::Hlc;
        let (dir, mut conn) = crate::storage::sqlite::store_at_version(9);
        let node = old_node();
        let hlc = Hlc::new(1_764_000_000_000, node);
        let old: crate::storage::compact::Fields = [
            (
                "issues_text",
                serde_json::json!("Cars parked on the verge by the school"),
            ),
            ("method", serde_json::json!("foot_patrol")),
            ("place", serde_json::json!({"lat": 52.4, "lon": -1.5})),
            ("promised", serde_json::Value::Null),
            (
                "occurred_at",
                serde_json::json!("2026-11-30T09:12:00.000000Z"),
            ),
        ]
        .into_iter()
        .map(|(n, value)| (n.to_owned(), FieldState { value, hlc }))
        .collect();
        let (values, clocks) = crate::storage::compact::split(&old).expect("split");
        for (seq, id) in [(1, "c1"), (2, "c2")] {
            conn.execute(
                "INSERT INTO records (kind, record_id, field_values, clocks, seq, created_at,
                   updated_at) VALUES ('contact', ?1, ?2, ?3, ?4, 1, 1)",
                rusqlite::params![id, values, clocks, seq],
            )
            .expect("an old contact");
        }
        conn.execute("UPDATE feed SET last_seq = 2", [])
            .expect("feed");
        migrate(&mut conn).expect("upgrade");
        let stored: Vec<(String, i64)> = conn
            .prepare("SELECT typeof(field_values), length(field_values) FROM records")
            .expect("read")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        assert_eq!(stored.len(), 2);
        for (form, length) in stored {
            assert_eq!(form, "blob");
            assert!(length < values.len() as i64, "{length} of {}", values.len());
        }
        drop(conn);

        let storage = SqliteStorage::open(dir.path(), &super::super::test_key()).expect("storage");
        let page = storage.feed_page(&filter(), 0, 10).expect("page");
        let seqs: Vec<u64> = page.rows.iter().map(|r| r.seq).collect();
        assert_eq!(seqs, [1, 2], "not re-sent: only the stored form changed");
        for row in &page.rows {
            assert_eq!(row.state.fields, old);
        }
    }

    #[test]
    fn a_version_12_stores_applied_ops_still_answer_a_resent_op_duplicate() {
        use crate::storage::{Decision, WriteOutcome, WriteTarget};
        use beatbook_core::sync::RecordKind;
        let (dir, mut conn) = crate::storage::sqlite::store_at_version(12);
        let op_id = uuid::Uuid::now_v7();
        conn.execute(
            "INSERT INTO applied_ops (device_id, op_id, seq, received_at) VALUES (?1, ?2, 1, 1)",
            rusqlite::params![old_node().to_string(), op_id.to_string()],
        )
        .expect("an old applied op");
        migrate(&mut conn).expect("upgrade");
        let stored: (String, i64, String, i64) = conn
            .query_row(
                "SELECT typeof(device_id), length(device_id), typeof(op_id), length(op_id)
                 FROM applied_ops",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .expect("the row");
        assert_eq!(stored, ("blob".into(), 16, "blob".into(), 16));
        drop(conn);

        let storage = SqliteStorage::open(dir.path(), &super::super::test_key()).expect("storage");
        let target = |op_id| WriteTarget {
            op_id: Some(op_id),
            device_id: Some(old_node()),
            kind: RecordKind::Note,
            record_id: "n1".into(),
            now_ms: 2,
            pulled_through: None,
        };
        let mut decided = 0;
        let mut decide = |_: &crate::storage::CurrentRecord| {
            decided += 1;
            Decision::Unchanged
        };
        let resent = storage
            .write_record(&target(op_id), &mut decide)
            .expect("resent");
        assert_eq!(resent, WriteOutcome::Duplicate);
        let fresh = storage
            .write_record(&target(uuid::Uuid::now_v7()), &mut decide)
            .expect("a new op");
        assert!(matches!(fresh, WriteOutcome::Applied { .. }), "{fresh:?}");
        assert_eq!(decided, 1, "only the new op was decided");
    }
    #[test]
    fn a_version_16_store_has_its_clocks_in_the_second_form_and_serves_the_same_fields() {
        use beatbook_core::sync::protocol::FieldState;
        use beatbook_core::sync::{Hlc, RecordClocks};
        let (dir, mut conn) = crate::storage::sqlite::store_at_version(16);
        let node = old_node();
        let at = |ms: u64| Hlc::new(1_764_000_000_000 + ms, node);
        // One record under one clock, one whose fields were written at three.
        let one: crate::storage::compact::Fields = [
            ("issues_text", serde_json::json!("Bins left out"), at(0)),
            ("method", serde_json::json!("foot_patrol"), at(0)),
        ]
        .into_iter()
        .map(|(n, value, hlc)| (n.to_owned(), FieldState { value, hlc }))
        .collect();
        let three: crate::storage::compact::Fields = [
            ("title", serde_json::json!("Garage burglaries"), at(0)),
            ("stage", serde_json::json!("analysis"), at(5)),
            ("a_field_no_vocabulary_names", serde_json::json!(7), at(9)),
        ]
        .into_iter()
        .map(|(n, value, hlc)| (n.to_owned(), FieldState { value, hlc }))
        .collect();
        let mut old_clocks = Vec::new();
        for (seq, (id, fields)) in [("c1", &one), ("p1", &three)].into_iter().enumerate() {
            let (values, clocks) = crate::storage::compact::split(fields).expect("split");
            let packed = crate::storage::packed_values::pack(&values).expect("pack");
            conn.execute(
                "INSERT INTO records (kind, record_id, field_values, clocks, seq, created_at,
                   updated_at) VALUES ('note', ?1, ?2, ?3, ?4, 1, 1)",
                rusqlite::params![id, packed, clocks, seq as i64 + 1],
            )
            .expect("an old record");
            old_clocks.push(clocks);
        }
        conn.execute("UPDATE feed SET last_seq = 2", [])
            .expect("feed");
        migrate(&mut conn).expect("upgrade");
        let stored: Vec<Vec<u8>> = conn
            .prepare("SELECT clocks FROM records ORDER BY seq")
            .expect("read")
            .query_map([], |r| r.get(0))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        for (new, old) in stored.iter().zip(&old_clocks) {
            let decoded = RecordClocks::decode(old).expect("v1");
            assert_eq!(*new, decoded.encode_v2(), "the second form");
        }
        drop(conn);

        let storage = SqliteStorage::open(dir.path(), &super::super::test_key()).expect("storage");
        let page = storage.feed_page(&filter(), 0, 10).expect("page");
        let served: Vec<_> = page.rows.iter().map(|r| (r.seq, &r.state.fields)).collect();
        assert_eq!(
            served,
            [(1, &one), (2, &three)],
            "not re-sent, every clock kept"
        );
    }
}
