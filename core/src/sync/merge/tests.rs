use super::*;
use crate::ids::DeviceId;
use crate::sync::protocol::{Erasure, FieldChange};
use proptest::prelude::*;
use serde_json::json;
use uuid::Uuid;

fn op(kind: RecordKind, hlc: Hlc, fields: &[(&str, serde_json::Value, Option<Hlc>)]) -> Op {
    Op {
        op_id: Uuid::now_v7(),
        kind,
        record_id: "r1".into(),
        hlc,
        author: UserId::new(),
        device: hlc.node,
        fields: fields
            .iter()
            .map(|(n, v, base)| {
                (
                    n.to_string(),
                    FieldChange {
                        value: v.clone(),
                        base: *base,
                    },
                )
            })
            .collect(),
        erase: None,
    }
}

fn applied(plan: OpPlan) -> (RecordState, Vec<String>, Vec<ConflictFound>) {
    match plan {
        OpPlan::Apply {
            state,
            changed,
            conflicts,
        } => (state, changed, conflicts),
        other => panic!("expected Apply, got {other:?}"),
    }
}

#[test]
fn edits_of_different_fields_both_stay() {
    let (a, b) = (DeviceId::new(), DeviceId::new());
    let created = Hlc::new(100, a);
    let (s0, _, _) = applied(plan_op(
        &RecordState::default(),
        &op(
            RecordKind::Patrol,
            created,
            &[
                ("purpose", json!("x"), None),
                ("observations", json!(null), None),
            ],
        ),
    ));
    let (s1, _, c1) = applied(plan_op(
        &s0,
        &op(
            RecordKind::Patrol,
            Hlc::new(200, a),
            &[("purpose", json!("from a"), Some(created))],
        ),
    ));
    let (s2, _, c2) = applied(plan_op(
        &s1,
        &op(
            RecordKind::Patrol,
            Hlc::new(150, b),
            &[("observations", json!("from b"), Some(created))],
        ),
    ));
    assert!(c1.is_empty() && c2.is_empty());
    assert_eq!(s2.fields["purpose"].value, json!("from a"));
    assert_eq!(s2.fields["observations"].value, json!("from b"));
}

#[test]
fn a_concurrent_edit_of_one_field_keeps_the_loser_in_a_conflict() {
    let (a, b) = (DeviceId::new(), DeviceId::new());
    let created = Hlc::new(100, a);
    let (s0, _, _) = applied(plan_op(
        &RecordState::default(),
        &op(
            RecordKind::Problem,
            created,
            &[("title", json!("Bikes"), None)],
        ),
    ));
    // A edits at 200, B (who had only seen the creation) at 150: A wins, B's value is kept.
    let (s1, _, _) = applied(plan_op(
        &s0,
        &op(
            RecordKind::Problem,
            Hlc::new(200, a),
            &[("title", json!("Bikes on the field"), Some(created))],
        ),
    ));
    let late = op(
        RecordKind::Problem,
        Hlc::new(150, b),
        &[("title", json!("Motorbikes"), Some(created))],
    );
    let (s2, changed, conflicts) = applied(plan_op(&s1, &late));
    assert!(changed.is_empty());
    assert_eq!(s2.fields["title"].value, json!("Bikes on the field"));
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].loser.value, json!("Motorbikes"));
    assert_eq!(conflicts[0].loser_author, Some(late.author));

    // The other way round: the later one arrives second and wins; the earlier is the loser.
    let (s1, _, _) = applied(plan_op(
        &s0,
        &op(
            RecordKind::Problem,
            Hlc::new(150, b),
            &[("title", json!("Motorbikes"), Some(created))],
        ),
    ));
    let (s2, changed, conflicts) = applied(plan_op(
        &s1,
        &op(
            RecordKind::Problem,
            Hlc::new(200, a),
            &[("title", json!("Bikes on the field"), Some(created))],
        ),
    ));
    assert_eq!(changed, vec!["title".to_owned()]);
    assert_eq!(s2.fields["title"].value, json!("Bikes on the field"));
    assert_eq!(conflicts[0].loser.value, json!("Motorbikes"));
}

#[test]
fn a_sequential_edit_is_not_a_conflict() {
    let a = DeviceId::new();
    let created = Hlc::new(100, a);
    let (s0, _, _) = applied(plan_op(
        &RecordState::default(),
        &op(
            RecordKind::Problem,
            created,
            &[("title", json!("Bikes"), None)],
        ),
    ));
    let (_, changed, conflicts) = applied(plan_op(
        &s0,
        &op(
            RecordKind::Problem,
            Hlc::new(300, DeviceId::new()),
            &[("title", json!("Bikes!"), Some(created))],
        ),
    ));
    assert_eq!(changed.len(), 1);
    assert!(conflicts.is_empty());
}

