//! Search rows numbered by their records' rows (store version 25): every kind is found and
//! named right, the four searchable tables number their rows from one sequence (so the newest
//! search rows are the newest records, whatever their kind), and a version 24 store, whose
//! search rows were numbered by `search_docs`, is searchable after its upgrade.

use crate::common::{self, key, Fixture};
use crate::schema_upgrades::{keyed, old_store};
use beatbook_core::model::*;
use beatbook_core::store::SearchKind;
use beatbook_core::sync::protocol::{Change, PullResponse};
use beatbook_core::sync::RecordKind;
use beatbook_core::Store;
use chrono::{Duration, TimeZone, Utc};

fn start() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0)
        .single()
        .expect("a valid time")
}

/// Every hit for `typed`, as (kind, record id), best first.
fn found(store: &Store, typed: &str) -> Vec<(SearchKind, String)> {
    store
        .search(typed, 50)
        .expect("search")
        .into_iter()
        .map(|hit| (hit.kind, hit.record_id))
        .collect()
}

#[test]
fn every_kind_is_found_by_its_row_and_the_rows_follow_the_order_records_were_written() {
    let f = Fixture::at(start() + Duration::days(1));
    let pcso = f.actor(Role::Pcso, "Sam");
    let patrol = f
        .store
        .start_patrol(
            &pcso,
            NewPatrol {
                kind: PatrolKind::Foot,
                area: AreaRef::Lap("LAP-NV".into()),
                purpose: "Quillfern estate reassurance".into(),
                operation_name: None,
                participants: vec![],
                started_at: start(),
            },
        )
        .expect("patrol");
    let note = f
        .store
        .add_note(
            &pcso,
            NewNote {
                observed_at: start() + Duration::minutes(5),
                text: "Quillfern garages tagged overnight".into(),
                category: NoteCategory::Observation,
                place: None,
                patrol_id: Some(patrol.id),
                problem_id: None,
            },
        )
        .expect("note");
    let contact = f
        .store
        .record_contact(
            &pcso,
            NewContact {
                issues: vec![CrimeCategory::CriminalDamageArson],
                issues_text: Some("Quillfern garage doors sprayed".into()),
                patrol_id: Some(patrol.id),
                ..common::plain_contact(
                    start() + Duration::minutes(10),
                    GeoPoint::new(52.405, -1.545),
                )
            },
        )
        .expect("contact")
        .contact;
    let problem = f
        .store
        .open_problem(
            &pcso,
            NewProblem {
                title: "Quillfern graffiti".into(),
                area: AreaRef::Lap("LAP-NV".into()),
                category: CrimeCategory::CriminalDamageArson,
                owner: None,
                scanning_summary: "Garages tagged weekly since October".into(),
            },
        )
        .expect("problem");

    let mut hits = found(&f.store, "quillfern");
    hits.sort();
    let mut expected = vec![
        (SearchKind::Note, note.id.to_string()),
        (SearchKind::Contact, contact.id.to_string()),
        (SearchKind::Problem, problem.id.to_string()),
        (SearchKind::Patrol, patrol.id.to_string()),
    ];
    expected.sort();
    assert_eq!(hits, expected, "each kind found, and named as its own kind");

    // The rows the four records took, in the order they were written, across the tables.
    let conn = keyed(&f.dir.path().join("beatbook.db"));
    let row = |table: &str, id: String| -> i64 {
        conn.query_row(
            &format!("SELECT rowid FROM {table} WHERE id = ?1"),
            [id],
            |r| r.get(0),
        )
        .expect("row")
    };
    let rows = [
        row("patrols", patrol.id.to_string()),
        row("notes", note.id.to_string()),
        row("contacts", contact.id.to_string()),
        row("problems", problem.id.to_string()),
    ];
    assert!(
        rows.windows(2).all(|pair| pair[0] < pair[1]),
        "rows from one sequence in the order written: {rows:?}"
    );
    let lookup_tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name = 'search_docs'",
            [],
            |r| r.get(0),
        )
        .expect("schema");
    assert_eq!(lookup_tables, 0);

    // Erasing the contact takes its search row, and no other.
    let sergeant = f.actor(Role::Supervisor, "Kim");
    f.store
        .erase_contact(&sergeant, contact.id, "Recorded in error")
        .expect("erase");
    let kinds: Vec<SearchKind> = found(&f.store, "quillfern")
        .into_iter()
        .map(|(kind, _)| kind)
        .collect();
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    assert!(!kinds.contains(&SearchKind::Contact));
}

