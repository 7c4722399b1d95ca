//! A record's values as the embedded store keeps them: the JSON object deflated against a
//! fixed dictionary of the record kinds' field names and usual values.
//!
//! Why: the values JSON spells every field name in every row, and was most of the server's
//! store (`records`: about 930 B a record for 27,000 contacts' records, when the same contacts
//! in bare tables take 355 B). Deflating each row on its own gains little (a row is too short
//! to repeat itself), but deflating it after a dictionary that already holds the names and the
//! shape of each kind takes a contact's values from about 620 B to about 210 (`docs/performance.md`
//! §7). Each row stays on its own — any record is read without its neighbours — and the feed,
//! the merge and the reports see the same JSON text as before.
//!
//! The stored bytes say their form by their first byte: `{` is a plain JSON object (every row
//! written before this form, and what PostgreSQL keeps), [`DICTIONARY_V1`] is a raw DEFLATE
//! stream (RFC 1951) of the JSON after dictionary v1. A dictionary never changes once rows use
//! it (a test pins it); a better one would be a new first byte, and both would stay readable.

use crate::storage::{StorageError, StorageResult};
use beatbook_core::sync::protocol::MAX_BODY_BYTES;
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use std::borrow::Cow;
use std::cell::RefCell;

/// The first byte of values deflated after [`DICTIONARY`] (version 1).
pub const DICTIONARY_V1: u8 = 1;

/// Dictionary v1: one record of each common kind, field names in the order the store writes
/// them, made-up values. Never edit it: stored rows are inflated with exactly these bytes.
const DICTIONARY: &[u8] = include_bytes!("packed_values/v1.dict");

/// Deflate's fastest level: packing every record a push writes at level 6 (or 3, the same
/// code in zlib-rs) was 12% of the server's time in a push of 27,000 records, at level 1 5%;
/// the `records` table grew 8% (14.3 against 13.2 MB), still less than half of plain JSON.
const LEVEL: Compression = Compression::new(1);

/// The most bytes one record's values may inflate to: a record is served in one pull page,
/// which a request body's limit bounds as well.
const MAX_VALUES_BYTES: usize = MAX_BODY_BYTES;

/// Packs a record's values JSON (a JSON object) for the store.
pub fn pack(json: &str) -> StorageResult<Vec<u8>> {
    thread_local! {
        // A deflate state is a few hundred KiB to set up: one per thread, reset per record.
        static DEFLATE: RefCell<Compress> = RefCell::new(Compress::new(LEVEL, false));
    }
    DEFLATE.with(|cell| match cell.try_borrow_mut() {
        Ok(mut deflate) => {
            deflate.reset();
            pack_with(&mut deflate, json)
        }
        Err(_) => pack_with(&mut Compress::new(LEVEL, false), json),
    })
}

fn pack_with(deflate: &mut Compress, json: &str) -> StorageResult<Vec<u8>> {
    deflate
        .set_dictionary(DICTIONARY)
        .map_err(|_| corrupt("its values would not pack"))?;
    let mut packed = Vec::with_capacity(json.len() / 2 + 64);
    packed.push(DICTIONARY_V1);
    loop {
        let consumed = usize::try_from(deflate.total_in()).unwrap_or(usize::MAX);
        let input = json.as_bytes().get(consumed..).unwrap_or_default();
        if packed.len() == packed.capacity() {
            packed.reserve(json.len() / 2 + 64);
        }
        let status = deflate
            .compress_vec(input, &mut packed, FlushCompress::Finish)
            .map_err(|_| corrupt("its values would not pack"))?;
        if status == Status::StreamEnd {
            return Ok(packed);
        }
    }
}

/// The values JSON text of stored bytes in either form.
pub fn unpack(stored: &[u8]) -> StorageResult<Cow<'_, str>> {
    match stored.first() {
        Some(b'{') => std::str::from_utf8(stored)
            .map(Cow::Borrowed)
            .map_err(|_| corrupt("its values are not UTF-8")),
        Some(&DICTIONARY_V1) => inflate(stored.get(1..).unwrap_or_default()).map(Cow::Owned),
        _ => Err(corrupt("its values are in a form this build does not know")),
    }
}

