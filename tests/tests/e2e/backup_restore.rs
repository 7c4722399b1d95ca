//! Backup and restore, end to end (docs/operations.md, "Backup and restore";
//! docs/sync-protocol.md, "Server epochs"): `admin backup` is taken while two devices push and
//! pull; more is recorded after it, and one device pulls everything (its cursor now past what
//! the backup holds). The server is stopped, the backup restored into its data folder and
//! verified, and the server restarted on it. Then every device syncs: the restored server has
//! a new epoch, so each pulls everything again and re-sends its own changes the backup lacks —
//! the one with queued work through a refused push (`409 epoch_changed`), the others through
//! their first pull page. At the end the server holds every record ever recorded, field for
//! field as each device holds it, with no conflict and nothing refused; and the reading
//! device, whose old cursor pointed past seqs the restored server handed out again to other
//! changes, holds exactly the server's records: it skipped nothing.

use beatbook_core::StoreKey;
use beatbook_e2e::device::Device;
use beatbook_e2e::inspect;
use beatbook_e2e::server::{server_command, ServerProcess};
use beatbook_e2e::workload;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

const KINDS: &[&str] = &["contact", "note", "follow_up"];

fn admin(server: &ServerProcess, args: &[&str]) -> std::process::Output {
    server_command()
        .arg("admin")
        .arg("--database")
        .arg(server.data.path())
        .args(args)
        .output()
        .expect("run admin")
}

fn feed_head(server: &ServerProcess) -> u64 {
    inspect::count(
        &inspect::server_db(server.data.path()),
        "SELECT last_seq FROM feed WHERE id = 1",
        &[],
    )
}

