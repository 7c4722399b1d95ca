//! A change in the compact pull form written from a record as the store keeps it: its values'
//! JSON text goes into the page as it is, and its clocks are read for the newest one and those
//! that differ (`storage::stored_feed` says why). The bytes are those of the same record as a
//! [`CompactChange`](beatbook_core::sync::compact_wire::CompactChange) made from its joined
//! fields (tested), so a device cannot tell which way a page was written.

use crate::storage::{StorageError, StoredFeedRow};
use beatbook_core::sync::protocol::Change;
use beatbook_core::sync::{Hlc, RecordClocks, RecordKind};
use serde::Serialize;
use serde_json::value::RawValue;
use std::collections::BTreeMap;

/// One change, serialised as `CompactChange` is: the same members, order and omissions.
#[derive(Debug, Serialize)]
pub(super) struct StoredChange {
    seq: u64,
    kind: RecordKind,
    record_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    hlc: Option<Hlc>,
    /// Absent for a record without fields (an erased one), as an empty map is.
    #[serde(skip_serializing_if = "Option::is_none")]
    values: Option<Box<RawValue>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    older: BTreeMap<String, Hlc>,
    #[serde(skip_serializing_if = "is_false")]
    erased: bool,
}

fn is_false(value: &bool) -> bool {
    !*value
}

impl StoredChange {
    /// The change for `row`. Its values must be a JSON object (the store writes nothing else);
    /// anything else is reported as corrupt rather than sent.
    pub(super) fn of(row: StoredFeedRow) -> Result<StoredChange, StorageError> {
        let corrupt = |what: &str| {
            StorageError::Corrupt(format!("record {} in the feed: {what}", row.record_id))
        };
        let clocks = RecordClocks::decode(&row.clocks).map_err(|e| corrupt(&e.to_string()))?;
        let hlc = clocks.newest();
        let older = clocks
            .fields
            .into_iter()
            .filter(|(_, clock)| Some(*clock) != hlc)
            .collect();
        let values = match hlc {
            None => None,
            Some(_) if row.values.starts_with('{') => Some(
                RawValue::from_string(row.values)
                    .map_err(|_| corrupt("its values are not JSON"))?,
            ),
            Some(_) => return Err(corrupt("its values are not a JSON object")),
        };
        Ok(StoredChange {
            seq: row.seq,
            kind: row.kind,
            record_id: row.record_id,
            hlc,
            values,
            older,
            erased: row.erased,
        })
    }
}

/// The change for `row` in the full form: each field with its value and clock.
pub(super) fn full(row: StoredFeedRow) -> Result<Change, StorageError> {
    let row = row.join()?;
    Ok(Change {
        seq: row.seq,
        kind: row.kind,
        record_id: row.record_id,
        fields: row.state.fields,
        erased: row.state.erased,
    })
}

#[cfg(test)]
mod tests;
