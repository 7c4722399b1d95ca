//! Contacts benchmark (prints figures; not a test): N contact-shaped records recorded as the
//! app records them — through `Store::record_contact`, a promise on one in four, consented
//! personal details on one in ten, places spread over a 10 km district and times over a year —
//! then pushed through a real release `beatbook-server` on loopback and pulled by a fresh
//! second device. Beside it, the same rows bulk-inserted into bare tables with a search index
//! (same cipher and durability), the floor that the targets are ratios of.
//!
//! Prints each phase's time, the bytes each way, each store's size on disk (WAL included), the
//! recording time per tenth of the run (a cost that grows with the store shows there), and each
//! store's write floor: its final contents copied in one transaction (`write_floor`), what no
//! sync filling it can beat.
//!
//! `cargo run --release -p beatbook-e2e --bin contacts_bench` (N = 20,000; set
//! `BEATBOOK_CONTACTS_BENCH_N=100000` for the full run, and `BEATBOOK_CONTACTS_BENCH_RTT_MS=40`
//! to sync over a 40 ms round trip instead of bare loopback; `BEATBOOK_BENCH_BTREES=40` lists
//! forty B-trees of each store instead of eight; `BEATBOOK_BENCH_KEEP=<folder>` keeps a
//! copy of the four stores there for a closer look).

use beatbook_core::model::{
    Audience, ContactMethod, CrimeCategory, GeoPoint, NewContact, PersonalDetails,
};
use beatbook_core::sync::client::{CancelFlag, NoProgress, SyncClient, SyncOptions, SyncReport};
use beatbook_e2e::device::Device;
use beatbook_e2e::disk::{dir_bytes, keep_store, print_breakdown, store_bytes};
use beatbook_e2e::latency::LatencyRelay;
use beatbook_e2e::rng::Rng;
use beatbook_e2e::server::ServerProcess;
use beatbook_e2e::write_floor::{copy_store, WriteFloor};
use chrono::{DateTime, Duration, Utc};
use std::path::Path;
use std::time::Instant;

/// The district: about 10 km by 10 km around this point.
const CENTRE: (f64, f64) = (52.4068, -1.5197);
const HALF_SIDE_DEG: (f64, f64) = (0.045, 0.073);

