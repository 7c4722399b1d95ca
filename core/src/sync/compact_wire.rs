//! The compact pull form (`GET /v1/sync/pull?…&form=compact`): each record's values once, its
//! newest clock once, and a clock of its own only for a field whose clock differs from it.
//!
//! Why: in the full form every field carries `{"value": …, "hlc": "<62 characters>"}`; most
//! records are one write (every field the same clock), so the clock text is ~60% of a page
//! before gzip and about half of it after. The full form stays the default, so older clients
//! are served as before; a client that asks for the compact form reads either (an older server
//! ignores the parameter). See `docs/sync-protocol.md#the-compact-form`.

use super::protocol::{Change, FieldState, PullResponse, RecordKind};
use super::unknown_kinds::{ReadKind, SkippedChange};
use super::Hlc;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The query parameter value that asks for the compact form.
pub const COMPACT_FORM: &str = "compact";

/// One record's current state in the compact form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompactChange {
    pub seq: u64,
    pub kind: RecordKind,
    pub record_id: String,
    /// The newest clock of the record's fields (absent when it has none: an erased record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hlc: Option<Hlc>,
    /// The record's values by field name.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub values: Map<String, Value>,
    /// The fields whose clock is not `hlc`, with their own.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub older: BTreeMap<String, Hlc>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub erased: bool,
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// A pull page in the compact form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompactPullResponse {
    pub changes: Vec<CompactChange>,
    pub next_cursor: u64,
    pub has_more: bool,
    pub server_time: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<uuid::Uuid>,
}

/// A compact change that does not describe a record: a value without a clock, or a clock
/// for a field that has no value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a compact change of record {record_id}: {reason}")]
pub struct BadCompactChange {
    pub record_id: String,
    pub reason: &'static str,
}

/// Moves a change into the compact form (its values are moved, not copied: a server writes
/// every page it serves this way).
impl From<Change> for CompactChange {
    fn from(change: Change) -> CompactChange {
        let hlc = change.fields.values().map(|f| f.hlc).max();
        let mut values = Map::new();
        let mut older = BTreeMap::new();
        for (name, field) in change.fields {
            if Some(field.hlc) != hlc {
                older.insert(name.clone(), field.hlc);
            }
            values.insert(name, field.value);
        }
        CompactChange {
            seq: change.seq,
            kind: change.kind,
            record_id: change.record_id,
            hlc,
            values,
            older,
            erased: change.erased,
        }
    }
}

impl TryFrom<CompactChange> for Change {
    type Error = BadCompactChange;

    fn try_from(compact: CompactChange) -> Result<Change, BadCompactChange> {
        let bad = |reason| BadCompactChange {
            record_id: compact.record_id.clone(),
            reason,
        };
        if compact
            .older
            .keys()
            .any(|name| !compact.values.contains_key(name))
        {
            return Err(bad("a clock for a field without a value"));
        }
        let mut older = compact.older;
        let fields = match compact.hlc {
            Some(newest) => compact
                .values
                .into_iter()
                .map(|(name, value)| {
                    let hlc = older.remove(&name).unwrap_or(newest);
                    (name, FieldState { value, hlc })
                })
                .collect(),
            None if compact.values.is_empty() => BTreeMap::new(),
            None => return Err(bad("values without a clock")),
        };
        Ok(Change {
            seq: compact.seq,
            kind: compact.kind,
            record_id: compact.record_id,
            fields,
            erased: compact.erased,
        })
    }
}

impl From<PullResponse> for CompactPullResponse {
    fn from(page: PullResponse) -> CompactPullResponse {
        CompactPullResponse {
            changes: page.changes.into_iter().map(CompactChange::from).collect(),
            next_cursor: page.next_cursor,
            has_more: page.has_more,
            server_time: page.server_time,
            epoch: page.epoch,
        }
    }
}

/// A pull page as a client reads it: each change in either form (so a client asking for the
/// compact form also understands a server that does not know it).
#[derive(Debug, Clone, Deserialize)]
pub struct EitherPullResponse {
    pub changes: Vec<EitherChange>,
    pub next_cursor: u64,
    pub has_more: bool,
    pub server_time: DateTime<Utc>,
    #[serde(default)]
    pub epoch: Option<uuid::Uuid>,
}

/// A change in the full form (`fields`) or the compact one (`values`, `hlc`, `older`), of a
/// kind this build may not know (`unknown_kinds`).
#[derive(Debug, Clone, Deserialize)]
pub struct EitherChange {
    seq: u64,
    kind: ReadKind,
    record_id: String,
    #[serde(default)]
    fields: Option<BTreeMap<String, FieldState>>,
    #[serde(default)]
    hlc: Option<Hlc>,
    #[serde(default)]
    values: Map<String, Value>,
    #[serde(default)]
    older: BTreeMap<String, Hlc>,
    #[serde(default)]
    erased: bool,
}

/// A page read: the changes of kinds this build knows, as a [`PullResponse`], and those it set
/// aside.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadPage {
    pub page: PullResponse,
    pub skipped: Vec<SkippedChange>,
}

impl EitherPullResponse {
    /// Each change in the full form, those of unknown kinds set aside.
    pub fn into_page(self) -> Result<ReadPage, BadCompactChange> {
        let mut changes = Vec::with_capacity(self.changes.len());
        let mut skipped = Vec::new();
        for change in self.changes {
            let kind = match change.kind {
                ReadKind::Known(kind) => kind,
                ReadKind::Unknown(kind) => {
                    skipped.push(SkippedChange {
                        seq: change.seq,
                        kind,
                        record_id: change.record_id,
                    });
                    continue;
                }
            };
            changes.push(match change.fields {
                Some(fields) => Change {
                    seq: change.seq,
                    kind,
                    record_id: change.record_id,
                    fields,
                    erased: change.erased,
                },
                None => Change::try_from(CompactChange {
                    seq: change.seq,
                    kind,
                    record_id: change.record_id,
                    hlc: change.hlc,
                    values: change.values,
                    older: change.older,
                    erased: change.erased,
                })?,
            });
        }
        Ok(ReadPage {
            page: PullResponse {
                changes,
                next_cursor: self.next_cursor,
                has_more: self.has_more,
                server_time: self.server_time,
                epoch: self.epoch,
            },
            skipped,
        })
    }
}

/// A page of kinds this build knows, in the full form; a change of another kind is refused
/// here (a client reads pages with [`EitherPullResponse::into_page`], which sets it aside).
impl TryFrom<EitherPullResponse> for PullResponse {
    type Error = BadCompactChange;

    fn try_from(page: EitherPullResponse) -> Result<PullResponse, BadCompactChange> {
        let read = page.into_page()?;
        match read.skipped.into_iter().next() {
            Some(skipped) => Err(BadCompactChange {
                record_id: skipped.record_id,
                reason: "a kind this build does not know",
            }),
            None => Ok(read.page),
        }
    }
}

#[cfg(test)]
mod tests;
