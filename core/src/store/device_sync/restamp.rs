//! Re-stamping the queued ops after the server refused this device's clock (`clock_ahead`).
//!
//! The ops have not left the device, so nobody has seen their stamps and they may be replaced
//! with stamps from the corrected clock. Two things must survive the replacement, or the
//! merge's documented guarantees break (both were found by the clock test,
//! `tests/tests/e2e/clocks.rs`):
//!
//! - An edit made after seeing a value must still sort after it. The new stamps start from the
//!   highest stamp this device has seen, not from the bare wall clock: a value stamped by a
//!   device a few minutes fast (within the server's allowed skew) would otherwise beat a later
//!   edit made over it — silently, as the edit's base is that value, so no conflict is logged.
//! - An op whose base is an earlier queued op's stamp (the same field edited twice before a
//!   sync) takes that op's new stamp as its base; otherwise the server takes the author's own
//!   earlier edit for a value they had not seen, and logs a conflict between them.

use super::{clock, sync_records};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::sync::protocol::Op;
use crate::sync::Hlc;
use rusqlite::{params, Connection};
use std::collections::{HashMap, HashSet};

/// A stamp further ahead of the corrected clock than this was never accepted by a server (they
/// refuse stamps a few minutes ahead; 5 by default), so no one has seen it and it must not hold
/// the clock up: it is the stamp of an op that was refused for some other reason.
const MAX_CREDIBLE_LEAD_MS: u64 = 60 * 60 * 1000;

impl Store {
    /// Re-stamps every queued op with the corrected clock (after `clock_ahead`), never below a
    /// stamp this device has seen, keeping the chain of bases between its own queued edits.
    pub fn restamp_pending(&self) -> Result<usize> {
        let device = self.enrolment()?.map(|e| e.device_id);
        let now = self.now();
        self.write_as(None, |tx| {
            let mut ops = queued(tx)?;
            let replaced: HashSet<Hlc> = ops.iter().map(|(_, op)| op.hlc).collect();
            let credible = clock::corrected_now_ms(tx, now)?.saturating_add(MAX_CREDIBLE_LEAD_MS);
            let floor = seen_floor(tx, &ops, &replaced, credible)?;
            clock::restart_from(tx, floor)?;
            let mut renamed: HashMap<Hlc, Hlc> = HashMap::new();
            for (seq, op) in &mut ops {
                let old = op.hlc;
                op.hlc = clock::next(tx, device.unwrap_or(op.device), now)?;
                renamed.insert(old, op.hlc);
                let mut clocks = sync_records::load_clocks(tx, op.kind, &op.record_id)?;
                for (field, change) in op.fields.iter_mut() {
                    if let Some(new_base) = change.base.and_then(|b| renamed.get(&b).copied()) {
                        change.base = Some(new_base);
                    }
                    // The field's clock moves with its op, unless a later op has moved it on.
                    if let Some(clock) = clocks.as_mut().and_then(|c| c.fields.get_mut(field)) {
                        if *clock == old {
                            *clock = op.hlc;
                        }
                    }
                }
                if let Some(clocks) = &clocks {
                    sync_records::save_clocks(tx, op.kind, &op.record_id, clocks)?;
                }
                let text = serde_json::to_string(&*op).map_err(|e| corrupt(e.to_string()))?;
                tx.execute(
                    "UPDATE outbox SET op = ?2 WHERE seq = ?1",
                    params![*seq, text],
                )?;
            }
            Ok(ops.len())
        })
    }
}

/// The outbox, oldest first.
fn queued(conn: &Connection) -> Result<Vec<(i64, Op)>> {
    let mut stmt = conn.prepare("SELECT seq, op FROM outbox ORDER BY seq")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(seq, text)| {
            let op = serde_json::from_str(&text).map_err(|e| corrupt(e.to_string()))?;
            Ok((seq, op))
        })
        .collect()
}

/// The highest stamp this device has seen, other than the stamps being replaced: the newest
/// the server vouched for (values pulled, and this device's own accepted edits) and the bases
/// its queued edits were made over (a value since overwritten here is remembered only there).
fn seen_floor(
    conn: &Connection,
    ops: &[(i64, Op)],
    replaced: &HashSet<Hlc>,
    credible_ms: u64,
) -> Result<Option<Hlc>> {
    let seen = sync_records::seen(conn)?
        .filter(|seen| !replaced.contains(seen) && seen.wall_ms < credible_ms);
    let bases = ops
        .iter()
        .flat_map(|(_, op)| op.fields.values().filter_map(|change| change.base))
        .filter(|base| !replaced.contains(base) && base.wall_ms < credible_ms);
    Ok(seen.into_iter().chain(bases).max())
}

fn corrupt(reason: String) -> Error {
    Error::Corrupt {
        kind: "outbox op",
        reason,
    }
}
