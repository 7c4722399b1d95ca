//! The device's synced records as its merge sees them — each field's value and clock — for
//! the harnesses that check a device and the server agree (`tests/src/inspect.rs`), and for
//! anyone inspecting a store. Reads only; values come from the held copy or the record's table.

use super::record_json;
use super::record_key::StoredKind;
use super::sync_records;
use crate::error::{Error, Result};
use crate::logged_record_id::LoggedRecordId;
use crate::store::Store;
use crate::sync::merge::RecordState;
use crate::sync::protocol::{FieldState, RecordKind};
use crate::sync::RecordClocks;
use std::collections::BTreeMap;

impl Store {
    /// Every synced record of `kinds` on this device with its fields' values and clocks, by
    /// kind and id. A field whose value cannot be found (its record is neither in its table
    /// nor held) is left out, so a comparison with the server shows it as missing.
    pub fn synced_records(
        &self,
        kinds: &[RecordKind],
    ) -> Result<BTreeMap<(RecordKind, String), RecordState>> {
        self.read(|conn| {
            let mut out = BTreeMap::new();
            let mut stmt =
                conn.prepare("SELECT record_id, clocks FROM sync_records WHERE kind = ?1")?;
            for &kind in kinds {
                let rows = stmt
                    .query_map([StoredKind(kind)], |r| {
                        Ok((r.get::<_, LoggedRecordId>(0)?.0, r.get::<_, Vec<u8>>(1)?))
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                for (id, bytes) in rows {
                    let clocks = RecordClocks::decode(&bytes).map_err(|e| Error::Corrupt {
                        kind: "sync state",
                        reason: e.to_string(),
                    })?;
                    let values = match sync_records::held_fields(conn, kind, &id)? {
                        Some(held) => held,
                        None => record_json::load(conn, kind, &id)?.unwrap_or_default(),
                    };
                    let fields = clocks
                        .fields
                        .into_iter()
                        .filter_map(|(name, hlc)| {
                            let value = values.get(&name)?.clone();
                            Some((name, FieldState { value, hlc }))
                        })
                        .collect();
                    out.insert(
                        (kind, id),
                        RecordState {
                            fields,
                            erased: false,
                        },
                    );
                }
            }
            Ok(out)
        })
    }
}
