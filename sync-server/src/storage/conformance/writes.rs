//! The write path: an op id applies once, a rejection writes nothing, a batch is all or
//! nothing and sees its own earlier writes, erasure takes conflicts with it.

use super::{filter, put, row, target, write_note};
use crate::storage::{
    CurrentRecord, Decision, PendingWrite, RecordMeta, SyncStorage, WriteOutcome,
};
use beatbook_core::ids::{DeviceId, TeamId, UserId};
use beatbook_core::sync::protocol::RejectCode;
use beatbook_core::sync::RecordKind;
use std::sync::Arc;
use uuid::Uuid;

pub(crate) fn an_op_id_applies_once_and_a_rejection_writes_nothing(storage: &Arc<dyn SyncStorage>) {
    let op_id = Uuid::now_v7();
    let write = || {
        storage
            .write_record(&target(Some(op_id), RecordKind::Note, "n1"), &mut |_| {
                write_note("n1")
            })
            .expect("write")
    };
    assert!(matches!(
        write(),
        WriteOutcome::Applied { seq: Some(1), .. }
    ));
    assert_eq!(write(), WriteOutcome::Duplicate);
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

pub(crate) fn erasing_a_record_erases_the_conflicts_about_it(storage: &Arc<dyn SyncStorage>) {
    let mut conflict = row(RecordKind::Conflict, "c1", false);
    conflict.meta.subject = Some((RecordKind::ContactPersonal, "p1".into()));
    storage
        .write_record(
            &target(None, RecordKind::ContactPersonal, "p1"),
            &mut |_| Decision::Write {
                record: row(RecordKind::ContactPersonal, "p1", false),
                extra: vec![conflict.clone()],
                reference_rows: vec![],
                scrub_conflicts: crate::storage::ConflictScrub::Keep,
                audit: Vec::new(),
            },
        )
        .expect("write");
    let before = storage.feed_page(&filter(), 0, 10).expect("page");
    assert_eq!(
        before.rows[1].subject_kind,
        Some(RecordKind::ContactPersonal)
    );
    assert!(!before.rows[1].state.fields.is_empty());
    storage
        .write_record(
            &target(None, RecordKind::ContactPersonal, "p1"),
            &mut |current| {
                assert!(current.exists);
                Decision::Write {
                    record: row(RecordKind::ContactPersonal, "p1", true),
                    extra: vec![],
                    reference_rows: vec![],
                    scrub_conflicts: crate::storage::ConflictScrub::All,
                    audit: Vec::new(),
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

pub(crate) fn a_batch_commits_once_and_each_op_stands_alone_within_it(
    storage: &Arc<dyn SyncStorage>,
) {
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
            ahead: None,
            target: target(Some(repeated), RecordKind::Note, "n1"),
            decide: &mut first,
        },
        PendingWrite {
            ahead: None,
            target: target(Some(Uuid::now_v7()), RecordKind::Note, "n2"),
            decide: &mut refused,
        },
        PendingWrite {
            ahead: None,
            target: target(Some(repeated), RecordKind::Note, "n1"),
            decide: &mut again,
        },
        PendingWrite {
            ahead: None,
            target: target(Some(Uuid::now_v7()), RecordKind::Note, "n1"),
            decide: &mut second_edit,
        },
    ];
    let outcomes = storage.write_records(&mut batch).expect("batch");
    assert!(
        matches!(
            outcomes.as_slice(),
            [
                WriteOutcome::Applied { seq: Some(1), .. },
                WriteOutcome::Rejected { .. },
                WriteOutcome::Duplicate,
                WriteOutcome::Applied { seq: Some(2), .. },
            ]
        ),
        "{outcomes:?}"
    );
    assert!(saw_earlier, "the fourth op saw the first op's record");
    let page = storage.feed_page(&filter(), 0, 10).expect("page");
    assert_eq!(page.head, 2, "the refused op took no seq");
    assert_eq!(page.rows.len(), 1, "n2 was never written");
    assert_eq!(page.rows[0].record_id, "n1");
}

pub(crate) fn a_failed_batch_leaves_nothing_of_its_earlier_ops(storage: &Arc<dyn SyncStorage>) {
    let op = Uuid::now_v7();
    let mut fine = |_: &CurrentRecord| write_note("n1");
    // A decision about another record than asked: the storage refuses the whole batch.
    let mut wrong_record = |_: &CurrentRecord| write_note("elsewhere");
    let mut batch = [
        PendingWrite {
            ahead: None,
            target: target(Some(op), RecordKind::Note, "n1"),
            decide: &mut fine,
        },
        PendingWrite {
            ahead: None,
            target: target(Some(Uuid::now_v7()), RecordKind::Note, "n2"),
            decide: &mut wrong_record,
        },
    ];
    assert!(storage.write_records(&mut batch).is_err());
    assert_eq!(storage.feed_head().expect("head"), 0, "nothing committed");
    // Nor was its op id remembered: sent again, it applies.
    let again = storage
        .write_record(&target(Some(op), RecordKind::Note, "n1"), &mut |_| {
            write_note("n1")
        })
        .expect("write");
    assert!(matches!(again, WriteOutcome::Applied { seq: Some(1), .. }));
}

pub(crate) fn a_record_keeps_its_meta_and_members(storage: &Arc<dyn SyncStorage>) {
    let (team, owner) = (TeamId::new(), UserId::new());
    let mut members = vec![UserId::new(), UserId::new(), owner];
    members.sort();
    let mut record = row(RecordKind::Patrol, "p1", false);
    record.meta = RecordMeta {
        team_id: Some(team),
        owner: Some(owner),
        subject: None,
        members: members.clone(),
    };
    put(storage.as_ref(), record.clone());
    let mut seen = None;
    storage
        .write_record(&target(None, RecordKind::Patrol, "p1"), &mut |current| {
            seen = Some(current.clone());
            Decision::Unchanged
        })
        .expect("read back");
    let seen = seen.expect("decided");
    assert!(seen.exists);
    let mut got = seen.meta.clone();
    got.members.sort();
    assert_eq!(got, record.meta);
    assert_eq!(seen.state, record.state);
    // Fewer members on the next write: the dropped one is gone.
    record.meta.members = vec![owner];
    put(storage.as_ref(), record.clone());
    storage
        .write_record(&target(None, RecordKind::Patrol, "p1"), &mut |current| {
            assert_eq!(current.meta.members, vec![owner]);
            Decision::Unchanged
        })
        .expect("read back");
    assert_eq!(
        storage.feed_head().expect("head"),
        2,
        "Unchanged takes no seq"
    );
}

/// Op ids are scoped to the device that made them: a device reusing another device's op id
/// (a buggy or hostile client) gets its own record applied and does not turn the other
/// device's op into a `duplicate`; each device's own retry is still a `duplicate`.
pub(crate) fn two_devices_reusing_one_op_id_both_get_their_records_applied(
    storage: &Arc<dyn SyncStorage>,
) {
    let op_id = Uuid::now_v7();
    let (first, second) = (DeviceId::new(), DeviceId::new());
    let write = |device: DeviceId, id: &str| {
        let mut t = target(Some(op_id), RecordKind::Note, id);
        t.device_id = Some(device);
        storage
            .write_record(&t, &mut |_| write_note(id))
            .expect("write")
    };
    assert!(matches!(
        write(first, "from-first"),
        WriteOutcome::Applied { seq: Some(1), .. }
    ));
    assert!(
        matches!(
            write(second, "from-second"),
            WriteOutcome::Applied { seq: Some(2), .. }
        ),
        "another device's op with the same id is applied"
    );
    assert_eq!(write(first, "from-first"), WriteOutcome::Duplicate);
    assert_eq!(write(second, "from-second"), WriteOutcome::Duplicate);
    let ids: Vec<String> = storage
        .feed_page(&filter(), 0, 10)
        .expect("page")
        .rows
        .into_iter()
        .map(|r| r.record_id)
        .collect();
    assert_eq!(ids, ["from-first", "from-second"]);
}

/// A page stops at its byte budget (never empty) and says it has more; following the cursor
/// page by page still yields every record once, in order.
pub(crate) fn pages_bounded_by_bytes_still_yield_every_record(storage: &Arc<dyn SyncStorage>) {
    for i in 0..5 {
        put(
            storage.as_ref(),
            row(RecordKind::Note, &format!("n{i}"), false),
        );
    }
    let one = storage
        .feed_page_within(&filter(), 0, 100, 1)
        .expect("page");
    assert_eq!(one.rows.len(), 1, "a tiny budget still gives one record");
    assert!(one.has_more);
    let (mut after, mut seen) = (0, Vec::new());
    for _ in 0..10 {
        let page = storage
            .feed_page_within(&filter(), after, 100, 150)
            .expect("page");
        assert!(!page.rows.is_empty() || !page.has_more);
        seen.extend(page.rows.iter().map(|r| r.record_id.clone()));
        match page.rows.last() {
            Some(last) if page.has_more => after = last.seq,
            _ => break,
        }
    }
    assert_eq!(seen, ["n0", "n1", "n2", "n3", "n4"]);
}

pub(crate) fn erasing_one_fields_value_erases_only_the_conflicts_about_that_field(
    storage: &Arc<dyn SyncStorage>,
) {
    // A contact's promise erased with its follow-up: the conflicts quoting the promise go, a
    // conflict about another of the contact's fields stays.
    let conflict_about = |id: &str, field: &str| {
        let mut conflict = row(RecordKind::Conflict, id, false);
        conflict.meta.subject = Some((RecordKind::Contact, "k1".into()));
        conflict.state.fields.insert(
            "field".into(),
            beatbook_core::sync::protocol::FieldState {
                value: serde_json::json!(field),
                hlc: beatbook_core::sync::Hlc::new(1, DeviceId::new()),
            },
        );
        conflict
    };
    let write = |scrub, extra: Vec<crate::storage::RecordRow>| {
        storage
            .write_record(&target(None, RecordKind::Contact, "k1"), &mut |_| {
                Decision::Write {
                    record: row(RecordKind::Contact, "k1", false),
                    extra: extra.clone(),
                    reference_rows: vec![],
                    scrub_conflicts: scrub,
                    audit: Vec::new(),
                }
            })
            .expect("write")
    };
    write(
        crate::storage::ConflictScrub::Keep,
        vec![
            conflict_about("c-promise", "promised"),
            conflict_about("c-words", "issues_text"),
        ],
    );
    write(crate::storage::ConflictScrub::Field("promised"), vec![]);
    let page = storage.feed_page(&filter(), 0, 10).expect("page");
    let erased = |id: &str| {
        page.rows
            .iter()
            .find(|r| r.record_id == id)
            .map(|r| r.state.erased)
    };
    assert_eq!(
        erased("c-promise"),
        Some(true),
        "the promise's conflict went"
    );
    assert_eq!(erased("c-words"), Some(false), "the other field's stayed");
}
