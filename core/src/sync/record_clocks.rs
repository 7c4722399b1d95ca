//! A record's per-field clocks in the compact form a device stores (one value per record in
//! `sync_records`; see `docs/data-model.md#sync-state-schema-version-8`).
//!
//! Why a format of its own: the device keeps a clock for every synced field of every record it
//! holds — 100k+ records on a phone — and nothing else of the merge's view (the values live
//! once, in the record's own table). Fields of one record usually share one or two clocks (the
//! op that created it, the last edit), and field names come from a small fixed vocabulary, so
//! the form stores each distinct clock once and names fields by their number in [`FIELD_NAMES`]:
//! a 22-field contact created and edited once takes about 90 bytes instead of ~2 KB of JSON and text clocks.
//!
//! Two versions, told apart by their first byte: version 1 (below), which the server keeps in
//! its rows, and version 2 ([`v2`]: the vocabulary's fields as a bitmap), which devices store
//! since store version 26. Both decode; each encodes with its own function.
//!
//! Version 1's layout (all integers unsigned LEB128 unless said):
//! `version (1 byte = 1)`, `clock count`, per clock `wall_ms`, `counter`, `node (16 bytes)`,
//! ascending; `field count`, per field (ascending by name) `name key`, `clock index`. A name key
//! is `2 × i` for `FIELD_NAMES[i]`, or `2 × len + 1` followed by `len` UTF-8 bytes for a name
//! outside the vocabulary (a newer build's field), so any field name round-trips.
//! The vocabulary only ever grows at its end: a number, once shipped, names its field for ever.

use super::Hlc;
use crate::ids::DeviceId;
use std::collections::BTreeMap;
use uuid::Uuid;

/// The first byte of version 1.
const FORMAT_VERSION: u8 = 1;

/// The field names of every record kind, numbered by position. Append only.
pub const FIELD_NAMES: &[&str] = &[
    // Shared.
    "id",
    "created_at",
    "updated_at",
    // Patrol.
    "kind",
    "area",
    "purpose",
    "operation_name",
    "recorded_by",
    "participants",
    "started_at",
    "ended_at",
    "observations",
    "assessment",
    // Note.
    "observed_at",
    "text",
    "category",
    "place",
    "lsoa_code",
    "patrol_id",
    "problem_id",
    "author",
    // Contact.
    "occurred_at",
    "lap_code",
    "method",
    "audience",
    "people_count",
    "issues",
    "issues_text",
    "promised",
    "follow_up_id",
    "consent_to_recontact",
    "repeat_caller",
    "vulnerable",
    "repeat_location",
    "redacted_at",
    // Contact personal data.
    "details",
    "ethnicity",
    // Follow-up.
    "contact_id",
    "promise",
    "owner",
    "due_at",
    "status",
    "answered_at",
    "outcome",
    // Problem, step, stage request.
    "title",
    "stage",
    "triangle",
    "repeat_types",
    "responses",
    "created_by",
    "stage_changed_at",
    "recorded_at",
    "from_stage",
    "to_stage",
    "requested_by",
    "requested_at",
    "reason",
    "decided_by",
    "decided_at",
    "decision_reason",
    // Review.
    "reviewer",
    "member",
    "reviewed_at",
    "items",
    // Reference data.
    "display_name",
    "role",
    "team_id",
    "name",
    "lsoa_codes",
    "phase",
    "geojson",
    // Conflict.
    "record_kind",
    "record_id",
    "field",
    "winner_value",
    "winner_hlc",
    "winner_author",
    "loser_value",
    "loser_hlc",
    "loser_author",
    "detected_at",
    "resolution",
    "resolved_by",
    "resolved_at",
    // Problem: the analysis triangle's corners, each a field since schema version 13
    // (`model::problem_fields`); `triangle` above names the whole triangle of older stores.
    "triangle_offender",
    "triangle_victim",
    "triangle_location",
    "triangle_handler",
    "triangle_guardian",
    "triangle_manager",
    // Corrections (store schema 14).
    "correction_reason",
    "cancelled_at",
    "amends",
    // A follow-up's referrer (a volunteer's promise referred to the team).
    "referred_by",
];

