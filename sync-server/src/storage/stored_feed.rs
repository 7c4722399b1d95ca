//! A feed page with each record as the store keeps it: its values as one JSON object's text
//! and its field clocks as their compact bytes, not joined into a map of fields.
//!
//! Why: the compact pull form (`beatbook_core::sync::compact_wire`) sends a record's values as
//! one object and its clocks as the newest one plus those that differ — which is what the
//! store already holds. Joining the two into a map of fields (parsing every value) and taking
//! that map apart again to write the page was a third of the server's time serving a pull
//! (`compact::join` 23%, the compact form's conversion 8.5%, of a 60k pull's samples;
//! `docs/performance.md` §7, "Pulled records served as stored"). The full form, and every
//! other reader of the feed, still read joined fields ([`FeedRow`]).

use super::{compact, FeedPage, FeedRow, StorageResult};
use beatbook_core::sync::merge::RecordState;
use beatbook_core::sync::RecordKind;

/// What serving a record needs of it before its values: who may receive it
/// (`crate::scope::may_receive`) and which disclosures it makes (`crate::s62::disclosures`).
pub trait ServedRecord {
    fn seq(&self) -> u64;
    fn kind(&self) -> RecordKind;
    fn record_id(&self) -> &str;
    /// For a conflict, the kind of record it is about.
    fn subject_kind(&self) -> Option<RecordKind>;
    fn erased(&self) -> bool;
}

/// One record in the feed, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFeedRow {
    pub seq: u64,
    pub kind: RecordKind,
    pub record_id: String,
    pub subject_kind: Option<RecordKind>,
    pub erased: bool,
    /// The values: one JSON object's text, fields in name order.
    pub values: String,
    /// The field clocks (`beatbook_core::sync::RecordClocks`, either form).
    pub clocks: Vec<u8>,
}

/// A page of [`StoredFeedRow`]s, read in one snapshot (as [`FeedPage`]).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFeedPage {
    pub rows: Vec<StoredFeedRow>,
    pub has_more: bool,
    pub head: u64,
}

impl StoredFeedRow {
    /// Its values and clocks joined into its fields, as [`FeedRow`] holds them.
    pub fn join(self) -> StorageResult<FeedRow> {
        Ok(FeedRow {
            state: RecordState {
                fields: compact::join(&self.values, &self.clocks)?,
                erased: self.erased,
            },
            seq: self.seq,
            kind: self.kind,
            record_id: self.record_id,
            subject_kind: self.subject_kind,
        })
    }
}

impl StoredFeedPage {
    /// Each record joined ([`StoredFeedRow::join`]), as [`FeedPage`] holds them.
    pub fn join(self) -> StorageResult<FeedPage> {
        Ok(FeedPage {
            rows: self
                .rows
                .into_iter()
                .map(StoredFeedRow::join)
                .collect::<StorageResult<_>>()?,
            has_more: self.has_more,
            head: self.head,
        })
    }
}

impl ServedRecord for FeedRow {
    fn seq(&self) -> u64 {
        self.seq
    }
    fn kind(&self) -> RecordKind {
        self.kind
    }
    fn record_id(&self) -> &str {
        &self.record_id
    }
    fn subject_kind(&self) -> Option<RecordKind> {
        self.subject_kind
    }
    fn erased(&self) -> bool {
        self.state.erased
    }
}

impl ServedRecord for StoredFeedRow {
    fn seq(&self) -> u64 {
        self.seq
    }
    fn kind(&self) -> RecordKind {
        self.kind
    }
    fn record_id(&self) -> &str {
        &self.record_id
    }
    fn subject_kind(&self) -> Option<RecordKind> {
        self.subject_kind
    }
    fn erased(&self) -> bool {
        self.erased
    }
}
