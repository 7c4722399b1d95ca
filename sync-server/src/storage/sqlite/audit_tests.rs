//! The s.62 log against someone with the database file: with the append-only triggers
//! dropped, an entry edited, removed or two swapped directly in the file are each named by
//! verification; entries cut off the end are caught against the head kept off the host. And a
//! store from before the chain keeps its old entries, chained.

use super::SqliteStorage;
use crate::storage::audit_chain::{self, hex, ChainBreak};
use crate::storage::{ServerAudit, SyncStorage};
use beatbook_core::audit::AuditAction;
use rusqlite::Connection;

/// A store with five entries, and the file opened as an attacker would, triggers dropped.
fn store_with_five() -> (tempfile::TempDir, Connection) {
    let dir = super::private_tempdir();
    let storage =
        SqliteStorage::open(dir.path(), &crate::storage::sqlite::test_key()).expect("open");
    let entries: Vec<_> = (1..=5)
        .map(|i| ServerAudit {
            record_id: Some(format!("c{i}")),
            detail: Some(format!("entry {i}")),
            ..ServerAudit::new(i, AuditAction::Disclosure, "contact_personal")
        })
        .collect();
    storage.append_audits(&entries).expect("append");
    drop(storage);
    let conn = super::open_test_file(&dir.path().join(super::DB_FILE));
    conn.execute_batch("DROP TRIGGER audit_chain_no_update; DROP TRIGGER audit_chain_no_delete;")
        .expect("triggers dropped");
    (dir, conn)
}

fn verify(dir: &tempfile::TempDir, head: Option<&str>) -> Result<u64, ChainBreak> {
    let storage =
        SqliteStorage::open(dir.path(), &crate::storage::sqlite::test_key()).expect("open");
    audit_chain::verify(&storage, head)
        .expect("read")
        .map(|v| v.entries)
}

#[test]
fn an_untouched_log_verifies() {
    let (dir, _conn) = store_with_five();
    assert_eq!(verify(&dir, None), Ok(5));
}

#[test]
fn an_entry_edited_in_the_file_is_named() {
    let (dir, conn) = store_with_five();
    conn.execute(
        "UPDATE audit_chain SET record_id = 'someone-else' WHERE seq = 3",
        [],
    )
    .expect("edit");
    assert_eq!(verify(&dir, None), Err(ChainBreak::Edited { seq: 3 }));
}

#[test]
fn an_entry_deleted_from_the_file_is_named() {
    let (dir, conn) = store_with_five();
    conn.execute("DELETE FROM audit_chain WHERE seq = 2", [])
        .expect("delete");
    assert_eq!(
        verify(&dir, None),
        Err(ChainBreak::Missing {
            expected: 2,
            found: 3
        })
    );
}

#[test]
fn two_entries_swapped_in_the_file_are_named() {
    let (dir, conn) = store_with_five();
    conn.execute_batch(
        "UPDATE audit_chain SET seq = 100 WHERE seq = 2;
         UPDATE audit_chain SET seq = 2 WHERE seq = 4;
         UPDATE audit_chain SET seq = 4 WHERE seq = 100;",
    )
    .expect("swap");
    assert_eq!(verify(&dir, None), Err(ChainBreak::Edited { seq: 2 }));
}

#[test]
fn entries_cut_off_the_end_are_caught_by_the_head_kept_off_the_host() {
    let (dir, conn) = store_with_five();
    let head = {
        let storage =
            SqliteStorage::open(dir.path(), &crate::storage::sqlite::test_key()).expect("open");
        let verified = audit_chain::verify(&storage, None)
            .expect("read")
            .expect("intact");
        let (seq, hash) = verified.head.expect("a head");
        format!("{seq} {}", hex(&hash))
    };
    assert_eq!(verify(&dir, Some(&head)), Ok(5));
    conn.execute("DELETE FROM audit_chain WHERE seq = 5", [])
        .expect("delete");
    assert_eq!(verify(&dir, None), Ok(4), "the chain alone cannot tell");
    assert!(matches!(
        verify(&dir, Some(&head)),
        Err(ChainBreak::HeadMismatch { last: 4, .. })
    ));
}

#[test]
fn a_store_from_before_the_chain_keeps_its_entries_chained() {
    let dir = super::private_tempdir();
    super::permissions::prepare_file(&dir.path().join(super::DB_FILE)).expect("a private file");
    let mut conn = super::open_test_file(&dir.path().join(super::DB_FILE));
    // Version 4 as shipped: its SQL and its Rust step (later steps read the table it makes).
    for (name, sql) in &super::migrations::MIGRATIONS[..4] {
        conn.execute_batch(sql).expect("old schema");
        if let Some(step) = super::migrations::convert_step(name) {
            step(&conn).expect("old step");
        }
    }
    conn.pragma_update(None, "user_version", 4)
        .expect("version");
    conn.execute_batch(
        "INSERT INTO audit_log (at_ms, user_id, role, device_id, action, subject, detail)
           VALUES (1, NULL, 'admin', NULL, 'disclosure', 'report', 'March'),
                  (2, NULL, 'admin', NULL, 'consultation', 'follow_up', 'April');",
    )
    .expect("old entries");
    super::migrations::migrate(&mut conn).expect("upgrade");
    let old_table: Option<String> = conn
        .query_row(
            "SELECT name FROM sqlite_master WHERE name = 'audit_log'",
            [],
            |r| r.get(0),
        )
        .ok();
    assert_eq!(old_table, None, "the old log was folded into the chain");
    drop(conn);
    assert_eq!(verify(&dir, None), Ok(2));
    let storage =
        SqliteStorage::open(dir.path(), &crate::storage::sqlite::test_key()).expect("open");
    let details: Vec<_> = storage
        .audit_log(10)
        .expect("log")
        .into_iter()
        .map(|e| e.detail.unwrap_or_default())
        .collect();
    assert_eq!(details, ["April", "March"]);
}
