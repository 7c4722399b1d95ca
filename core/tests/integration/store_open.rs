//! Opening the store: encryption, wrong keys, durability settings.

use crate::common;

use beatbook_core::model::Role;
use beatbook_core::{Error, Store, StoreKey};
use common::{key, Fixture};

#[test]
fn a_wrong_key_is_a_typed_error_and_leaves_the_store_intact() {
    let f = Fixture::new();
    f.actor(Role::Pcso, "Sam");
    let path = f.dir.path().join("beatbook.db");
    drop(f.store);
    let wrong = StoreKey::from_bytes([8; 32]);
    assert!(matches!(Store::open(&path, &wrong), Err(Error::WrongKey)));
    let reopened = Store::open(&path, &key()).expect("right key still opens");
    assert_eq!(reopened.users().expect("users").len(), 1);
}

#[test]
fn the_file_on_disk_is_encrypted() {
    let f = Fixture::new();
    f.actor(Role::Pcso, "Distinctive Name Xylophone");
    let path = f.dir.path().join("beatbook.db");
    drop(f.store);
    let bytes = std::fs::read(&path).expect("read file");
    assert!(
        !bytes.starts_with(b"SQLite format 3"),
        "plaintext SQLite header"
    );
    let needle = b"Xylophone";
    assert!(
        !bytes.windows(needle.len()).any(|w| w == needle),
        "plaintext found on disk"
    );
    // A plain SQLite connection without a key cannot read it.
    let plain = rusqlite::Connection::open(&path).expect("open");
    assert!(plain
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r
            .get::<_, i64>(0))
        .is_err());
}

#[test]
fn a_plain_sqlite_file_is_refused_as_wrong_key_not_emptied() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("plain.db");
    let plain = rusqlite::Connection::open(&path).expect("open");
    plain
        .execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
        .expect("create");
    drop(plain);
    assert!(matches!(Store::open(&path, &key()), Err(Error::WrongKey)));
    let plain = rusqlite::Connection::open(&path).expect("reopen");
    let n: i64 = plain
        .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .expect("still there");
    assert_eq!(n, 1);
}

#[test]
fn the_store_runs_in_wal_with_full_sync_and_passes_integrity_check() {
    let f = Fixture::new();
    let conn = crate::common::keyed_connection(f.dir.path().join("beatbook.db"), &key());
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
    assert!(f.store.integrity_check().expect("check").is_empty());
}

#[test]
fn a_store_from_a_newer_build_is_refused() {
    let f = Fixture::new();
    let path = f.dir.path().join("beatbook.db");
    drop(f.store);
    let conn = crate::common::keyed_connection(&path, &key());
    conn.pragma_update(None, "user_version", 999).expect("bump");
    drop(conn);
    assert!(matches!(
        Store::open(&path, &key()),
        Err(Error::SchemaTooNew { found: 999, .. })
    ));
}

#[test]
fn writers_queue_and_readers_read_concurrently_without_losing_a_record() {
    use beatbook_core::model::{NewNote, NoteCategory};
    use std::sync::Arc;

    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "Sam");
    let store = Arc::new(f.store);
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                for i in 0..25 {
                    store
                        .add_note(
                            &pcso,
                            NewNote {
                                observed_at: store.now(),
                                text: format!("Lamppost out on route {w} stop {i}"),
                                category: NoteCategory::Environmental,
                                place: None,
                                patrol_id: None,
                                problem_id: None,
                            },
                        )
                        .expect("note");
                }
            })
        })
        .collect();
    let writers_done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let store = Arc::clone(&store);
        let writers_done = Arc::clone(&writers_done);
        std::thread::spawn(move || {
            let mut last = 0;
            // Reads while the writers write, until all 100 are visible or the writers stop.
            while last < 100 && !writers_done.load(std::sync::atomic::Ordering::SeqCst) {
                let seen = store.search("lamppost", 200).expect("search").len();
                assert!(seen >= last, "a committed note disappeared from search");
                last = seen;
            }
        })
    };
    for w in writers {
        w.join().expect("writer");
    }
    writers_done.store(true, std::sync::atomic::Ordering::SeqCst);
    reader.join().expect("reader");
    assert_eq!(store.search("lamppost", 200).expect("search").len(), 100);
}

#[test]
fn a_store_made_with_the_earlier_page_mac_opens_upgrades_and_keeps_it() {
    // An earlier build made every store with SQLCipher 4's default page MAC (HMAC-SHA512);
    // this build makes new ones with HMAC-SHA256 and must open both.
    let (_dir, path, conn) = crate::schema_upgrades::old_store_with_page_mac(
        26,
        beatbook_core::store_key::EARLIER_PAGE_MAC,
    );
    conn.execute(
        "INSERT INTO teams (id, name, lap_code) VALUES ('0190a000-0000-7000-8000-000000000001', 'Old team', NULL)",
        [],
    )
    .expect("a row from the earlier build");
    drop(conn);
    let store = Store::open(&path, &key()).expect("opens and upgrades");
    store
        .set_repeat_radius_m(75.0)
        .expect("a write after the upgrade");
    drop(store);
    let store = Store::open(&path, &key()).expect("opens again");
    assert_eq!(store.teams().expect("teams").len(), 1);
    drop(store);
    let raw = beatbook_core::store_key::open_with_page_mac(
        &path,
        &key(),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        beatbook_core::store_key::EARLIER_PAGE_MAC,
    )
    .expect("it keeps HMAC-SHA512");
    let version: i64 = raw
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert!(version >= 27, "{version}");
    assert!(matches!(
        Store::open(&path, &beatbook_core::StoreKey::from_bytes([9; 32])),
        Err(Error::WrongKey)
    ));
}
