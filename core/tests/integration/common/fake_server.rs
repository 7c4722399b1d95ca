//! A minimal in-memory sync server for the device-side tests: the same merge as the real one
//! (`core::sync::merge`), no HTTP, no scopes. The real server is tested in `sync-server/` and
//! `tests/`.
#![allow(dead_code)]

use beatbook_core::sync::conflict::Conflict;
use beatbook_core::sync::merge::{plan_op, OpPlan, RecordState};
use beatbook_core::sync::protocol::{
    Change, FieldState, Op, OpResult, OpStatus, PullResponse, RecordKind, RejectCode,
};
use beatbook_core::sync::Hlc;
use beatbook_core::Store;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashSet};

#[derive(Debug)]
pub struct FakeServer {
    records: BTreeMap<(RecordKind, String), (RecordState, u64)>,
    applied: HashSet<uuid::Uuid>,
    seq: u64,
    pub conflicts: Vec<Conflict>,
    /// The server's clock: set to the syncing device's clock on every [`FakeServer::sync`]
    /// (the two agree), [`super::epoch`] until then.
    pub now: DateTime<Utc>,
}

impl Default for FakeServer {
    fn default() -> FakeServer {
        FakeServer {
            records: BTreeMap::new(),
            applied: HashSet::new(),
            seq: 0,
            conflicts: Vec::new(),
            now: super::epoch(),
        }
    }
}

impl FakeServer {
    pub fn push(&mut self, ops: &[Op]) -> Vec<OpResult> {
        ops.iter()
            .map(|op| OpResult {
                op_id: op.op_id,
                status: self.apply(op),
            })
            .collect()
    }

    fn apply(&mut self, op: &Op) -> OpStatus {
        if !self.applied.insert(op.op_id) {
            return OpStatus::Duplicate;
        }
        let key = (op.kind, op.record_id.clone());
        let current = self
            .records
            .get(&key)
            .map(|(s, _)| s.clone())
            .unwrap_or_default();
        match plan_op(&current, op) {
            OpPlan::RecordErased => OpStatus::Rejected {
                code: RejectCode::RecordErased,
                message: "erased".into(),
            },
            OpPlan::Erase => {
                self.seq += 1;
                self.records.insert(
                    key,
                    (
                        RecordState {
                            fields: BTreeMap::new(),
                            erased: true,
                        },
                        self.seq,
                    ),
                );
                OpStatus::Accepted
            }
            OpPlan::Apply {
                state, conflicts, ..
            } => {
                self.seq += 1;
                self.records.insert(key, (state, self.seq));
                for found in conflicts {
                    let conflict = Conflict {
                        id: uuid::Uuid::now_v7().to_string(),
                        record_kind: op.kind,
                        record_id: op.record_id.clone(),
                        field: found.field,
                        winner_value: found.winner.value,
                        winner_hlc: found.winner.hlc,
                        winner_author: found.winner_author,
                        loser_value: found.loser.value,
                        loser_hlc: found.loser.hlc,
                        loser_author: found.loser_author,
                        detected_at: self.now,
                        resolution: None,
                        resolved_by: None,
                        resolved_at: None,
                    };
                    self.store_conflict(&conflict, op.hlc);
                    self.conflicts.push(conflict);
                }
                OpStatus::Accepted
            }
        }
    }

    fn store_conflict(&mut self, conflict: &Conflict, hlc: Hlc) {
        let Ok(serde_json::Value::Object(map)) = serde_json::to_value(conflict) else {
            panic!("conflict serialises to an object");
        };
        let fields = map
            .into_iter()
            .map(|(k, value)| (k, FieldState { value, hlc }))
            .collect();
        self.seq += 1;
        self.records.insert(
            (RecordKind::Conflict, conflict.id.clone()),
            (
                RecordState {
                    fields,
                    erased: false,
                },
                self.seq,
            ),
        );
    }

    pub fn pull(&self, cursor: u64, limit: usize) -> PullResponse {
        let mut changes: Vec<Change> = self
            .records
            .iter()
            .filter(|(_, (_, seq))| *seq > cursor)
            .map(|((kind, id), (state, seq))| Change {
                seq: *seq,
                kind: *kind,
                record_id: id.clone(),
                fields: state.fields.clone(),
                erased: state.erased,
            })
            .collect();
        changes.sort_by_key(|c| c.seq);
        let has_more = changes.len() > limit;
        changes.truncate(limit);
        let next_cursor = changes.last().map_or(cursor, |c| c.seq);
        PullResponse {
            changes,
            next_cursor,
            has_more,
            server_time: self.now,
            epoch: None,
        }
    }

    /// Pushes everything `store` has queued, then pulls everything new into it.
    pub fn sync(&mut self, store: &Store) {
        self.now = store.now();
        loop {
            let ops = store.pending_ops(50).expect("pending");
            if ops.is_empty() {
                break;
            }
            let results = self.push(&ops);
            store
                .apply_push_results(&results, self.now)
                .expect("results");
        }
        loop {
            let page = self.pull(store.pull_cursor().expect("cursor"), 7);
            store.apply_pull_page(&page).expect("apply page");
            if !page.has_more {
                break;
            }
        }
    }
}