/// The number of a vocabulary field: the vocabulary is grouped by name length once, and a name
/// is compared only with the few of its own length. Every stored clock names each of its fields
/// this way (a contact's 23 fields on every write and every pulled record), where a scan of the
/// whole list, or a binary search over it, cost about 300 instructions a field.
pub fn field_number(name: &str) -> Option<usize> {
    static BY_LENGTH: std::sync::OnceLock<Vec<Vec<(&'static str, usize)>>> =
        std::sync::OnceLock::new();
    let by_length = BY_LENGTH.get_or_init(|| {
        let longest = FIELD_NAMES
            .iter()
            .map(|known| known.len())
            .max()
            .unwrap_or(0);
        let mut by_length = vec![Vec::new(); longest + 1];
        for (number, known) in FIELD_NAMES.iter().enumerate() {
            by_length[known.len()].push((*known, number));
        }
        by_length
    });
    by_length
        .get(name.len())?
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, number)| *number)
}

/// Stored clocks that cannot be read: the store is damaged (or was written by something else).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unreadable record clocks: {0}")]
pub struct BadRecordClocks(&'static str);

/// The clock of each synced field of one record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordClocks {
    pub fields: BTreeMap<String, Hlc>,
}

impl RecordClocks {
    /// The newest clock of the record.
    pub fn newest(&self) -> Option<Hlc> {
        self.fields.values().max().copied()
    }

    /// The compact stored form, version 1 (the server's rows; see [`RecordClocks::encode_v2`]
    /// for the devices').
    pub fn encode(&self) -> Vec<u8> {
        let clocks = self.distinct_clocks();
        let mut out = Vec::with_capacity(2 + clocks.len() * 24 + self.fields.len() * 2);
        out.push(FORMAT_VERSION);
        put_clocks(&mut out, &clocks);
        put_varint(&mut out, self.fields.len() as u64);
        for (name, clock) in &self.fields {
            match field_number(name) {
                Some(index) => put_varint(&mut out, (index as u64) << 1),
                None => {
                    put_varint(&mut out, ((name.len() as u64) << 1) | 1);
                    out.extend_from_slice(name.as_bytes());
                }
            }
            // The clock is in `clocks` by construction.
            let index = clocks.binary_search(clock).unwrap_or_default();
            put_varint(&mut out, index as u64);
        }
        out
    }

    /// Reads either stored form; anything but exactly what [`RecordClocks::encode`] or
    /// [`RecordClocks::encode_v2`] writes is an error (one spelling per record: integers in
    /// their shortest form, clocks and fields in order, each clock used, a numbered name never
    /// spelled out), so bytes that decode re-encode to themselves in their version — fuzzed by
    /// `fuzz/fuzz_targets/compact_pull.rs`.
    pub fn decode(bytes: &[u8]) -> Result<Self, BadRecordClocks> {
        let mut input = Reader { bytes, at: 0 };
        let clocks = match input.byte()? {
            FORMAT_VERSION => Self::decode_v1(&mut input)?,
            v2::VERSION => v2::decode(&mut input)?,
            _ => return Err(BadRecordClocks("unknown format version")),
        };
        if input.at != bytes.len() {
            return Err(BadRecordClocks("trailing bytes"));
        }
        Ok(clocks)
    }

    /// The form devices store since store version 26 ([`v2`]): the same clocks in fewer bytes
    /// (a contact's 23 fields under one clock: 39 bytes against 73).
    pub fn encode_v2(&self) -> Vec<u8> {
        v2::encode(
            self.fields
                .iter()
                .map(|(name, clock)| (name.as_str(), *clock)),
        )
    }

