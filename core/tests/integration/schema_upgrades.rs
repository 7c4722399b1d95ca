//! Every earlier schema, frozen as shipped in `tests/schemas/vN.sql`, upgrades to exactly the
//! schema a fresh store gets, and keeps its data. A frozen file is never edited: a schema change
//! is a new migration plus a new frozen file. Editing a shipped migration instead makes the
//! frozen copy differ from a fresh store, and this test fails.

use crate::common;

use beatbook_core::model::{PatrolClosure, PurposeMet, ValueAssessment};
use beatbook_core::store::migrations::{schema_fingerprint, LATEST_VERSION};
use beatbook_core::sync::RecordKind;
use beatbook_core::{ManualClock, Store};
use common::key;
use std::path::PathBuf;

pub(crate) fn frozen(version: u32) -> String {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/schemas/v{version}.sql"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A store file with the frozen schema of `version` and that version number, open for the
/// test to write its old rows; the folder lives as long as the test holds it.
pub(crate) fn old_store(version: u32) -> (tempfile::TempDir, PathBuf, rusqlite::Connection) {
    old_store_with_page_mac(version, beatbook_core::store_key::PAGE_MAC)
}

/// [`old_store`] in a file made with `page_mac` (SQLCipher's `cipher_hmac_algorithm`; builds
/// before HMAC-SHA256 made every store with HMAC-SHA512).
pub(crate) fn old_store_with_page_mac(
    version: u32,
    page_mac: &str,
) -> (tempfile::TempDir, PathBuf, rusqlite::Connection) {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join(format!("v{version}.db"));
    let conn = beatbook_core::store_key::open_with_page_mac(
        &path,
        &key(),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_CREATE,
        page_mac,
    )
    .expect("a new file under that page MAC");
    conn.execute_batch(&frozen(version)).expect("frozen schema");
    conn.pragma_update(None, "user_version", version)
        .expect("version");
    (dir, path, conn)
}

pub(crate) fn keyed(path: &std::path::Path) -> rusqlite::Connection {
    crate::common::keyed_connection(path, &key())
}

#[test]
fn every_frozen_schema_upgrades_to_the_fresh_schema_and_keeps_its_rows() {
    let dir = tempfile::tempdir().expect("dir");
    let fresh_path = dir.path().join("fresh.db");
    drop(Store::open(&fresh_path, &key()).expect("fresh store"));
    let fresh = schema_fingerprint(&keyed(&fresh_path)).expect("fresh schema");

    for version in 1..=LATEST_VERSION {
        let path = dir.path().join(format!("v{version}.db"));
        let conn = keyed(&path);
        conn.execute_batch(&frozen(version))
            .expect("frozen schema applies");
        conn.pragma_update(None, "user_version", version)
            .expect("version");
        conn.execute(
            "INSERT INTO teams (id, name, lap_code) VALUES ('0190a000-0000-7000-8000-000000000001', 'Old team', NULL)",
            [],
        )
        .expect("a row from the old schema");
        drop(conn);

        let store = Store::open(&path, &key()).expect("upgrade");
        assert_eq!(
            store.teams().expect("teams").len(),
            1,
            "v{version} lost data"
        );
        drop(store);
        let upgraded = schema_fingerprint(&keyed(&path)).expect("upgraded schema");
        assert_eq!(
            upgraded, fresh,
            "v{version} upgraded differs from a fresh store"
        );
    }
}

#[test]
fn the_latest_frozen_schema_exists() {
    // Shipping a migration means freezing its schema too.
    assert!(!frozen(LATEST_VERSION).is_empty());
}

#[test]
fn a_version_2_store_with_synced_work_gains_an_empty_review_queue() {
    // Version 3 adds the supervisors' reviews: an upgraded store keeps its records and starts
    // with nothing reviewed, so everything the team recorded is waiting.
    let (_dir, path, conn) = old_store(2);
    conn.execute_batch(
        "INSERT INTO teams (id, name) VALUES ('0190a000-0000-7000-8000-000000000001', 'Team');
         INSERT INTO users (id, display_name, role, team_id) VALUES
           ('0190a000-0000-7000-8000-0000000000a1', 'Sgt Kim', 'supervisor', '0190a000-0000-7000-8000-000000000001'),
           ('0190a000-0000-7000-8000-0000000000a2', 'PCSO Alex', 'pcso', '0190a000-0000-7000-8000-000000000001');
         INSERT INTO patrols (id, kind, area_kind, area_id, purpose, recorded_by, started_at,
           created_at, updated_at) VALUES ('0190a000-0000-7000-8000-0000000000b1', 'foot', 'lap',
           'LAP-NV', 'Reassurance', '0190a000-0000-7000-8000-0000000000a2',
           '2026-11-01T09:00:00.000000Z', '2026-11-01T09:00:00.000000Z',
           '2026-11-01T09:00:00.000000Z');",
    )
    .expect("v2 rows");
    drop(conn);
    let store = Store::open(&path, &key()).expect("upgrade");
    let sup = beatbook_core::model::Actor {
        user_id: "0190a000-0000-7000-8000-0000000000a1".parse().expect("id"),
        role: beatbook_core::model::Role::Supervisor,
        device_id: beatbook_core::ids::DeviceId::new(),
    };
    let queue = store.review_queue(&sup, None).expect("queue");
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].name.as_deref(), Some("PCSO Alex"));
    assert_eq!(queue[0].items.len(), 1);
}

