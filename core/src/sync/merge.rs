//! The merge, as pure functions over data: no I/O, so the server and every device run exactly
//! the same rules, and tests (including property tests) can drive it directly.
//!
//! Field-level last-writer-wins on the hybrid clock, with append-only kinds written once (the lowest clock stands) and
//! erasure winning over everything. Conflict detection compares the op's `base` (what its
//! author had seen) with the current clock. Rules: `docs/sync-protocol.md#merge`.

use super::hlc::Hlc;
use super::protocol::{FieldState, Op, RecordKind};
use crate::ids::UserId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What is known of one record: its fields with their clocks, and whether it was erased.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RecordState {
    pub fields: BTreeMap<String, FieldState>,
    pub erased: bool,
}

/// The losing side of a concurrent edit of one field, kept so that nothing is silently lost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictFound {
    pub field: String,
    pub winner: FieldState,
    pub loser: FieldState,
    /// Who wrote the losing value, when known (the op's author when the op lost).
    pub loser_author: Option<UserId>,
    /// Who wrote the winning value, when known.
    pub winner_author: Option<UserId>,
}

/// What applying an op to a record does.
#[derive(Debug, Clone, PartialEq)]
pub enum OpPlan {
    /// The record was erased: the op changes nothing.
    RecordErased,
    /// The op erases the record.
    Erase,
    /// The record's new state, which fields the op won, and the conflicts found.
    Apply {
        state: RecordState,
        changed: Vec<String>,
        conflicts: Vec<ConflictFound>,
    },
}

/// Plans applying `op` to `current` (server side: conflicts are detected here).
pub fn plan_op(current: &RecordState, op: &Op) -> OpPlan {
    if current.erased {
        return OpPlan::RecordErased;
    }
    if op.erase.is_some() {
        return OpPlan::Erase;
    }
    let mut state = current.clone();
    let mut changed = Vec::new();
    let mut conflicts = Vec::new();
    for (name, change) in &op.fields {
        let incoming = FieldState {
            value: change.value.clone(),
            hlc: op.hlc,
        };
        let existing = current.fields.get(name);
        match decide(op.kind, existing.map(|e| e.hlc), incoming.hlc) {
            Decision::Take => {
                if let Some(existing) = existing.filter(|_| may_conflict(op.kind, name)) {
                    if change.base != Some(existing.hlc) && existing.value != incoming.value {
                        conflicts.push(ConflictFound {
                            field: name.clone(),
                            winner: incoming.clone(),
                            loser: existing.clone(),
                            loser_author: None,
                            winner_author: Some(op.author),
                        });
                    }
                }
                state.fields.insert(name.clone(), incoming);
                changed.push(name.clone());
            }
            Decision::Keep => {
                if let Some(existing) = existing {
                    let concurrent = change.base != Some(existing.hlc);
                    if concurrent && may_conflict(op.kind, name) && existing.value != incoming.value
                    {
                        conflicts.push(ConflictFound {
                            field: name.clone(),
                            winner: existing.clone(),
                            loser: incoming,
                            loser_author: Some(op.author),
                            winner_author: None,
                        });
                    }
                }
            }
        }
    }
    OpPlan::Apply {
        state,
        changed,
        conflicts,
    }
}

/// Merges pulled field states into `current` (device side: last-writer-wins only, so the
/// result is the same in any order and any number of times). Returns the fields that changed.
pub fn merge_state(
    kind: RecordKind,
    current: &mut RecordState,
    incoming: &BTreeMap<String, FieldState>,
    incoming_erased: bool,
) -> Vec<String> {
    if current.erased {
        return Vec::new();
    }
    if incoming_erased {
        current.erased = true;
        let changed = current.fields.keys().cloned().collect();
        current.fields.clear();
        return changed;
    }
    let changed: Vec<String> = winning_fields(
        kind,
        |name| current.fields.get(name).map(|f| f.hlc),
        incoming,
    )
    .into_iter()
    .map(str::to_owned)
    .collect();
    for name in &changed {
        current.fields.insert(name.clone(), incoming[name].clone());
    }
    changed
}

/// The pulled fields that win over the current clocks (`current` gives a field's clock, `None`
/// when the field is not held). The device's merge needs nothing else: its values live in its
/// tables and are read only for the fields it keeps.
pub fn winning_fields(
    kind: RecordKind,
    current: impl Fn(&str) -> Option<Hlc>,
    incoming: &BTreeMap<String, FieldState>,
) -> Vec<&str> {
    incoming
        .iter()
        .filter(|(name, state)| decide(kind, current(name), state.hlc) == Decision::Take)
        .map(|(name, _)| name.as_str())
        .collect()
}

/// Fields whose concurrent edits are worth a person's attention. Append-only kinds never
/// conflict, and bookkeeping fields (`updated_at`) change with every edit: a conflict on them
/// would only repeat the conflict on the field that was really edited.
pub fn may_conflict(kind: RecordKind, field: &str) -> bool {
    !kind.is_append_only() && !BOOKKEEPING_FIELDS.contains(&field)
}

/// Fields every edit touches.
pub const BOOKKEEPING_FIELDS: &[&str] = &["updated_at"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Take,
    Keep,
}

fn decide(kind: RecordKind, existing: Option<Hlc>, incoming: Hlc) -> Decision {
    match existing {
        None => Decision::Take,
        // Written once: the first write (lowest clock) stands, whatever order copies arrive in.
        Some(existing) if kind.is_append_only() && incoming < existing => Decision::Take,
        Some(_) if kind.is_append_only() => Decision::Keep,
        Some(existing) if incoming > existing => Decision::Take,
        Some(_) => Decision::Keep,
    }
}

/// The newest clock in a record (what a device's HLC must move past after applying it).
pub fn max_hlc(state: &BTreeMap<String, FieldState>) -> Option<Hlc> {
    state.values().map(|f| f.hlc).max()
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod triangle_tests;
