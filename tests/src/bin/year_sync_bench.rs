//! Year-of-a-team benchmark (prints figures; not a test): a new phone's first sync of a year
//! of a 40-person team's records — the report bench's data set (`core/benches/reports/year.rs`):
//! 22k patrols, 100k contacts (personal details on one in ten), 20k follow-ups, 150k notes and
//! 500 problems, about 292k records — from a real release `beatbook-server` on loopback.
//!
//! Recording 292k records through the app would take longer than the sync being measured, so
//! the server is seeded: one record of each kind is recorded on a device the way the app
//! records it (a closed patrol, a contact with consented personal details and a promise, a note,
//! a problem) and pushed; each server record is then cloned in SQL up to the year's count, with
//! new ids, and dependants (personal details, follow-ups) pointing at cloned contacts.
//!
//! The floor the size is compared with: the new phone's store with only the records' own
//! tables and their search index kept (sync state, audit log, outbox and the rest dropped), then
//! vacuumed — the same rows, as the store lays them out, with nothing for sync or the law.
//!
//! `cargo run --release -p beatbook-e2e --bin year_sync_bench`
//! (`BEATBOOK_YEAR_BENCH_SCALE=10` for a tenth of the year).

use beatbook_core::model::{
    AreaRef, Audience, ContactMethod, CrimeCategory, GeoPoint, NewContact, NewNote, NewPatrol,
    NewProblem, NoteCategory, PatrolClosure, PatrolKind, PersonalDetails, PurposeMet,
    ValueAssessment,
};
use beatbook_core::sync::client::{CancelFlag, NoProgress, SyncClient, SyncOptions};
use beatbook_e2e::device::Device;
use beatbook_e2e::disk::{dir_bytes, print_breakdown, store_bytes};
use beatbook_e2e::server::ServerProcess;
use chrono::{Duration, Utc};
use std::path::Path;
use std::time::Instant;

/// The year's records per kind (as `core/benches/reports/year.rs` FULL): kind, count, the
/// hex digit that marks the kind's cloned ids.
const YEAR: [(&str, u64, char); 6] = [
    ("patrol", 22_000, '1'),
    ("contact", 100_000, '2'),
    ("contact_personal", 10_000, '2'),
    ("follow_up", 20_000, '3'),
    ("note", 150_000, '4'),
    ("problem", 500, '5'),
];

/// The tables a bare store keeps: the records' own rows and their search index (the FTS5
/// table and its shadow tables).
const RECORD_TABLES: [&str; 8] = [
    "patrols",
    "patrol_participants",
    "contacts",
    "contact_personal",
    "follow_ups",
    "notes",
    "problems",
    "problem_steps",
];

fn kept_in_bare(table: &str) -> bool {
    RECORD_TABLES.contains(&table) || table.starts_with("search_index")
}