#[test]
fn a_version_6_store_indexes_its_contacts_in_place_and_time_on_upgrade() {
    // Version 7 replaces the latitude band of the repeat-location check with a spatial index;
    // contacts recorded before the upgrade must be found by it, or a repeat location recorded
    // the day after an app update would go unflagged.
    let (_dir, path, conn) = old_store(6);
    conn.execute_batch(
        "INSERT INTO teams (id, name) VALUES ('0190a000-0000-7000-8000-000000000001', 'Team');
         INSERT INTO users (id, display_name, role, team_id) VALUES
           ('0190a000-0000-7000-8000-0000000000a2', 'PCSO Alex', 'pcso', '0190a000-0000-7000-8000-000000000001');
         INSERT INTO contacts (id, occurred_at, lat, lon, method, audience, people_count, issues,
           consent_to_recontact, repeat_caller, vulnerable, repeat_location, recorded_by,
           created_at, updated_at) VALUES
           ('0190a000-0000-7000-8000-0000000000c1', '2026-11-20T10:00:00.000000Z', 52.405, -1.545,
            'door_knock', 'resident', 1, '[]', 0, 0, 0, 0, '0190a000-0000-7000-8000-0000000000a2',
            '2026-11-20T10:00:00.000000Z', '2026-11-20T10:00:00.000000Z'),
           ('0190a000-0000-7000-8000-0000000000c2', '2026-09-01T10:00:00.000000Z', 52.405, -1.545,
            'door_knock', 'resident', 1, '[]', 0, 0, 0, 0, '0190a000-0000-7000-8000-0000000000a2',
            '2026-09-01T10:00:00.000000Z', '2026-09-01T10:00:00.000000Z');",
    )
    .expect("v6 rows");
    drop(conn);
    let at = time("2026-11-21T10:00:00Z");
    let store = Store::open_with_clock(&path, &key(), ManualClock::shared(at)).expect("upgrade");
    // The contact a day earlier is found; the one in September is outside the 28 days.
    assert_eq!(
        alex_records_a_contact_beside_c1(&store, at),
        vec!["0190a000-0000-7000-8000-0000000000c1"]
    );
}

fn time(rfc3339: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .expect("time")
        .to_utc()
}

/// PCSO Alex (user `…a2` of the old stores' rows) records a contact at `at` about 14 m from
/// contact `…c1`'s place, and it is flagged: the ids of the earlier contacts it was linked to.
fn alex_records_a_contact_beside_c1(
    store: &Store,
    at: chrono::DateTime<chrono::Utc>,
) -> Vec<String> {
    let alex = beatbook_core::model::Actor {
        user_id: "0190a000-0000-7000-8000-0000000000a2".parse().expect("id"),
        role: beatbook_core::model::Role::Pcso,
        device_id: beatbook_core::ids::DeviceId::new(),
    };
    let recorded = store
        .record_contact(
            &alex,
            common::plain_contact(at, beatbook_core::model::GeoPoint::new(52.4051, -1.5451)),
        )
        .expect("record");
    assert!(recorded.contact.repeat_location);
    recorded
        .nearby
        .iter()
        .map(|n| n.contact_id.to_string())
        .collect()
}

