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
    conn.execute_batch(
        "DROP TRIGGER audit_entries_no_update; DROP TRIGGER audit_entries_no_delete;
         DROP TRIGGER audit_actors_no_update; DROP TRIGGER audit_events_no_update;",
    )
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
fn an_event_edited_in_the_file_names_the_first_entry_that_says_it() {
    // Since schema 18 an entry's operation, kind and the text around its detail's number live
    // in `audit_events`: editing one there edits what every entry naming it says (all five
    // say "entry N"), and the chain names the first.
    let (dir, conn) = store_with_five();
    conn.execute(
        "UPDATE audit_events SET detail_head = 'item ' WHERE detail_head = 'entry '",
        [],
    )
    .expect("edit");
    assert_eq!(verify(&dir, None), Err(ChainBreak::Edited { seq: 1 }));
}

#[test]
fn a_detail_number_edited_in_the_file_names_its_entry() {
    let (dir, conn) = store_with_five();
    let events: i64 = conn
        .query_row("SELECT count(*) FROM audit_events", [], |r| r.get(0))
        .expect("events");
    assert_eq!(
        events, 1,
        "'entry 1' to 'entry 5' are one event and a number each"
    );
    conn.execute(
        "UPDATE audit_entries SET detail_number = 4 WHERE seq = 3",
        [],
    )
    .expect("edit");
    assert_eq!(verify(&dir, None), Err(ChainBreak::Edited { seq: 3 }));
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
        "UPDATE audit_entries SET record_id = 'someone-else' WHERE seq = 3",
        [],
    )
    .expect("edit");
    assert_eq!(verify(&dir, None), Err(ChainBreak::Edited { seq: 3 }));
}

#[test]
fn an_actor_edited_in_the_file_is_named_at_its_first_entry() {
    let (dir, conn) = store_with_five();
    let actors: i64 = conn
        .query_row("SELECT count(*) FROM audit_actors", [], |r| r.get(0))
        .expect("count");
    assert_eq!(actors, 1, "the five entries' one actor is kept once");
    conn.execute("UPDATE audit_actors SET role = 'officer'", [])
        .expect("edit");
    assert_eq!(verify(&dir, None), Err(ChainBreak::Edited { seq: 1 }));
}

#[test]
fn an_entry_deleted_from_the_file_is_named() {
    let (dir, conn) = store_with_five();
    conn.execute("DELETE FROM audit_entries WHERE seq = 2", [])
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
        "UPDATE audit_entries SET seq = 100 WHERE seq = 2;
         UPDATE audit_entries SET seq = 2 WHERE seq = 4;
         UPDATE audit_entries SET seq = 4 WHERE seq = 100;",
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
    conn.execute("DELETE FROM audit_entries WHERE seq = 5", [])
        .expect("delete");
    assert_eq!(verify(&dir, None), Ok(4), "the chain alone cannot tell");
    assert!(matches!(
        verify(&dir, Some(&head)),
        Err(ChainBreak::HeadMismatch { last: 4, .. })
    ));
}

