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
use std::collections::BTreeMap;

/// A record's address: its kind and id.
pub type RecordKey = (RecordKind, String);

/// A record's address within a page: its kind and its id as the page spells it. The plan
/// borrows names and ids from the page instead of copying them (a copy of each field name three
/// times over was 7% of applying a new phone's pulled pages, `docs/performance.md` §7).
pub type PageKey<'a> = (RecordKind, &'a str);

/// What this device holds of one record before the page: its field clocks (empty when it has
/// never held it) and whether it was erased here (erasure wins over everything).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalRecord {
    pub clocks: RecordClocks,
    pub erased: bool,
}

/// What to do with one pulled record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordPlan<'a> {
    /// Nothing changes, for the reason given.
    Skip(SkipReason),
    /// The pulled record is an erasure: remove it and everything hanging off it, forget its
    /// sync state and queued changes, and remember it as erased.
    Erase,
    /// Write the merged record.
    Write(WritePlan<'a>),
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
pub struct WritePlan<'a> {
    /// The pulled fields that win: their clocks move to the pulled ones.
    pub winners: Vec<&'a str>,
    /// The pulled fields whose values go into the record: the winners, and the fields whose
    /// clock equals this device's (the same write, so the same value).
    pub take: Vec<&'a str>,
    /// The fields this device keeps its own value of (its clock is newer, or the page does not
    /// carry the field). Empty: the pulled values are the whole record, and nothing local needs
    /// reading; otherwise the record's held copy or its table row is read for these.
    pub keep: Vec<String>,
}

impl WritePlan<'_> {
    /// Whether this device's own values must be read to build the record.
    pub fn reads_local(&self) -> bool {
        !self.keep.is_empty()
    }
}

/// The clocks a written record keeps after the page.
#[derive(Debug, Clone, PartialEq)]
pub enum PlannedClocks<'a> {
    /// Exactly the clocks of this pulled change: a record this device held no clock of, taken
    /// whole (most of a new phone's first sync). Encoded straight from the page.
    Pulled(&'a Change),
    /// This device's clocks with the winners' moved on.
    Merged(RecordClocks),
}

impl PlannedClocks<'_> {
    /// The clocks as a [`RecordClocks`].
    pub fn to_clocks(&self) -> RecordClocks {
        match self {
            PlannedClocks::Pulled(change) => pulled_clocks(change),
            PlannedClocks::Merged(clocks) => clocks.clone(),
        }
    }

    /// Their stored form ([`RecordClocks::encode_v2`]).
    pub fn encode_v2(&self) -> Vec<u8> {
        match self {
            PlannedClocks::Pulled(change) => RecordClocks::encode_v2_of(
                change
                    .fields
                    .iter()
                    .map(|(name, pulled)| (name.as_str(), pulled.hlc)),
            ),
            PlannedClocks::Merged(clocks) => clocks.encode_v2(),
        }
    }
}

/// The clocks of a pulled change's fields.
fn pulled_clocks(change: &Change) -> RecordClocks {
    change
        .fields
        .iter()
        .map(|(name, pulled)| (name.clone(), pulled.hlc))
        .collect()
}

/// A page's plan: one [`RecordPlan`] per change, in page order, and each written record's
/// clocks as the page leaves them (a record the page erases after writing it has none).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PagePlan<'a> {
    pub records: Vec<RecordPlan<'a>>,
    /// The clocks to store, once per record, after the page's records are written.
    pub clocks: BTreeMap<PageKey<'a>, PlannedClocks<'a>>,
}

impl PagePlan<'_> {
    /// How many of the page's records change something here.
    pub fn changed(&self) -> usize {
        self.records
            .iter()
            .filter(|plan| !matches!(plan, RecordPlan::Skip(_)))
            .count()
    }
}

/// A record as an earlier copy in the page left it.
struct Working<'a> {
    erased: bool,
    clocks: PlannedClocks<'a>,
    /// Whether the page's last change to it that did something wrote it (not erased it).
    written: bool,
}

impl Working<'_> {
    fn as_local(&self) -> LocalRecord {
        LocalRecord {
            clocks: self.clocks.to_clocks(),
            erased: self.erased,
        }
    }
}

/// Plans applying `changes` over `local` (what this device holds of exactly these records; a
/// record missing from it is one this device has never held).
pub fn plan_page<'a>(
    changes: &'a [Change],
    local: &BTreeMap<PageKey<'a>, LocalRecord>,
) -> PagePlan<'a> {
    let never_held = LocalRecord::default();
    // Records an earlier copy in the page changed: later copies are planned against that.
    let mut working: BTreeMap<PageKey<'a>, Working<'a>> = BTreeMap::new();
    let mut records = Vec::with_capacity(changes.len());
    for change in changes {
        let key: PageKey<'a> = (change.kind, change.record_id.as_str());
        let earlier = working.get(&key).map(Working::as_local);
        let before = earlier
            .as_ref()
            .or_else(|| local.get(&key))
            .unwrap_or(&never_held);
        let plan = plan_record(change, before);
        let after = match &plan {
            RecordPlan::Skip(_) => None,
            RecordPlan::Erase => Some(Working {
                erased: true,
                clocks: PlannedClocks::Merged(RecordClocks::default()),
                written: false,
            }),
            RecordPlan::Write(write) => {
                let clocks = if before.clocks.fields.is_empty() {
                    // A first copy: every pulled field won against nothing.
                    PlannedClocks::Pulled(change)
                } else {
                    let mut clocks = before.clocks.clone();
                    for name in &write.winners {
                        if let Some(pulled) = change.fields.get(*name) {
                            clocks.fields.insert((*name).to_owned(), pulled.hlc);
                        }
                    }
                    PlannedClocks::Merged(clocks)
                };
                Some(Working {
                    erased: false,
                    clocks,
                    written: true,
                })
            }
        };
        if let Some(after) = after {
            working.insert(key, after);
        }
        records.push(plan);
    }
    let clocks = working
        .into_iter()
        .filter(|(_, state)| state.written)
        .map(|(key, state)| (key, state.clocks))
        .collect();
    PagePlan { records, clocks }
}

/// A record this device holds no clock of (most of a new phone's first sync): every pulled
/// field wins against nothing and is taken, and nothing local is kept — what the general path
/// below decides, without asking the merge field by field.
fn first_copy(change: &Change) -> RecordPlan<'_> {
    if change.fields.is_empty() {
        return RecordPlan::Skip(SkipReason::NothingWins);
    }
    let names: Vec<&str> = change.fields.keys().map(String::as_str).collect();
    RecordPlan::Write(WritePlan {
        winners: names.clone(),
        take: names,
        keep: Vec::new(),
    })
}

/// Plans one pulled record against the state this device holds of it.
pub fn plan_record<'a>(change: &'a Change, local: &LocalRecord) -> RecordPlan<'a> {
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
            || winners.contains(&name)
    };
    let take: Vec<&str> = change
        .fields
        .keys()
        .map(String::as_str)
        .filter(|name| takes(name))
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