#[test]
fn a_version_7_store_keeps_its_sync_state_as_clocks_and_syncs_on() {
    // Version 8 drops `sync_fields` (every synced value stored a second time, as JSON) for one
    // row of field clocks per record. An upgraded store must keep every clock (a later edit's
    // base, so the server sees no false conflict), a held record's values (its table cannot
    // hold them), and the stamps the server has vouched for (re-stamping starts above them).
    let (_dir, path, conn) = old_store(7);
    let created = "000001a196fb0600-00000000-0190a000-0000-7000-8000-0000000000d1";
    let pulled = "000001a196fb1600-00000002-0190a000-0000-7000-8000-0000000000d2";
    let queued = "000001a196fb2600-00000000-0190a000-0000-7000-8000-0000000000d1";
    conn.execute_batch(&format!(
        "INSERT INTO teams (id, name) VALUES ('0190a000-0000-7000-8000-000000000001', 'Team');
         INSERT INTO users (id, display_name, role, team_id) VALUES
           ('0190a000-0000-7000-8000-0000000000a2', 'PCSO Alex', 'pcso', '0190a000-0000-7000-8000-000000000001');
         INSERT INTO device_profile (id, device_id, user_id) VALUES
           (1, '0190a000-0000-7000-8000-0000000000d1', '0190a000-0000-7000-8000-0000000000a2');
         INSERT INTO patrols (id, kind, area_kind, area_id, purpose, recorded_by, started_at,
           created_at, updated_at) VALUES ('0190a000-0000-7000-8000-0000000000b1', 'foot', 'lap',
           'LAP-NV', 'Reassurance', '0190a000-0000-7000-8000-0000000000a2',
           '2026-11-01T09:00:00.000000Z', '2026-11-01T09:00:00.000000Z',
           '2026-11-01T09:00:00.000000Z');
         INSERT INTO sync_fields (kind, record_id, field, value, hlc)
           SELECT 'patrol', '0190a000-0000-7000-8000-0000000000b1', name, 'null', '{created}'
           FROM (SELECT 'id' AS name UNION ALL SELECT 'kind' UNION ALL SELECT 'purpose'
                 UNION ALL SELECT 'ended_at' UNION ALL SELECT 'updated_at');
         UPDATE sync_fields SET hlc = '{pulled}' WHERE field = 'purpose';
         INSERT INTO sync_fields (kind, record_id, field, value, hlc) VALUES
           ('contact', '0190a000-0000-7000-8000-0000000000c9', 'issues_text', '\"Bikes on the path\"', '{pulled}'),
           ('contact', '0190a000-0000-7000-8000-0000000000c9', 'people_count', '3', '{pulled}'),
           ('note', '0190a000-0000-7000-8000-0000000000e1', 'text', '\"queued\"', '{queued}');
         INSERT INTO sync_held (kind, record_id, reason, held_at) VALUES
           ('contact', '0190a000-0000-7000-8000-0000000000c9', 'incomplete', '2026-11-02T09:00:00.000000Z');
         INSERT INTO outbox (op_id, kind, record_id, op) VALUES
           ('0190a000-0000-7000-8000-0000000000f1', 'note', '0190a000-0000-7000-8000-0000000000e1',
            '{{\"op_id\": \"0190a000-0000-7000-8000-0000000000f1\", \"kind\": \"note\",
              \"record_id\": \"0190a000-0000-7000-8000-0000000000e1\", \"hlc\": \"{queued}\",
              \"author\": \"0190a000-0000-7000-8000-0000000000a2\",
              \"device\": \"0190a000-0000-7000-8000-0000000000d1\",
              \"fields\": {{\"text\": {{\"value\": \"queued\", \"base\": null}}}}}}');"
    ))
    .expect("v7 rows");
    drop(conn);

    // The device's clock reads ten minutes before the stamp it pulled (another device ran a
    // little fast): re-stamping must still start above what the server has seen.
    let pulled_ms = u64::from_str_radix(&pulled[..16], 16).expect("hex") as i64;
    let behind = chrono::DateTime::from_timestamp_millis(pulled_ms - 600_000).expect("time");
    let store =
        Store::open_with_clock(&path, &key(), ManualClock::shared(behind)).expect("upgrade");
    let records = store
        .synced_records(&[RecordKind::Patrol, RecordKind::Contact])
        .expect("sync state");
    let patrol = &records[&(
        RecordKind::Patrol,
        "0190a000-0000-7000-8000-0000000000b1".to_owned(),
    )];
    let clock = |name: &str| patrol.fields[name].hlc.to_string();
    assert_eq!(clock("kind"), created);
    assert_eq!(clock("purpose"), pulled);
    // Values come from the record's table now, not from the old copy ('null' above).
    assert_eq!(patrol.fields["purpose"].value, "Reassurance");
    let held = &records[&(
        RecordKind::Contact,
        "0190a000-0000-7000-8000-0000000000c9".to_owned(),
    )];
    assert_eq!(held.fields["issues_text"].value, "Bikes on the path");
    assert_eq!(held.fields["people_count"].value, 3);
    assert_eq!(store.sync_status().expect("status").held_records, 1);

    // A local edit after the upgrade is based on the clocks the old store held.
    let alex = beatbook_core::model::Actor {
        user_id: "0190a000-0000-7000-8000-0000000000a2".parse().expect("id"),
        role: beatbook_core::model::Role::Pcso,
        device_id: "0190a000-0000-7000-8000-0000000000d1".parse().expect("id"),
    };
    let ended = chrono::DateTime::parse_from_rfc3339("2026-11-01T11:00:00Z")
        .expect("time")
        .to_utc();
    store
        .close_patrol(
            &alex,
            "0190a000-0000-7000-8000-0000000000b1".parse().expect("id"),
            PatrolClosure {
                ended_at: ended,
                observations: None,
                assessment: Some(ValueAssessment {
                    purpose_met: PurposeMet::Yes,
                    value_rating: 3,
                    summary: "Quiet".into(),
                }),
            },
        )
        .expect("close");
    let op = store
        .pending_ops(10)
        .expect("ops")
        .into_iter()
        .find(|op| op.kind == RecordKind::Patrol)
        .expect("the edit's op");
    assert_eq!(
        op.fields["ended_at"].base.map(|b| b.to_string()).as_deref(),
        Some(created)
    );
    assert!(
        !op.fields.contains_key("purpose"),
        "only what changed is sent"
    );
    // Re-stamping starts above the pulled stamp the server vouched for (the queued stamps,
    // which no one has seen, do not count).
    assert_eq!(store.restamp_pending().expect("restamp"), 2);
    let ops = store.pending_ops(10).expect("ops");
    assert_eq!(ops.len(), 2);
    for op in ops {
        assert!(op.hlc.to_string().as_str() > pulled, "{}", op.hlc);
        assert!(op.hlc.to_string().as_str() < queued, "{}", op.hlc);
    }
}

#[test]
fn a_version_11_store_keeps_its_contacts_and_what_hangs_off_them_when_the_place_becomes_optional() {
    // Migration 0016 rebuilds `contacts` so that lat/lon may be empty. The rows
    // that reference a contact (personal details, nearby links, follow-ups) must survive the
    // old table being dropped, and the spatial index must still find the old contacts.
    let (_dir, path, conn) = old_store(11);
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         INSERT INTO teams (id, name) VALUES ('0190a000-0000-7000-8000-000000000001', 'Team');
         INSERT INTO users (id, display_name, role, team_id) VALUES
           ('0190a000-0000-7000-8000-0000000000a2', 'PCSO Alex', 'pcso', '0190a000-0000-7000-8000-000000000001');
         INSERT INTO contacts (id, occurred_at, lat, lon, method, audience, people_count, issues,
           consent_to_recontact, repeat_caller, vulnerable, repeat_location, recorded_by,
           follow_up_id, created_at, updated_at) VALUES
           ('0190a000-0000-7000-8000-0000000000c1', '2026-11-20T10:00:00.000000Z', 52.405, -1.545,
            'door_knock', 'resident', 1, '[]', 1, 0, 0, 0, '0190a000-0000-7000-8000-0000000000a2',
            '0190a000-0000-7000-8000-0000000000f1',
            '2026-11-20T10:00:00.000000Z', '2026-11-20T10:00:00.000000Z'),
           ('0190a000-0000-7000-8000-0000000000c2', '2026-11-20T11:00:00.000000Z', 52.405, -1.545,
            'door_knock', 'resident', 1, '[]', 0, 0, 0, 1, '0190a000-0000-7000-8000-0000000000a2',
            NULL, '2026-11-20T11:00:00.000000Z', '2026-11-20T11:00:00.000000Z');
         INSERT INTO contact_personal (contact_id, name) VALUES
           ('0190a000-0000-7000-8000-0000000000c1', 'Ada Example');
         INSERT INTO contact_nearby (contact_id, earlier_contact_id, distance_m) VALUES
           ('0190a000-0000-7000-8000-0000000000c2', '0190a000-0000-7000-8000-0000000000c1', 0.0);
         INSERT INTO follow_ups (id, contact_id, promise, owner, created_at, due_at, status)
           VALUES ('0190a000-0000-7000-8000-0000000000f1', '0190a000-0000-7000-8000-0000000000c1',
           'Call back', '0190a000-0000-7000-8000-0000000000a2', '2026-11-20T10:00:00.000000Z',
           '2026-11-23T10:00:00.000000Z', 'open');",
    )
    .expect("v11 rows");
    drop(conn);

    let store = Store::open(&path, &key()).expect("upgrade");
    let first: beatbook_core::ids::ContactId =
        "0190a000-0000-7000-8000-0000000000c1".parse().expect("id");
    let second: beatbook_core::ids::ContactId =
        "0190a000-0000-7000-8000-0000000000c2".parse().expect("id");
    let kept = store.contact(first).expect("contact kept");
    assert!(
        kept.has_personal_details,
        "personal details survive the rebuild"
    );
    assert_eq!(
        kept.place,
        Some(beatbook_core::model::GeoPoint::new(52.405, -1.545))
    );
    let follow_up = store
        .follow_up("0190a000-0000-7000-8000-0000000000f1".parse().expect("id"))
        .expect("follow-up kept");
    assert_eq!(follow_up.contact_id, Some(first));
    let nearby = store.nearby_contacts(second).expect("nearby kept");
    assert_eq!(nearby.len(), 1);

    let alex = beatbook_core::model::Actor {
        user_id: "0190a000-0000-7000-8000-0000000000a2".parse().expect("id"),
        role: beatbook_core::model::Role::Pcso,
        device_id: beatbook_core::ids::DeviceId::new(),
    };
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-21T10:00:00Z")
        .expect("time")
        .to_utc();
    let visit = store
        .record_contact(
            &alex,
            common::plain_contact(at, beatbook_core::model::GeoPoint::new(52.4051, -1.5451)),
        )
        .expect("record");
    assert_eq!(
        visit.nearby.len(),
        2,
        "the spatial index kept the old contacts"
    );
    let call = beatbook_core::model::NewContact {
        place: None,
        method: beatbook_core::model::ContactMethod::Phone,
        ..common::plain_contact(at, beatbook_core::model::GeoPoint::new(52.4051, -1.5451))
    };
    let call = store
        .record_contact(&alex, call)
        .expect("a call without a place");
    assert_eq!(store.contact(call.contact.id).expect("read").place, None);
}