#[test]
fn a_version_24_store_is_searchable_by_record_rows_after_its_upgrade() {
    // Until version 25 `search_docs` numbered the search rows; the upgrade drops it, and since
    // the index keeps no text, indexes every record again from its row: a corrected note
    // stays hidden behind its correction, a problem is found by its steps' text.
    let (_dir, path, conn) = old_store(24);
    conn.execute_batch(
        "INSERT INTO teams (id, name) VALUES ('0190a000-0000-7000-8000-000000000001', 'Team');
         INSERT INTO users (id, display_name, role, team_id) VALUES
           ('0190a000-0000-7000-8000-0000000000a2', 'PCSO Alex', 'pcso', '0190a000-0000-7000-8000-000000000001');
         INSERT INTO notes (rowid, id, observed_at, text, category, author, created_at, amends,
           correction_reason) VALUES
           (1, '0190a000-0000-7000-8000-0000000000b1', '2026-11-20T10:00:00.000000Z',
            'Vexmoor gate open at no. 12', 'observation', '0190a000-0000-7000-8000-0000000000a2',
            '2026-11-20T10:00:00.000000Z', NULL, NULL),
           (2, '0190a000-0000-7000-8000-0000000000b2', '2026-11-20T10:00:00.000000Z',
            'Vexmoor gate open at no. 14', 'observation', '0190a000-0000-7000-8000-0000000000a2',
            '2026-11-20T10:05:00.000000Z', '0190a000-0000-7000-8000-0000000000b1', 'Wrong house');
         INSERT INTO contacts (rowid, id, occurred_at, lat, lon, method, audience, people_count,
           issues, issues_text, consent_to_recontact, repeat_caller, vulnerable,
           repeat_location, recorded_by, created_at, updated_at) VALUES
           (1, '0190a000-0000-7000-8000-0000000000c1', '2026-11-20T11:00:00.000000Z', 52.405,
            -1.545, 'door_knock', 'resident', 1, '[]', 'Vexmoor allotment sheds', 0, 0, 0, 0,
            '0190a000-0000-7000-8000-0000000000a2', '2026-11-20T11:00:00.000000Z',
            '2026-11-20T11:00:00.000000Z');
         INSERT INTO patrols (rowid, id, kind, area_kind, area_id, purpose, recorded_by,
           started_at, created_at, updated_at) VALUES
           (1, '0190a000-0000-7000-8000-0000000000d1', 'foot', 'lap', 'LAP-NV',
            'Vexmoor reassurance', '0190a000-0000-7000-8000-0000000000a2',
            '2026-11-20T09:00:00.000000Z', '2026-11-20T09:00:00.000000Z',
            '2026-11-20T09:00:00.000000Z');
         INSERT INTO problems (rowid, id, title, area_kind, area_id, category, owner, stage,
           triangle, repeat_types, responses, assessment, created_by, created_at, updated_at,
           stage_changed_at) VALUES
           (1, '0190a000-0000-7000-8000-0000000000e1', 'Shed burglaries', 'lap', 'LAP-NV',
            'burglary', '0190a000-0000-7000-8000-0000000000a2', 'scanning', '{}', '[]', '[]', NULL,
            '0190a000-0000-7000-8000-0000000000a2', '2026-11-20T09:00:00.000000Z',
            '2026-11-20T09:00:00.000000Z', '2026-11-20T09:00:00.000000Z');
         INSERT INTO problem_steps (id, problem_id, stage, text, author, recorded_at) VALUES
           ('0190a000-0000-7000-8000-0000000000e2', '0190a000-0000-7000-8000-0000000000e1',
            'scanning', 'Three Vexmoor sheds forced', '0190a000-0000-7000-8000-0000000000a2',
            '2026-11-20T09:00:00.000000Z');
         INSERT INTO search_docs (rowid, record_kind, record_id) VALUES
           (40, 'note', '0190a000-0000-7000-8000-0000000000b2'),
           (41, 'contact', '0190a000-0000-7000-8000-0000000000c1'),
           (42, 'patrol', '0190a000-0000-7000-8000-0000000000d1'),
           (43, 'problem', '0190a000-0000-7000-8000-0000000000e1');
         INSERT INTO search_index (rowid, title, body) VALUES
           (40, 'observation', 'Vexmoor gate open at no. 14'),
           (41, 'door_knock with resident', 'Vexmoor allotment sheds'),
           (42, 'foot patrol', 'Vexmoor reassurance'),
           (43, 'Shed burglaries', 'Three Vexmoor sheds forced');",
    )
    .expect("v24 rows");
    drop(conn);

    let store = Store::open(&path, &key()).expect("upgrade");
    let mut hits = found(&store, "vexmoor");
    hits.sort();
    assert_eq!(
        hits,
        [
            (
                SearchKind::Note,
                "0190a000-0000-7000-8000-0000000000b2".to_owned()
            ),
            (
                SearchKind::Contact,
                "0190a000-0000-7000-8000-0000000000c1".to_owned()
            ),
            (
                SearchKind::Problem,
                "0190a000-0000-7000-8000-0000000000e1".to_owned()
            ),
            (
                SearchKind::Patrol,
                "0190a000-0000-7000-8000-0000000000d1".to_owned()
            ),
        ],
        "every record found again, the corrected note still hidden"
    );
    let note = &store.search("gate", 5).expect("search")[0];
    assert!(note.snippet.contains("[gate]"), "{}", note.snippet);
    drop(store);
    let conn = keyed(&path);
    let (lookup_tables, search_rows): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM sqlite_schema WHERE name = 'search_docs'),
                    (SELECT count(*) FROM search_index_docsize)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("count");
    assert_eq!(
        (lookup_tables, search_rows),
        (0, 4),
        "no lookup table; one row a record, none left from before"
    );
}