    /// [`RecordClocks::encode_v2`] of fields given by name, ascending and each once, without
    /// building a `RecordClocks` first: a pulled record taken whole stores the clocks it came
    /// with (`store::device_sync::sync_records::save_all_clocks`).
    pub fn encode_v2_of<'a>(fields: impl IntoIterator<Item = (&'a str, Hlc)>) -> Vec<u8> {
        v2::encode(fields)
    }

    /// The rest of a version 1 form, its version byte read.
    fn decode_v1(input: &mut Reader<'_>) -> Result<Self, BadRecordClocks> {
        let clocks = input.clocks()?;
        let field_count = input.count()?;
        let mut fields: BTreeMap<String, Hlc> = BTreeMap::new();
        let mut used = vec![false; clocks.len()];
        for _ in 0..field_count {
            let key = input.varint()?;
            let name = if key & 1 == 0 {
                let index = usize::try_from(key >> 1).unwrap_or(usize::MAX);
                (*FIELD_NAMES
                    .get(index)
                    .ok_or(BadRecordClocks("unknown field number"))?)
                .to_owned()
            } else {
                let len = usize::try_from(key >> 1)
                    .map_err(|_| BadRecordClocks("field name too long"))?;
                let name = std::str::from_utf8(input.take(len)?)
                    .map_err(|_| BadRecordClocks("field name not UTF-8"))?;
                if field_number(name).is_some() {
                    return Err(BadRecordClocks("a numbered field spelled out"));
                }
                name.to_owned()
            };
            if fields.keys().next_back().is_some_and(|last| *last >= name) {
                return Err(BadRecordClocks("fields out of order"));
            }
            let index = usize::try_from(input.varint()?).unwrap_or(usize::MAX);
            let clock = *clocks
                .get(index)
                .ok_or(BadRecordClocks("clock index out of range"))?;
            used[index] = true;
            fields.insert(name, clock);
        }
        if used.contains(&false) {
            return Err(BadRecordClocks("a clock no field has"));
        }
        Ok(RecordClocks { fields })
    }
}

impl RecordClocks {
    /// Each distinct clock of the record, ascending: the list both forms begin with.
    fn distinct_clocks(&self) -> Vec<Hlc> {
        let mut clocks: Vec<Hlc> = self.fields.values().copied().collect();
        clocks.sort_unstable();
        clocks.dedup();
        clocks
    }
}

/// Writes the list of clocks both forms begin with: its length, then each clock.
fn put_clocks(out: &mut Vec<u8>, clocks: &[Hlc]) {
    put_varint(out, clocks.len() as u64);
    for clock in clocks {
        put_varint(out, clock.wall_ms);
        put_varint(out, u64::from(clock.counter));
        out.extend_from_slice(clock.node.0.as_bytes());
    }
}

impl FromIterator<(String, Hlc)> for RecordClocks {
    fn from_iter<I: IntoIterator<Item = (String, Hlc)>>(iter: I) -> Self {
        RecordClocks {
            fields: iter.into_iter().collect(),
        }
    }
}

fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, BadRecordClocks> {
        Ok(self.take(1)?[0])
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], BadRecordClocks> {
        let end = self
            .at
            .checked_add(len)
            .filter(|end| *end <= self.bytes.len())
            .ok_or(BadRecordClocks("truncated"))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn varint(&mut self) -> Result<u64, BadRecordClocks> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 {
                return Err(BadRecordClocks("integer overflow"));
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                // The shortest form only: a trailing zero group is a second spelling.
                if byte == 0 && shift > 0 {
                    return Err(BadRecordClocks("an integer not in its shortest form"));
                }
                return Ok(value);
            }
        }
        Err(BadRecordClocks("integer overflow"))
    }

    /// The list of clocks both forms begin with ([`put_clocks`]), strictly ascending.
    fn clocks(&mut self) -> Result<Vec<Hlc>, BadRecordClocks> {
        let count = self.count()?;
        let mut clocks: Vec<Hlc> = Vec::with_capacity(count);
        for _ in 0..count {
            let wall_ms = self.varint()?;
            let counter = u32::try_from(self.varint()?)
                .map_err(|_| BadRecordClocks("counter out of range"))?;
            let node =
                Uuid::from_slice(self.take(16)?).map_err(|_| BadRecordClocks("bad node id"))?;
            let clock = Hlc {
                wall_ms,
                counter,
                node: DeviceId(node),
            };
            if clocks.last().is_some_and(|last| *last >= clock) {
                return Err(BadRecordClocks("clocks out of order"));
            }
            clocks.push(clock);
        }
        Ok(clocks)
    }

    /// A count of items that each take at least one byte: never more than the bytes left.
    fn count(&mut self) -> Result<usize, BadRecordClocks> {
        let count = usize::try_from(self.varint()?).unwrap_or(usize::MAX);
        if count > self.bytes.len() - self.at {
            return Err(BadRecordClocks("count beyond the end"));
        }
        Ok(count)
    }
}

mod v2;

#[cfg(test)]
mod tests;
