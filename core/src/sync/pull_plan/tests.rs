use super::*;
use crate::ids::DeviceId;
use crate::sync::merge::{merge_state, RecordState};
use crate::sync::protocol::FieldState;
use proptest::prelude::*;
use serde_json::{json, Value};
use uuid::Uuid;

fn node(n: u8) -> DeviceId {
    DeviceId(Uuid::from_u128(u128::from(n) + 1))
}

fn clock(wall_ms: u64, counter: u32, n: u8) -> Hlc {
    Hlc {
        wall_ms,
        counter,
        node: node(n),
    }
}

/// One write's value of a field: a clock names one write, so equal clocks mean equal values.
fn value_of(field: &str, hlc: Hlc) -> Value {
    json!(format!("{field}@{hlc}"))
}

fn change(kind: RecordKind, id: &str, fields: &[(&str, Hlc)], erased: bool) -> Change {
    Change {
        seq: 1,
        kind,
        record_id: id.to_owned(),
        fields: fields
            .iter()
            .map(|(name, hlc)| {
                (
                    (*name).to_owned(),
                    FieldState {
                        value: value_of(name, *hlc),
                        hlc: *hlc,
                    },
                )
            })
            .collect(),
        erased,
    }
}

fn local(fields: &[(&str, Hlc)], erased: bool) -> LocalRecord {
    LocalRecord {
        clocks: fields
            .iter()
            .map(|(name, hlc)| ((*name).to_owned(), *hlc))
            .collect(),
        erased,
    }
}

fn key(kind: RecordKind, id: &str) -> PageKey<'_> {
    (kind, id)
}

fn owned_key(kind: RecordKind, id: &str) -> RecordKey {
    (kind, id.to_owned())
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|n| (*n).to_owned()).collect()
}

#[test]
fn a_record_never_held_is_written_from_the_pulled_values_alone() {
    let created = clock(100, 0, 1);
    let page = [change(
        RecordKind::Problem,
        "p1",
        &[("title", created), ("stage", created)],
        false,
    )];
    let plan = plan_page(&page, &BTreeMap::new());
    assert_eq!(
        plan.records,
        vec![RecordPlan::Write(WritePlan {
            winners: vec!["stage", "title"],
            take: vec!["stage", "title"],
            keep: vec![],
        })]
    );
    let RecordPlan::Write(write) = &plan.records[0] else {
        panic!("a write")
    };
    assert!(!write.reads_local(), "nothing of this device's to read");
    assert_eq!(plan.changed(), 1);
    let planned = &plan.clocks[&key(RecordKind::Problem, "p1")];
    assert!(
        matches!(planned, PlannedClocks::Pulled(_)),
        "taken whole from the page"
    );
    let expected = local(&[("title", created), ("stage", created)], false).clocks;
    assert_eq!(planned.to_clocks(), expected);
    assert_eq!(planned.encode_v2(), expected.encode_v2());
}

#[test]
fn an_edit_of_one_field_keeps_this_devices_other_fields_and_says_they_must_be_read() {
    let created = clock(100, 0, 1);
    let edited = clock(200, 0, 2);
    let mine = [(
        key(RecordKind::Problem, "p1"),
        local(&[("title", created), ("stage", created)], false),
    )]
    .into_iter()
    .collect();
    let page = [change(
        RecordKind::Problem,
        "p1",
        &[("stage", edited)],
        false,
    )];
    let plan = plan_page(&page, &mine);
    assert_eq!(
        plan.records,
        vec![RecordPlan::Write(WritePlan {
            winners: vec!["stage"],
            take: vec!["stage"],
            keep: names(&["title"]),
        })]
    );
    assert_eq!(
        plan.clocks[&key(RecordKind::Problem, "p1")].to_clocks(),
        local(&[("title", created), ("stage", edited)], false).clocks
    );
}