#[test]
fn a_backup_taken_mid_load_restores_and_devices_resend_everything_it_lacks() {
    let mut server = ServerProcess::start(&[]);
    let mut devices = server
        .enrol_team(
            &server.url,
            &[("Avery", "pcso"), ("Blake", "officer"), ("Casey", "pcso")],
        )
        .into_iter();
    let (Some(a), Some(b), Some(c)) = (devices.next(), devices.next(), devices.next()) else {
        panic!("three devices");
    };
    let key = StoreKey::from_bytes([5; 32]);
    let written = AtomicU64::new(0);
    let record = |d: &Device, n: u64| {
        for _ in 0..n {
            let i = written.fetch_add(1, Ordering::SeqCst);
            workload::record(&d.store, &d.actor, i).expect("record");
        }
    };
    record(&a, 24);
    record(&b, 24);
    a.sync();
    b.sync();

    // The backup, taken while A and B record and sync without pause.
    let backup_dir = tempfile::tempdir().expect("backup dir");
    let backup = backup_dir.path().join("beatbook-backup.db");
    let stop = AtomicBool::new(false);
    let syncs = AtomicU64::new(0);
    let head_before_backup = std::thread::scope(|s| {
        let workers = [&a, &b].map(|d| {
            let (stop, syncs, record) = (&stop, &syncs, &record);
            s.spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    record(d, 3);
                    d.sync();
                    syncs.fetch_add(1, Ordering::SeqCst);
                }
            })
        });
        // Wait until both are busy syncing (a condition, not a sleep).
        while syncs.load(Ordering::SeqCst) < 4 {
            std::thread::yield_now();
        }
        let head = feed_head(&server);
        let out = admin(&server, &["backup", "--to", backup.to_str().expect("path")]);
        assert!(
            out.status.success(),
            "backup failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Syncing goes on after the backup too, then stops.
        let after = syncs.load(Ordering::SeqCst);
        while syncs.load(Ordering::SeqCst) < after + 4 {
            std::thread::yield_now();
        }
        stop.store(true, Ordering::SeqCst);
        for w in workers {
            w.join().expect("worker");
        }
        head
    });
    // A second backup to the same file is refused: a backup never overwrites.
    let again = admin(&server, &["backup", "--to", backup.to_str().expect("path")]);
    assert!(!again.status.success(), "a backup overwrote a file");

    // After the backup: more records, and an edit of a record the backup holds (a follow-up
    // recorded before it is answered), all synced; C pulls everything.
    let open = a
        .store
        .open_follow_ups(a.actor.user_id, a.store.now())
        .expect("follow-ups");
    let promise = open.first().expect("the workload made a follow-up for A");
    a.store
        .answer_follow_up(
            &a.actor,
            promise.id,
            "Called back; fence reported",
            a.store.now(),
        )
        .expect("answer");
    record(&a, 10);
    record(&b, 10);
    a.sync();
    b.sync();
    c.sync();
    let head_at_loss = feed_head(&server);
    let c_cursor = c.store.pull_cursor().expect("cursor");
    assert_eq!(
        c_cursor, head_at_loss,
        "C pulled everything before the loss"
    );

    // The server is lost; the backup goes back in its place.
    server.kill();
    let refused = admin(
        &server,
        &["restore", "--from", backup.to_str().expect("path")],
    );
    assert!(
        !refused.status.success() && String::from_utf8_lossy(&refused.stderr).contains("--replace"),
        "a restore over an existing store without --replace was not refused: {}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let restored = admin(
        &server,
        &[
            "restore",
            "--from",
            backup.to_str().expect("path"),
            "--replace",
        ],
    );
    assert!(
        restored.status.success(),
        "restore failed: {}",
        String::from_utf8_lossy(&restored.stderr)
    );
    let verified = admin(&server, &["verify"]);
    assert!(
        verified.status.success(),
        "verify failed: {}",
        String::from_utf8_lossy(&verified.stdout)
    );
    let head_restored = feed_head(&server);
    assert!(
        head_restored >= head_before_backup && head_restored < head_at_loss,
        "the backup holds the feed as of a moment during the load: \
         {head_before_backup} <= {head_restored} < {head_at_loss}"
    );
    server.restart();

    // A has queued work (its push is refused 409 epoch_changed and it re-syncs first); B has
    // none (its first pull page shows the new epoch).
    record(&a, 2);
    let report_a = a.sync();
    assert_eq!(report_a.epoch_changes, 1, "A saw the new epoch once");
    assert!(report_a.resent > 0, "A re-sent changes the backup lacked");
    let report_b = b.sync();
    assert_eq!(report_b.epoch_changes, 1, "B saw the new epoch once");
    assert!(report_b.resent > 0, "B re-sent changes the backup lacked");
    // The restored feed has handed out again the seqs C had pulled, to other changes.
    assert!(
        feed_head(&server) > c_cursor,
        "the test must reuse the seqs C pulled before the loss ({} <= {c_cursor})",
        feed_head(&server)
    );
    let report_c = c.sync();
    assert_eq!(report_c.epoch_changes, 1, "C saw the new epoch once");
    assert_eq!(report_c.resent, 0, "C recorded nothing");
    a.sync();
    b.sync();

    let server_db = inspect::server_db(server.data.path());
    let total = written.load(Ordering::SeqCst);
    let on_server = inspect::count(
        &server_db,
        "SELECT count(*) FROM records WHERE kind IN ('contact', 'note') AND erased = 0",
        &[],
    );
    assert_eq!(
        on_server, total,
        "every record ever recorded is on the server"
    );
    for (name, device) in [("A", &a), ("B", &b), ("C", &c)] {
        inspect::assert_agree(
            &inspect::device_db(&device.path(), &key),
            &server_db,
            KINDS,
            &format!("device {name} after the restore"),
        );
    }
    let answered = a.store.follow_up(promise.id).expect("follow-up");
    assert_eq!(
        answered.status,
        beatbook_core::model::FollowUpStatus::Answered,
        "the answer made after the backup survived"
    );
    println!(
        "backup/restore: {total} records; backup at feed head {head_restored} (taken between \
         {head_before_backup} and {head_at_loss}); re-sent A {} B {} ops; C re-pulled {} records",
        report_a.resent, report_b.resent, report_c.pulled
    );
}
