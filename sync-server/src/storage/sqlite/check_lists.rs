//! Migration 0015's step: `CHECK (x IN ('a', 'b', 'c'))` rewritten as
//! `CHECK (x = 'a' OR x = 'b' OR x = 'c')` in the tables whose lists had three values or more.
//!
//! Why: SQLite codes an `IN` list of three or more constants as a temporary b-tree, built
//! afresh each time the statement runs; in a CHECK constraint that is every row inserted or
//! updated. Under SQLCipher it cost 1.5 µs of a 2.4 µs insert (`OpenEphemeral`, the b-tree's
//! page cache allocated and wiped), a quarter of appending the s.62 log. The `OR` form is
//! the same constraint compared in place. `every_insert_compares_in_place` keeps it so.
//!
//! How: SQLite cannot alter a constraint. Its documented procedure for constraint changes that
//! leave the stored rows as they are edits the table's definition in `sqlite_schema` with
//! schema editing on, then bumps the schema version so that every connection reads it again,
//! all inside the migration's transaction (a failure leaves the store as it was).

use crate::storage::{StorageError, StorageResult};
use rusqlite::Connection;

/// Each table's constraint, as its migration wrote it, and as it is written now.
const REWRITES: &[(&str, &str, &str)] = &[
    (
        "audit_entries",
        "CHECK (operation IN
        ('collection', 'alteration', 'consultation', 'disclosure', 'combination', 'erasure'))",
        "CHECK (operation = 'collection' OR operation = 'alteration'
        OR operation = 'consultation' OR operation = 'disclosure'
        OR operation = 'combination' OR operation = 'erasure')",
    ),
    (
        "users",
        "CHECK (role IN ('officer', 'pcso', 'cip_volunteer', 'supervisor'))",
        "CHECK (role = 'officer' OR role = 'pcso' OR role = 'cip_volunteer'
        OR role = 'supervisor')",
    ),
];

/// Rewrites every constraint in [`REWRITES`]; inside the caller's transaction.
pub(super) fn rewrite(conn: &Connection) -> StorageResult<()> {
    let version: i64 = conn.query_row("PRAGMA schema_version", [], |r| r.get(0))?;
    conn.pragma_update(None, "writable_schema", true)?;
    let edited = edit_definitions(conn)
        .and_then(|()| Ok(conn.pragma_update(None, "schema_version", version + 1)?));
    // Off again whatever happened: the connection goes on serving.
    let closed = conn.pragma_update(None, "writable_schema", false);
    edited?;
    Ok(closed?)
}