fn main() {
    let n: usize = std::env::var("BEATBOOK_CONTACTS_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let server = ServerProcess::start(&[]);
    let mut devices = server
        .enrol_team(
            &server.url,
            &[("Recorder", "pcso"), ("New phone", "officer")],
        )
        .into_iter();
    let (Some(a), Some(b)) = (devices.next(), devices.next()) else {
        panic!("two devices");
    };
    let now = Utc::now();
    let contacts = generate(n, now);

    let tenth = (n / 10).max(1);
    let mut tenths = Vec::new();
    let started = Instant::now();
    let mut tenth_started = Instant::now();
    for (i, contact) in contacts.iter().enumerate() {
        a.store
            .record_contact(&a.actor, contact.clone())
            .expect("record a contact");
        if (i + 1) % tenth == 0 {
            tenths.push(tenth_started.elapsed().as_secs_f64() * 1000.0 / tenth as f64);
            tenth_started = Instant::now();
        }
    }
    let record_s = started.elapsed().as_secs_f64();
    // Progress on stderr: the figures come at the end, and a profiler can be attached to a phase.
    eprintln!("recorded {n} contacts in {record_s:.1} s; pushing");

    // Over a network with a round trip when asked: the devices sync through a relay that
    // delays each direction by half of it (loopback alone has next to none).
    let rtt_ms: u64 = std::env::var("BEATBOOK_CONTACTS_BENCH_RTT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let relay = (rtt_ms > 0)
        .then(|| LatencyRelay::start(server.port, std::time::Duration::from_micros(rtt_ms * 500)));
    let sync_url = relay
        .as_ref()
        .map_or(server.url.as_str(), |r| r.url.as_str());
    // The app's default batch sizes, not the tests' small ones.
    let sync = |d: &Device| -> (SyncReport, f64) {
        let client = SyncClient::new(sync_url, SyncOptions::default()).expect("client");
        let started = Instant::now();
        let report = client
            .sync(&d.store, &NoProgress, &CancelFlag::new())
            .expect("sync");
        (report, started.elapsed().as_secs_f64())
    };
    let (push, push_s) = sync(&a);
    eprintln!("pushed in {push_s:.1} s; pulling to a fresh device");
    let (pull, pull_s) = sync(&b);
    eprintln!("pulled in {pull_s:.1} s; bulk insert and write floors");
    let expected_records = b.store.sync_status().expect("status");
    assert_eq!(expected_records.held_records, 0, "nothing held back");
    assert!(
        pull.pulled >= n as u64,
        "the new phone got {} of {n}",
        pull.pulled
    );

    let dir = tempfile::tempdir().expect("dir");
    let bare_path = dir.path().join("bare.db");
    let (bulk_s, bare_bytes) = bulk_insert(&bare_path, &contacts);

    let a_bytes = store_bytes(&a.path());
    let b_bytes = store_bytes(&b.path());
    let server_bytes = dir_bytes(server.data.path());
    let up = push.bytes_sent + pull.bytes_sent;
    let down = push.bytes_received + pull.bytes_received;
    let sync_s = push_s + pull_s;
    let mb = |bytes: u64| bytes as f64 / 1_048_576.0;

    match rtt_ms {
        0 => println!("Beatbook contacts benchmark: {n} contacts, one device → release server → a fresh one, loopback"),
        ms => println!("Beatbook contacts benchmark: {n} contacts, one device → release server → a fresh one, loopback through a relay adding a {ms} ms round trip"),
    }
    println!(
        "  record (record_contact each):          {record_s:8.2} s  ({:.2} ms a contact)",
        record_s * 1000.0 / n as f64
    );
    println!(
        "  push ({} ops):                    {push_s:8.2} s",
        push.pushed
    );
    println!(
        "  pull to a fresh device ({} records): {pull_s:8.2} s",
        pull.pulled
    );
    println!("  sync, end to end (push + pull):        {sync_s:8.2} s");
    println!("  bulk insert of the same rows (bare):   {bulk_s:8.2} s");
    println!(
        "  sync / bulk insert:                    {:8.1}x (target <= 5x)",
        sync_s / bulk_s
    );
    println!("  bytes on the wire per contact, gzip:   {:8.1} B up + {:.1} B down = {:.1} B (target <= 250 B)",
        up as f64 / n as f64, down as f64 / n as f64, (up + down) as f64 / n as f64);
    let per = |bytes: u64| bytes as f64 / n as f64;
    println!(
        "    recording device: {:.1} B up ({} ops, {} log entries) + {:.1} B down",
        per(push.bytes_sent),
        push.pushed,
        push.audit_entries_sent,
        per(push.bytes_received)
    );
    println!(
        "    new device:       {:.1} B up ({} log entries) + {:.1} B down ({} records)",
        per(pull.bytes_sent),
        pull.audit_entries_sent,
        per(pull.bytes_received),
        pull.pulled
    );
    println!("  store sizes (WAL included):");
    println!(
        "    recording device:  {:8.1} MB  {:5.2}x bare",
        mb(a_bytes),
        a_bytes as f64 / bare_bytes as f64
    );
    println!(
        "    new device:        {:8.1} MB  {:5.2}x bare",
        mb(b_bytes),
        b_bytes as f64 / bare_bytes as f64
    );
    println!(
        "    server:            {:8.1} MB  {:5.2}x bare",
        mb(server_bytes),
        server_bytes as f64 / bare_bytes as f64
    );
    println!("    bare tables + FTS: {:8.1} MB", mb(bare_bytes));
    println!("  recording time per contact, each tenth of the run (ms):");
    println!(
        "    {}",
        tenths
            .iter()
            .map(|t| format!("{t:.2}"))
            .collect::<Vec<_>>()
            .join("  ")
    );
    if let (Some(first), Some(last)) = (tenths.first(), tenths.last()) {
        println!(
            "    last tenth / first tenth: {:.2}x (target <= 1.2x)",
            last / first
        );
    }
    let device_key = "05".repeat(32);
    let server_db = server.data.path().join("beatbook-server.db");
    let server_key = beatbook_e2e::server::store_key().to_hex();
    print_write_floors(
        dir.path(),
        (&bare_path, &device_key),
        &[
            ("server", &server_db, &server_key),
            ("new device", &b.path(), &device_key),
        ],
        (bulk_s, sync_s),
    );
    println!("  where the bytes are (SQLite's dbstat, largest first; WAL = write-ahead log file):");
    print_breakdown("recording device", &a.path(), Some(&device_key));
    print_breakdown("new device", &b.path(), Some(&device_key));
    print_breakdown("server", &server_db, Some(&server_key));
    print_breakdown("bare", &bare_path, Some(&device_key));
    if let Some(keep) = std::env::var_os("BEATBOOK_BENCH_KEEP") {
        let keep = Path::new(&keep);
        for (name, path) in [
            ("recording", a.path()),
            ("new", b.path()),
            ("server", server_db.clone()),
            ("bare", bare_path.clone()),
        ] {
            keep_store(&path, &keep.join(format!("{name}.db")));
        }
        println!(
            "  stores kept in {} (file and WAL as they were)",
            keep.display()
        );
    }
}

/// Each store's write floor (`write_floor`): its final contents copied in one transaction.
/// A sync fills the server's store and the new device's, so their floors together are what no
/// sync of these stores can beat on this machine; the bare tables' copy shows how much of the
/// bulk insert is writing pages rather than building rows and indexes.
fn print_write_floors(
    dir: &Path,
    (bare_path, bare_key): (&Path, &str),
    filled: &[(&str, &Path, &str)],
    (bulk_s, sync_s): (f64, f64),
) {
    println!("  write floor: each store's final contents copied in one transaction (same cipher, WAL, FULL):");
    let line = |label: &str, floor: WriteFloor| {
        println!(
            "    {label:<18} {:6.2} s  {:8.1} MB  {:5.2}x the bulk insert",
            floor.seconds,
            floor.bytes as f64 / 1_048_576.0,
            floor.seconds / bulk_s
        );
    };
    line(
        "bare tables + FTS",
        copy_store(bare_path, bare_key, &dir.join("floor-bare.db")),
    );
    let mut together = 0.0;
    for (i, (label, path, key)) in filled.iter().enumerate() {
        let floor = copy_store(path, key, &dir.join(format!("floor-{i}.db")));
        line(label, floor);
        together += floor.seconds;
    }
    let labels: Vec<&str> = filled.iter().map(|(label, _, _)| *label).collect();
    println!(
        "    {}: {together:.2} s = {:.2}x the bulk insert; the sync is {:.1}x that",
        labels.join(" + "),
        together / bulk_s,
        sync_s / together
    );
}

/// The contacts, the same for every run of a given N (seeded), oldest first.
fn generate(n: usize, now: DateTime<Utc>) -> Vec<NewContact> {
    let mut rng = Rng::new(20_261_203);
    let year_ms = Duration::days(365).num_milliseconds();
    let methods = [
        ContactMethod::FootPatrol,
        ContactMethod::DoorKnock,
        ContactMethod::BeatMeeting,
        ContactMethod::Phone,
    ];
    let audiences = [
        Audience::Resident,
        Audience::Business,
        Audience::YoungPeople,
        Audience::CommunityGroup,
    ];
    let issues = [
        CrimeCategory::AntiSocialBehaviour,
        CrimeCategory::Burglary,
        CrimeCategory::Drugs,
        CrimeCategory::CriminalDamageArson,
    ];
    (0..n)
        .map(|i| {
            let ago = year_ms - year_ms * i as i64 / n as i64;
            let unit = |rng: &mut Rng| rng.range(0, 2_000_001) as f64 / 1_000_000.0 - 1.0;
            let place = GeoPoint::new(
                CENTRE.0 + HALF_SIDE_DEG.0 * unit(&mut rng),
                CENTRE.1 + HALF_SIDE_DEG.1 * unit(&mut rng),
            );
            let pick = |rng: &mut Rng, len: usize| rng.range(0, len as u64) as usize;
            let personal = i % 10 == 3;
            NewContact {
                occurred_at: now - Duration::milliseconds(ago) - Duration::minutes(5),
                place: Some(place),
                lsoa_code: None,
                lap_code: None,
                method: methods[pick(&mut rng, methods.len())],
                audience: audiences[pick(&mut rng, audiences.len())],
                people_count: 1 + rng.range(0, 4) as u32,
                issues: vec![issues[pick(&mut rng, issues.len())]],
                issues_text: Some(format!(
                    "Residents raised {} near the shops on Elm Road, evenings mostly (visit {i})",
                    [
                        "youths gathering",
                        "speeding cars",
                        "fly-tipping",
                        "a broken streetlight"
                    ][i % 4]
                )),
                promised: (i % 4 == 1)
                    .then(|| "Ask the council about the streetlight and call back".to_owned()),
                follow_up_due: None,
                follow_up_owner: None,
                consent_to_recontact: personal,
                personal: personal.then(|| PersonalDetails {
                    name: Some(format!("Resident {i}")),
                    phone: Some(format!("07700 9{:05}", i % 100_000)),
                    email: None,
                    address: None,
                }),
                ethnicity: None,
                repeat_caller: false,
                vulnerable: false,
                problem_id: None,
                patrol_id: None,
            }
        })
        .collect()
}

/// The same rows in bare tables (contacts, personal details, follow-ups) with a full-text index
/// of what was raised, in one transaction: same cipher, WAL and `synchronous = FULL`.
fn bulk_insert(path: &Path, contacts: &[NewContact]) -> (f64, u64) {
    let conn =
        beatbook_e2e::keyed::open_keyed(path, &"05".repeat(32), beatbook_e2e::keyed::read_write());
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    conn.pragma_update(None, "synchronous", "FULL")
        .expect("sync");
    conn.execute_batch(
        "CREATE TABLE contacts (id TEXT PRIMARY KEY, occurred_at TEXT NOT NULL, lat REAL NOT NULL,
           lon REAL NOT NULL, method TEXT NOT NULL, audience TEXT NOT NULL,
           people_count INTEGER NOT NULL, issues TEXT NOT NULL, issues_text TEXT,
           promised TEXT, consent INTEGER NOT NULL, recorded_by TEXT NOT NULL,
           created_at TEXT NOT NULL, updated_at TEXT NOT NULL) STRICT;
         CREATE TABLE contact_personal (contact_id TEXT PRIMARY KEY, name TEXT, phone TEXT) STRICT;
         CREATE TABLE follow_ups (id TEXT PRIMARY KEY, contact_id TEXT NOT NULL, promise TEXT NOT NULL,
           due_at TEXT NOT NULL, status TEXT NOT NULL) STRICT;
         CREATE VIRTUAL TABLE search USING fts5(body);",
    )
    .expect("tables");
    let recorder = uuid_text(1);
    let started = Instant::now();
    conn.execute_batch("BEGIN").expect("begin");
    for (i, c) in contacts.iter().enumerate() {
        let id = uuid_text(i as u64 + 2);
        let at = c.occurred_at.to_rfc3339();
        conn.execute(
            "INSERT INTO contacts VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?2, ?2)",
            rusqlite::params![id, at, c.place.map(|p| p.lat), c.place.map(|p| p.lon), c.method.as_str(),
                c.audience.as_str(), c.people_count, serde_json::to_string(&c.issues).expect("json"),
                c.issues_text, c.promised, c.consent_to_recontact, recorder],
        )
        .expect("contact");
        if let Some(p) = &c.personal {
            conn.execute(
                "INSERT INTO contact_personal VALUES (?1, ?2, ?3)",
                rusqlite::params![id, p.name, p.phone],
            )
            .expect("personal");
        }
        if let Some(promise) = &c.promised {
            conn.execute(
                "INSERT INTO follow_ups VALUES (?1, ?2, ?3, ?4, 'open')",
                rusqlite::params![uuid_text(u64::MAX - i as u64), id, promise, at],
            )
            .expect("follow-up");
        }
        conn.execute(
            "INSERT INTO search (rowid, body) VALUES (?1, ?2)",
            rusqlite::params![i as i64 + 1, c.issues_text],
        )
        .expect("search row");
    }
    conn.execute_batch("COMMIT").expect("commit");
    let took = started.elapsed().as_secs_f64();
    drop(conn);
    (took, store_bytes(path))
}

fn uuid_text(n: u64) -> String {
    format!("0190a000-0000-7000-8000-{:012x}", n & 0xffff_ffff_ffff)
}
