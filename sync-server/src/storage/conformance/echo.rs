//! No echo: a device's pull leaves out the changes its own push made over what it held, and
//! only those (`docs/sync-protocol.md#no-echo`).

use super::{filter, row};
use crate::storage::{Decision, FeedFilter, RecordRow, SyncStorage, WriteOutcome, WriteTarget};
use beatbook_core::ids::DeviceId;
use beatbook_core::sync::RecordKind;
use std::sync::Arc;
use uuid::Uuid;

fn from_device(device: DeviceId, pulled_through: u64, kind: RecordKind, id: &str) -> WriteTarget {
    WriteTarget {
        op_id: Some(Uuid::now_v7()),
        device_id: Some(device),
        kind,
        record_id: id.into(),
        now_ms: 1,
        pulled_through: Some(pulled_through),
    }
}

fn write(storage: &dyn SyncStorage, target: WriteTarget, extra: Vec<RecordRow>) -> u64 {
    let outcome = storage
        .write_record(&target, &mut |_| Decision::Write {
            record: row(target.kind, &target.record_id, false),
            extra: extra.clone(),
            reference_rows: vec![],
            scrub_conflicts: crate::storage::ConflictScrub::Keep,
            audit: Vec::new(),
        })
        .expect("write");
    match outcome {
        WriteOutcome::Applied { seq: Some(seq), .. } => seq,
        other => panic!("not applied: {other:?}"),
    }
}

/// The seqs device `device` receives after `cursor`.
fn pulled(storage: &dyn SyncStorage, device: DeviceId, cursor: u64) -> Vec<u64> {
    let filter = FeedFilter {
        echoes_of: Some(device),
        retention: None,
        ..filter()
    };
    let page = storage.feed_page(&filter, cursor, 100).expect("page");
    page.rows.iter().map(|r| r.seq).collect()
}

pub(crate) fn a_devices_change_over_what_it_held_is_not_sent_back_but_every_other_is(
    storage: &Arc<dyn SyncStorage>,
) {
    let storage = storage.as_ref();
    let (a, b) = (DeviceId::new(), DeviceId::new());

    // A new record: the sender has exactly it; everyone else receives it.
    let created = write(storage, from_device(a, 0, RecordKind::Patrol, "p1"), vec![]);
    assert_eq!(pulled(storage, a, 0), Vec::<u64>::new());
    assert_eq!(pulled(storage, b, 0), vec![created]);
    assert_eq!(
        storage.feed_head().expect("head"),
        created,
        "the cursor moves past it"
    );

    // A's second edit builds on its own echo: still not sent back.
    let again = write(storage, from_device(a, 0, RecordKind::Patrol, "p1"), vec![]);
    assert_eq!(pulled(storage, a, 0), Vec::<u64>::new());

    // B edits over the state it pulled: A receives B's change, B does not.
    let by_b = write(
        storage,
        from_device(b, again, RecordKind::Patrol, "p1"),
        vec![],
    );
    assert_eq!(pulled(storage, a, 0), vec![by_b]);
    assert_eq!(pulled(storage, b, again), Vec::<u64>::new());

    // A edits without having pulled B's change: the merged record is not what A holds, so A
    // receives it back.
    let stale = write(
        storage,
        from_device(a, again, RecordKind::Patrol, "p1"),
        vec![],
    );
    assert_eq!(pulled(storage, a, again), vec![stale]);

    // A change that made a conflict is sent back, conflict and all.
    let mut conflict = row(RecordKind::Conflict, "c1", false);
    conflict.meta.subject = Some((RecordKind::Patrol, "p1".into()));
    let with_conflict = write(
        storage,
        from_device(a, stale, RecordKind::Patrol, "p1"),
        vec![conflict],
    );
    assert_eq!(
        pulled(storage, a, stale),
        vec![with_conflict, with_conflict + 1]
    );

    // An append-only record written again keeps its first write: the sender may differ.
    let note = write(storage, from_device(b, 0, RecordKind::Note, "n1"), vec![]);
    let head = storage.feed_head().expect("head");
    let rewritten = write(
        storage,
        from_device(a, head, RecordKind::Note, "n1"),
        vec![],
    );
    assert!(rewritten > note);
    assert_eq!(pulled(storage, a, head), vec![rewritten]);

    // A device that does not say its cursor (an older app) receives everything back.
    let old_app = WriteTarget {
        pulled_through: None,
        ..from_device(b, 0, RecordKind::Patrol, "p2")
    };
    let p2 = write(storage, old_app, vec![]);
    assert_eq!(pulled(storage, b, rewritten), vec![p2]);
}