#[test]
fn a_version_17_store_drops_its_corrected_notes_from_search_on_upgrade() {
    // Before version 18 a note that another note amends stayed in the search index, so a
    // search showed the text it corrected. The upgrade takes it out; the newest note stays.
    let (_dir, path, conn) = old_store(17);
    conn.execute_batch(
        "INSERT INTO teams (id, name) VALUES ('0190a000-0000-7000-8000-000000000001', 'Team');
         INSERT INTO users (id, display_name, role, team_id) VALUES
           ('0190a000-0000-7000-8000-0000000000a2', 'PCSO Alex', 'pcso', '0190a000-0000-7000-8000-000000000001');
         INSERT INTO notes (id, observed_at, text, category, author, created_at, amends,
           correction_reason) VALUES
           ('0190a000-0000-7000-8000-0000000000b1', '2026-11-20T10:00:00.000000Z',
            'Gate open at no. 12', 'observation', '0190a000-0000-7000-8000-0000000000a2',
            '2026-11-20T10:00:00.000000Z', NULL, NULL),
           ('0190a000-0000-7000-8000-0000000000b2', '2026-11-20T10:00:00.000000Z',
            'Gate open at no. 14', 'observation', '0190a000-0000-7000-8000-0000000000a2',
            '2026-11-20T10:05:00.000000Z', '0190a000-0000-7000-8000-0000000000b1', 'Wrong house');
         INSERT INTO search_docs (rowid, record_kind, record_id) VALUES
           (1, 'note', '0190a000-0000-7000-8000-0000000000b1'),
           (2, 'note', '0190a000-0000-7000-8000-0000000000b2');
         INSERT INTO search_index (rowid, title, body) VALUES
           (1, 'observation', 'Gate open at no. 12'),
           (2, 'observation', 'Gate open at no. 14');",
    )
    .expect("v17 rows");
    drop(conn);

    let store = Store::open(&path, &key()).expect("upgrade");
    let found: Vec<String> = store
        .search("gate open", 10)
        .expect("search")
        .into_iter()
        .map(|hit| hit.record_id)
        .collect();
    assert_eq!(found, ["0190a000-0000-7000-8000-0000000000b2"]);
    let original: beatbook_core::ids::NoteId =
        "0190a000-0000-7000-8000-0000000000b1".parse().expect("id");
    assert_eq!(
        store.note(original).expect("still readable").text,
        "Gate open at no. 12"
    );
}