#[test]
fn a_field_pulled_with_the_clock_held_here_is_the_same_write_and_is_taken_not_read() {
    let created = clock(100, 0, 1);
    let edited = clock(200, 0, 2);
    let mine = [(
        key(RecordKind::Problem, "p1"),
        local(&[("title", created), ("stage", created)], false),
    )]
    .into_iter()
    .collect();
    let page = [change(
        RecordKind::Problem,
        "p1",
        &[("title", created), ("stage", edited)],
        false,
    )];
    let plan = plan_page(&page, &mine);
    let RecordPlan::Write(write) = &plan.records[0] else {
        panic!("a write")
    };
    assert_eq!(write.winners, names(&["stage"]));
    assert_eq!(write.take, names(&["stage", "title"]));
    assert!(!write.reads_local());
}

#[test]
fn an_older_copy_changes_nothing_and_says_why() {
    let created = clock(100, 0, 1);
    let edited = clock(200, 0, 1);
    let mine = [(
        key(RecordKind::Problem, "p1"),
        local(&[("title", edited)], false),
    )]
    .into_iter()
    .collect();
    let page = [change(
        RecordKind::Problem,
        "p1",
        &[("title", created)],
        false,
    )];
    let plan = plan_page(&page, &mine);
    assert_eq!(
        plan.records,
        vec![RecordPlan::Skip(SkipReason::NothingWins)]
    );
    assert_eq!(plan.changed(), 0);
    assert!(plan.clocks.is_empty(), "no clock to write");
}

#[test]
fn on_an_append_only_kind_the_first_write_stands_even_when_it_arrives_last() {
    let first = clock(100, 0, 1);
    let second = clock(200, 0, 2);
    let mine = [(
        key(RecordKind::Note, "n1"),
        local(&[("text", second)], false),
    )]
    .into_iter()
    .collect();
    let page = [change(RecordKind::Note, "n1", &[("text", first)], false)];
    let plan = plan_page(&page, &mine);
    let RecordPlan::Write(write) = &plan.records[0] else {
        panic!("the first write wins")
    };
    assert_eq!(write.winners, names(&["text"]));
    assert_eq!(
        plan.clocks[&key(RecordKind::Note, "n1")].to_clocks().fields["text"],
        first
    );
}

#[test]
fn an_erased_record_is_skipped_and_an_erasure_wins_over_a_copy_later_in_the_page() {
    let created = clock(100, 0, 1);
    let later = clock(300, 0, 1);
    let mine = [(key(RecordKind::Contact, "c1"), local(&[], true))]
        .into_iter()
        .collect();
    let page = [
        change(RecordKind::Contact, "c1", &[("method", later)], false),
        change(RecordKind::Problem, "p1", &[("title", created)], false),
        change(RecordKind::Problem, "p1", &[], true),
        change(RecordKind::Problem, "p1", &[("title", later)], false),
    ];
    let plan = plan_page(&page, &mine);
    assert_eq!(plan.records[0], RecordPlan::Skip(SkipReason::AlreadyErased));
    assert!(matches!(plan.records[1], RecordPlan::Write(_)));
    assert_eq!(plan.records[2], RecordPlan::Erase);
    assert_eq!(plan.records[3], RecordPlan::Skip(SkipReason::AlreadyErased));
    assert!(
        plan.clocks.is_empty(),
        "a record written then erased in one page keeps no clocks"
    );
    assert_eq!(plan.changed(), 2);
}

#[test]
fn a_record_named_twice_is_planned_against_what_the_first_copy_left() {
    let created = clock(100, 0, 1);
    let edited = clock(200, 0, 2);
    let page = [
        change(
            RecordKind::Problem,
            "p1",
            &[("title", created), ("stage", created)],
            false,
        ),
        change(RecordKind::Problem, "p1", &[("stage", edited)], false),
        change(RecordKind::Problem, "p1", &[("stage", edited)], false),
    ];
    let plan = plan_page(&page, &BTreeMap::new());
    assert_eq!(
        plan.records[1],
        RecordPlan::Write(WritePlan {
            winners: vec!["stage"],
            take: vec!["stage"],
            keep: names(&["title"]),
        })
    );
    assert_eq!(plan.records[2], RecordPlan::Skip(SkipReason::NothingWins));
    assert_eq!(
        plan.clocks[&key(RecordKind::Problem, "p1")].to_clocks(),
        local(&[("title", created), ("stage", edited)], false).clocks
    );
}

