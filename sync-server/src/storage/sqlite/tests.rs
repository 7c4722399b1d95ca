//! The SQLite store's own tests (its behaviours through the trait are the conformance suite's,
//! `storage/conformance`): what a feed page costs SQLite as the feed grows.

use super::*;
use crate::storage::conformance::{row, target};
use crate::storage::{CurrentRecord, Decision};

/// Index steps SQLite takes to read the first page of `filter`'s feed.
fn first_page_steps(storage: &SqliteStorage, filter: &FeedFilter, limit: i64) -> (usize, i32) {
    let conn = open_test_file(storage.path());
    let mut stmt = conn.prepare(&records::feed_sql(filter)).expect("prepare");
    let rows = stmt
        .query_map(
            rusqlite::params_from_iter(records::feed_values(filter, 0, limit)),
            |r| r.get::<_, i64>(0),
        )
        .expect("query")
        .collect::<rusqlite::Result<Vec<_>>>()
        .expect("rows");
    (
        rows.len(),
        stmt.get_status(rusqlite::StatementStatus::VmStep),
    )
}

#[test]
fn a_feed_page_costs_the_same_however_long_the_feed_is() {
    let dir = super::private_tempdir();
    let storage =
        SqliteStorage::open(dir.path(), &crate::storage::sqlite::test_key()).expect("open");
    let team = beatbook_core::ids::TeamId::new();
    let member = UserId::new();
    let team_filter = FeedFilter {
        team_id: Some(team),
        team_kinds: vec![RecordKind::Note, RecordKind::Patrol],
        member_kinds: vec![RecordKind::Review],
        member,
        global_kinds: vec![RecordKind::User],
        echoes_of: Some(DeviceId::new()),
        // With the retention probe: one primary-key lookup a row, still no scan.
        retention: Some(crate::storage::retention_index::Cutoffs {
            now_ms: 1,
            anchors: vec![(RecordKind::Note, 0)],
        }),
    };
    let mut steps = Vec::new();
    for total in [500, 5_000] {
        let start = steps.len() * 500;
        let mut decides: Vec<_> = (start..total)
            .map(|i| {
                move |_: &CurrentRecord| {
                    let mut record = row(RecordKind::Note, &format!("n{i}"), false);
                    record.meta.team_id = Some(team);
                    Decision::Write {
                        record,
                        extra: vec![],
                        reference_rows: vec![],
                        scrub_conflicts: crate::storage::ConflictScrub::Keep,
                        audit: Vec::new(),
                    }
                }
            })
            .collect();
        let mut batch: Vec<_> = decides
            .iter_mut()
            .enumerate()
            .map(|(i, decide)| PendingWrite {
                ahead: None,
                target: target(None, RecordKind::Note, &format!("n{}", start + i)),
                decide,
            })
            .collect();
        storage.write_records(&mut batch).expect("write");
        let (rows, vm_steps) = first_page_steps(&storage, &team_filter, 26);
        assert_eq!(rows, 26);
        steps.push(vm_steps);
    }
    // Ten times the feed, (nearly) the same work for a page: no scan or sort of the whole feed.
    assert!(
        steps[1] < steps[0] * 2,
        "a page took {} steps over 500 records and {} over 5,000",
        steps[0],
        steps[1]
    );
}

#[test]
fn a_teams_roster_is_read_by_index_not_by_reading_every_device() {
    let dir = super::private_tempdir();
    let storage =
        SqliteStorage::open(dir.path(), &crate::storage::sqlite::test_key()).expect("open");
    let conn = open_test_file(storage.path());
    let mut plan = Vec::new();
    for sql in [
        people::TEAM_DEVICES,
        "SELECT id FROM users WHERE team_id = ?1",
    ] {
        let mut stmt = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .expect("explain");
        let lines = stmt
            .query_map(["a team"], |r| r.get::<_, String>(3))
            .expect("plan")
            .collect::<rusqlite::Result<Vec<_>>>()
            .expect("rows");
        plan.extend(lines);
    }
    assert!(
        plan.iter().all(|line| !line.starts_with("SCAN")),
        "{plan:?}"
    );
    assert!(plan.iter().any(|l| l.contains("devices_user")), "{plan:?}");
    assert!(plan.iter().any(|l| l.contains("users_team")), "{plan:?}");
}
