//! The outbox as the push reads it: each queued op's wire JSON as it is stored, with the two
//! things the push must know of it (its id, to match the server's answer, and its stamp, which
//! the answer's application records as sent).
//!
//! Why not [`Store::pending_ops_from`]: an op is stored as the JSON text of the protocol's
//! [`Op`](crate::sync::protocol::Op), which is exactly what a push request carries. Parsing it
//! into an `Op` (every value a `serde_json::Value`, every field name a `String`) and encoding it
//! again took 40% of the instructions of reading and encoding a batch (160 M of 397 M for 2,700
//! contact ops, callgrind). The text is checked as JSON and its id and stamp read in place; the
//! request carries it as it is (`serde_json::value::RawValue`).

use super::Store;
use crate::error::{Error, Result};
use crate::sync::Hlc;
use rusqlite::Connection;
use serde::Deserialize;
use serde_json::value::RawValue;
use uuid::Uuid;

/// One op waiting in the outbox, as stored.
#[derive(Debug)]
pub(crate) struct QueuedOp {
    /// Its place in the outbox (see [`Store::pending_ops_from`]).
    pub(crate) place: i64,
    pub(crate) op_id: Uuid,
    pub(crate) hlc: Hlc,
    /// The op's JSON, as a push request carries it.
    pub(crate) json: Box<RawValue>,
}

/// What the push reads of an op; the rest of it is skipped, not built.
#[derive(Deserialize)]
struct OpHeader {
    op_id: Uuid,
    hlc: Hlc,
}

impl Store {
    /// As [`Store::pending_ops_from`], each op as its stored JSON with its id and stamp.
    pub(crate) fn queued_ops_from(&self, from: i64, limit: usize) -> Result<Vec<QueuedOp>> {
        self.read(|conn| {
            read_outbox(conn, from, limit, |place, text| {
                let json = RawValue::from_string(text).map_err(corrupt)?;
                let header: OpHeader = serde_json::from_str(json.get()).map_err(corrupt)?;
                Ok(QueuedOp {
                    place,
                    op_id: header.op_id,
                    hlc: header.hlc,
                    json,
                })
            })
        })
    }
}

/// Up to `limit` ops from place `from` on, oldest first, each read by `read` from its place
/// and stored JSON text.
pub(super) fn read_outbox<T>(
    conn: &Connection,
    from: i64,
    limit: usize,
    read: impl Fn(i64, String) -> Result<T>,
) -> Result<Vec<T>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut stmt =
        conn.prepare_cached("SELECT seq, op FROM outbox WHERE seq >= ?1 ORDER BY seq LIMIT ?2")?;
    let rows = stmt.query_map([from, limit], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    rows.map(|row| {
        let (place, text) = row?;
        read(place, text)
    })
    .collect()
}

/// A stored op that is not what this build wrote.
pub(super) fn corrupt(e: serde_json::Error) -> Error {
    Error::Corrupt {
        kind: "outbox op",
        reason: e.to_string(),
    }
}