fn main() {
    let scale: u64 = std::env::var("BEATBOOK_YEAR_BENCH_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|s| *s > 0)
        .unwrap_or(1);
    let server = ServerProcess::start(&[]);
    let mut devices = server
        .enrol_team(
            &server.url,
            &[("Recorder", "pcso"), ("New phone", "officer")],
        )
        .into_iter();
    let (Some(recorder), Some(new_phone)) = (devices.next(), devices.next()) else {
        panic!("two devices");
    };
    record_one_of_each(&recorder);
    recorder.sync();

    let started = Instant::now();
    let total = seed_year(&server, scale);
    let seed_s = started.elapsed().as_secs_f64();

    let client = SyncClient::new(&server.url, SyncOptions::default()).expect("client");
    let started = Instant::now();
    let report = client
        .sync(&new_phone.store, &NoProgress, &CancelFlag::new())
        .expect("first sync");
    let sync_s = started.elapsed().as_secs_f64();
    let status = new_phone.store.sync_status().expect("status");
    assert_eq!(status.held_records, 0, "nothing held back");
    assert!(
        report.pulled >= total,
        "the new phone got {} of {total}",
        report.pulled
    );

    let key = "05".repeat(32);
    let phone_bytes = store_bytes(&new_phone.path());
    let dir = tempfile::tempdir().expect("dir");
    let bare = dir.path().join("bare.db");
    let bare_bytes = bare_copy(&new_phone.path(), &bare, &key);
    let server_bytes = dir_bytes(server.data.path());
    let mb = |bytes: u64| bytes as f64 / 1_048_576.0;

    println!(
        "Beatbook year-of-a-team benchmark: a new phone's first sync, loopback (scale 1/{scale})"
    );
    println!("  records on the server (SQL clones):  {total:9}  (seeded in {seed_s:.1} s)");
    println!("  records pulled:                      {:9}", report.pulled);
    println!("  first sync:                          {sync_s:9.1} s  (target <= 30 s)");
    println!(
        "  bytes on the wire per record:        {:9.1} B  (clones: they gzip better than real records)",
        report.bytes_received as f64 / report.pulled.max(1) as f64
    );
    println!(
        "  new phone's store (WAL included):    {:9.1} MB  {:5.2}x bare (target <= 1.5x)",
        mb(phone_bytes),
        phone_bytes as f64 / bare_bytes as f64
    );
    println!(
        "  bare (record tables + search):       {:9.1} MB",
        mb(bare_bytes)
    );
    println!(
        "  server's data folder:                {:9.1} MB",
        mb(server_bytes)
    );
    println!("  where the bytes are (SQLite's dbstat, largest first):");
    print_breakdown("new phone", &new_phone.path(), Some(&key));
    print_breakdown("bare", &bare, Some(&key));
}

/// One record of each kind, as the app records them.
fn record_one_of_each(device: &Device) {
    let now = Utc::now();
    let area = AreaRef::Lap("LAP-NV".into());
    let store = &device.store;
    store
        .record_patrol(
            &device.actor,
            NewPatrol {
                kind: PatrolKind::Foot,
                area: area.clone(),
                purpose: "Reassurance in the precinct after the ASB reports".into(),
                operation_name: None,
                participants: Vec::new(),
                started_at: now - Duration::hours(3),
            },
            PatrolClosure {
                ended_at: now - Duration::hours(1),
                observations: Some("Quiet; spoke to two shopkeepers about the bins".into()),
                assessment: Some(ValueAssessment {
                    purpose_met: PurposeMet::Yes,
                    value_rating: 3,
                    summary: "Visible presence at the times residents named".into(),
                }),
            },
        )
        .expect("patrol");
    store
        .record_contact(
            &device.actor,
            NewContact {
                occurred_at: now - Duration::hours(2),
                place: Some(GeoPoint::new(52.4068, -1.5197)),
                lsoa_code: None,
                lap_code: None,
                method: ContactMethod::FootPatrol,
                audience: Audience::Resident,
                people_count: 2,
                issues: vec![CrimeCategory::AntiSocialBehaviour],
                issues_text: Some(
                    "Residents raised youths gathering near the shops on Elm Road, evenings".into(),
                ),
                promised: Some("Ask the council about the streetlight and call back".into()),
                follow_up_due: None,
                follow_up_owner: None,
                consent_to_recontact: true,
                personal: Some(PersonalDetails {
                    name: Some("Resident One".into()),
                    phone: Some("07700 900123".into()),
                    email: None,
                    address: None,
                }),
                ethnicity: None,
                repeat_caller: false,
                vulnerable: false,
                problem_id: None,
                patrol_id: None,
            },
        )
        .expect("contact");
    store
        .add_note(
            &device.actor,
            NewNote {
                observed_at: now - Duration::minutes(90),
                text: "Group of six by the garages on Elm Road again, moved on".into(),
                category: NoteCategory::Observation,
                place: None,
                patrol_id: None,
                problem_id: None,
            },
        )
        .expect("note");
    store
        .open_problem(
            &device.actor,
            NewProblem {
                title: "Garage burglaries on Elm Road".into(),
                area,
                category: CrimeCategory::Burglary,
                owner: None,
                scanning_summary: "Five break-ins since May, all at night".into(),
            },
        )
        .expect("problem");
}

/// Clones the server's one record of each kind up to the year's counts (divided by `scale`),
/// with fresh ids and feed positions. Returns the number of records the server then holds for
/// the kinds cloned.
fn seed_year(server: &ServerProcess, scale: u64) -> u64 {
    let mut conn = beatbook_e2e::inspect::server_db_with(
        server.data.path(),
        beatbook_e2e::keyed::read_write(),
    );
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .expect("busy timeout");
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .expect("begin");
    // The templates in plain JSON, so that SQL can edit their clones; all packed again below.
    beatbook_e2e::inspect::unpack_records(&tx);
    let id = |digit: char, i: &str| format!("printf('0190b000-000{digit}-7000-8000-%012x', {i})");
    let packed = |id: &str| format!("unhex(replace({id}, '-', ''))");
    let contacts = YEAR[1].1 / scale;
    let mut total = 0;
    for (kind, count, digit) in YEAR {
        let extra = count / scale - 1;
        // Dependants point at a cloned contact: personal details at every tenth, follow-ups
        // at every fifth.
        let (new_id, contact_of) = match kind {
            "contact_personal" => (id(digit, "i * 10 % ?2 + 1"), id('2', "i * 10 % ?2 + 1")),
            "follow_up" => (id(digit, "i"), id('2', "i * 5 % ?2 + 1")),
            _ => (id(digit, "i"), "NULL".to_owned()),
        };
        // The server keeps record ids that are UUIDs as their 16 bytes (its schema 19); a
        // clone keeps its template's report reach (schema 20): only its ids differ.
        let (stored_id, stored_contact) = (packed(&new_id), packed(&contact_of));
        tx.execute(
            &format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
                 INSERT INTO records (kind, record_id, team_id, owner_user_id, subject_kind,
                   subject_id, field_values, clocks, erased, seq, created_at, updated_at,
                   report_until_day)
                 SELECT t.kind, {stored_id}, t.team_id, t.owner_user_id, t.subject_kind,
                   CASE WHEN t.subject_kind = 'contact' THEN {stored_contact} ELSE t.subject_id END,
                   json_replace(t.field_values, '$.id', {new_id},
                     '$.contact_id', {contact_of}),
                   t.clocks, 0, f.last_seq + i, t.created_at, t.updated_at, t.report_until_day
                 FROM n, (SELECT * FROM records WHERE kind = ?3 LIMIT 1) t, feed f"
            ),
            rusqlite::params![extra as i64, contacts as i64, kind],
        )
        .unwrap_or_else(|e| panic!("clone {kind}: {e}"));
        tx.execute(
            &format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
                 INSERT INTO record_members (kind, record_id, user_id)
                 SELECT ?3, {stored_id}, m.user_id
                 FROM n, (SELECT user_id FROM record_members WHERE kind = ?3) m"
            ),
            rusqlite::params![extra as i64, contacts as i64, kind],
        )
        .unwrap_or_else(|e| panic!("clone {kind} members: {e}"));
        tx.execute("UPDATE feed SET last_seq = last_seq + ?1", [extra as i64])
            .expect("advance the feed");
        total += extra + 1;
    }
    beatbook_server::storage::packed_values::pack_plain_rows(&tx).expect("pack the clones");
    tx.commit().expect("commit");
    total
}