#[test]
fn a_version_19_store_keeps_its_search_terms_and_drops_the_second_copy_of_the_text() {
    // Before version 20 the full-text index kept each title and body in a content table of its
    // own, beside the records holding the same text. The upgrade keeps the terms (a search
    // finds what it found before, ranked and with its snippet) and drops that copy.
    let (_dir, path, conn) = old_store(19);
    conn.execute_batch(
        "INSERT INTO teams (id, name) VALUES ('0190a000-0000-7000-8000-000000000001', 'Team');
         INSERT INTO users (id, display_name, role, team_id) VALUES
           ('0190a000-0000-7000-8000-0000000000a2', 'PCSO Alex', 'pcso', '0190a000-0000-7000-8000-000000000001');
         INSERT INTO notes (id, observed_at, text, category, author, created_at) VALUES
           ('0190a000-0000-7000-8000-0000000000b1', '2026-11-20T10:00:00.000000Z',
            'Side gate of the Vexmoor allotments left open', 'observation',
            '0190a000-0000-7000-8000-0000000000a2', '2026-11-20T10:00:00.000000Z');
         INSERT INTO search_docs (rowid, record_kind, record_id) VALUES
           (7, 'note', '0190a000-0000-7000-8000-0000000000b1');
         INSERT INTO search_index (rowid, title, body) VALUES
           (7, 'observation', 'Side gate of the Vexmoor allotments left open');",
    )
    .expect("v19 rows");
    drop(conn);

    let store = Store::open(&path, &key()).expect("upgrade");
    let hits = store.search("vexmoor gate", 10).expect("search");
    assert_eq!(hits.len(), 1, "the upgraded index still finds the note");
    assert_eq!(hits[0].record_id, "0190a000-0000-7000-8000-0000000000b1");
    assert_eq!(hits[0].title, "observation");
    assert!(
        hits[0].snippet.contains("[Vexmoor]"),
        "the snippet comes from the note: {}",
        hits[0].snippet
    );
    drop(store);
    let conn = keyed(&path);
    let content_tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name = 'search_index_content'",
            [],
            |r| r.get(0),
        )
        .expect("schema");
    assert_eq!(content_tables, 0, "the index keeps no copy of the text");
}

