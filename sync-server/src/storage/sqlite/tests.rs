//! The SQLite store's write path and feed, through the trait.

use super::*;
use crate::storage::{RecordMeta, RecordRow};
use beatbook_core::sync::merge::RecordState;
use beatbook_core::sync::protocol::{FieldState, RejectCode};
use beatbook_core::sync::{Hlc, RecordKind};
use uuid::Uuid;

fn row(kind: RecordKind, id: &str, erased: bool) -> RecordRow {
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
    }
}

fn filter() -> FeedFilter {
    FeedFilter {
        team_id: None,
        team_kinds: vec![],
        member_kinds: vec![],
        member: UserId::new(),
        global_kinds: RecordKind::ALL.to_vec(),
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
