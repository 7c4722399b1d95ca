use super::*;
use beatbook_core::ids::{DeviceId, UserId};
use beatbook_core::sync::protocol::{FieldChange, FieldState};
use beatbook_core::sync::{Hlc, RecordKind};

fn op(record: &str) -> Op {
    let device = DeviceId::new();
    let change = |value: serde_json::Value| FieldChange { value, base: None };
    Op {
        op_id: uuid::Uuid::now_v7(),
        kind: RecordKind::Note,
        record_id: record.into(),
        hlc: Hlc::new(1_764_000_000_000, device),
        author: UserId::new(),
        device,
        fields: [
            ("id", change(record.into())),
            ("text", change("Bins left out “again” ✓".into())),
            (
                "place",
                change(serde_json::json!({"lat": 52.4, "lon": -1.5})),
            ),
            ("patrol_id", change(serde_json::Value::Null)),
        ]
        .into_iter()
        .map(|(name, c)| (name.to_owned(), c))
        .collect(),
        erase: None,
    }
}

/// The fields of a new record written as `op` carries them.
fn merged(op: &Op) -> Fields {
    op.fields
        .iter()
        .map(|(name, c)| {
            (
                name.clone(),
                FieldState {
                    value: c.value.clone(),
                    hlc: op.hlc,
                },
            )
        })
        .collect()
}

fn aheads<'a>(ops: &'a [Op], slots: &'a [AheadSlot]) -> Vec<Ahead<'a>> {
    ops.iter()
        .zip(slots)
        .map(|(op, slot)| Ahead { op, slot })
        .collect()
}

fn filled(op: &Op) -> AheadSlot {
    let slot = AheadSlot::new();
    assert!(slot.set(StoredAhead::of_op(op)).is_ok());
    slot
}

#[test]
fn an_ops_stored_form_is_the_bytes_the_writer_would_store() {
    let op = op("n1");
    let slot = filled(&op);
    let ahead = Ahead {
        op: &op,
        slot: &slot,
    };
    let fields = merged(&op);
    let (values, clocks) = ahead.stored_for(&fields).expect("the op's own fields");
    let (packed, their_clocks) = compact::split_packed(&fields).expect("split");
    assert_eq!(
        (values, clocks),
        (packed.as_slice(), their_clocks.as_slice())
    );
    let json = crate::storage::packed_values::unpack(values).expect("unpack");
    assert_eq!(compact::join(&json, clocks).expect("join"), fields);
}

#[test]
fn merged_fields_other_than_the_ops_are_packed_by_the_writer() {
    let op = op("n1");
    let slot = filled(&op);
    let ahead = Ahead {
        op: &op,
        slot: &slot,
    };
    let later = Hlc::new(1_764_000_000_001, op.device);
    let mut other_value = merged(&op);
    if let Some(text) = other_value.get_mut("text") {
        text.value = "Bins left out".into();
    }
    let mut other_clock = merged(&op);
    if let Some(text) = other_clock.get_mut("text") {
        text.hlc = later;
    }
    let mut one_more = merged(&op);
    one_more.insert(
        "category".into(),
        FieldState {
            value: "environmental".into(),
            hlc: op.hlc,
        },
    );
    let mut one_fewer = merged(&op);
    one_fewer.remove("patrol_id");
    for fields in [other_value, other_clock, one_more, one_fewer, Fields::new()] {
        assert!(ahead.stored_for(&fields).is_none(), "{fields:?}");
    }
}

#[test]
fn a_slot_the_writer_passed_is_skipped_and_the_helper_stops_when_told() {
    let ops = [op("n1"), op("n2"), op("n3")];
    let slots: Vec<AheadSlot> = ops.iter().map(|_| AheadSlot::new()).collect();
    // The writer reached the first op before the helper did.
    let first = Ahead {
        op: &ops[0],
        slot: &slots[0],
    };
    assert!(first.stored_for(&merged(&ops[0])).is_none());
    work_ahead(&aheads(&ops, &slots), &AtomicBool::new(false));
    assert!(matches!(slots[0].get(), Some(None)), "left as passed");
    assert!(slots[1..].iter().all(|s| matches!(s.get(), Some(Some(_)))));
    let untouched: Vec<AheadSlot> = ops.iter().map(|_| AheadSlot::new()).collect();
    work_ahead(&aheads(&ops, &untouched), &AtomicBool::new(true));
    assert!(
        untouched.iter().all(|s| s.get().is_none()),
        "a finished writer stops it"
    );
}

#[test]
fn a_writer_racing_the_helper_stores_each_record_as_it_would_alone() {
    let ops: Vec<Op> = (0..300).map(|i| op(&format!("n{i}"))).collect();
    let slots: Vec<AheadSlot> = ops.iter().map(|_| AheadSlot::new()).collect();
    let aheads = aheads(&ops, &slots);
    let used = beside(&aheads, || {
        let mut used = 0;
        for ahead in &aheads {
            let fields = merged(ahead.op);
            let alone = compact::split_packed(&fields).expect("split");
            match ahead.stored_for(&fields) {
                Some((values, clocks)) => {
                    assert_eq!((values, clocks), (alone.0.as_slice(), alone.1.as_slice()));
                    used += 1;
                }
                None => assert!(matches!(ahead.slot.get(), Some(None))),
            }
        }
        used
    });
    // Which thread reached which op depends on the scheduler; every slot is settled, and
    // the writer used the helper's bytes only where the helper filled the slot.
    assert!(slots.iter().all(|s| s.get().is_some()));
    let filled = slots
        .iter()
        .filter(|s| matches!(s.get(), Some(Some(_))))
        .count();
    assert_eq!(used, filled);
}

#[test]
fn a_small_batch_is_written_without_a_helper() {
    let ops: Vec<Op> = (0..3).map(|i| op(&format!("n{i}"))).collect();
    let slots: Vec<AheadSlot> = ops.iter().map(|_| AheadSlot::new()).collect();
    let aheads = aheads(&ops, &slots);
    let written = beside(&aheads, || {
        aheads
            .iter()
            .map(|a| a.stored_for(&merged(a.op)).is_some())
            .collect::<Vec<_>>()
    });
    assert_eq!(
        written,
        [false, false, false],
        "the writer packed each itself"
    );
}
