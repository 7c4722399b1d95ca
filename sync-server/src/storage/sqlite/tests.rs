//! The SQLite store's write path and feed, through the trait.

use super::*;
use crate::storage::{CurrentRecord, Decision, RecordMeta, RecordRow, WriteOutcome, WriteTarget};
use beatbook_core::sync::merge::RecordState;
use beatbook_core::sync::protocol::{FieldState, RejectCode};
use beatbook_core::sync::{Hlc, RecordKind};
use uuid::Uuid;

pub(super) fn row(kind: RecordKind, id: &str, erased: bool) -> RecordRow {
    let mut state = RecordState {
        erased,
        ..Default::default()
    };
    if !erased {
        state.fields.insert(
            "text".into(),
            FieldState {
                value: serde_json::json!("hello"),
                hlc: Hlc::new(1, DeviceId::new()),
            },
        );
    }
    RecordRow {
        kind,
        record_id: id.into(),
        meta: RecordMeta::default(),
        state,
    }
}

fn target(op_id: Option<Uuid>, kind: RecordKind, id: &str) -> WriteTarget {
    WriteTarget {
        op_id,
        device_id: None,
        kind,
        record_id: id.into(),
        now_ms: 1,
        pulled_through: None,
    }
}

pub(super) fn filter() -> FeedFilter {
    FeedFilter {
        team_id: None,
        team_kinds: vec![],
        member_kinds: vec![],
        member: UserId::new(),
        global_kinds: RecordKind::ALL.to_vec(),
        echoes_of: None,
    }
}

#[test]
fn an_op_id_applies_once_and_a_rejection_writes_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let storage = SqliteStorage::open(dir.path()).expect("open");
    let op_id = Uuid::now_v7();
    let write = |storage: &SqliteStorage| {
        storage
            .write_record(&target(Some(op_id), RecordKind::Note, "n1"), &mut |_| {
                Decision::Write {
                    record: row(RecordKind::Note, "n1", false),
                    extra: vec![],
                    reference_rows: vec![],
                    cascade_erase: false,
                }
            })
            .expect("write")
    };
    assert!(matches!(
        write(&storage),
        WriteOutcome::Applied { seq: Some(1), .. }
    ));
    assert_eq!(write(&storage), WriteOutcome::Duplicate);
    let rejected = storage
        .write_record(
            &target(Some(Uuid::now_v7()), RecordKind::Note, "n2"),
            &mut |_| Decision::Reject {
                code: RejectCode::Forbidden,
                message: "no".into(),
            },
        )
        .expect("write");
    assert!(matches!(rejected, WriteOutcome::Rejected { .. }));
    assert_eq!(storage.feed_head().expect("head"), 1);
}

#[test]
fn erasing_a_record_erases_the_conflicts_about_it() {
    let dir = tempfile::tempdir().expect("dir");
    let storage = SqliteStorage::open(dir.path()).expect("open");
    let mut conflict = row(RecordKind::Conflict, "c1", false);
    conflict.meta.subject = Some((RecordKind::ContactPersonal, "p1".into()));
    storage
        .write_record(
            &target(None, RecordKind::ContactPersonal, "p1"),
            &mut |_| Decision::Write {
                record: row(RecordKind::ContactPersonal, "p1", false),
                extra: vec![conflict.clone()],
                reference_rows: vec![],
                cascade_erase: false,
            },
        )
        .expect("write");
    storage
        .write_record(
            &target(None, RecordKind::ContactPersonal, "p1"),
            &mut |current| {
                assert!(current.exists);
                Decision::Write {
                    record: row(RecordKind::ContactPersonal, "p1", true),
                    extra: vec![],
                    reference_rows: vec![],
                    cascade_erase: true,
                }
            },
        )
        .expect("erase");
    let page = storage.feed_page(&filter(), 0, 10).expect("page");
    assert_eq!(page.rows.len(), 2);
    assert!(page
        .rows
        .iter()
        .all(|r| r.state.erased && r.state.fields.is_empty()));
    assert_eq!(page.head, 4, "record, conflict, erasure, conflict erasure");
    let later = storage.feed_page(&filter(), 3, 10).expect("page");
    assert_eq!(later.rows.len(), 1);
    assert_eq!(later.rows[0].kind, RecordKind::Conflict);
}

fn write_note(id: &str) -> Decision {
    Decision::Write {
        record: row(RecordKind::Note, id, false),
        extra: vec![],
        reference_rows: vec![],
        cascade_erase: false,
    }
}