#[test]
fn a_contact_and_its_personal_record_share_an_id_but_not_a_plan() {
    let created = clock(100, 0, 1);
    let page = [
        change(RecordKind::Contact, "c1", &[("method", created)], false),
        change(RecordKind::ContactPersonal, "c1", &[], true),
    ];
    let plan = plan_page(&page, &BTreeMap::new());
    assert!(matches!(plan.records[0], RecordPlan::Write(_)));
    assert_eq!(plan.records[1], RecordPlan::Erase);
    assert!(plan.clocks.contains_key(&key(RecordKind::Contact, "c1")));
    assert!(!plan
        .clocks
        .contains_key(&key(RecordKind::ContactPersonal, "c1")));
}

// The property: planning a page and executing the plan (on clocks and values alone) leaves
// every record exactly as `merge::merge_state` applied change by change does — the merge the
// server's agreement is fuzzed against (fuzz/fuzz_targets/merge.rs) — and a record counts as
// changed exactly when applying it one by one changed it.

const FIELDS: &[&str] = &["title", "stage", "updated_at", "text"];
const KEYS: &[(RecordKind, &str)] = &[
    (RecordKind::Problem, "a"),
    (RecordKind::Problem, "b"),
    (RecordKind::Note, "a"),
    (RecordKind::Contact, "c"),
    (RecordKind::ContactPersonal, "c"),
];

fn arb_clock() -> impl Strategy<Value = Hlc> {
    // Few clocks, so that copies tie and cross often.
    (0u64..6, 0u32..2, 0u8..3).prop_map(|(wall, counter, n)| clock(wall, counter, n))
}

fn arb_fields() -> impl Strategy<Value = BTreeMap<String, Hlc>> {
    proptest::collection::btree_map(
        (0..FIELDS.len()).prop_map(|i| FIELDS[i].to_owned()),
        arb_clock(),
        0..4,
    )
}

fn arb_local() -> impl Strategy<Value = Vec<Option<(BTreeMap<String, Hlc>, bool)>>> {
    proptest::collection::vec(
        proptest::option::of((arb_fields(), proptest::bool::weighted(0.1))),
        KEYS.len(),
    )
}

fn arb_page() -> impl Strategy<Value = Vec<(usize, BTreeMap<String, Hlc>, bool)>> {
    proptest::collection::vec(
        (0..KEYS.len(), arb_fields(), proptest::bool::weighted(0.1)),
        0..12,
    )
}

fn state_of(fields: &BTreeMap<String, Hlc>, erased: bool) -> RecordState {
    RecordState {
        fields: fields
            .iter()
            .map(|(name, hlc)| {
                (
                    name.clone(),
                    FieldState {
                        value: value_of(name, *hlc),
                        hlc: *hlc,
                    },
                )
            })
            .collect(),
        erased,
    }
}

