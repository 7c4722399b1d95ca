//! A pulled record read in place from its change ([`PulledValues`]) must read exactly as the
//! merged object it replaces (`&Map`): the same record, or the same error — which decides
//! between written, waiting for fields and unreadable.

use super::{PulledValues, RecordValues};
use crate::model::{Contact, ContactPersonalData};
use crate::sync::protocol::FieldState;
use crate::sync::Hlc;
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

fn a_contact() -> Map<String, Value> {
    let Value::Object(fields) = json!({
        "id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        "occurred_at": "2026-01-02T03:04:05.000006Z",
        "place": {"lat": 52.41, "lon": -1.51},
        "lsoa_code": "E01027461",
        "lap_code": "LAP-1",
        "method": "foot_patrol",
        "audience": "resident",
        "people_count": 2,
        "issues": ["burglary", "drugs"],
        "issues_text": "bins left out",
        "promised": null,
        "follow_up_id": null,
        "consent_to_recontact": false,
        "repeat_caller": true,
        "vulnerable": false,
        "repeat_location": false,
        "problem_id": null,
        "patrol_id": null,
        "recorded_by": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c",
        "redacted_at": null,
        "created_at": "2026-01-02T03:04:05Z",
        "updated_at": "2026-01-02T03:04:05Z",
        "correction_reason": null
    }) else {
        unreachable!("an object literal")
    };
    fields
}

fn personal() -> Map<String, Value> {
    let Value::Object(fields) = json!({
        "details": {"name": "A", "phone": null, "email": null, "address": "1 High St"},
        "ethnicity": null
    }) else {
        unreachable!("an object literal")
    };
    fields
}

fn as_pulled(object: &Map<String, Value>) -> BTreeMap<String, FieldState> {
    let hlc = Hlc::new(
        1_767_323_045_000,
        crate::ids::DeviceId(uuid::Uuid::from_u128(7)),
    );
    object
        .iter()
        .map(|(name, value)| {
            let value = value.clone();
            (name.clone(), FieldState { value, hlc })
        })
        .collect()
}

fn both<T: DeserializeOwned + std::fmt::Debug>(object: &Map<String, Value>) -> (String, String) {
    let shown = |r: serde_json::Result<T>| match r {
        Ok(record) => format!("{record:?}"),
        Err(e) => format!("error: {e}"),
    };
    let pulled = as_pulled(object);
    (
        shown(object.parse::<T>()),
        shown(PulledValues(&pulled).parse::<T>()),
    )
}

#[test]
fn a_whole_contact_reads_the_same_either_way() {
    let (merged, pulled) = both::<Contact>(&a_contact());
    assert!(!merged.starts_with("error"), "{merged}");
    assert_eq!(merged, pulled);
    let (merged, pulled) = both::<ContactPersonalData>(&personal());
    assert!(!merged.starts_with("error"), "{merged}");
    assert_eq!(merged, pulled);
    let pulled = as_pulled(&a_contact());
    assert_eq!(
        PulledValues(&pulled).field("method"),
        Some(&json!("foot_patrol"))
    );
    assert_eq!(PulledValues(&pulled).field("nope"), None);
}

#[test]
fn a_contact_missing_a_required_field_is_incomplete_either_way() {
    let mut contact = a_contact();
    contact.remove("place");
    let (merged, pulled) = both::<Contact>(&contact);
    assert!(
        merged.starts_with("error: missing field `place`"),
        "{merged}"
    );
    assert_eq!(merged, pulled);
}

fn odd_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(json!(0)),
        Just(json!(-1)),
        Just(json!(1.5)),
        Just(json!("")),
        Just(json!("x")),
        Just(json!(true)),
        Just(json!([])),
        Just(json!(["burglary"])),
        Just(json!({})),
        Just(json!({"lat": 1.0, "lon": 2.0})),
        Just(json!("2026-01-02T03:04:05Z")),
    ]
}

proptest! {
    /// Any subset of a contact's fields, some values swapped for values of other shapes, and
    /// a field of a newer build: the two readings agree, record or error.
    #[test]
    fn any_pulled_shape_reads_as_the_merged_object_does(
        dropped in proptest::collection::vec(proptest::bool::weighted(0.15), 23),
        swapped in proptest::collection::vec(proptest::option::weighted(0.15, odd_value()), 23),
        newer in proptest::option::of(odd_value()),
    ) {
        let mut contact = Map::new();
        for (i, (name, value)) in a_contact().into_iter().enumerate() {
            if dropped.get(i).copied().unwrap_or(false) {
                continue;
            }
            let value = swapped.get(i).cloned().flatten().unwrap_or(value);
            contact.insert(name, value);
        }
        if let Some(value) = newer {
            contact.insert("zz_newer_field".into(), value);
        }
        let (merged, pulled) = both::<Contact>(&contact);
        prop_assert_eq!(merged, pulled);
        let (merged, pulled) = both::<ContactPersonalData>(&contact);
        prop_assert_eq!(merged, pulled);
    }
}
