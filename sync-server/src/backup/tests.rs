//! Backup, restore and verify on real store files: the copy is consistent while another
//! connection writes, has an epoch of its own, never overwrites; a restore refuses a store in
//! use or one it was not told to replace, keeps the replaced one; verify catches a feed whose
//! counter would hand a seq out again.

use super::*;
use crate::admin;
use crate::storage::sqlite::{SqliteStorage, DB_FILE};
use crate::storage::SyncStorage;
use std::sync::atomic::{AtomicBool, Ordering};

fn key() -> StoreKey {
    crate::storage::sqlite::test_key()
}

fn store_with_teams(dir: &Path, teams: usize) -> SqliteStorage {
    let storage = SqliteStorage::open(dir, &crate::storage::sqlite::test_key()).expect("store");
    for i in 0..teams {
        admin::create_team(&storage, &format!("Team {i}"), None).expect("team");
    }
    storage
}

#[test]
fn a_backup_taken_while_another_connection_writes_is_consistent_and_has_its_own_epoch() {
    let dir = crate::storage::sqlite::private_tempdir();
    let storage = store_with_teams(dir.path(), 20);
    let out = crate::storage::sqlite::private_tempdir();
    let stop = AtomicBool::new(false);
    let made = std::thread::scope(|s| {
        let writer = s.spawn(|| {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                admin::create_team(&storage, &format!("Later {n}"), None).expect("team");
                n += 1;
            }
            n
        });
        let made: Vec<BackupMade> = (0..3)
            .map(|i| {
                backup(dir.path(), &key(), &out.path().join(format!("b{i}.db"))).expect("backup")
            })
            .collect();
        stop.store(true, Ordering::SeqCst);
        assert!(writer.join().expect("writer") > 0, "the writer wrote");
        made
    });
    for (i, made) in made.iter().enumerate() {
        let file = out.path().join(format!("b{i}.db"));
        let verification = verify::verify_file(&file, &key()).expect("verify");
        assert_eq!(verification.failed(), None, "{verification}");
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file)
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "a backup is its owner's alone: {mode:o}");
        }
        assert_ne!(
            made.epoch,
            storage.epoch().expect("epoch"),
            "a copy has its own epoch"
        );
        // The copy holds every change up to its head and none after: its teams are exactly the
        // records at or below the head.
        let copy = SqliteStorage::open(
            &{
                let d = out.path().join(format!("open{i}"));
                std::os::unix::fs::DirBuilderExt::mode(
                    std::fs::DirBuilder::new().recursive(true),
                    0o700,
                )
                .create(&d)
                .expect("dir");
                std::fs::copy(&file, d.join(DB_FILE)).expect("copy");
                d
            },
            &key(),
        )
        .expect("open the copy");
        assert_eq!(copy.feed_head().expect("head"), made.head);
        let teams = copy.teams().expect("teams").len() as u64;
        assert_eq!(teams, made.head, "one seq per team, none missing or extra");
    }
    assert!(
        made[2].head >= made[0].head,
        "later backups hold at least as much"
    );
    // A backup never overwrites.
    assert!(matches!(
        backup(dir.path(), &key(), &out.path().join("b0.db")),
        Err(BackupError::Exists(_))
    ));
    assert!(matches!(
        backup(
            &out.path().join("nowhere"),
            &key(),
            &out.path().join("x.db")
        ),
        Err(BackupError::NoStore(_))
    ));
}