#[test]
fn a_version_20_store_keeps_its_repeat_location_links_by_row_number_on_upgrade() {
    // Before version 21 a link named both contacts by id. The upgrade names them by row number:
    // the later contact still lists the earlier one at the same distance, and the erasure of
    // the earlier one takes the link with it (no foreign key cascades it now).
    let (_dir, path, conn) = old_store(20);
    conn.execute_batch(
        "INSERT INTO teams (id, name) VALUES ('0190a000-0000-7000-8000-000000000001', 'Team');
         INSERT INTO users (id, display_name, role, team_id) VALUES
           ('0190a000-0000-7000-8000-0000000000a2', 'PCSO Alex', 'pcso', '0190a000-0000-7000-8000-000000000001'),
           ('0190a000-0000-7000-8000-0000000000a3', 'Sgt Kim', 'supervisor', '0190a000-0000-7000-8000-000000000001');
         INSERT INTO contacts (rowid, id, occurred_at, lat, lon, method, audience, people_count,
           issues, consent_to_recontact, repeat_caller, vulnerable, repeat_location, recorded_by,
           created_at, updated_at) VALUES
           (5, '0190a000-0000-7000-8000-0000000000c1', '2026-11-20T10:00:00.000000Z', 52.405,
            -1.545, 'door_knock', 'resident', 1, '[]', 0, 0, 0, 0,
            '0190a000-0000-7000-8000-0000000000a2', '2026-11-20T10:00:00.000000Z',
            '2026-11-20T10:00:00.000000Z'),
           (9, '0190a000-0000-7000-8000-0000000000c2', '2026-11-20T11:00:00.000000Z', 52.4051,
            -1.545, 'door_knock', 'resident', 1, '[]', 0, 0, 0, 1,
            '0190a000-0000-7000-8000-0000000000a2', '2026-11-20T11:00:00.000000Z',
            '2026-11-20T11:00:00.000000Z');
         INSERT INTO contacts_where (id, min_lat, max_lat, min_lon, max_lon, min_day, max_day)
           VALUES (5, 52.405, 52.405, -1.545, -1.545, 20412.4, 20412.4),
                  (9, 52.4051, 52.4051, -1.545, -1.545, 20412.5, 20412.5);
         INSERT INTO contact_nearby (contact_id, earlier_contact_id, distance_m) VALUES
           ('0190a000-0000-7000-8000-0000000000c2', '0190a000-0000-7000-8000-0000000000c1', 11.1);",
    )
    .expect("v20 rows");
    drop(conn);

    let store = Store::open(&path, &key()).expect("upgrade");
    let earlier: beatbook_core::ids::ContactId =
        "0190a000-0000-7000-8000-0000000000c1".parse().expect("id");
    let later: beatbook_core::ids::ContactId =
        "0190a000-0000-7000-8000-0000000000c2".parse().expect("id");
    let links = store.nearby_contacts(later).expect("links kept");
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].contact_id, earlier);
    assert_eq!(links[0].distance_m, 11.1);
    let kim = beatbook_core::model::Actor {
        user_id: "0190a000-0000-7000-8000-0000000000a3".parse().expect("id"),
        role: beatbook_core::model::Role::Supervisor,
        device_id: beatbook_core::ids::DeviceId::new(),
    };
    store
        .erase_contact(&kim, earlier, "Recorded in error")
        .expect("erase the earlier contact");
    assert!(store.nearby_contacts(later).expect("links").is_empty());
    drop(store);
    let rows = (
        common::count_rows(&path, &key(), "contact_nearby"),
        common::count_rows(&path, &key(), common::ON_REPEAT_INDEX),
    );
    assert_eq!(
        rows,
        (0, 1),
        "the link and the erased contact's index entry are gone"
    );
}

