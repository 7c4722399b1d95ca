//! The merge entry points (`core::sync::merge`) on structured input: a record kind, a history
//! of field states as pulled (some erasing), and one op as pushed against the result.
//!
//! Checked, for every input:
//! - the device's merge (`merge_state`) converges: any order of the same changes gives the
//!   same record, and merging them again changes nothing;
//! - the server's plan (`plan_op`) and the device's merge agree on the record an op produces,
//!   and on which fields it changed;
//! - an older build's whole-triangle op, read as the corners as the server reads it, plans
//!   like any op (the checks below hold for it too);
//! - conflicts are kept only where the rules say: never on append-only kinds or bookkeeping
//!   fields, never when the author had seen the current value (`base` = its clock), always
//!   with the winner being the value that stands and the two values differing.

#![no_main]

use arbitrary::Arbitrary;
use beatbook_core::ids::{DeviceId, UserId};
use beatbook_core::sync::legacy_fields;
use beatbook_core::sync::merge::{may_conflict, merge_state, plan_op, OpPlan, RecordState};
use beatbook_core::sync::protocol::{Erasure, FieldChange, FieldState, Op, RecordKind};
use beatbook_core::sync::Hlc;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Few names and values, so that histories collide on fields and repeat values. Two of a
/// problem's triangle corners (each its own field) and the whole-triangle field older builds
/// push, which the server reads as the corners (`legacy_fields::upgrade_op`) before planning.
const FIELDS: &[&str] = &[
    "purpose",
    "ended_at",
    "updated_at",
    "text",
    "owner",
    "triangle_offender",
    "triangle_victim",
    "triangle",
];

#[derive(Debug, Arbitrary)]
struct Input {
    kind: u8,
    history: Vec<Pulled>,
    op: PushedOp,
    rotate: u8,
}

#[derive(Debug, Arbitrary)]
struct Pulled {
    wall: u16,
    node: u8,
    fields: Vec<(u8, u8)>,
    erase: u8,
}

#[derive(Debug, Arbitrary)]
struct PushedOp {
    wall: u16,
    node: u8,
    /// (field, value, base: 0 = none, 1 = the field's current clock, else an arbitrary one)
    fields: Vec<(u8, u8, u8)>,
    erase: bool,
}

fn node(n: u8) -> DeviceId {
    DeviceId(Uuid::from_u128(u128::from(n % 3) + 1))
}

fn field(n: u8) -> String {
    FIELDS[usize::from(n) % FIELDS.len()].to_owned()
}

fn value(n: u8) -> Value {
    match n % 4 {
        0 => Value::Null,
        1 => json!(n / 4),
        2 => json!(format!("v{}", n / 4)),
        _ => json!({"nested": n / 4}),
    }
}

type Change = (BTreeMap<String, FieldState>, bool);

fn history(input: &[Pulled]) -> Vec<Change> {
    input
        .iter()
        .take(32)
        .enumerate()
        .map(|(i, p)| {
            // The counter makes every clock unique, as HLCs are.
            let hlc = Hlc {
                wall_ms: u64::from(p.wall),
                counter: u32::try_from(i).unwrap_or(u32::MAX),
                node: node(p.node),
            };
            let fields = p
                .fields
                .iter()
                .take(8)
                .map(|(f, v)| {
                    (
                        field(*f),
                        FieldState {
                            value: value(*v),
                            hlc,
                        },
                    )
                })
                .collect();
            (fields, p.erase == 0)
        })
        .collect()
}

fn merged(kind: RecordKind, changes: &[&Change]) -> RecordState {
    let mut state = RecordState::default();
    for (fields, erased) in changes {
        merge_state(kind, &mut state, fields, *erased);
    }
    state
}

fuzz_target!(|input: Input| {
    let kind = RecordKind::ALL[usize::from(input.kind) % RecordKind::ALL.len()];
    let changes = history(&input.history);

    // Convergence: forward, reversed and rotated orders agree; a second pass changes nothing.
    let forward: Vec<&Change> = changes.iter().collect();
    let state = merged(kind, &forward);
    let reversed: Vec<&Change> = changes.iter().rev().collect();
    assert_eq!(
        merged(kind, &reversed),
        state,
        "merge order mattered (reversed)"
    );
    if !changes.is_empty() {
        let mut rotated = forward.clone();
        rotated.rotate_left(usize::from(input.rotate) % changes.len());
        assert_eq!(
            merged(kind, &rotated),
            state,
            "merge order mattered (rotated)"
        );
    }
    let mut again = state.clone();
    for (fields, erased) in &changes {
        let changed = merge_state(kind, &mut again, fields, *erased);
        assert!(
            changed.is_empty(),
            "a change merged twice changed {changed:?}"
        );
    }
    assert_eq!(again, state);

    // One op pushed against that state: the server's plan and the device's merge agree.
    let hlc = Hlc {
        wall_ms: u64::from(input.op.wall),
        counter: 1_000,
        node: node(input.op.node),
    };
    let fields: BTreeMap<String, FieldChange> = input
        .op
        .fields
        .iter()
        .take(8)
        .map(|(f, v, b)| {
            let name = field(*f);
            let base = match b {
                0 => None,
                1 => state.fields.get(&name).map(|s| s.hlc),
                other => Some(Hlc::new(u64::from(*other), node(*other))),
            };
            (
                name,
                FieldChange {
                    value: value(*v),
                    base,
                },
            )
        })
        .collect();
    let op = Op {
        op_id: Uuid::nil(),
        kind,
        record_id: "r".into(),
        hlc,
        author: UserId(Uuid::from_u128(7)),
        device: hlc.node,
        fields,
        erase: input.op.erase.then(|| Erasure {
            reason: "fuzz".into(),
        }),
    };
    // As the server does: an older build's whole triangle becomes the corners (one that is
    // not an object is refused there, so it plans nothing here either).
    let mut op = op;
    if legacy_fields::upgrade_op(&mut op).is_err() {
        return;
    }
    match plan_op(&state, &op) {
        OpPlan::RecordErased => assert!(state.erased),
        OpPlan::Erase => assert!(!state.erased && op.erase.is_some()),
        OpPlan::Apply {
            state: planned,
            changed,
            conflicts,
        } => {
            assert!(!state.erased && op.erase.is_none());
            let incoming: BTreeMap<String, FieldState> = op
                .fields
                .iter()
                .map(|(name, c)| {
                    (
                        name.clone(),
                        FieldState {
                            value: c.value.clone(),
                            hlc,
                        },
                    )
                })
                .collect();
            let mut device = state.clone();
            let device_changed = merge_state(kind, &mut device, &incoming, false);
            assert_eq!(planned, device, "server plan and device merge disagree");
            assert_eq!(changed, device_changed, "they disagree on what changed");
            for c in &conflicts {
                assert!(
                    may_conflict(kind, &c.field),
                    "conflict on {kind}.{}",
                    c.field
                );
                let before = state
                    .fields
                    .get(&c.field)
                    .expect("a conflict needs a value");
                let change = &op.fields[&c.field];
                assert_ne!(change.base, Some(before.hlc), "a seen value conflicted");
                assert_ne!(c.winner.value, c.loser.value, "equal values conflicted");
                assert!(c.winner.hlc > c.loser.hlc, "the loser had the later clock");
                assert_eq!(
                    planned.fields.get(&c.field),
                    Some(&c.winner),
                    "winner not kept"
                );
            }
        }
    }
});
