//! A record's fields as every backend stores them (the SQLite store since its schema version 4,
//! PostgreSQL from its first): its values as one plain JSON object, its field clocks in the
//! compact form devices store ([`RecordClocks`]). The two are joined back into
//! `{name: {value, hlc}}` only where the merge or the wire needs them.
//!
//! Why: a `fields` column that spelled out a 62-character clock beside every value took about
//! 4 KB a contact on disk. One module, so that both backends store the same values and clocks;
//! the embedded store (schema 10) also packs the values JSON ([`split_packed`],
//! `storage::packed_values`), which PostgreSQL keeps as plain text.

use crate::storage::{StorageError, StorageResult};
use beatbook_core::sync::protocol::{FieldState, Op};
use beatbook_core::sync::{Hlc, RecordClocks};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub(crate) type Fields = BTreeMap<String, FieldState>;

/// Which form of [`RecordClocks`] a backend writes: PostgreSQL the first
/// ([`RecordClocks::encode`]), the embedded store the denser second since its schema 17
/// ([`RecordClocks::encode_v2`]). Both read either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClockForm {
    V1,
    V2,
}

/// Splits fields into the stored values (JSON text) and clocks (compact bytes, the first
/// form: PostgreSQL's rows).
pub(crate) fn split(fields: &Fields) -> StorageResult<(String, Vec<u8>)> {
    split_entries(entries(fields), ClockForm::V1)
}

/// The stored values and clocks as the embedded store keeps them: values packed
/// (`packed_values`), clocks in their second form.
pub(crate) fn split_packed(fields: &Fields) -> StorageResult<(Vec<u8>, Vec<u8>)> {
    let (values, clocks) = split_entries(entries(fields), ClockForm::V2)?;
    Ok((crate::storage::packed_values::pack(&values)?, clocks))
}

/// Merged fields as [`split_entries`] takes them: (name, value, clock), in name order.
fn entries(fields: &Fields) -> impl Iterator<Item = (&String, &Value, Hlc)> + Clone {
    fields
        .iter()
        .map(|(name, state)| (name, &state.value, state.hlc))
}

/// [`split_packed`] of the fields an op writes as they come: each of its values at the op's
/// clock (a new record's merged fields). The same bytes as [`split_packed`] of those fields.
pub(crate) fn split_packed_op(op: &Op) -> StorageResult<(Vec<u8>, Vec<u8>)> {
    let entries = op
        .fields
        .iter()
        .map(|(name, change)| (name, &change.value, op.hlc));
    let (values, clocks) = split_entries(entries, ClockForm::V2)?;
    Ok((crate::storage::packed_values::pack(&values)?, clocks))
}

/// The stored values and clocks of fields given as (name, value, clock) in name order, the
/// values serialised where they are (no copy of them: this runs for every record written).
fn split_entries<'a, I>(entries: I, form: ClockForm) -> StorageResult<(String, Vec<u8>)>
where
    I: Iterator<Item = (&'a String, &'a Value, Hlc)> + Clone,
{
    /// The values as one JSON object, read from the entries in place.
    struct Values<I>(I);
    impl<'a, I> serde::Serialize for Values<I>
    where
        I: Iterator<Item = (&'a String, &'a Value, Hlc)> + Clone,
    {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_map(self.0.clone().map(|(name, value, _)| (name, value)))
        }
    }
    let text = serde_json::to_string(&Values(entries.clone()))
        .map_err(|_| StorageError::Corrupt("a record's values would not encode".into()))?;
    let clocks: RecordClocks = entries.map(|(name, _, hlc)| (name.clone(), hlc)).collect();
    let clocks = match form {
        ClockForm::V1 => clocks.encode(),
        ClockForm::V2 => clocks.encode_v2(),
    };
    Ok((text, clocks))
}

/// Joins stored values and clocks back into fields. Every clocked field must have its value.
pub(crate) fn join(values: &str, clocks: &[u8]) -> StorageResult<Fields> {
    let mut values: Map<String, Value> = serde_json::from_str(values)
        .map_err(|_| StorageError::Corrupt("a record's values are not a JSON object".into()))?;
    let clocks = RecordClocks::decode(clocks)
        .map_err(|e| StorageError::Corrupt(format!("a record's clocks: {e}")))?;
    if values.len() != clocks.fields.len() {
        return Err(StorageError::Corrupt(
            "a record's values and clocks name different fields".into(),
        ));
    }
    clocks
        .fields
        .into_iter()
        .map(|(name, hlc)| {
            let value = values.remove(&name).ok_or_else(|| {
                StorageError::Corrupt("a record's values and clocks name different fields".into())
            })?;
            Ok((name, FieldState { value, hlc }))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use beatbook_core::ids::DeviceId;
    use beatbook_core::sync::Hlc;

    #[test]
    fn fields_split_and_join_back_unchanged() {
        let node = DeviceId::new();
        let fields: Fields = [
            ("text", serde_json::json!("Fence down"), Hlc::new(5, node)),
            (
                "place",
                serde_json::json!({"lat": 52.4, "lon": -1.5}),
                Hlc::new(7, node),
            ),
            ("ended_at", Value::Null, Hlc::new(5, node)),
        ]
        .into_iter()
        .map(|(n, value, hlc)| (n.to_owned(), FieldState { value, hlc }))
        .collect();
        let (values, clocks) = split(&fields).expect("split");
        assert_eq!(join(&values, &clocks).expect("join"), fields);
        assert!(join("{}", &clocks).is_err(), "a clock without its value");
        assert!(join(&values, &RecordClocks::default().encode()).is_err());

        // The embedded store's clocks: the second form, the same clocks, joined the same way.
        let (_, packed_clocks) = split_packed(&fields).expect("split packed");
        assert_eq!(
            packed_clocks,
            RecordClocks::decode(&clocks).expect("v1").encode_v2()
        );
        assert_ne!(packed_clocks, clocks, "the second form, not the first");
        assert_eq!(join(&values, &packed_clocks).expect("join v2"), fields);
    }
}
