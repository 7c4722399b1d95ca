//! The one shape the rules read a record in: its fields by serialised name, as JSON values —
//! the representation the merge and the wire use. The device's store reads a record into a
//! field map to build its outbox op (`store::device_sync::record_json`); the server holds a
//! [`RecordState`] per record. Both are read through [`FieldView`] without copying, so the two
//! sides decide on the same values.

use crate::sync::merge::RecordState;
use serde_json::Value;
use std::collections::BTreeMap;

/// Read access to a record's fields.
pub trait FieldView {
    /// The value of the field `name`, if the record holds the field.
    fn field(&self, name: &str) -> Option<&Value>;
}

impl FieldView for BTreeMap<String, Value> {
    fn field(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

impl FieldView for RecordState {
    fn field(&self, name: &str) -> Option<&Value> {
        self.fields.get(name).map(|f| &f.value)
    }
}

impl FieldView for serde_json::Map<String, Value> {
    fn field(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}
