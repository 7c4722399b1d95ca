//! Store version 31 keeps what each s.62 entry says happened — action, record kind, detail —
//! once per distinct event (`audit_events`), the entries naming it by number. A version 30
//! log upgrades with every entry as it was (the `audit_log` view, the store's readers and the
//! entries handed to the server all give the same text), events without a detail stay apart
//! from those with one, and the log goes on being written, each event added once.

use crate::common::key;
use crate::schema_upgrades::{audit_rows, keyed, old_store};
use beatbook_core::model::{Actor, Role};
use beatbook_core::store::ExportPeriod;
use beatbook_core::{ManualClock, Store};

const ALEX: &str = "0190a000-0000-7000-8000-0000000000a2";
const DEVICE: &str = "0190a000-0000-7000-8000-0000000000d1";
const CONTACT: &str = "0190a000-0000-7000-8000-0000000000c1";

/// An entry as read: seq, action, record kind, detail, justification.
type Said = (i64, String, String, Option<String>, Option<String>);

fn events(conn: &rusqlite::Connection) -> i64 {
    conn.query_row("SELECT count(*) FROM audit_events", [], |r| r.get(0))
        .expect("events")
}

#[test]
fn a_version_30_log_upgrades_whole_with_each_event_kept_once() {
    let (_dir, path, conn) = old_store(30);
    conn.execute_batch(&format!(
        "INSERT INTO audit_actors (id, user_id, role, device_id) VALUES (1, '{ALEX}', 'pcso', '{DEVICE}');
         INSERT INTO audit_entries (seq, at_us, actor, action, record_kind, record_id, justification, detail)
         VALUES (1, 1763632800123456, 1, 'collection', 'contact', x'0190a0000000700080000000000000c1', NULL, 'no personal details'),
                (2, 1763632801000000, 1, 'consultation', 'contact', x'0190a0000000700080000000000000c1', 'why', NULL),
                (3, 1763632802000000, 1, 'collection', 'contact', 'legacy-7', NULL, 'no personal details'),
                (4, 1763632803000000, 1, 'consultation', 'contact', NULL, 'again', NULL),
                (5, 1763632804000000, 1, 'consultation', 'contact', NULL, NULL, ''),
                (6, 1763632805000000, 1, 'disclosure', 'export', NULL, NULL, 'csv of 1 contact');"
    ))
    .expect("v30 entries");
    let before = audit_rows(&conn);
    drop(conn);

    let now = chrono::DateTime::parse_from_rfc3339("2026-11-21T09:00:00Z")
        .expect("time")
        .to_utc();
    let store = Store::open_with_clock(&path, &key(), ManualClock::shared(now)).expect("upgrade");
    let conn = keyed(&path);
    assert_eq!(
        audit_rows(&conn),
        before,
        "the view shows every entry as it was"
    );
    assert_eq!(
        events(&conn),
        4,
        "collection with its detail, consultation without one and with an empty one, disclosure"
    );

    let read = store.audit_entries(None).expect("log");
    let said: Vec<Said> = read
        .iter()
        .map(|e| {
            (
                e.seq,
                e.action.to_string(),
                e.record_kind.clone(),
                e.detail.clone(),
                e.justification.clone(),
            )
        })
        .collect();
    assert_eq!(
        said[..2],
        [
            (
                1,
                "collection".to_owned(),
                "contact".to_owned(),
                Some("no personal details".to_owned()),
                None
            ),
            (
                2,
                "consultation".to_owned(),
                "contact".to_owned(),
                None,
                Some("why".to_owned())
            ),
        ]
    );
    assert_eq!(
        said[4].3.as_deref(),
        Some(""),
        "an empty detail is not no detail"
    );
    assert_eq!(
        store.audit_entries(Some(CONTACT)).expect("history").len(),
        2,
        "a record's history is still found by its id"
    );
    let sent = store.audit_entries_to_send(10, i64::MAX).expect("to send");
    assert_eq!(
        sent.iter()
            .map(|e| (e.seq, e.action.to_string(), e.detail.clone()))
            .collect::<Vec<_>>(),
        read.iter()
            .map(|e| (e.seq, e.action.to_string(), e.detail.clone()))
            .collect::<Vec<_>>(),
        "handed to the server as logged"
    );

    // Writing on: an export logs a disclosure; the same export again is an event the log has
    // seen (nothing added), another period's is a new one (one added).
    let sergeant = Actor {
        user_id: "0190a000-0000-7000-8000-0000000000a1".parse().expect("id"),
        role: Role::Supervisor,
        device_id: DEVICE.parse().expect("id"),
    };
    let export = |days: i64| {
        let period = ExportPeriod {
            from: now - chrono::Duration::days(days),
            to: now,
        };
        store
            .export_contacts_csv(&sergeant, period, "ward panel", Vec::new())
            .expect("export");
    };
    let entries_before = store.audit_entries(None).expect("log").len();
    export(7);
    let events_before = events(&conn);
    export(7);
    assert_eq!(
        events(&conn),
        events_before,
        "a repeated event is not added again"
    );
    export(30);
    assert_eq!(events(&conn), events_before + 1);
    let log = store.audit_entries(None).expect("log");
    assert_eq!(log.len(), entries_before + 3);
    let last = log.last().expect("the last entry");
    assert_eq!(
        (last.record_kind.as_str(), last.justification.as_deref()),
        ("contact_export", Some("ward panel"))
    );
    assert!(
        last.detail
            .as_deref()
            .is_some_and(|d| d.starts_with("0 contacts from ")),
        "{:?}",
        last.detail
    );

    for refused in [
        "UPDATE audit_events SET detail = 'forged'",
        "DELETE FROM audit_events",
        "UPDATE audit_entries SET event = 1",
    ] {
        let err = conn.execute(refused, []).expect_err(refused);
        assert!(err.to_string().contains("append-only"), "{refused}: {err}");
    }
}
