//! Push answers applied by the ops' places in the outbox (store version 24): each kind of
//! answer does what it did when ops were found by id, an op between two answered places is
//! left alone, and a version 23 store's queued ops keep their places and push on.

use crate::common::{self, key, Fixture};
use crate::schema_upgrades::{keyed, old_store};
use beatbook_core::ids::{DeviceId, UserId};
use beatbook_core::model::{NewNote, NoteCategory, Role};
use beatbook_core::store::device_sync::PlacedAnswer;
use beatbook_core::sync::hlc::Hlc;
use beatbook_core::sync::protocol::{Op, OpResult, OpStatus, RejectCode};
use beatbook_core::sync::RecordKind;
use beatbook_core::{ManualClock, Store};
use std::collections::BTreeMap;
use uuid::Uuid;

fn note(text: &str) -> NewNote {
    NewNote {
        observed_at: common::epoch(),
        text: text.into(),
        category: NoteCategory::Observation,
        place: None,
        patrol_id: None,
        problem_id: None,
    }
}

fn rejected(code: RejectCode) -> OpStatus {
    OpStatus::Rejected {
        code,
        message: "refused".into(),
    }
}

/// The newest stamp the store remembers the server holding.
fn seen_stamp(f: &Fixture) -> Option<String> {
    keyed(&f.dir.path().join("beatbook.db"))
        .query_row("SELECT seen_hlc FROM sync_state WHERE id = 1", [], |r| {
            r.get(0)
        })
        .expect("seen stamp")
}

#[test]
fn each_answer_clears_rejects_or_keeps_its_op_and_an_unanswered_op_between_stays() {
    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "PCSO Alex");
    for text in ["one", "two", "three", "four", "five", "six"] {
        f.clock.advance(chrono::Duration::seconds(1));
        f.store.add_note(&pcso, note(text)).expect("note");
    }
    let queued = f.store.pending_ops_from(i64::MIN, 100).expect("queued");
    assert_eq!(queued.len(), 6);
    let places: Vec<i64> = queued.iter().map(|(place, _)| *place).collect();
    let stamps: Vec<Hlc> = queued.iter().map(|(_, op)| op.hlc).collect();
    // Answers for five of the six; the third op gets none (it stays queued, untouched by the
    // runs either side of it).
    let statuses = [
        OpStatus::Accepted,
        OpStatus::Duplicate,
        OpStatus::Accepted,
        rejected(RejectCode::ClockAhead),
        rejected(RejectCode::Forbidden),
    ];
    let answered_places = [places[0], places[1], places[3], places[4], places[5]];
    let answered_stamps = [stamps[0], stamps[1], stamps[3], stamps[4], stamps[5]];
    let answers: Vec<PlacedAnswer<'_>> = answered_places
        .iter()
        .zip(answered_stamps)
        .zip(&statuses)
        .map(|((&place, stamp), status)| PlacedAnswer {
            place,
            stamp,
            status,
        })
        .collect();
    let tally = f
        .store
        .apply_push_answers(&answers, f.now())
        .expect("answers");
    assert_eq!(
        (
            tally.accepted,
            tally.duplicate,
            tally.rejected,
            tally.clock_ahead
        ),
        (2, 1, 1, 1)
    );
    let left: Vec<i64> = f
        .store
        .pending_ops_from(i64::MIN, 100)
        .expect("left")
        .iter()
        .map(|(place, _)| *place)
        .collect();
    assert_eq!(
        left,
        [places[2], places[4]],
        "the unanswered op and the clock-ahead one stay, in place"
    );
    let rejections = f.store.sync_rejections().expect("rejections");
    assert_eq!(rejections.len(), 1);
    assert_eq!(rejections[0].op_id, queued[5].1.op_id.to_string());
    // The server holds the accepted and duplicate ops' stamps: the newest of those (the
    // fourth op's), not the refused sixth's nor the unanswered third's.
    assert_eq!(seen_stamp(&f), Some(stamps[3].to_string()));
}

#[test]
fn answers_by_op_id_find_their_places() {
    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "PCSO Alex");
    for text in ["one", "two", "three"] {
        f.store.add_note(&pcso, note(text)).expect("note");
    }
    let queued = f.store.pending_ops(100).expect("queued");
    let results: Vec<OpResult> = vec![
        OpResult {
            op_id: queued[2].op_id,
            status: OpStatus::Accepted,
        },
        OpResult {
            op_id: queued[0].op_id,
            status: rejected(RejectCode::InvalidRecord),
        },
        OpResult {
            // An op no longer queued: counted, nothing else.
            op_id: Uuid::now_v7(),
            status: OpStatus::Accepted,
        },
    ];
    let tally = f
        .store
        .apply_push_results(&results, f.now())
        .expect("results");
    assert_eq!((tally.accepted, tally.rejected), (2, 1));
    let left = f.store.pending_ops(100).expect("left");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].op_id, queued[1].op_id);
    assert_eq!(f.store.sync_rejections().expect("rejections").len(), 1);
}

#[test]
fn a_version_23_store_keeps_its_queued_ops_in_place_and_pushes_them_on() {
    let (_dir, path, conn) = old_store(23);
    let device = DeviceId::new();
    let ops: Vec<(i64, Op)> = [-1, 0, 5]
        .into_iter()
        .enumerate()
        .map(|(i, place)| {
            (
                place,
                Op {
                    op_id: Uuid::now_v7(),
                    kind: RecordKind::Note,
                    record_id: Uuid::now_v7().to_string(),
                    hlc: Hlc::new(1_800_000_000_000 + i as u64, device),
                    author: UserId::new(),
                    device,
                    fields: BTreeMap::new(),
                    erase: None,
                },
            )
        })
        .collect();
    for (place, op) in &ops {
        conn.execute(
            "INSERT INTO outbox (seq, op_id, kind, record_id, op) VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![
                place,
                op.op_id.to_string(),
                "note",
                op.record_id,
                serde_json::to_string(op).expect("op json")
            ],
        )
        .expect("queued op");
    }
    drop(conn);

    let store =
        Store::open_with_clock(&path, &key(), ManualClock::shared(common::epoch())).expect("open");
    let queued = store.pending_ops_from(i64::MIN, 100).expect("queued");
    assert_eq!(queued, ops, "every op as it was, at its place");
    let indexes: i64 = keyed(&path)
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'outbox'",
            [],
            |r| r.get(0),
        )
        .expect("indexes");
    assert_eq!(indexes, 0, "no index of op ids is kept");

    let answers: Vec<PlacedAnswer<'_>> = queued
        .iter()
        .map(|(place, op)| PlacedAnswer {
            place: *place,
            stamp: op.hlc,
            status: &OpStatus::Accepted,
        })
        .collect();
    let tally = store
        .apply_push_answers(&answers, common::epoch())
        .expect("answers");
    assert_eq!(tally.accepted, 3);
    assert_eq!(store.pending_count().expect("pending"), 0);
}
