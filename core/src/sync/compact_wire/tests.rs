use super::*;
use crate::ids::DeviceId;
use proptest::prelude::*;
use uuid::Uuid;

fn clock(wall_ms: u64, counter: u32, node: u8) -> Hlc {
    Hlc {
        wall_ms,
        counter,
        node: DeviceId(Uuid::from_bytes([node; 16])),
    }
}

fn change(fields: BTreeMap<String, FieldState>, erased: bool) -> Change {
    Change {
        seq: 7,
        kind: RecordKind::Contact,
        record_id: "0190a000-0000-7000-8000-0000000000c1".into(),
        fields,
        erased,
    }
}

#[test]
fn a_record_written_once_carries_one_clock() {
    let at = clock(1_790_000_000_000, 0, 1);
    let fields = ["id", "issues_text", "people_count"]
        .into_iter()
        .map(|n| {
            (
                n.to_owned(),
                FieldState {
                    value: serde_json::json!(n),
                    hlc: at,
                },
            )
        })
        .collect();
    let compact = CompactChange::from(change(fields, false));
    assert_eq!(compact.hlc, Some(at));
    assert!(compact.older.is_empty());
    let text = serde_json::to_string(&compact).expect("json");
    assert_eq!(text.matches("hlc").count(), 1, "{text}");
}

#[test]
fn a_change_that_names_a_clock_without_a_value_or_values_without_a_clock_is_refused() {
    let at = clock(5, 0, 1);
    let mut compact = CompactChange {
        seq: 1,
        kind: RecordKind::Note,
        record_id: "n1".into(),
        hlc: Some(at),
        values: Map::new(),
        older: BTreeMap::from([("text".to_owned(), at)]),
        erased: false,
    };
    assert!(Change::try_from(compact.clone()).is_err());
    compact.older.clear();
    compact.hlc = None;
    compact.values.insert("text".into(), Value::from("x"));
    assert!(Change::try_from(compact).is_err());
}

#[test]
fn a_client_reads_either_form() {
    let at = clock(9, 2, 3);
    let fields = BTreeMap::from([(
        "text".to_owned(),
        FieldState {
            value: Value::from("Fence down"),
            hlc: at,
        },
    )]);
    let page = PullResponse {
        changes: vec![change(fields, false), change(BTreeMap::new(), true)],
        next_cursor: 8,
        has_more: false,
        server_time: DateTime::from_timestamp(1_790_000_000, 0).expect("time"),
        epoch: None,
    };
    let full = serde_json::to_string(&page).expect("full");
    let compact = serde_json::to_string(&CompactPullResponse::from(page.clone())).expect("compact");
    assert!(compact.len() < full.len());
    for text in [full, compact] {
        let read: EitherPullResponse = serde_json::from_str(&text).expect("parse");
        assert_eq!(PullResponse::try_from(read).expect("valid"), page);
    }
}

fn any_fields() -> impl Strategy<Value = BTreeMap<String, FieldState>> {
    prop::collection::btree_map(
        "[a-z_]{1,12}",
        (any::<i64>(), 0u64..4, 0u32..3).prop_map(|(v, wall, counter)| FieldState {
            value: Value::from(v),
            hlc: clock(wall, counter, 1),
        }),
        0..12,
    )
}

proptest! {
    #[test]
    fn every_change_survives_the_compact_form(fields in any_fields(), erased in any::<bool>()) {
        let original = change(fields, erased);
        let compact = CompactChange::from(original.clone());
        let text = serde_json::to_string(&compact).expect("json");
        let read: CompactChange = serde_json::from_str(&text).expect("parse");
        prop_assert_eq!(Change::try_from(read).expect("valid"), original);
    }
}

#[test]
fn a_change_of_a_kind_this_build_does_not_know_is_set_aside_not_refused() {
    let text = r#"{"changes": [
        {"seq": 4, "kind": "hotspot_visit", "record_id": "hv-1", "values": {}, "erased": true},
        {"seq": 5, "kind": "note", "record_id": "n-1", "erased": true}
      ], "next_cursor": 5, "has_more": true, "server_time": "2026-12-04T10:00:00Z"}"#;
    let read: EitherPullResponse = serde_json::from_str(text).expect("parse");
    let page = read.clone().into_page().expect("read");
    assert_eq!(
        page.skipped,
        vec![crate::sync::unknown_kinds::SkippedChange {
            seq: 4,
            kind: "hotspot_visit".into(),
            record_id: "hv-1".into(),
        }]
    );
    assert_eq!(page.page.changes.len(), 1);
    assert_eq!(page.page.changes[0].kind, RecordKind::Note);
    assert_eq!((page.page.next_cursor, page.page.has_more), (5, true));
    // The strict conversion, for callers that expect only known kinds, refuses the page.
    assert!(PullResponse::try_from(read).is_err());
}