/// Packs every record's values still in plain JSON text, a thousand rows at a time by rowid:
/// migration 0010's step, and what a tool that writes rows by SQL (the benches' clones) runs
/// after it.
pub fn pack_plain_rows(conn: &rusqlite::Connection) -> StorageResult<()> {
    let mut read = conn.prepare(
        "SELECT rowid, field_values FROM records
         WHERE rowid > ?1 AND typeof(field_values) = 'text' ORDER BY rowid LIMIT 1000",
    )?;
    let mut write = conn.prepare("UPDATE records SET field_values = ?2 WHERE rowid = ?1")?;
    let mut after = i64::MIN;
    loop {
        let batch = read
            .query_map([after], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let Some((last, _)) = batch.last() else {
            return Ok(());
        };
        after = *last;
        for (rowid, json) in &batch {
            write.execute(rusqlite::params![rowid, pack(json)?])?;
        }
    }
}

/// A `field_values` cell as SQLite returns it: text (a row from before the packed form) or a
/// blob (packed). Read with [`StoredValues::json`].
#[derive(Debug)]
pub struct StoredValues(Vec<u8>);

impl StoredValues {
    /// The values JSON text.
    pub fn json(&self) -> StorageResult<Cow<'_, str>> {
        unpack(&self.0)
    }
}

impl rusqlite::types::FromSql for StoredValues {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        value.as_bytes().map(|bytes| StoredValues(bytes.to_vec()))
    }
}

fn inflate(deflated: &[u8]) -> StorageResult<String> {
    let (json, ending) = inflate_at_most(deflated, MAX_VALUES_BYTES);
    match ending {
        Ending::Whole => String::from_utf8(json).map_err(|_| corrupt("its values are not UTF-8")),
        Ending::Broken => Err(corrupt("its values are not a deflate stream")),
        Ending::Short => Err(corrupt("its values end early")),
        Ending::OverLimit => Err(corrupt("its values unpack to more than a record may hold")),
    }
}

/// What inflates from `bytes` taken as the start of packed values (after the first byte),
/// up to `limit` bytes, stopping quietly where the stream breaks or ends: for a scan of raw
/// pages that must find a value whether it is stored plain or packed (the end-to-end erasure
/// test), where a packed row may be cut short by the page it sits in.
pub fn inflate_prefix(bytes: &[u8], limit: usize) -> Vec<u8> {
    let (mut out, _) = inflate_at_most(bytes, limit);
    out.truncate(limit);
    out
}

/// How an inflation stopped.
enum Ending {
    /// The stream ended, within the limit.
    Whole,
    /// Not a deflate stream (from where it broke on).
    Broken,
    /// The bytes ran out before the stream ended.
    Short,
    /// It would inflate past the limit (one byte past it is kept, no more).
    OverLimit,
}

/// Inflates `deflated` after the dictionary into at most `limit` + 1 bytes, so that a stream
/// longer than the limit is told apart without being held whole.
fn inflate_at_most(deflated: &[u8], limit: usize) -> (Vec<u8>, Ending) {
    thread_local! {
        static INFLATE: RefCell<Decompress> = RefCell::new(Decompress::new(false));
    }
    INFLATE.with(|cell| match cell.try_borrow_mut() {
        Ok(mut inflate) => {
            inflate.reset(false);
            inflate_with(&mut inflate, deflated, limit)
        }
        Err(_) => inflate_with(&mut Decompress::new(false), deflated, limit),
    })
}

fn inflate_with(inflate: &mut Decompress, deflated: &[u8], limit: usize) -> (Vec<u8>, Ending) {
    let ceiling = limit.saturating_add(1);
    let mut out = Vec::with_capacity(deflated.len().saturating_mul(4).min(ceiling));
    if inflate.set_dictionary(DICTIONARY).is_err() {
        return (out, Ending::Broken);
    }
    loop {
        let consumed = usize::try_from(inflate.total_in()).unwrap_or(usize::MAX);
        let input = deflated.get(consumed..).unwrap_or_default();
        if out.len() == out.capacity() {
            out.reserve_exact(out.len().max(1024).min(ceiling - out.len()));
        }
        let before = (inflate.total_in(), inflate.total_out());
        let status = match inflate.decompress_vec(input, &mut out, FlushDecompress::Finish) {
            Ok(status) => status,
            Err(_) => return (out, Ending::Broken),
        };
        if out.len() > limit {
            return (out, Ending::OverLimit);
        }
        if status == Status::StreamEnd {
            return (out, Ending::Whole);
        }
        // Neither read nor wrote with room to write: the bytes end before the stream does.
        if before == (inflate.total_in(), inflate.total_out()) && out.len() < out.capacity() {
            return (out, Ending::Short);
        }
    }
}

fn corrupt(what: &str) -> StorageError {
    StorageError::Corrupt(format!("a record's stored values: {what}"))
}

#[cfg(test)]
mod tests;