#[test]
fn append_only_kinds_never_conflict_and_keep_the_first_value() {
    let a = DeviceId::new();
    let (s0, _, _) = applied(plan_op(
        &RecordState::default(),
        &op(
            RecordKind::Note,
            Hlc::new(100, a),
            &[("text", json!("first"), None)],
        ),
    ));
    let (s1, changed, conflicts) = applied(plan_op(
        &s0,
        &op(
            RecordKind::Note,
            Hlc::new(900, DeviceId::new()),
            &[("text", json!("rewrite"), None)],
        ),
    ));
    assert!(changed.is_empty() && conflicts.is_empty());
    assert_eq!(s1.fields["text"].value, json!("first"));
}

#[test]
fn erasure_wins_over_every_later_edit() {
    let a = DeviceId::new();
    let (s0, _, _) = applied(plan_op(
        &RecordState::default(),
        &op(
            RecordKind::Contact,
            Hlc::new(100, a),
            &[("issues_text", json!("x"), None)],
        ),
    ));
    let mut erase = op(RecordKind::Contact, Hlc::new(200, a), &[]);
    erase.erase = Some(Erasure {
        reason: "retention".into(),
    });
    assert_eq!(plan_op(&s0, &erase), OpPlan::Erase);
    let erased = RecordState {
        fields: BTreeMap::new(),
        erased: true,
    };
    let later = op(
        RecordKind::Contact,
        Hlc::new(10_000, a),
        &[("issues_text", json!("back"), None)],
    );
    assert_eq!(plan_op(&erased, &later), OpPlan::RecordErased);
    let mut device = s0.clone();
    merge_state(RecordKind::Contact, &mut device, &BTreeMap::new(), true);
    let changed = merge_state(RecordKind::Contact, &mut device, &s0.fields, false);
    assert!(device.erased && device.fields.is_empty() && changed.is_empty());
}

/// Every index in `0..n`, each twice (duplicates), in an order drawn from `seed`.
fn every_index_twice_shuffled(n: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).chain(0..n).collect();
    let mut s = seed;
    for i in (1..order.len()).rev() {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        order.swap(i, (s >> 33) as usize % (i + 1));
    }
    order
}

fn arb_field_states() -> impl Strategy<Value = Vec<(String, FieldState, bool)>> {
    let nodes: Vec<DeviceId> = (0..3).map(|_| DeviceId::new()).collect();
    prop::collection::vec(
        (
            0usize..4,
            0u64..50,
            0u32..3,
            0usize..3,
            prop::bool::weighted(0.05),
        ),
        1..40,
    )
    .prop_map(move |items| {
        items
            .into_iter()
            .map(|(field, wall, counter, node, erased)| {
                // One clock is one write: the same clock always carries the same value.
                (
                    format!("f{field}"),
                    FieldState {
                        value: json!(format!("{field}:{wall}:{counter}:{node}")),
                        hlc: Hlc {
                            wall_ms: wall,
                            counter,
                            node: nodes[node],
                        },
                    },
                    erased,
                )
            })
            .collect()
    })
}

proptest! {
    /// Any order, with duplicates, to any device: the same final state.
    #[test]
    fn pulled_states_converge_in_any_order(updates in arb_field_states(), seed in any::<u64>()) {
        for kind in [RecordKind::Problem, RecordKind::Note] {
            let apply = |order: &[usize]| {
                let mut state = RecordState::default();
                for &i in order {
                    let (name, field, erased) = &updates[i];
                    let mut one = BTreeMap::new();
                    one.insert(name.clone(), field.clone());
                    merge_state(kind, &mut state, &one, *erased);
                }
                state
            };
            let forward: Vec<usize> = (0..updates.len()).collect();
            let shuffled = every_index_twice_shuffled(forward.len(), seed);
            let a = apply(&forward);
            let b = apply(&shuffled);
            prop_assert_eq!(a, b);
        }
    }
}

proptest! {
    /// The server's result does not depend on the order ops arrive in, or on repeats.
    #[test]
    fn server_state_is_the_same_in_any_arrival_order(updates in arb_field_states(), seed in any::<u64>()) {
        let ops: Vec<Op> = updates
            .iter()
            .map(|(name, field, _)| op(RecordKind::Problem, field.hlc, &[(name.as_str(), field.value.clone(), None)]))
            .collect();
        let run = |order: &[usize]| {
            let mut state = RecordState::default();
            for &i in order {
                if let OpPlan::Apply { state: next, .. } = plan_op(&state, &ops[i]) {
                    state = next;
                }
            }
            state
        };
        let forward: Vec<usize> = (0..ops.len()).collect();
        let shuffled = every_index_twice_shuffled(forward.len(), seed);
        prop_assert_eq!(run(&forward), run(&shuffled));
    }
}