#[test]
fn a_pulled_erasure_of_personal_details_leaves_their_contact_searchable() {
    // Personal details are a record of their own, under their contact's id, with no search
    // row. Until version 25 erasing them unindexed by that id, which took the contact's row:
    // after the server's retention erased a contact's details, the contact was found no more.
    let f = Fixture::at(start() + Duration::days(1));
    let pcso = f.actor(Role::Pcso, "Sam");
    let contact = f
        .store
        .record_contact(
            &pcso,
            NewContact {
                issues_text: Some("Brindlewick bins left out".into()),
                consent_to_recontact: true,
                personal: Some(PersonalDetails {
                    phone: Some("07700 900123".into()),
                    ..Default::default()
                }),
                ..common::plain_contact(start(), GeoPoint::new(52.405, -1.545))
            },
        )
        .expect("contact")
        .contact;
    let cursor = f.store.pull_cursor().expect("cursor");
    let page = PullResponse {
        changes: vec![Change {
            seq: cursor + 1,
            kind: RecordKind::ContactPersonal,
            record_id: contact.id.to_string(),
            fields: Default::default(),
            erased: true,
        }],
        next_cursor: cursor + 1,
        has_more: false,
        server_time: start() + Duration::days(1),
        epoch: None,
    };
    f.store.apply_pull_page(&page).expect("apply the erasure");

    assert_eq!(
        found(&f.store, "brindlewick"),
        [(SearchKind::Contact, contact.id.to_string())]
    );
    let personal = f
        .store
        .contact_personal_details(&pcso, contact.id, "Checking the erasure")
        .expect("read");
    assert_eq!(personal.details, None, "the details are gone: {personal:?}");
}
