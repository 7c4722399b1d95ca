//! A pushed record's stored form worked out ahead of the writer, on a second thread.
//!
//! Why: the embedded store's one writer is a push's critical path (one request is in flight
//! per device), and turning each written record into its stored form — its values as JSON,
//! packed after the dictionary (`packed_values`), and its clocks — was 16% of the server's time
//! in a push of 20k contacts. Most pushed records are written exactly as their op carries them
//! (a new record's merged fields are the op's values at the op's clock), so that form can be
//! worked out from the op before the writer gets there, while the writer works on the ops
//! before it.
//!
//! How: each op of a batch has a slot. Once the store holds its writer, a helper thread fills
//! the slots in order ([`beside`], [`work_ahead`]); the writer takes an op's slot when it writes the record
//! ([`Ahead::stored_for`]): filled, it waits for nothing; being filled, it waits for that one
//! record; not reached yet, it marks the slot passed (the helper then skips it) and packs
//! the record itself. The slot's bytes are used only when the record's merged fields are
//! exactly the op's values, each at the op's clock — an update merged with stored fields, a
//! legacy op upgraded by the rules, anything else is packed from its merged fields as before.
//! So what is stored is the same whichever thread packed it.

use crate::storage::compact::{self, Fields};
use beatbook_core::sync::protocol::Op;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// One op's stored form, or `None` when the writer passed it first (or it would not pack:
/// the writer then meets the same failure packing the merged fields itself).
pub type AheadSlot = OnceLock<Option<StoredAhead>>;

/// The op's values and clocks as the embedded store keeps them.
#[derive(Debug)]
pub struct StoredAhead {
    values: Vec<u8>,
    clocks: Vec<u8>,
}

/// What the writer is given for one op: the op and its slot.
#[derive(Debug, Clone, Copy)]
pub struct Ahead<'a> {
    pub op: &'a Op,
    pub slot: &'a AheadSlot,
}

impl StoredAhead {
    /// The stored form of `op`'s values, each at the op's clock.
    pub fn of_op(op: &Op) -> Option<StoredAhead> {
        let (values, clocks) = compact::split_packed_op(op).ok()?;
        Some(StoredAhead { values, clocks })
    }
}

impl<'a> Ahead<'a> {
    /// The stored values and clocks for a record whose merged fields are `fields`, when they
    /// are exactly the op's values at the op's clock; `None` otherwise (pack `fields`).
    pub fn stored_for(self, fields: &Fields) -> Option<(&'a [u8], &'a [u8])> {
        // Waits only for a slot the helper is filling; marks an unreached one passed.
        let ahead = self.slot.get_or_init(|| None).as_ref()?;
        let same = fields.len() == self.op.fields.len()
            && fields
                .iter()
                .zip(&self.op.fields)
                .all(|((name, merged), (op_name, change))| {
                    name == op_name && merged.hlc == self.op.hlc && merged.value == change.value
                });
        same.then_some((ahead.values.as_slice(), ahead.clocks.as_slice()))
    }
}

/// A batch with at least this many ops to work out is given a helper thread; a smaller one is
/// not worth starting a thread for.
pub const HELPER_FROM_OPS: usize = 16;

/// Fills each op's slot with its stored form, in order, skipping those the writer has passed,
/// until `finished` (the writer is done: a batch that failed part-way need not be packed to
/// its end). Run on a helper thread beside the writer, by the store that holds the writer, so
/// that a store has at most one such thread.
pub fn work_ahead(aheads: &[Ahead<'_>], finished: &AtomicBool) {
    for ahead in aheads {
        if finished.load(Ordering::Relaxed) {
            return;
        }
        ahead.slot.get_or_init(|| StoredAhead::of_op(ahead.op));
    }
}

/// Runs `write` (the writer's batch) with a helper thread working `aheads` out beside it when
/// there are enough of them.
pub fn beside<T>(aheads: &[Ahead<'_>], write: impl FnOnce() -> T) -> T {
    if aheads.len() < HELPER_FROM_OPS {
        return write();
    }
    let finished = AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| work_ahead(aheads, &finished));
        let written = write();
        finished.store(true, Ordering::Relaxed);
        written
    })
}

#[cfg(test)]
mod tests;
