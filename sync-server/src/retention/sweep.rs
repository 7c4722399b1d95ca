//! The sweep: disposes of every governed record expired at `now` ([`sweep`]). Run at server
//! start, every `--retention-sweep-minutes`, and by `admin retention sweep`.
//!
//! Candidates come from the retention index a batch at a time (an index range per kind, at
//! most [`BATCH`] rows); each is judged by the core's `retention::status` and disposed of in a
//! transaction of its own ([`super::dispose`]), so a large backlog never holds the store: a
//! pass stops after [`MAX_PER_PASS`] disposals and the next pass goes on. Idempotent: a
//! disposed record is no longer held, so it is never a candidate again. A refused disposal is
//! counted, logged (kind and id, never a value) and left for the next pass.

use super::dispose::{dispose_with, Actor, DisposeError, TeamContexts};
use super::schedule::{current_schedule, ScheduleError};
use crate::storage::retention_index::RetentionRange;
use crate::storage::SyncStorage;
use beatbook_core::retention::{status, RetainedKind};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// Candidates read from the index at a time.
pub const BATCH: u32 = 100;
/// Most disposals one pass makes.
pub const MAX_PER_PASS: usize = 10_000;

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Records disposed of, by the kind that expired (children not counted here).
    pub disposed: BTreeMap<RetainedKind, usize>,
    /// Children erased with them.
    pub children: usize,
    /// Disposals the server refused (left for the next pass).
    pub refused: usize,
    /// The pass stopped at its limit; more may be expired.
    pub more: bool,
}

impl SweepReport {
    pub fn total(&self) -> usize {
        self.disposed.values().sum()
    }
}

/// Disposes of every record expired at `now` (at most [`MAX_PER_PASS`]).
pub fn sweep(storage: &dyn SyncStorage, now: DateTime<Utc>) -> Result<SweepReport, ScheduleError> {
    let schedule = current_schedule(storage)?;
    let mut report = SweepReport::default();
    let mut teams = TeamContexts::default();
    // Contacts before their personal details: erasing a contact takes its details with it.
    for kind in RetainedKind::ALL
        .iter()
        .copied()
        .filter(|k| *k == RetainedKind::Contact)
        .chain(
            RetainedKind::ALL
                .iter()
                .copied()
                .filter(|k| *k != RetainedKind::Contact),
        )
    {
        loop {
            let range = RetentionRange::through(&schedule, kind, now, BATCH);
            let candidates = storage.retention_entries(&range)?;
            let mut progressed = false;
            for entry in &candidates {
                let judged = status(&schedule, kind, entry.anchor(), entry.retained_until(), now);
                let Some(review_on) = judged.is_expired().then(|| judged.review_on()).flatten()
                else {
                    continue;
                };
                if report.total() >= MAX_PER_PASS {
                    report.more = true;
                    return Ok(report);
                }
                let actor = Actor::Schedule { review_on };
                match dispose_with(
                    storage,
                    &mut teams,
                    kind.record_kind(),
                    &entry.record_id,
                    &actor,
                    now,
                ) {
                    Ok(done) => {
                        progressed = true;
                        *report.disposed.entry(kind).or_default() += 1;
                        report.children += done.records.len().saturating_sub(1);
                    }
                    Err(DisposeError::Storage(e)) => return Err(e.into()),
                    // Disposed of since it was read (another instance's sweep on a shared
                    // database): nothing left to do, and not a refusal.
                    Err(DisposeError::NotFound(..)) => {}
                    Err(e) => {
                        report.refused += 1;
                        tracing::warn!(
                            kind = %kind,
                            record_id = %entry.record_id,
                            error = %e,
                            "retention sweep: a disposal was refused"
                        );
                    }
                }
            }
            if candidates.len() < BATCH as usize || !progressed {
                break;
            }
        }
    }
    if report.total() > 0 || report.refused > 0 {
        tracing::info!(
            disposed = report.total(),
            children = report.children,
            refused = report.refused,
            "retention sweep"
        );
    }
    Ok(report)
}
