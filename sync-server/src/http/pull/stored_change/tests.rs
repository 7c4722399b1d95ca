use super::StoredChange;
use crate::storage::compact::{split, split_packed};
use crate::storage::packed_values::unpack;
use crate::storage::StoredFeedRow;
use beatbook_core::ids::DeviceId;
use beatbook_core::sync::compact_wire::CompactChange;
use beatbook_core::sync::protocol::{Change, FieldState};
use beatbook_core::sync::{Hlc, RecordKind};
use serde_json::json;
use std::collections::BTreeMap;

type Fields = BTreeMap<String, FieldState>;

fn fields(entries: &[(&str, serde_json::Value, Hlc)]) -> Fields {
    entries
        .iter()
        .map(|(name, value, hlc)| {
            (
                (*name).to_owned(),
                FieldState {
                    value: value.clone(),
                    hlc: *hlc,
                },
            )
        })
        .collect()
}

/// Records as the store holds them: one write, fields written at different times, values
/// that need escaping, numbers, nested objects, and an erased record with no fields.
fn records() -> Vec<(Fields, bool)> {
    let device = DeviceId::new();
    let first = Hlc::new(1_764_000_000_000, device);
    let later = Hlc::new(1_764_000_100_000, device);
    vec![
        (
            fields(&[
                ("audience", json!("resident"), first),
                ("issues", json!(["burglary"]), first),
                (
                    "place",
                    json!({"lat": 52.426857354999996, "lon": -1.5774440950000002}),
                    first,
                ),
                ("people_count", json!(3), first),
                ("promised", json!(null), first),
            ]),
            false,
        ),
        (
            fields(&[
                ("text", json!("Said \"call back\" — tomorrow\n\tü"), later),
                ("status", json!("open"), first),
                ("due_at", json!("2026-12-06T09:00:00Z"), later),
            ]),
            false,
        ),
        (Fields::new(), true),
    ]
}

fn expected(seq: u64, fields: &Fields, erased: bool) -> String {
    let change = Change {
        seq,
        kind: RecordKind::Contact,
        record_id: format!("r{seq}"),
        fields: fields.clone(),
        erased,
    };
    serde_json::to_string(&CompactChange::from(change)).expect("encode")
}

fn row(seq: u64, values: String, clocks: Vec<u8>, erased: bool) -> StoredFeedRow {
    StoredFeedRow {
        seq,
        kind: RecordKind::Contact,
        record_id: format!("r{seq}"),
        subject_kind: None,
        erased,
        values,
        clocks,
    }
}

#[test]
fn a_stored_record_is_written_byte_for_byte_as_its_joined_fields_would_be() {
    for (seq, (fields, erased)) in (1..).zip(records()) {
        // PostgreSQL's rows: plain values, clocks in their first form. The embedded store's:
        // values packed, clocks in their second form.
        let first = split(&fields).expect("split");
        let (packed, clocks) = split_packed(&fields).expect("split");
        let second = (unpack(&packed).expect("unpack").into_owned(), clocks);
        for (form, (values, clocks)) in [("first", first), ("second", second)] {
            let change = StoredChange::of(row(seq, values, clocks, erased)).expect("of");
            let written = serde_json::to_string(&change).expect("encode");
            assert_eq!(
                written,
                expected(seq, &fields, erased),
                "{form} form, record {seq}"
            );
        }
    }
}

#[test]
fn values_that_are_not_a_json_object_are_refused_not_sent() {
    let (fields, _) = records().remove(0);
    let (_, clocks) = split(&fields).expect("split");
    for values in ["[1, 2]", "{\"audience\": ", "null"] {
        assert!(
            StoredChange::of(row(1, values.to_owned(), clocks.clone(), false)).is_err(),
            "{values}"
        );
    }
    assert!(
        StoredChange::of(row(1, "{}".into(), vec![0xff], false)).is_err(),
        "clocks"
    );
}
