use super::*;
use beatbook_core::ids::DeviceId;
use beatbook_core::sync::compact_wire::{CompactChange, CompactPullResponse};
use beatbook_core::sync::protocol::{Change, FieldState, PullResponse};
use beatbook_core::sync::{Hlc, RecordKind};
use chrono::TimeZone;

fn changes() -> Vec<Change> {
    let device = DeviceId::new();
    let field = |value: serde_json::Value, ms: u64| FieldState {
        value,
        hlc: Hlc::new(ms, device),
    };
    vec![
        Change {
            seq: 7,
            kind: RecordKind::Note,
            record_id: "n1".into(),
            fields: [
                (
                    "text".to_owned(),
                    field("Bins left out \"again\" ✓".into(), 5),
                ),
                ("lsoa_code".to_owned(), field("E01027461".into(), 3)),
            ]
            .into_iter()
            .collect(),
            erased: false,
        },
        Change {
            seq: 9,
            kind: RecordKind::Note,
            record_id: "n2".into(),
            fields: Default::default(),
            erased: true,
        },
    ]
}

fn tail(epoch: Option<uuid::Uuid>) -> Tail {
    Tail {
        next_cursor: 9,
        has_more: false,
        server_time: Utc
            .timestamp_millis_opt(1_764_000_000_123)
            .single()
            .expect("a time"),
        epoch,
    }
}

fn written<C: Serialize>(changes: &[(u64, C)], tail: &Tail) -> Vec<u8> {
    let mut page = Changes::new();
    for (seq, change) in changes {
        assert!(page.push(*seq, change, usize::MAX).expect("serialise"));
    }
    assert_eq!(page.count(), changes.len());
    page.finish(tail).expect("finish")
}

#[test]
fn a_page_is_byte_for_byte_the_serialised_response_in_either_form() {
    let sample = changes();
    for epoch in [None, Some(uuid::Uuid::now_v7())] {
        let t = tail(epoch);
        let full = PullResponse {
            changes: sample.clone(),
            next_cursor: t.next_cursor,
            has_more: t.has_more,
            server_time: t.server_time,
            epoch,
        };
        let seqs: Vec<(u64, Change)> = sample.iter().map(|c| (c.seq, c.clone())).collect();
        assert_eq!(
            String::from_utf8(written(&seqs, &t)).expect("utf-8"),
            serde_json::to_string(&full).expect("full")
        );
        let compact = CompactPullResponse::from(full);
        let seqs: Vec<(u64, CompactChange)> = sample
            .iter()
            .map(|c| (c.seq, CompactChange::from(c.clone())))
            .collect();
        assert_eq!(
            String::from_utf8(written(&seqs, &t)).expect("utf-8"),
            serde_json::to_string(&compact).expect("compact")
        );
    }
    let empty: Vec<(u64, Change)> = Vec::new();
    let page: PullResponse =
        serde_json::from_slice(&written(&empty, &tail(None))).expect("an empty page reads");
    assert!(page.changes.is_empty());
}

#[test]
fn a_change_past_the_budget_is_left_for_the_next_page_but_the_first_always_fits() {
    let [first, second]: [Change; 2] = changes().try_into().expect("two");
    let mut page = Changes::new();
    assert!(page.push(first.seq, &first, 10).expect("first"));
    let after_first = page.bytes();
    assert!(
        after_first > 10,
        "the first change is taken whatever its size"
    );
    assert!(!page
        .push(second.seq, &second, after_first + 5)
        .expect("second"));
    assert_eq!(
        (page.count(), page.bytes(), page.last_seq()),
        (1, after_first, Some(7))
    );
    assert!(page.push(second.seq, &second, usize::MAX).expect("second"));
    assert_eq!(page.last_seq(), Some(9));
    let read: PullResponse = serde_json::from_slice(&page.finish(&tail(None)).expect("finish"))
        .expect("the page reads back");
    assert_eq!(read.changes.len(), 2);
}
