//! The contract's lock, tested: writers on several threads (as several requests, or several
//! server instances, would be) with random overlapping batches, and readers pulling the feed
//! the way devices do while they write.
//!
//! What would break without a batch serialised from its start, and how it shows here:
//! - two batches merging onto the same old record: a field a writer was told was applied is
//!   missing from the record at the end (a lost update);
//! - a seq committed after a higher one: a reader that moved its cursor to the head never
//!   receives it, and its copy of the record differs from the store's at the end (a skip);
//! - two retries of one batch both passing the duplicate check: an op answered `applied`
//!   twice, and more seqs handed out than changes made.

use super::filter;
use crate::storage::{
    CurrentRecord, Decision, FeedFilter, PendingWrite, RecordMeta, RecordRow, SyncStorage,
    WriteOutcome, WriteTarget,
};
use beatbook_core::ids::DeviceId;
use beatbook_core::sync::merge::RecordState;
use beatbook_core::sync::protocol::FieldState;
use beatbook_core::sync::{Hlc, RecordKind};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use uuid::Uuid;

const WRITERS: usize = 4;
const READERS: usize = 3;
const BATCHES_PER_WRITER: usize = 12;
const MAX_OPS_PER_BATCH: u64 = 5;
/// Few records, so that batches overlap often.
const RECORDS: u64 = 6;

/// A small deterministic generator (xorshift64*): each thread its own seed, no dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// One op: add field `field` to record `record`, keeping every field it has (a merge).
#[derive(Clone)]
struct AddField {
    op_id: Uuid,
    record: String,
    field: String,
}

impl AddField {
    fn target(&self) -> WriteTarget {
        WriteTarget {
            op_id: Some(self.op_id),
            device_id: None,
            kind: RecordKind::Patrol,
            record_id: self.record.clone(),
            now_ms: 1,
            pulled_through: None,
        }
    }

    fn decide(&self, current: &CurrentRecord, node: DeviceId) -> Decision {
        let mut fields = current.state.fields.clone();
        fields.insert(
            self.field.clone(),
            FieldState {
                value: serde_json::json!(self.op_id.to_string()),
                hlc: Hlc::new(1, node),
            },
        );
        Decision::Write {
            record: RecordRow {
                kind: RecordKind::Patrol,
                record_id: self.record.clone(),
                meta: RecordMeta::default(),
                state: RecordState {
                    fields,
                    erased: false,
                },
            },
            extra: vec![],
            reference_rows: vec![],
            scrub_conflicts: crate::storage::ConflictScrub::Keep,
            audit: Vec::new(),
        }
    }
}

/// Sends one batch; returns the outcomes.
fn send(storage: &dyn SyncStorage, ops: &[AddField], node: DeviceId) -> Vec<WriteOutcome> {
    let mut decides: Vec<_> = ops
        .iter()
        .map(|op| move |current: &CurrentRecord| op.decide(current, node))
        .collect();
    let mut batch: Vec<PendingWrite<'_>> = ops
        .iter()
        .zip(decides.iter_mut())
        .map(|(op, decide)| PendingWrite {
            ahead: None,
            target: op.target(),
            decide,
        })
        .collect();
    loop {
        match storage.write_records(&mut batch) {
            Ok(outcomes) => return outcomes,
            // Busy: nothing was committed; a device would send the batch again.
            Err(crate::storage::StorageError::Busy(_)) => continue,
            Err(e) => panic!("a batch failed: {e}"),
        }
    }
}

/// A device's copy of the feed: record → (seq, fields), kept by pulling as devices do.
#[derive(Default)]
struct Replica {
    cursor: u64,
    records: BTreeMap<String, (u64, RecordState)>,
}

impl Replica {
    /// Pulls until no more rows are waiting; moves the cursor as the server's pull does (to the
    /// last row, or to the head when the feed has no more for it).
    fn pull(&mut self, storage: &dyn SyncStorage, filter: &FeedFilter) {
        loop {
            let page = storage.feed_page(filter, self.cursor, 7).expect("page");
            for row in &page.rows {
                assert!(row.seq > self.cursor, "a row at or before the cursor");
                if let Some((seen, _)) = self.records.get(&row.record_id) {
                    assert!(
                        row.seq > *seen,
                        "an older version of {} after a newer one",
                        row.record_id
                    );
                }
                self.records
                    .insert(row.record_id.clone(), (row.seq, row.state.clone()));
            }
            let last = page.rows.last().map(|r| r.seq);
            self.cursor = match (last, page.has_more) {
                (Some(seq), true) => seq,
                (Some(seq), false) => seq.max(page.head),
                (None, _) => self.cursor.max(page.head),
            };
            if !page.has_more {
                return;
            }
        }
    }
}