proptest! {
    #[test]
    fn the_plan_executed_agrees_with_the_merge_applied_record_by_record(
        held in arb_local(),
        pulled in arb_page(),
    ) {
        let page: Vec<Change> = pulled
            .iter()
            .map(|(k, fields, erased)| {
                let (kind, id) = KEYS[*k];
                let fields: Vec<(&str, Hlc)> =
                    fields.iter().map(|(n, h)| (n.as_str(), *h)).collect();
                change(kind, id, &fields, *erased)
            })
            .collect();
        // What the device holds: clocks for the planner; values (its tables) for the apply.
        let mut reference: BTreeMap<RecordKey, RecordState> = BTreeMap::new();
        let mut locals: BTreeMap<PageKey<'_>, LocalRecord> = BTreeMap::new();
        for ((kind, id), held) in KEYS.iter().zip(&held) {
            if let Some((fields, erased)) = held {
                let fields = if *erased { BTreeMap::new() } else { fields.clone() };
                reference.insert(owned_key(*kind, id), state_of(&fields, *erased));
                locals.insert(
                    key(*kind, id),
                    LocalRecord { clocks: fields.into_iter().collect(), erased: *erased },
                );
            }
        }
        let mut values: BTreeMap<RecordKey, BTreeMap<String, Value>> = reference
            .iter()
            .map(|(k, s)| (k.clone(), s.fields.iter().map(|(n, f)| (n.clone(), f.value.clone())).collect()))
            .collect();

        // Record by record, with the merge.
        let mut changed_one_by_one = Vec::new();
        for c in &page {
            let state = reference.entry((c.kind, c.record_id.clone())).or_default();
            let was_erased = state.erased;
            let changed = merge_state(c.kind, state, &c.fields, c.erased);
            changed_one_by_one.push(!was_erased && (c.erased || !changed.is_empty()));
        }

        // Planned, then executed on data.
        let plan = plan_page(&page, &locals);
        prop_assert_eq!(plan.records.len(), page.len());
        let mut erased: BTreeMap<RecordKey, bool> =
            locals.iter().map(|((kind, id), l)| (owned_key(*kind, id), l.erased)).collect();
        for (c, record) in page.iter().zip(&plan.records) {
            let k = (c.kind, c.record_id.clone());
            match record {
                RecordPlan::Skip(_) => {}
                RecordPlan::Erase => {
                    erased.insert(k.clone(), true);
                    values.remove(&k);
                }
                RecordPlan::Write(write) => {
                    let mut object = if write.reads_local() {
                        values.get(&k).cloned().unwrap_or_default()
                    } else {
                        BTreeMap::new()
                    };
                    for name in &write.keep {
                        prop_assert!(object.contains_key(name), "a kept field has a value to read");
                    }
                    for name in &write.take {
                        object.insert((*name).to_owned(), c.fields[*name].value.clone());
                    }
                    values.insert(k, object);
                }
            }
        }
        let changed_planned: Vec<bool> = plan
            .records
            .iter()
            .map(|r| !matches!(r, RecordPlan::Skip(_)))
            .collect();
        prop_assert_eq!(&changed_planned, &changed_one_by_one);
        prop_assert_eq!(plan.changed(), changed_one_by_one.iter().filter(|c| **c).count());

        for (k, expected) in &reference {
            let is_erased = erased.get(k).copied().unwrap_or(false);
            prop_assert_eq!(is_erased, expected.erased, "erased differs for {:?}", k);
            if expected.erased {
                prop_assert!(!plan.clocks.contains_key(&key(k.0, &k.1)), "no clocks kept for erased {:?}", k);
                continue;
            }
            let clocks = match plan.clocks.get(&key(k.0, &k.1)) {
                Some(clocks) => clocks.to_clocks(),
                None => locals.get(&key(k.0, &k.1)).map(|l| l.clocks.clone()).unwrap_or_default(),
            };
            let got: BTreeMap<String, FieldState> = clocks
                .fields
                .iter()
                .map(|(name, hlc)| {
                    let value = values.get(k).and_then(|v| v.get(name)).cloned().unwrap_or(Value::Null);
                    (name.clone(), FieldState { value, hlc: *hlc })
                })
                .collect();
            prop_assert_eq!(&got, &expected.fields, "record {:?} differs", k);
            let stored = values.get(k).map(|v| v.len()).unwrap_or(0);
            prop_assert_eq!(stored, expected.fields.len(), "values beyond the clocks for {:?}", k);
        }
    }
}
