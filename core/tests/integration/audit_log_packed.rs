//! Store version 27 keeps the device's s.62 log in fewer bytes: times as microseconds, record
//! ids that are canonical UUIDs as their 16 bytes. A version 26 log upgrades with every entry
//! as it was (the `audit_log` view shows the same text), each record's history is still found
//! by its id, whatever form the id was written in, and the log goes on being written and
//! handed to the server.

use crate::common::key;
use crate::schema_upgrades::{audit_rows, keyed, old_store};
use beatbook_core::{ManualClock, Store};

const ALEX: &str = "0190a000-0000-7000-8000-0000000000a2";
const DEVICE: &str = "0190a000-0000-7000-8000-0000000000d1";
const CONTACT: &str = "0190a000-0000-7000-8000-0000000000c1";
/// A UUID not in its canonical text: kept as written.
const UPPER_CASE: &str = "0190A000-0000-7000-8000-0000000000C2";

#[test]
fn a_version_26_log_upgrades_whole_and_each_records_history_is_found_by_its_id() {
    let (_dir, path, conn) = old_store(26);
    conn.execute_batch(&format!(
        "INSERT INTO audit_actors (id, user_id, role, device_id) VALUES (1, '{ALEX}', 'pcso', '{DEVICE}');
         INSERT INTO audit_entries (seq, at, actor, action, record_kind, record_id, justification, detail)
         VALUES (1, '2026-11-20T10:00:00.123456Z', 1, 'collection', 'contact', '{CONTACT}', NULL, 'made'),
                (2, '1969-12-31T23:59:59.500000Z', 1, 'consultation', 'contact', '{UPPER_CASE}', 'why', NULL),
                (3, '2026-11-20T12:00:00.000000Z', 1, 'disclosure', 'export', NULL, NULL, 'csv'),
                (4, '2026-11-20T13:00:00.000001Z', 1, 'alteration', 'contact', '{CONTACT}', NULL, 'text');"
    ))
    .expect("v26 entries");
    let before = audit_rows(&conn);
    drop(conn);

    let now = chrono::DateTime::parse_from_rfc3339("2026-11-21T09:00:00Z")
        .expect("time")
        .to_utc();
    let store = Store::open_with_clock(&path, &key(), ManualClock::shared(now)).expect("upgrade");
    let history = |id: &str| -> Vec<i64> {
        store
            .audit_entries(Some(id))
            .expect("history")
            .iter()
            .map(|e| e.seq)
            .collect()
    };
    assert_eq!(history(CONTACT), [1, 4]);
    assert_eq!(
        history(UPPER_CASE),
        [2],
        "an id kept as written is found as written"
    );
    let all = store.audit_entries(None).expect("the log");
    assert_eq!(all.len(), 4);
    assert_eq!(all[0].at.to_rfc3339(), "2026-11-20T10:00:00.123456+00:00");
    assert_eq!(all[1].at.to_rfc3339(), "1969-12-31T23:59:59.500+00:00");
    assert_eq!(all[1].record_id.as_deref(), Some(UPPER_CASE));
    let sent = store.audit_entries_to_send(10, i64::MAX).expect("to send");
    let sent: Vec<_> = sent
        .iter()
        .map(|e| (e.seq, e.at, e.record_id.clone()))
        .collect();
    let logged: Vec<_> = all
        .iter()
        .map(|e| (e.seq, e.at, e.record_id.clone()))
        .collect();
    assert_eq!(sent, logged, "handed to the server as logged");
    drop(store);

    let conn = keyed(&path);
    assert_eq!(
        audit_rows(&conn),
        before,
        "the view shows every entry as it was"
    );
    let forms: Vec<(String, String)> = conn
        .prepare("SELECT typeof(at_us), typeof(record_id) FROM audit_entries ORDER BY seq")
        .expect("forms")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("forms")
        .collect::<rusqlite::Result<_>>()
        .expect("forms");
    let forms: Vec<(&str, &str)> = forms
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert_eq!(
        forms,
        [
            ("integer", "blob"),
            ("integer", "text"),
            ("integer", "null"),
            ("integer", "blob")
        ]
    );
    let refused = conn.execute(
        "INSERT INTO audit_entries (at_us, actor, event, record_id) VALUES (1, 1, 1, x'01')",
        [],
    );
    assert!(
        refused.is_err(),
        "a blob that is not 16 bytes is not a record id"
    );
    let refused = conn.execute("UPDATE audit_entries SET justification = 'forged'", []);
    assert!(refused.is_err(), "still append-only");
}