#[test]
fn restore_refuses_an_open_or_unnamed_store_and_keeps_the_one_it_replaces() {
    let dir = crate::storage::sqlite::private_tempdir();
    let storage = store_with_teams(dir.path(), 3);
    let file = dir.path().join("backup.db");
    let made = backup(dir.path(), &key(), &file).expect("backup");
    admin::create_team(&storage, "After the backup", None).expect("team");

    // Into an empty folder: no flag needed.
    let fresh = crate::storage::sqlite::private_tempdir();
    let restored = restore(&file, &key(), fresh.path(), false).expect("restore");
    assert_eq!(restored.head, made.head);
    assert_eq!(restored.replaced, None);
    assert_ne!(restored.epoch, made.epoch, "each restore makes a new epoch");
    let reopened =
        SqliteStorage::open(fresh.path(), &crate::storage::sqlite::test_key()).expect("open");
    assert_eq!(reopened.epoch().expect("epoch"), restored.epoch);
    assert_eq!(reopened.teams().expect("teams").len(), 3);
    drop(reopened);

    // Over the live store: refused without --replace, and while it is open.
    assert!(matches!(
        restore(&file, &key(), dir.path(), false),
        Err(BackupError::Occupied(_))
    ));
    assert!(matches!(
        restore(&file, &key(), dir.path(), true),
        Err(BackupError::InUse(_))
    ));
    drop(storage);
    let restored = restore(&file, &key(), dir.path(), true).expect("restore over a stopped store");
    let kept = restored.replaced.expect("the old store is kept");
    let reopened =
        SqliteStorage::open(dir.path(), &crate::storage::sqlite::test_key()).expect("open");
    assert_eq!(reopened.teams().expect("teams").len(), 3);
    drop(reopened);
    let old_dir = crate::storage::sqlite::private_tempdir();
    std::fs::copy(&kept, old_dir.path().join(DB_FILE)).expect("copy the kept store");
    assert_eq!(
        SqliteStorage::open(old_dir.path(), &crate::storage::sqlite::test_key())
            .expect("open the kept store")
            .teams()
            .expect("teams")
            .len(),
        4,
        "the replaced store is kept whole, its last change included"
    );
}

#[test]
fn verify_fails_a_store_whose_feed_counter_would_hand_a_seq_out_again() {
    let dir = crate::storage::sqlite::private_tempdir();
    drop(store_with_teams(dir.path(), 3));
    let db = dir.path().join(DB_FILE);
    let ok = verify::verify_file(&db, &key()).expect("verify");
    assert_eq!(ok.failed(), None, "{ok}");
    let conn = crate::storage::sqlite::open_test_file(&db);
    conn.execute("UPDATE feed SET last_seq = 1", [])
        .expect("break the counter");
    drop(conn);
    let broken = verify::verify_file(&db, &key()).expect("verify");
    assert_eq!(broken.failed().as_deref(), Some("feed"), "{broken}");
    // And a restore of such a file is refused.
    let fresh = crate::storage::sqlite::private_tempdir();
    assert!(matches!(
        restore(&db, &key(), fresh.path(), false),
        Err(BackupError::Unverified { .. })
    ));
}

#[test]
fn postgres_is_refused_with_the_tools_to_use_instead() {
    let location: StorageLocation = "postgres://beatbook@db/force".parse().expect("location");
    let err = run(
        &location,
        None,
        BackupCommand::Backup {
            to: PathBuf::from("x.db"),
        },
    )
    .expect_err("refused");
    let message = err.to_string();
    assert!(
        message.contains("pg_dump") && message.contains("new-epoch"),
        "{message}"
    );
}

#[test]
fn a_backup_is_encrypted_under_the_stores_key_and_useless_without_it() {
    let dir = crate::storage::sqlite::private_tempdir();
    drop(store_with_teams(dir.path(), 2));
    let out = crate::storage::sqlite::private_tempdir();
    let file = out.path().join("backup.db");
    backup(dir.path(), &key(), &file).expect("backup");
    let raw = std::fs::read(&file).expect("raw");
    assert!(
        !raw.starts_with(b"SQLite format 3\0"),
        "the copy is not plain SQLite"
    );
    assert!(!raw.windows(6).any(|w| w == b"Team 0"), "no name in clear");
    let wrong = StoreKey::from_bytes([0x77; 32]);
    let refused = verify::verify_file(&file, &wrong).expect_err("wrong key");
    assert!(
        refused.to_string().contains("not this store's key"),
        "{refused}"
    );
    let fresh = crate::storage::sqlite::private_tempdir();
    assert!(restore(&file, &wrong, fresh.path(), false).is_err());
    assert!(
        !fresh.path().join(DB_FILE).exists(),
        "nothing restored with the wrong key"
    );
    restore(&file, &key(), fresh.path(), false).expect("restored with its key");
}
