//! A pull page as the device reads it (`PullResponse`: the body a hostile network or a broken
//! server could hand it), then merged into an empty store the way the device merges pulls.
//!
//! Checked: decoding never panics; a decoded page round-trips unchanged; merging a page is
//! idempotent (merging the same changes again changes nothing) and an erased change leaves a
//! record with no fields.

#![no_main]

use beatbook_core::sync::merge::{merge_state, RecordState};
use beatbook_core::sync::protocol::PullResponse;
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;

fuzz_target!(|data: &[u8]| {
    let Ok(page) = serde_json::from_slice::<PullResponse>(data) else {
        return;
    };
    let text = serde_json::to_string(&page).expect("a decoded page re-encodes");
    let again: PullResponse = serde_json::from_str(&text).expect("and decodes again");
    assert_eq!(again, page, "a pull page changed in a round trip");

    let mut records: BTreeMap<(String, String), RecordState> = BTreeMap::new();
    for change in &page.changes {
        let state = records
            .entry((change.kind.to_string(), change.record_id.clone()))
            .or_default();
        merge_state(change.kind, state, &change.fields, change.erased);
        if change.erased {
            assert!(
                state.erased && state.fields.is_empty(),
                "an erased record kept fields"
            );
        }
    }
    let merged_once = records.clone();
    for change in &page.changes {
        let state = records
            .get_mut(&(change.kind.to_string(), change.record_id.clone()))
            .expect("merged above");
        let changed = merge_state(change.kind, state, &change.fields, change.erased);
        assert!(
            changed.is_empty(),
            "a page merged twice changed {changed:?}"
        );
    }
    assert_eq!(records, merged_once);
});
