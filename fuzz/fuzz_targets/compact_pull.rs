//! A pull page in either form as this build's client reads it (`EitherPullResponse`: the full
//! form, or the compact one it asks for — `core/src/sync/compact_wire.rs`), and a record's
//! stored clocks (`RecordClocks`, the compact binary form devices and the server store).
//!
//! Checked: neither decoder panics; a page read in either form survives the compact form
//! unchanged (written compact, read back, the same records, fields and clocks); stored clocks
//! that decode re-encode to exactly the same bytes.

#![no_main]

use beatbook_core::sync::compact_wire::{CompactPullResponse, EitherPullResponse};
use beatbook_core::sync::protocol::PullResponse;
use beatbook_core::sync::RecordClocks;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(clocks) = RecordClocks::decode(data) {
        // Each version re-encodes in its own form: 2 on devices, 1 in the server's rows.
        let again = if data.first() == Some(&2) {
            clocks.encode_v2()
        } else {
            clocks.encode()
        };
        assert_eq!(again, data, "stored clocks changed in a round trip");
    }
    let Ok(either) = serde_json::from_slice::<EitherPullResponse>(data) else {
        return;
    };
    let Ok(page) = PullResponse::try_from(either) else {
        return;
    };
    let compact = serde_json::to_string(&CompactPullResponse::from(page.clone())).expect("encodes");
    let read: EitherPullResponse = serde_json::from_str(&compact).expect("decodes again");
    let again = PullResponse::try_from(read).expect("a compact page this build wrote is valid");
    assert_eq!(again, page, "a pull page changed in the compact form");
});
