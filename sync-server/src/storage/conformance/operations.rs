//! What operators read from a store: its size on disk (the `beatbook_store_size_bytes` metric).

use super::{put, row};
use crate::storage::SyncStorage;
use beatbook_core::sync::RecordKind;
use std::sync::Arc;

pub(crate) fn the_store_reports_its_size(storage: &Arc<dyn SyncStorage>) {
    let empty = storage.size_bytes().expect("size of an empty store");
    assert!(empty > 0, "even an empty store takes space on disk");
    put(storage.as_ref(), row(RecordKind::Note, "sized", false));
    let written = storage.size_bytes().expect("size after a write");
    assert!(written > 0);
}
