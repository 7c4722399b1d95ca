//! Version 2 of the stored clocks: the fields of the vocabulary as one bitmap, and a clock
//! index per field only when the record has more than one clock.
//!
//! Why: in version 1 each field costs a name key and a clock index (two bytes), 46 bytes of a
//! 23-field contact's 73 even though nearly every record is one write, all its fields under
//! one clock. A bitmap of the 94 (and growing) vocabulary fields is at most 12 bytes, and the
//! clock indexes say nothing when there is one clock. Devices store this form since store
//! version 26 (`sync_records`, `sync_replay`); the server keeps version 1 in its rows.
//!
//! Layout (integers unsigned LEB128, shortest form): `version (1 byte = 2)`, `clock count`, per
//! clock `wall_ms`, `counter`, `node (16 bytes)`, ascending; `bitmap length` and its bytes (bit
//! `i % 8` of byte `i / 8` set for `FIELD_NAMES[i]`; no trailing zero byte); when there is
//! more than one clock, the clock index of each field the bitmap names, by field number;
//! `count` of names outside the vocabulary, each `length`, its UTF-8 bytes, ascending, and (when
//! there is more than one clock) its clock index.

use super::{
    field_number, put_clocks, put_varint, BadRecordClocks, Reader, RecordClocks, FIELD_NAMES,
};
use crate::sync::Hlc;
use std::collections::BTreeMap;

/// The first byte of this form.
pub(super) const VERSION: u8 = 2;

/// Writes this form of fields given ascending by name, each once (what a `RecordClocks` holds;
/// names outside the vocabulary keep the order they come in).
pub(super) fn encode<'a>(fields: impl IntoIterator<Item = (&'a str, Hlc)>) -> Vec<u8> {
    let fields = fields.into_iter();
    let mut numbered: Vec<(usize, Hlc)> = Vec::with_capacity(fields.size_hint().0);
    let mut spelled: Vec<(&str, Hlc)> = Vec::new();
    for (name, clock) in fields {
        match field_number(name) {
            Some(number) => numbered.push((number, clock)),
            None => spelled.push((name, clock)),
        }
    }
    let mut clocks: Vec<Hlc> = numbered.iter().map(|(_, clock)| *clock).collect();
    clocks.extend(spelled.iter().map(|(_, clock)| *clock));
    clocks.sort_unstable();
    clocks.dedup();
    let many = clocks.len() > 1;
    numbered.sort_unstable_by_key(|(number, _)| *number);
    let index_of = |clock: &Hlc| clocks.binary_search(clock).unwrap_or_default() as u64;

    let mut out = Vec::with_capacity(16 + clocks.len() * 24 + numbered.len() + spelled.len());
    out.push(VERSION);
    put_clocks(&mut out, &clocks);
    let bitmap_len = numbered.last().map_or(0, |(number, _)| number / 8 + 1);
    put_varint(&mut out, bitmap_len as u64);
    let bitmap_at = out.len();
    out.resize(bitmap_at + bitmap_len, 0);
    for (number, _) in &numbered {
        out[bitmap_at + number / 8] |= 1 << (number % 8);
    }
    if many {
        for (_, clock) in &numbered {
            put_varint(&mut out, index_of(clock));
        }
    }
    put_varint(&mut out, spelled.len() as u64);
    for (name, clock) in &spelled {
        put_varint(&mut out, name.len() as u64);
        out.extend_from_slice(name.as_bytes());
        if many {
            put_varint(&mut out, index_of(clock));
        }
    }
    out
}

/// Reads the rest of a version 2 form (its version byte already read); only what [`encode`]
/// writes is accepted.
pub(super) fn decode(input: &mut Reader<'_>) -> Result<RecordClocks, BadRecordClocks> {
    let clocks = input.clocks()?;
    let many = clocks.len() > 1;
    let mut used = vec![false; clocks.len()];
    let mut clock_for = |input: &mut Reader<'_>| -> Result<Hlc, BadRecordClocks> {
        let index = if many {
            usize::try_from(input.varint()?).unwrap_or(usize::MAX)
        } else {
            0
        };
        let clock = *clocks
            .get(index)
            .ok_or(BadRecordClocks("clock index out of range"))?;
        used[index] = true;
        Ok(clock)
    };

    let bitmap_len = input.count()?;
    let bitmap = input.take(bitmap_len)?;
    if bitmap.last() == Some(&0) {
        return Err(BadRecordClocks("a bitmap with a trailing zero byte"));
    }
    let mut fields: BTreeMap<String, Hlc> = BTreeMap::new();
    for (byte_at, byte) in bitmap.iter().enumerate() {
        for bit in 0..8 {
            if byte & (1 << bit) == 0 {
                continue;
            }
            let name = FIELD_NAMES
                .get(byte_at * 8 + bit)
                .ok_or(BadRecordClocks("unknown field number"))?;
            fields.insert((*name).to_owned(), clock_for(input)?);
        }
    }
    let spelled_count = input.count()?;
    let mut last_spelled: Option<&str> = None;
    for _ in 0..spelled_count {
        let len =
            usize::try_from(input.varint()?).map_err(|_| BadRecordClocks("field name too long"))?;
        let name = std::str::from_utf8(input.take(len)?)
            .map_err(|_| BadRecordClocks("field name not UTF-8"))?;
        if field_number(name).is_some() {
            return Err(BadRecordClocks("a numbered field spelled out"));
        }
        if last_spelled.is_some_and(|last| last >= name) {
            return Err(BadRecordClocks("fields out of order"));
        }
        last_spelled = Some(name);
        fields.insert(name.to_owned(), clock_for(input)?);
    }
    if used.contains(&false) {
        return Err(BadRecordClocks("a clock no field has"));
    }
    Ok(RecordClocks { fields })
}