#[test]
fn a_store_from_before_the_chain_keeps_its_entries_chained() {
    // Version 4 as shipped: its SQL and its Rust step (later steps read the table it makes).
    let (dir, mut conn) = super::store_at_version(4);
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

#[test]
fn a_version_11_log_keeps_its_entries_and_hashes_with_each_actor_once() {
    use beatbook_core::ids::{DeviceId, UserId};
    let (dir, mut conn) = super::store_at_version(11);
    // Two devices' entries and the server's own, interleaved, as version 11 stored them.
    let user: UserId = "0190a000-0000-7000-8000-00000000a001"
        .parse()
        .expect("user");
    let devices: [DeviceId; 2] = [
        "0190a000-0000-7000-8000-0000000000d1"
            .parse()
            .expect("device"),
        "0190a000-0000-7000-8000-0000000000d2"
            .parse()
            .expect("device"),
    ];
    let entries: Vec<ServerAudit> = (0..6)
        .map(|i| match i % 3 {
            2 => ServerAudit::new(i, AuditAction::Consultation, "report"),
            d => ServerAudit {
                user_id: Some(user),
                role: "pcso".into(),
                device_id: Some(devices[d as usize]),
                // One device names records by UUID (kept as 16 bytes since schema 17), the
                // other by ids that are not (kept as text).
                record_id: Some(match d {
                    0 => format!("0190a000-0000-7000-8000-0000000c000{i}"),
                    _ => format!("c{i}"),
                }),
                detail: Some(format!("device log entry {i}")),
                ..ServerAudit::new(i, AuditAction::Collection, "contact")
            },
        })
        .collect();
    let chained = audit_chain::chain(None, &entries);
    super::audit::insert_spelled_out(&conn, &chained).expect("the old entries");
    let before = super::audit::page(&conn, 0, 10).expect("a version 11 chain");
    assert_eq!(
        before, chained,
        "a backup made by version 11 is walked as it is"
    );
    super::migrations::migrate(&mut conn).expect("upgrade");
    let actors: i64 = conn
        .query_row("SELECT count(*) FROM audit_actors", [], |r| r.get(0))
        .expect("actors");
    assert_eq!(actors, 3, "two devices' actor and the server's, each once");
    let refused = conn.execute("DELETE FROM audit_entries WHERE seq = 1", []);
    assert!(refused.is_err(), "still append-only");
    let refused = conn.execute(
        "UPDATE audit_entries SET justification = 'x' WHERE seq = 1",
        [],
    );
    assert!(refused.is_err(), "still append-only");
    let packed: Vec<i64> = conn
        .prepare("SELECT seq FROM audit_entries WHERE typeof(record_id) = 'blob' ORDER BY seq")
        .expect("packed")
        .query_map([], |r| r.get(0))
        .expect("packed")
        .collect::<rusqlite::Result<_>>()
        .expect("packed");
    assert_eq!(packed, [1, 4], "the UUID-named entries' ids kept as bytes");
    let in_view: Vec<String> = conn
        .prepare("SELECT record_id FROM audit_chain WHERE record_id IS NOT NULL ORDER BY seq")
        .expect("view")
        .query_map([], |r| r.get(0))
        .expect("view")
        .collect::<rusqlite::Result<_>>()
        .expect("view");
    let written: Vec<String> = entries.iter().filter_map(|e| e.record_id.clone()).collect();
    assert_eq!(in_view, written, "the view gives every id back as written");
    drop(conn);

    let storage =
        SqliteStorage::open(dir.path(), &crate::storage::sqlite::test_key()).expect("open");
    let stored = storage.audit_chain_page(0, 10).expect("chain");
    assert_eq!(
        stored, chained,
        "every entry, its actor, seq and hashes as they were"
    );
    let verified = audit_chain::verify(&storage, None)
        .expect("read")
        .expect("intact");
    assert_eq!(verified.head, chained.last().map(|r| (r.seq, r.hash)));
    // The chain goes on from its old head, naming a known actor by its row.
    storage
        .append_audits(&[ServerAudit::new(7, AuditAction::Consultation, "report")])
        .expect("append");
    assert_eq!(
        audit_chain::verify(&storage, None)
            .expect("read")
            .map(|v| v.entries),
        Ok(7)
    );
    let by_user = storage
        .audit_search(
            &crate::storage::AuditFilter {
                user_id: Some(user),
                ..Default::default()
            },
            10,
        )
        .expect("search");
    let seqs: Vec<u64> = by_user.iter().map(|r| r.seq).collect();
    assert_eq!(
        seqs,
        [5, 4, 2, 1],
        "the user's entries from both devices, newest first"
    );
    for (record, seq) in [("0190a000-0000-7000-8000-0000000c0003", 4), ("c4", 5)] {
        let found = storage
            .audit_search(
                &crate::storage::AuditFilter {
                    record_id: Some(record.into()),
                    ..Default::default()
                },
                10,
            )
            .expect("search");
        let found: Vec<_> = found.iter().map(|r| (r.seq, r.entry.clone())).collect();
        assert_eq!(
            found,
            [(seq, entries[seq as usize - 1].clone())],
            "{record}"
        );
    }
}

#[test]
fn a_record_id_kept_as_bytes_and_edited_in_the_file_is_named() {
    let dir = super::private_tempdir();
    let storage =
        SqliteStorage::open(dir.path(), &crate::storage::sqlite::test_key()).expect("open");
    let entries: Vec<_> = (1..=3)
        .map(|i| ServerAudit {
            record_id: Some(uuid::Uuid::now_v7().to_string()),
            ..ServerAudit::new(i, AuditAction::Disclosure, "contact_personal")
        })
        .collect();
    storage.append_audits(&entries).expect("append");
    assert_eq!(verify(&dir, None), Ok(3));
    drop(storage);
    let conn = super::open_test_file(&dir.path().join(super::DB_FILE));
    conn.execute_batch(
        "DROP TRIGGER audit_entries_no_update;
         UPDATE audit_entries SET record_id = x'0190a0000000700080000000000000ff' WHERE seq = 2;",
    )
    .expect("edit");
    assert_eq!(verify(&dir, None), Err(ChainBreak::Edited { seq: 2 }));
}

#[test]
fn the_logs_filtered_reads_go_by_index() {
    use crate::storage::AuditFilter;
    let (dir, _conn) = store_with_five();
    let conn = super::open_test_file(&dir.path().join(super::DB_FILE));
    let plan = |sql: &str, values: Vec<rusqlite::types::Value>| -> String {
        let mut stmt = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .expect("plan");
        let rows = stmt
            .query_map(rusqlite::params_from_iter(values), |r| {
                r.get::<_, String>(3)
            })
            .expect("query")
            .collect::<rusqlite::Result<Vec<_>>>()
            .expect("rows");
        rows.join("; ")
    };
    let user = AuditFilter {
        user_id: Some(
            "0190a000-0000-7000-8000-00000000a001"
                .parse()
                .expect("user"),
        ),
        ..Default::default()
    };
    let (sql, values) = super::audit::search_sql(&user, 10);
    let by_user = plan(&sql, values);
    assert!(
        by_user.contains("USING INDEX audit_entries_actor"),
        "{by_user}"
    );
    let record = AuditFilter {
        record_id: Some("c1".into()),
        ..Default::default()
    };
    let (sql, values) = super::audit::search_sql(&record, 10);
    let by_record = plan(&sql, values);
    assert!(
        by_record.contains("USING INDEX audit_entries_record"),
        "{by_record}"
    );
    let int = rusqlite::types::Value::Integer;
    let page = plan(super::audit::PAGE, vec![int(0), int(10)]);
    assert!(
        page.contains("SEARCH e USING INTEGER PRIMARY KEY"),
        "{page}"
    );
    let text = |t: &str| rusqlite::types::Value::Text(t.into());
    let actor = plan(
        super::audit::ACTOR_ROW,
        vec![text(""), text("pcso"), text("")],
    );
    assert!(actor.contains("USING INDEX audit_actors_who"), "{actor}");
}

#[test]
fn a_version_17_log_keeps_its_hashes_with_each_event_kept_once() {
    let (dir, conn) = super::store_at_version(17);
    // Entries as a device hands them in: a few events, each many times; one without detail
    // and one with an empty detail, which are not the same event.
    // Each device entry's detail carries its own number, which the event does not; digits
    // that would not read back the same ("007") stay in the event's text.
    let said = |i: i64| match i % 4 {
        0 => (
            AuditAction::Collection,
            "contact",
            Some(format!("device log entry {}: no personal details", 40 + i)),
        ),
        1 => (
            AuditAction::Combination,
            "contact",
            Some(format!(
                "device log entry {}: linked to 1 earlier contact(s)",
                40 + i
            )),
        ),
        2 => (AuditAction::Consultation, "contact", None),
        _ => (
            AuditAction::Consultation,
            "contact",
            Some("operation 007".to_owned()),
        ),
    };
    let mut entries: Vec<ServerAudit> = (1..=8)
        .map(|i| {
            let (action, kind, detail) = said(i);
            ServerAudit {
                record_id: Some(format!("0190a000-0000-7000-8000-0000000c000{i}")),
                detail,
                ..ServerAudit::new(i, action, kind)
            }
        })
        .collect();
    entries[6].detail = Some(String::new());
    let chained = audit_chain::chain(None, &entries);
    conn.execute(
        "INSERT INTO audit_actors (id, user_id, role, device_id) VALUES (1, NULL, 'admin', NULL)",
        [],
    )
    .expect("an administrator's actor");
    for row in &chained {
        let e = &row.entry;
        conn.execute(
            "INSERT INTO audit_entries (seq, at_ms, actor, operation, record_kind, record_id,
               justification, recipient, detail, hash)
             VALUES (?1, ?2, 1, ?3, ?4, ?5, NULL, NULL, ?6, ?7)",
            rusqlite::params![
                row.seq as i64,
                e.at_ms,
                e.action.as_str(),
                e.subject,
                e.record_id
                    .as_deref()
                    .map(beatbook_core::logged_record_id::LoggedRecordId::stored),
                e.detail,
                &row.hash[..],
            ],
        )
        .expect("a version 17 entry");
    }
    drop(conn);

    let storage =
        SqliteStorage::open(dir.path(), &crate::storage::sqlite::test_key()).expect("upgrade");
    assert_eq!(
        storage.audit_chain_page(0, 20).expect("chain"),
        chained,
        "every entry as it was: what it says, its seq and its hashes"
    );
    let events = || -> i64 {
        let conn = super::open_test_file(&dir.path().join(super::DB_FILE));
        conn.query_row("SELECT count(*) FROM audit_events", [], |r| r.get(0))
            .expect("events")
    };
    assert_eq!(
        events(),
        5,
        "five events for eight entries (an empty detail is one)"
    );
    let numbers: Vec<Option<i64>> = {
        let conn = super::open_test_file(&dir.path().join(super::DB_FILE));
        let mut stmt = conn
            .prepare("SELECT detail_number FROM audit_entries ORDER BY seq")
            .expect("numbers");
        let rows = stmt.query_map([], |r| r.get(0)).expect("query");
        rows.collect::<rusqlite::Result<_>>().expect("rows")
    };
    assert_eq!(
        numbers,
        [
            Some(41),
            None,
            None,
            Some(44),
            Some(45),
            None,
            None,
            Some(48)
        ],
        "each device entry's number kept in its entry"
    );
    let consultations = storage
        .audit_search(
            &crate::storage::AuditFilter {
                action: Some(AuditAction::Consultation),
                ..Default::default()
            },
            20,
        )
        .expect("search");
    assert_eq!(
        consultations.iter().map(|r| r.seq).collect::<Vec<_>>(),
        [7, 6, 3, 2],
        "found by operation through the events"
    );

    // The chain goes on: a known event is named by its row, a new one added once.
    let (action, kind, detail) = said(4);
    storage
        .append_audits(&[
            ServerAudit {
                detail,
                ..ServerAudit::new(9, action, kind)
            },
            ServerAudit::new(10, AuditAction::Disclosure, "report"),
            ServerAudit::new(11, AuditAction::Disclosure, "report"),
        ])
        .expect("append");
    assert_eq!(events(), 6);
    assert_eq!(
        audit_chain::verify(&storage, None)
            .expect("read")
            .map(|v| v.entries),
        Ok(11)
    );
    let conn = super::open_test_file(&dir.path().join(super::DB_FILE));
    for refused in [
        "UPDATE audit_events SET detail_head = 'x'",
        "DELETE FROM audit_events",
        "UPDATE audit_entries SET event = 1",
    ] {
        let err = conn.execute(refused, []).expect_err(refused);
        assert!(err.to_string().contains("append-only"), "{refused}: {err}");
    }
}