#[test]
fn a_version_21_store_keeps_its_audit_log_whole_with_each_actor_once() {
    // Version 22 keeps who acted once per actor and the log's entries in a table of their own,
    // `audit_log` a view with the old columns. Every entry survives as it was, numbered as it
    // was; the numbering goes on without a gap; the log still refuses edits.
    let (_dir, path, conn) = old_store(21);
    conn.execute_batch(
        "INSERT INTO teams (id, name) VALUES ('0190a000-0000-7000-8000-000000000001', 'Team');
         INSERT INTO users (id, display_name, role, team_id) VALUES
           ('0190a000-0000-7000-8000-0000000000a2', 'PCSO Alex', 'pcso', '0190a000-0000-7000-8000-000000000001'),
           ('0190a000-0000-7000-8000-0000000000a3', 'Sgt Kim', 'supervisor', '0190a000-0000-7000-8000-000000000001');
         INSERT INTO audit_log (at, user_id, role, device_id, action, record_kind, record_id,
           justification, detail) VALUES
           ('2026-11-20T10:00:00.000000Z', '0190a000-0000-7000-8000-0000000000a2', 'pcso',
            '0190a000-0000-7000-8000-0000000000d1', 'collection', 'contact',
            '0190a000-0000-7000-8000-0000000000c1', NULL, 'with personal details'),
           ('2026-11-20T11:00:00.000000Z', '0190a000-0000-7000-8000-0000000000a3', 'supervisor',
            '0190a000-0000-7000-8000-0000000000d2', 'consultation', 'contact_personal',
            '0190a000-0000-7000-8000-0000000000c1', 'Calling back', NULL),
           ('2026-11-20T12:00:00.000000Z', '0190a000-0000-7000-8000-0000000000a2', 'pcso',
            '0190a000-0000-7000-8000-0000000000d1', 'disclosure', 'export', NULL, NULL,
            'csv of 1 contact');",
    )
    .expect("v21 rows");
    let before: Vec<Vec<Option<String>>> = audit_rows(&conn);
    drop(conn);

    let now = chrono::DateTime::parse_from_rfc3339("2026-11-21T09:00:00Z")
        .expect("time")
        .to_utc();
    let store = Store::open_with_clock(&path, &key(), ManualClock::shared(now)).expect("upgrade");
    let history = store
        .audit_entries(Some("0190a000-0000-7000-8000-0000000000c1"))
        .expect("one record's history");
    assert_eq!(
        history.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [1, 2],
        "both entries about the contact, in order"
    );
    assert_eq!(history[1].justification.as_deref(), Some("Calling back"));
    assert_eq!(store.audit_log_newest().expect("newest"), 3);
    let kim = beatbook_core::model::Actor {
        user_id: "0190a000-0000-7000-8000-0000000000a3".parse().expect("id"),
        role: beatbook_core::model::Role::Supervisor,
        device_id: "0190a000-0000-7000-8000-0000000000d2".parse().expect("id"),
    };
    store
        .add_note(
            &kim,
            beatbook_core::model::NewNote {
                observed_at: now,
                text: "Gate repaired".into(),
                category: beatbook_core::model::NoteCategory::Observation,
                place: None,
                patrol_id: None,
                problem_id: None,
            },
        )
        .expect("a logged write after the upgrade");
    assert_eq!(
        store.audit_log_newest().expect("newest"),
        4,
        "numbered on without a gap"
    );
    // The log still reaches the server: every entry, old and new, in order, in wire form.
    let to_send = store
        .audit_entries_to_send(500, i64::MAX)
        .expect("entries to hand in");
    assert_eq!(
        to_send.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    assert_eq!(to_send[2].detail.as_deref(), Some("csv of 1 contact"));
    store.note_audit_acknowledged(3).expect("acknowledged");
    assert_eq!(store.audit_entries_unacknowledged().expect("waiting"), 1);
    drop(store);

    let conn = keyed(&path);
    let after = audit_rows(&conn);
    assert_eq!(after[..3], before[..], "every old entry as it was");
    assert_eq!(
        after[3][2].as_deref(),
        Some("0190a000-0000-7000-8000-0000000000a3")
    );
    let actors: i64 = conn
        .query_row("SELECT count(*) FROM audit_actors", [], |r| r.get(0))
        .expect("actors");
    assert_eq!(actors, 2, "each actor once");
    let edit = conn
        .execute("UPDATE audit_entries SET justification = 'forged'", [])
        .expect_err("the entries refuse edits");
    assert!(edit.to_string().contains("append-only"), "{edit}");
    let edit = conn
        .execute("DELETE FROM audit_actors", [])
        .expect_err("the actors refuse deletion");
    assert!(edit.to_string().contains("append-only"), "{edit}");
}

/// Every column of every entry of `audit_log` (a table before version 22, a view since), as text.
pub(crate) fn audit_rows(conn: &rusqlite::Connection) -> Vec<Vec<Option<String>>> {
    let mut stmt = conn
        .prepare(
            "SELECT seq, at, user_id, role, device_id, action, record_kind, record_id,
                    justification, detail FROM audit_log ORDER BY seq",
        )
        .expect("read the log");
    stmt.query_map([], |r| {
        (0..10)
            .map(|i| {
                r.get::<_, rusqlite::types::Value>(i).map(|v| match v {
                    rusqlite::types::Value::Null => None,
                    rusqlite::types::Value::Integer(n) => Some(n.to_string()),
                    rusqlite::types::Value::Text(t) => Some(t),
                    other => Some(format!("{other:?}")),
                })
            })
            .collect()
    })
    .expect("rows")
    .collect::<Result<_, _>>()
    .expect("entries")
}

#[test]
fn a_version_27_store_finds_its_contacts_nearby_on_the_grid_index_after_upgrade() {
    // Version 28 replaces the R*Tree with an index of grid cells by week, generated from each
    // row: contacts recorded before the upgrade must be found by it (and a contact without a
    // place must not be on it), or the first repeat location after an app update goes
    // unflagged.
    let (_dir, path, conn) = old_store(27);
    conn.execute_batch(
        "INSERT INTO teams (id, name) VALUES ('0190a000-0000-7000-8000-000000000001', 'Team');
         INSERT INTO users (id, display_name, role, team_id) VALUES
           ('0190a000-0000-7000-8000-0000000000a2', 'PCSO Alex', 'pcso', '0190a000-0000-7000-8000-000000000001');
         INSERT INTO contacts (id, occurred_at, lat, lon, method, audience, people_count, issues,
           consent_to_recontact, repeat_caller, vulnerable, repeat_location, recorded_by,
           created_at, updated_at) VALUES
           ('0190a000-0000-7000-8000-0000000000c1', '2026-11-20T10:00:00.000000Z', 52.405, -1.545,
            'door_knock', 'resident', 1, '[]', 0, 0, 0, 0, '0190a000-0000-7000-8000-0000000000a2',
            '2026-11-20T10:00:00.000000Z', '2026-11-20T10:00:00.000000Z'),
           ('0190a000-0000-7000-8000-0000000000c2', '2026-11-20T11:00:00.000000Z', NULL, NULL,
            'phone', 'resident', 1, '[]', 0, 0, 0, 0, '0190a000-0000-7000-8000-0000000000a2',
            '2026-11-20T11:00:00.000000Z', '2026-11-20T11:00:00.000000Z'),
           ('0190a000-0000-7000-8000-0000000000c3', '2026-10-01T10:00:00.000000Z', 52.405, -1.545,
            'door_knock', 'resident', 1, '[]', 0, 0, 0, 0, '0190a000-0000-7000-8000-0000000000a2',
            '2026-10-01T10:00:00.000000Z', '2026-10-01T10:00:00.000000Z');
         INSERT INTO contacts_where (id, min_lat, max_lat, min_lon, max_lon, min_day, max_day)
           SELECT rowid, lat, lat, lon, lon, julianday(occurred_at) - 2440587.5,
                  julianday(occurred_at) - 2440587.5
           FROM contacts WHERE lat IS NOT NULL;",
    )
    .expect("v27 rows");
    drop(conn);
    let at = time("2026-12-01T10:00:00Z");
    let store = Store::open_with_clock(&path, &key(), ManualClock::shared(at)).expect("upgrade");
    let on_index = common::count_rows(&path, &key(), common::ON_REPEAT_INDEX);
    assert_eq!(on_index, 2, "the two contacts with a place, not the call");
    // Eleven days after the first contact (another week), found; October's is outside the 28
    // days.
    assert_eq!(
        alex_records_a_contact_beside_c1(&store, at),
        vec!["0190a000-0000-7000-8000-0000000000c1"]
    );
}