fn edit_definitions(conn: &Connection) -> StorageResult<()> {
    for (table, old, new) in REWRITES {
        let edited = conn.execute(
            "UPDATE sqlite_schema SET sql = replace(sql, ?2, ?3)
             WHERE type = 'table' AND name = ?1 AND instr(sql, ?2) > 0",
            [table, old, new],
        )?;
        if edited != 1 {
            return Err(StorageError::Corrupt(format!(
                "the {table} table's definition is not the one migration 15 expects"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::storage::sqlite::migrations::migrate;
    use rusqlite::Connection;

    /// The opcodes of an INSERT of every column of `table`.
    fn insert_program(conn: &Connection, table: &str) -> Vec<String> {
        let columns: Vec<String> = conn
            .prepare("SELECT name FROM pragma_table_info(?1)")
            .expect("columns")
            .query_map([table], |r| r.get(0))
            .expect("columns")
            .collect::<rusqlite::Result<_>>()
            .expect("columns");
        let places = vec!["?"; columns.len()].join(", ");
        let sql = format!(
            "EXPLAIN INSERT INTO \"{table}\" ({}) VALUES ({places})",
            columns.join(", ")
        );
        let unbound = std::iter::repeat_n(rusqlite::types::Null, columns.len());
        conn.prepare(&sql)
            .expect("explain")
            .query_map(rusqlite::params_from_iter(unbound), |r| r.get(1))
            .expect("program")
            .collect::<rusqlite::Result<_>>()
            .expect("program")
    }

    /// Whether an INSERT into `table` builds a temporary b-tree (what an IN-list CHECK costs).
    fn builds_temporary_btree(conn: &Connection, table: &str) -> bool {
        insert_program(conn, table)
            .iter()
            .any(|op| op == "OpenEphemeral")
    }

    /// Adds a log entry by `actor` 1 with `operation`, in the table as versions before 17
    /// have it (with `prev_hash`), as 17 does, or from 18 on with its operation in its event.
    fn add_entry(conn: &Connection, seq: i64, operation: &str) -> rusqlite::Result<usize> {
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version >= 18 {
            conn.execute(
                "INSERT INTO audit_events (operation, record_kind) VALUES (?1, 'contact')",
                [operation],
            )?;
            return conn.execute(
                "INSERT INTO audit_entries (seq, at_ms, actor, event, hash)
                 VALUES (?1, 10, 1, last_insert_rowid(), x'01')",
                [seq],
            );
        }
        let sql = if version < 17 {
            "INSERT INTO audit_entries (seq, at_ms, actor, operation, record_kind, prev_hash, hash)
             VALUES (?1, 10, 1, ?2, 'contact', x'00', x'01')"
        } else {
            "INSERT INTO audit_entries (seq, at_ms, actor, operation, record_kind, hash)
             VALUES (?1, 10, 1, ?2, 'contact', x'01')"
        };
        conn.execute(sql, rusqlite::params![seq, operation])
    }

    fn tables(conn: &Connection) -> Vec<String> {
        conn.prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table'
               AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%'",
        )
        .expect("tables")
        .query_map([], |r| r.get(0))
        .expect("tables")
        .collect::<rusqlite::Result<_>>()
        .expect("tables")
    }

    #[test]
    fn every_insert_compares_in_place() {
        let (_dir, mut conn) = crate::storage::sqlite::store_at_version(0);
        migrate(&mut conn).expect("fresh schema");
        let tables = tables(&conn);
        assert!(tables.iter().any(|t| t == "audit_entries"), "{tables:?}");
        for table in tables {
            assert!(
                !builds_temporary_btree(&conn, &table),
                "an INSERT into {table} builds a temporary b-tree: a CHECK with an IN list?"
            );
        }
    }

    #[test]
    fn a_version_14_store_keeps_its_log_and_its_constraints() {
        let (_dir, mut conn) = crate::storage::sqlite::store_at_version(14);
        assert!(builds_temporary_btree(&conn, "audit_entries"));
        conn.execute_batch(
            "INSERT INTO audit_actors (id, user_id, role, device_id) VALUES (1, NULL, 'server', NULL);
             INSERT INTO users (id, display_name, role, created_at) VALUES ('u1', 'Sam', 'pcso', 1);",
        )
        .expect("old rows");
        add_entry(&conn, 1, "collection").expect("an old entry");

        migrate(&mut conn).expect("upgrade");

        assert!(!builds_temporary_btree(&conn, "audit_entries"));
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("integrity");
        assert_eq!(check, "ok");
        let kept: (i64, String) = conn
            .query_row(
                "SELECT e.at_ms, v.operation FROM audit_entries e
                 JOIN audit_events v ON v.id = e.event WHERE e.seq = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("the entry");
        assert_eq!(kept, (10, "collection".to_owned()));
        // Every allowed value still goes in, and nothing else does.
        for (seq, operation) in [
            "alteration",
            "consultation",
            "disclosure",
            "combination",
            "erasure",
        ]
        .into_iter()
        .enumerate()
        {
            add_entry(&conn, seq as i64 + 2, operation).expect("an allowed operation");
        }
        assert!(
            add_entry(&conn, 99, "edited").is_err(),
            "an unknown operation is refused"
        );
        let refused = conn.execute(
            "INSERT INTO users (id, display_name, role, created_at) VALUES ('u2', 'Kim', 'admin', 1)",
            [],
        );
        assert!(refused.is_err(), "an unknown role is refused");
        conn.execute(
            "INSERT INTO users (id, display_name, role, created_at)
             VALUES ('u3', 'Kim', 'cip_volunteer', 1)",
            [],
        )
        .expect("an allowed role");
    }

    #[test]
    fn a_definition_other_than_the_expected_one_refuses_the_upgrade_and_changes_nothing() {
        let (_dir, mut conn) = crate::storage::sqlite::store_at_version(14);
        conn.execute_batch(
            "DROP TABLE users; CREATE TABLE users (id TEXT PRIMARY KEY, role TEXT);",
        )
        .expect("an unexpected table");

        let err = migrate(&mut conn).expect_err("refused");

        assert!(err.to_string().contains("users"), "{err}");
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("version");
        assert_eq!(version, 14);
        let writable: bool = conn
            .query_row("PRAGMA writable_schema", [], |r| r.get(0))
            .expect("writable");
        assert!(!writable, "schema editing is off again");
        assert!(
            builds_temporary_btree(&conn, "audit_entries"),
            "the audit log's definition is as it was"
        );
    }
}
