//! Ops the server makes itself — a supervisor's decision on the web pages, a disposal by the
//! retention sweep, the administrator's erasure — applied as a device's push would be: through
//! [`super::decide`], in one `write_records` batch, all or none.

use super::{decide, PushContext};
use crate::storage::{
    CurrentRecord, Decision, PendingWrite, ServerAudit, StorageResult, SyncStorage, WriteOutcome,
    WriteTarget,
};
use beatbook_core::sync::merge::RecordState;
use beatbook_core::sync::protocol::{Op, RejectCode};
use chrono::{DateTime, Utc};
use std::cell::Cell;

/// The wall time for ops made at `now` over `seen` records: after every clock they hold, so
/// each op is a successor of the values it was decided on, whatever clock wrote them.
pub fn stamp_after<'a>(now: DateTime<Utc>, seen: impl IntoIterator<Item = &'a RecordState>) -> u64 {
    let seen_wall = seen
        .into_iter()
        .flat_map(|state| state.fields.values().map(|f| f.hlc.wall_ms))
        .max()
        .unwrap_or(0);
    u64::try_from(now.timestamp_millis())
        .unwrap_or(0)
        .max(seen_wall.saturating_add(1))
}

/// Applies `ops` (sent from `ctx.principal`'s device) in one batch: once one is refused, every
/// later one is refused too, so a decision is never half applied. `audit_of(i)`, when it
/// answers, replaces the s.62 entries the i-th op's write would log. One outcome per op.
pub fn write_all_or_none(
    storage: &dyn SyncStorage,
    ctx: &PushContext,
    ops: &[Op],
    now_ms: i64,
    audit_of: impl Fn(usize) -> Option<Vec<ServerAudit>>,
) -> StorageResult<Vec<WriteOutcome>> {
    let refused = Cell::new(false);
    let mut decides: Vec<_> = ops
        .iter()
        .enumerate()
        .map(|(i, op)| {
            let (refused, audit_of) = (&refused, &audit_of);
            move |current: &CurrentRecord| {
                if refused.get() {
                    return Decision::Reject {
                        code: RejectCode::Forbidden,
                        message: "an earlier part of the decision was refused".into(),
                    };
                }
                match decide(ctx, op, current) {
                    Decision::Write {
                        record,
                        extra,
                        reference_rows,
                        scrub_conflicts,
                        audit,
                    } => Decision::Write {
                        record,
                        extra,
                        reference_rows,
                        scrub_conflicts,
                        audit: audit_of(i).unwrap_or(audit),
                    },
                    rejected @ Decision::Reject { .. } => {
                        refused.set(true);
                        rejected
                    }
                    other => other,
                }
            }
        })
        .collect();
    let mut batch: Vec<PendingWrite<'_>> = ops
        .iter()
        .zip(decides.iter_mut())
        .map(|(op, decide)| PendingWrite {
            ahead: None,
            target: WriteTarget {
                op_id: Some(op.op_id),
                device_id: Some(ctx.principal.device_id),
                kind: op.kind,
                record_id: op.record_id.clone(),
                now_ms,
                pulled_through: None,
            },
            decide,
        })
        .collect();
    storage.write_records(&mut batch)
}