#[test]
fn a_batch_commits_once_and_each_op_stands_alone_within_it() {
    let dir = tempfile::tempdir().expect("dir");
    let storage = SqliteStorage::open(dir.path()).expect("open");
    let repeated = Uuid::now_v7();
    let mut first = |_: &CurrentRecord| write_note("n1");
    let mut refused = |_: &CurrentRecord| Decision::Reject {
        code: RejectCode::Forbidden,
        message: "no".into(),
    };
    // The same op id again, later in the same batch: it must see the first one's effect.
    let mut again = |_: &CurrentRecord| write_note("n1");
    // A later op on a record an earlier op of the batch wrote sees that write.
    let mut saw_earlier = false;
    let mut second_edit = |current: &CurrentRecord| {
        saw_earlier = current.exists;
        write_note("n1")
    };
    let mut batch = [
        PendingWrite {
            target: target(Some(repeated), RecordKind::Note, "n1"),
            decide: &mut first,
        },
        PendingWrite {
            target: target(Some(Uuid::now_v7()), RecordKind::Note, "n2"),
            decide: &mut refused,
        },
        PendingWrite {
            target: target(Some(repeated), RecordKind::Note, "n1"),
            decide: &mut again,
        },
        PendingWrite {
            target: target(Some(Uuid::now_v7()), RecordKind::Note, "n1"),
            decide: &mut second_edit,
        },
    ];
    let outcomes = storage.write_records(&mut batch).expect("batch");
    assert!(matches!(
        outcomes.as_slice(),
        [
            WriteOutcome::Applied { seq: Some(1), .. },
            WriteOutcome::Rejected { .. },
            WriteOutcome::Duplicate,
            WriteOutcome::Applied { seq: Some(2), .. },
        ]
    ));
    assert!(saw_earlier, "the fourth op saw the first op's record");
    let page = storage.feed_page(&filter(), 0, 10).expect("page");
    assert_eq!(page.head, 2, "the refused op took no seq");
    assert_eq!(page.rows.len(), 1, "n2 was never written");
    assert_eq!(page.rows[0].record_id, "n1");
}

#[test]
fn a_failed_batch_leaves_nothing_of_its_earlier_ops() {
    let dir = tempfile::tempdir().expect("dir");
    let storage = SqliteStorage::open(dir.path()).expect("open");
    let mut fine = |_: &CurrentRecord| write_note("n1");
    // A decision about another record than asked: the storage refuses the whole batch.
    let mut wrong_record = |_: &CurrentRecord| write_note("elsewhere");
    let mut batch = [
        PendingWrite {
            target: target(Some(Uuid::now_v7()), RecordKind::Note, "n1"),
            decide: &mut fine,
        },
        PendingWrite {
            target: target(Some(Uuid::now_v7()), RecordKind::Note, "n2"),
            decide: &mut wrong_record,
        },
    ];
    assert!(storage.write_records(&mut batch).is_err());
    assert_eq!(storage.feed_head().expect("head"), 0, "nothing committed");
}

/// Index steps SQLite takes to read the first page of `filter`'s feed.
fn first_page_steps(storage: &SqliteStorage, filter: &FeedFilter, limit: i64) -> (usize, i32) {
    let conn = rusqlite::Connection::open(storage.path()).expect("open");
    let mut stmt = conn.prepare(&records::feed_sql(filter)).expect("prepare");
    let rows = stmt
        .query_map(
            rusqlite::params![
                0_i64,
                filter.team_id,
                filter.member,
                limit,
                filter.echoes_of.map(|d| d.to_string())
            ],
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
    let dir = tempfile::tempdir().expect("dir");
    let storage = SqliteStorage::open(dir.path()).expect("open");
    let team = beatbook_core::ids::TeamId::new();
    let member = UserId::new();
    let team_filter = FeedFilter {
        team_id: Some(team),
        team_kinds: vec![RecordKind::Note, RecordKind::Patrol],
        member_kinds: vec![RecordKind::Review],
        member,
        global_kinds: vec![RecordKind::User],
        echoes_of: Some(DeviceId::new()),
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
                        cascade_erase: false,
                    }
                }
            })
            .collect();
        let mut batch: Vec<_> = decides
            .iter_mut()
            .enumerate()
            .map(|(i, decide)| PendingWrite {
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
