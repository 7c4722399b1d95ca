//! Planning a pulled page, as a pure function over data: what this device holds of the page's
//! records (their field clocks and erased markers, loaded set-wise by the store) and the page
//! itself go in; a plan per record comes out — skip it, erase it, or write its merged values —
//! with the reason and, for a write, which pulled fields win, which values go in, and which
//! fields this device keeps (so whether its own values must be read at all).
//!
//! Why apart from the store: the decision is the merge's (`merge::winning_fields`, the rule the
//! server and every device share), and as data it can be tested, property-tested against
//! `merge::merge_state` applied record by record, and fuzzed without a database. The store's
//! apply step (`store::device_sync::incoming`) loads the local state, calls [`plan_page`] and
//! executes the plan in the page's transaction. The pattern is that of Mozilla
//! application-services' `webext-storage` incoming sync: stage, plan purely, apply.
//!
//! A page may name a record more than once (the server sends a record's latest state once per
//! page, but nothing here relies on it): each later copy is planned against the state the
//! earlier ones leave, exactly as applying them one by one would.

use super::merge;
use super::protocol::{Change, RecordKind};
use super::Hlc;
use super::RecordClocks;
use std::collections::{BTreeMap, BTreeSet};

/// A record's address: its kind and id.
pub type RecordKey = (RecordKind, String);

/// What this device holds of one record before the page: its field clocks (empty when it has
/// never held it) and whether it was erased here (erasure wins over everything).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalRecord {
    pub clocks: RecordClocks,
    pub erased: bool,
}

/// What to do with one pulled record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordPlan {
    /// Nothing changes, for the reason given.
    Skip(SkipReason),
    /// The pulled record is an erasure: remove it and everything hanging off it, forget its
    /// sync state and queued changes, and remember it as erased.
    Erase,
    /// Write the merged record.
    Write(WritePlan),
}

/// Why a pulled record changes nothing here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// This device holds it erased (or an earlier copy in this page erased it).
    AlreadyErased,
    /// Every pulled field's clock is at or behind this device's (an older copy, or one applied
    /// before): nothing wins.
    NothingWins,
}

/// A merged record to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WritePlan {
    /// The pulled fields that win: their clocks move to the pulled ones.
    pub winners: Vec<String>,
    /// The pulled fields whose values go into the record: the winners, and the fields whose
    /// clock equals this device's (the same write, so the same value).
    pub take: Vec<String>,
    /// The fields this device keeps its own value of (its clock is newer, or the page does not
    /// carry the field). Empty: the pulled values are the whole record, and nothing local needs
    /// reading; otherwise the record's held copy or its table row is read for these.
    pub keep: Vec<String>,
}

impl WritePlan {
    /// Whether this device's own values must be read to build the record.
    pub fn reads_local(&self) -> bool {
        !self.keep.is_empty()
    }
}

/// A page's plan: one [`RecordPlan`] per change, in page order, and each written record's
/// clocks as the page leaves them (a record the page erases after writing it has none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PagePlan {
    pub records: Vec<RecordPlan>,
    /// The clocks to store, once per record, after the page's records are written.
    pub clocks: BTreeMap<RecordKey, RecordClocks>,
}

impl PagePlan {
    /// How many of the page's records change something here.
    pub fn changed(&self) -> usize {
        self.records
            .iter()
            .filter(|plan| !matches!(plan, RecordPlan::Skip(_)))
            .count()
    }
}

/// Plans applying `changes` over `local` (what this device holds of exactly these records; a
/// record missing from it is one this device has never held).
pub fn plan_page(changes: &[Change], local: &BTreeMap<RecordKey, LocalRecord>) -> PagePlan {
    // The state each record is in as the page goes: later copies see earlier ones' effect.
    let mut working: BTreeMap<RecordKey, LocalRecord> = BTreeMap::new();
    let mut written: BTreeSet<RecordKey> = BTreeSet::new();
    let mut records = Vec::with_capacity(changes.len());
    for change in changes {
        let key = (change.kind, change.record_id.clone());
        let state = working
            .entry(key.clone())
            .or_insert_with(|| local.get(&key).cloned().unwrap_or_default());
        let plan = plan_record(change, state);
        match &plan {
            RecordPlan::Skip(_) => {}
            RecordPlan::Erase => {
                state.erased = true;
                state.clocks = RecordClocks::default();
                written.remove(&key);
            }
            RecordPlan::Write(write) => {
                if state.clocks.fields.is_empty() {
                    // A first copy (`first_copy`): every pulled field won against nothing, so
                    // its clocks are the pulled ones, built in one pass from the sorted fields.
                    state.clocks.fields = change
                        .fields
                        .iter()
                        .map(|(name, pulled)| (name.clone(), pulled.hlc))
                        .collect();
                } else {
                    for name in &write.winners {
                        if let Some(pulled) = change.fields.get(name) {
                            state.clocks.fields.insert(name.clone(), pulled.hlc);
                        }
                    }
                }
                written.insert(key);
            }
        }
        records.push(plan);
    }
    let clocks = written
        .into_iter()
        .filter_map(|key| {
            let clocks = working.remove(&key)?.clocks;
            Some((key, clocks))
        })
        .collect();
    PagePlan { records, clocks }
}

/// A record this device holds no clock of (most of a new phone's first sync): every pulled
/// field wins against nothing and is taken, and nothing local is kept — what the general path
/// below decides, without asking the merge field by field.
fn first_copy(change: &Change) -> RecordPlan {
    if change.fields.is_empty() {
        return RecordPlan::Skip(SkipReason::NothingWins);
    }
    let names: Vec<String> = change.fields.keys().cloned().collect();
    RecordPlan::Write(WritePlan {
        winners: names.clone(),
        take: names,
        keep: Vec::new(),
    })
}

/// Plans one pulled record against the state this device holds of it.
pub fn plan_record(change: &Change, local: &LocalRecord) -> RecordPlan {
    if local.erased {
        return RecordPlan::Skip(SkipReason::AlreadyErased);
    }
    if change.erased {
        return RecordPlan::Erase;
    }
    if local.clocks.fields.is_empty() {
        return first_copy(change);
    }
    let current = |name: &str| -> Option<Hlc> { local.clocks.fields.get(name).copied() };
    let winners = merge::winning_fields(change.kind, current, &change.fields);
    if winners.is_empty() {
        return RecordPlan::Skip(SkipReason::NothingWins);
    }
    let takes = |name: &str| {
        change
            .fields
            .get(name)
            .is_some_and(|pulled| current(name) == Some(pulled.hlc))
            || winners.iter().any(|w| w == name)
    };
    let take: Vec<String> = change
        .fields
        .keys()
        .filter(|name| takes(name))
        .cloned()
        .collect();
    let keep: Vec<String> = local
        .clocks
        .fields
        .keys()
        .filter(|name| !takes(name))
        .cloned()
        .collect();
    RecordPlan::Write(WritePlan {
        winners,
        take,
        keep,
    })
}

#[cfg(test)]
mod tests;
