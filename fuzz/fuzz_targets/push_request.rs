//! A push body as the server reads it: the envelope with each op left raw, then each op on its
//! own into `Op` (as `sync-server/src/http/push.rs` does), then the merge the server runs on it.
//!
//! Checked: decoding never panics, whatever the bytes; a decoded op re-encodes and decodes to
//! the same op (so what the server stores and forwards is what was sent); and planning an op
//! is idempotent — the state it produces, planned again with the same op, changes nothing
//! and reports no conflict — and an erased record refuses it.

#![no_main]

use beatbook_core::sync::merge::{plan_op, OpPlan, RecordState};
use beatbook_core::sync::protocol::{Op, PushRequest};
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;
use serde_json::value::RawValue;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope {
    #[allow(dead_code)]
    protocol: u32,
    ops: Vec<Box<RawValue>>,
}

fuzz_target!(|data: &[u8]| {
    // The client's own type for the whole request: must not panic either way.
    if let Ok(request) = serde_json::from_slice::<PushRequest>(data) {
        let text = serde_json::to_string(&request).expect("a decoded request re-encodes");
        let again: PushRequest = serde_json::from_str(&text).expect("and decodes again");
        assert_eq!(again, request, "a push request changed in a round trip");
    }
    let Ok(envelope) = serde_json::from_slice::<Envelope>(data) else {
        return;
    };
    for raw in envelope.ops {
        if let Ok(op) = serde_json::from_str::<Op>(raw.get()) {
            check_op(&op);
        }
    }
});

fn check_op(op: &Op) {
    let text = serde_json::to_string(op).expect("a decoded op re-encodes");
    let again: Op = serde_json::from_str(&text).expect("and decodes again");
    assert_eq!(&again, op, "an op changed in a round trip");

    let erased = RecordState {
        fields: Default::default(),
        erased: true,
    };
    assert_eq!(plan_op(&erased, op), OpPlan::RecordErased);

    match plan_op(&RecordState::default(), op) {
        OpPlan::RecordErased => panic!("a fresh record cannot be erased"),
        OpPlan::Erase => assert!(op.erase.is_some()),
        OpPlan::Apply {
            state,
            changed,
            conflicts,
        } => {
            assert!(
                conflicts.is_empty(),
                "a fresh record has nothing to conflict with"
            );
            assert_eq!(
                changed.len(),
                op.fields.len(),
                "every field of a fresh record is taken"
            );
            match plan_op(&state, op) {
                OpPlan::Apply {
                    state: twice,
                    changed,
                    conflicts,
                } => {
                    assert!(
                        changed.is_empty(),
                        "the same op applied twice changed {changed:?}"
                    );
                    assert!(conflicts.is_empty(), "the same op conflicted with itself");
                    assert_eq!(twice, state);
                }
                other => panic!("replanning an applied op gave {other:?}"),
            }
        }
    }
}