/// Copies the store, keeps only the records' tables and their search index, vacuums it and
/// returns its size: the same rows with nothing for sync, audit or the outbox.
fn bare_copy(store: &Path, bare: &Path, key_hex: &str) -> u64 {
    let conn =
        beatbook_e2e::keyed::open_keyed(store, key_hex, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY);
    conn.execute("VACUUM INTO ?1", [bare.to_string_lossy()])
        .expect("copy");
    drop(conn);
    let copy = beatbook_e2e::keyed::open_keyed(bare, key_hex, beatbook_e2e::keyed::read_write());
    copy.execute_batch("PRAGMA foreign_keys = OFF")
        .expect("foreign keys off");
    // Triggers first (they name the tables), then virtual tables (dropping one drops its
    // shadow tables), then the plain tables left.
    for pass in [
        "type = 'trigger'",
        "type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'",
        "type = 'table'",
    ] {
        let names: Vec<(String, String)> = copy
            .prepare(&format!(
                "SELECT type, name FROM sqlite_schema WHERE {pass} AND name NOT LIKE 'sqlite_%'"
            ))
            .expect("schema")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        for (kind, name) in names {
            if kind == "trigger" {
                copy.execute_batch(&format!("DROP TRIGGER \"{name}\""))
                    .expect("drop trigger");
            } else if !kept_in_bare(&name) {
                copy.execute_batch(&format!("DROP TABLE IF EXISTS \"{name}\""))
                    .unwrap_or_else(|e| panic!("drop {name}: {e}"));
            }
        }
    }
    copy.execute_batch("VACUUM").expect("vacuum");
    drop(copy);
    store_bytes(bare)
}
