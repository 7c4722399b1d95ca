//! The server's answers to a push, applied to the outbox by place.
//!
//! Why by place: a push batch is read from consecutive outbox places and answered in request
//! order, so its accepted ops form runs of consecutive places. Each run is cleared with one
//! range delete on the outbox's primary key: one statement for a batch of 500 instead of three
//! per op (a stamp lookup, a stamp update and a delete, each through the index of op ids), and
//! no index of op ids for every recorded change to write (store version 24). The newest stamp
//! the server now holds comes with the answers (each op's, as it was sent), so the ops are not
//! read back for it (that read was a fifth of applying an answer).
//!
//! A run only ever spans places that were all sent: places are split wherever two answered
//! places are not consecutive integers, so an op queued later at a free place in between (a
//! re-sync queues ahead of the outbox, at its own places) is never touched.

use super::sync_records;
use super::PushTally;
use crate::error::Result;
use crate::store::sql_time::t;
use crate::sync::hlc::Hlc;
use crate::sync::protocol::{OpResult, OpStatus, RejectCode};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use std::collections::HashMap;

/// One op's answer, the op's place in the outbox and the stamp it was sent with.
#[derive(Debug, Clone, Copy)]
pub struct PlacedAnswer<'a> {
    pub place: i64,
    pub stamp: Hlc,
    pub status: &'a OpStatus,
}

/// Applies answers inside the caller's transaction: accepted and duplicate ops leave the
/// outbox (the server holds their stamps now: re-stamping never goes below them), refused ones
/// move to the rejection list, clock-ahead ones stay to be re-stamped. An answer without a
/// place (an op no longer queued) is counted and changes nothing.
pub(super) fn apply<'a>(
    tx: &Connection,
    answers: impl IntoIterator<Item = (Option<(i64, Hlc)>, &'a OpStatus)>,
    now: DateTime<Utc>,
) -> Result<PushTally> {
    let mut tally = PushTally::default();
    let mut newest: Option<Hlc> = None;
    let mut cleared = Vec::new();
    for (queued, status) in answers {
        let place = queued.map(|(place, _)| place);
        match status {
            OpStatus::Accepted | OpStatus::Duplicate => {
                match status {
                    OpStatus::Accepted => tally.accepted += 1,
                    _ => tally.duplicate += 1,
                }
                if let Some((place, stamp)) = queued {
                    newest = newest.max(Some(stamp));
                    cleared.push(place);
                }
            }
            OpStatus::Rejected {
                code: RejectCode::ClockAhead,
                ..
            } => tally.clock_ahead += 1,
            OpStatus::Rejected { code, message } => {
                tally.rejected += 1;
                if let Some(place) = place {
                    tx.prepare_cached(
                        "INSERT OR REPLACE INTO sync_rejections
                           (op_id, kind, record_id, code, message, rejected_at)
                         SELECT op_id, kind, record_id, ?2, ?3, ?4 FROM outbox WHERE seq = ?1",
                    )?
                    .execute(params![place, code, message, t(now)])?;
                    cleared.push(place);
                }
            }
        }
    }
    if let Some(stamp) = newest {
        sync_records::note_seen(tx, stamp)?;
    }
    for (first, last) in runs(cleared) {
        tx.prepare_cached("DELETE FROM outbox WHERE seq BETWEEN ?1 AND ?2")?
            .execute([first, last])?;
    }
    Ok(tally)
}

/// Answers given by op id (an older caller's form): each op's place and stamp are found from
/// the head of the outbox in place order, which is the order ops are sent and answered, so the
/// read stops after the answered ops — unless one of them is no longer queued, when it reads
/// on to the end of the outbox. The push client never comes here: it answers by place.
pub(super) fn apply_by_op_id(
    tx: &Connection,
    results: &[OpResult],
    now: DateTime<Utc>,
) -> Result<PushTally> {
    let mut wanted: HashMap<String, usize> = results
        .iter()
        .enumerate()
        .map(|(i, r)| (r.op_id.to_string(), i))
        .collect();
    let mut places = vec![None; results.len()];
    let mut stmt =
        tx.prepare_cached("SELECT seq, op_id, json_extract(op, '$.hlc') FROM outbox ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    while !wanted.is_empty() {
        let Some(row) = rows.next()? else { break };
        if let Some(i) = wanted.remove(&row.get::<_, String>(1)?) {
            places[i] = Some((row.get::<_, i64>(0)?, row.get::<_, Hlc>(2)?));
        }
    }
    drop(rows);
    apply(
        tx,
        places.into_iter().zip(results.iter().map(|r| &r.status)),
        now,
    )
}

/// Places in runs of consecutive integers, `(first, last)` each, in order.
fn runs(mut places: Vec<i64>) -> Vec<(i64, i64)> {
    places.sort_unstable();
    places.dedup();
    let mut runs: Vec<(i64, i64)> = Vec::new();
    for place in places {
        match runs.last_mut() {
            Some((_, last)) if last.checked_add(1) == Some(place) => *last = place,
            _ => runs.push((place, place)),
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::runs;

    #[test]
    fn places_split_into_runs_wherever_one_is_missing() {
        assert_eq!(runs(vec![]), vec![]);
        assert_eq!(runs(vec![7]), vec![(7, 7)]);
        assert_eq!(runs(vec![3, 1, 2, 2]), vec![(1, 3)]);
        assert_eq!(
            runs(vec![-2, -1, 0, 1, 4, 5, 9]),
            vec![(-2, 1), (4, 5), (9, 9)]
        );
        assert_eq!(
            runs(vec![i64::MAX - 1, i64::MAX, i64::MIN]),
            vec![(i64::MIN, i64::MIN), (i64::MAX - 1, i64::MAX)]
        );
    }
}