pub(crate) fn writers_and_readers_lose_nothing_skip_nothing_apply_nothing_twice(
    storage: &Arc<dyn SyncStorage>,
) {
    let node = DeviceId::new();
    let writing_done = Arc::new(AtomicBool::new(false));
    let start = Arc::new(Barrier::new(WRITERS + READERS));

    let readers: Vec<_> = (0..READERS)
        .map(|_| {
            let storage = Arc::clone(storage);
            let (done, start) = (Arc::clone(&writing_done), Arc::clone(&start));
            std::thread::spawn(move || {
                let mut replica = Replica::default();
                start.wait();
                // Pull while writers write; then once more, after they have all finished.
                loop {
                    let finished = done.load(Ordering::SeqCst);
                    replica.pull(storage.as_ref(), &filter());
                    if finished {
                        return replica;
                    }
                }
            })
        })
        .collect();

    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let storage = Arc::clone(storage);
            let start = Arc::clone(&start);
            std::thread::spawn(move || {
                let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (w as u64 + 1));
                let mut applied: Vec<AddField> = Vec::new();
                start.wait();
                for b in 0..BATCHES_PER_WRITER {
                    let ops: Vec<AddField> = (0..=rng.below(MAX_OPS_PER_BATCH))
                        .map(|o| AddField {
                            op_id: Uuid::now_v7(),
                            record: format!("p{}", rng.below(RECORDS)),
                            field: format!("w{w}b{b}o{o}"),
                        })
                        .collect();
                    let outcomes = send(storage.as_ref(), &ops, node);
                    assert_eq!(outcomes.len(), ops.len());
                    for (op, outcome) in ops.iter().zip(&outcomes) {
                        assert!(
                            matches!(outcome, WriteOutcome::Applied { seq: Some(_), .. }),
                            "{outcome:?}"
                        );
                        applied.push(op.clone());
                    }
                    // Now and then the device did not hear the answer and sends it again.
                    if rng.below(4) == 0 {
                        let again = send(storage.as_ref(), &ops, node);
                        assert!(
                            again.iter().all(|o| *o == WriteOutcome::Duplicate),
                            "a resent batch was applied again: {again:?}"
                        );
                    }
                }
                applied
            })
        })
        .collect();

    let applied: Vec<AddField> = writers
        .into_iter()
        .flat_map(|w| w.join().expect("writer"))
        .collect();
    writing_done.store(true, Ordering::SeqCst);
    let replicas: Vec<Replica> = readers
        .into_iter()
        .map(|r| r.join().expect("reader"))
        .collect();

    // The store as it ends.
    let mut end = Replica::default();
    end.pull(storage.as_ref(), &filter());
    let head = storage.feed_head().expect("head");
    assert_eq!(
        head,
        applied.len() as u64,
        "one seq per applied op: none applied twice, none lost"
    );

    // No lost update: every applied field is in its record.
    let mut expected: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for op in &applied {
        expected.entry(&op.record).or_default().insert(&op.field);
    }
    for (record, fields) in &expected {
        let (_, state) = end.records.get(*record).expect("record written");
        let stored: BTreeSet<&str> = state.fields.keys().map(String::as_str).collect();
        assert_eq!(&stored, fields, "record {record} lost or gained a field");
    }
    assert_eq!(end.records.len(), expected.len());

    // No skipped seq: every reader's copy is the store's.
    for (i, replica) in replicas.iter().enumerate() {
        assert_eq!(replica.cursor, head, "reader {i} ends at the head");
        for (record, (seq, state)) in &end.records {
            let got = replica.records.get(record);
            assert_eq!(
                got,
                Some(&(*seq, state.clone())),
                "reader {i} missed the latest change to {record}"
            );
        }
    }
}

pub(crate) fn concurrent_retries_of_one_batch_apply_each_op_once(storage: &Arc<dyn SyncStorage>) {
    const SENDERS: usize = 6;
    const ROUNDS: usize = 5;
    let node = DeviceId::new();
    let mut expected_seqs = 0;
    for round in 0..ROUNDS {
        // One batch, sent by several "connections" at once (a device retrying through a
        // second instance while its first attempt is still in flight).
        let ops: Arc<Vec<AddField>> = Arc::new(
            (0..4)
                .map(|o| AddField {
                    op_id: Uuid::now_v7(),
                    record: format!("r{}", o % 2),
                    field: format!("round{round}op{o}"),
                })
                .collect(),
        );
        let start = Arc::new(Barrier::new(SENDERS));
        let senders: Vec<_> = (0..SENDERS)
            .map(|_| {
                let (storage, ops, start) =
                    (Arc::clone(storage), Arc::clone(&ops), Arc::clone(&start));
                std::thread::spawn(move || {
                    start.wait();
                    send(storage.as_ref(), &ops, node)
                })
            })
            .collect();
        let answers: Vec<Vec<WriteOutcome>> = senders
            .into_iter()
            .map(|s| s.join().expect("sender"))
            .collect();
        for (o, op) in ops.iter().enumerate() {
            let applied = answers
                .iter()
                .filter(|a| matches!(a[o], WriteOutcome::Applied { .. }))
                .count();
            let duplicate = answers
                .iter()
                .filter(|a| a[o] == WriteOutcome::Duplicate)
                .count();
            assert_eq!(
                (applied, duplicate),
                (1, SENDERS - 1),
                "op {} of round {round}",
                op.op_id
            );
        }
        // A batch is all or nothing: the sender that applied one op applied them all.
        assert!(answers.iter().all(|a| {
            a.iter().all(|o| matches!(o, WriteOutcome::Applied { .. }))
                || a.iter().all(|o| *o == WriteOutcome::Duplicate)
        }));
        expected_seqs += ops.len() as u64;
        assert_eq!(storage.feed_head().expect("head"), expected_seqs);
    }
    let page = storage.feed_page(&filter(), 0, 100).expect("page");
    for record in ["r0", "r1"] {
        let row = page
            .rows
            .iter()
            .find(|r| r.record_id == record)
            .expect("record");
        assert_eq!(row.state.fields.len(), ROUNDS * 2, "{record}");
    }
}
