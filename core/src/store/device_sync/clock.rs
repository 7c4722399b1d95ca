//! The device's hybrid clock: its last stamp and its correction against the server's clock
//! live in `sync_state`, so they survive restarts and move forward with every stamp issued or
//! seen.

use crate::error::Result;
use crate::ids::DeviceId;
use crate::sync::Hlc;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

/// The device's clock reading `now` (the store's clock) in milliseconds, corrected by the last
/// known server offset.
pub(crate) fn corrected_now_ms(conn: &Connection, now: DateTime<Utc>) -> Result<u64> {
    let offset: i64 = conn
        .prepare_cached("SELECT clock_offset_ms FROM sync_state WHERE id = 1")?
        .query_row([], |r| r.get(0))?;
    let now = now.timestamp_millis().saturating_add(offset);
    Ok(u64::try_from(now).unwrap_or(0))
}

/// Issues the next stamp for a local change made at `now` (the store's clock).
pub(crate) fn next(conn: &Connection, node: DeviceId, now: DateTime<Utc>) -> Result<Hlc> {
    let last = last(conn)?;
    let hlc = Hlc::tick(last, corrected_now_ms(conn, now)?, node);
    set_last(conn, hlc)?;
    Ok(hlc)
}

/// Moves the clock past a stamp seen from elsewhere.
pub(crate) fn observe(conn: &Connection, seen: Hlc) -> Result<()> {
    if last(conn)?.is_none_or(|last| seen > last) {
        set_last(conn, seen)?;
    }
    Ok(())
}

/// Restarts the clock from `floor` (None: from the wall clock alone), dropping stamps above it.
pub(crate) fn restart_from(conn: &Connection, floor: Option<Hlc>) -> Result<()> {
    conn.prepare_cached("UPDATE sync_state SET last_hlc = ?1 WHERE id = 1")?
        .execute(params![floor])?;
    Ok(())
}

fn last(conn: &Connection) -> Result<Option<Hlc>> {
    Ok(conn
        .prepare_cached("SELECT last_hlc FROM sync_state WHERE id = 1")?
        .query_row([], |r| r.get(0))?)
}

fn set_last(conn: &Connection, hlc: Hlc) -> Result<()> {
    conn.prepare_cached("UPDATE sync_state SET last_hlc = ?1 WHERE id = 1")?
        .execute(params![hlc])?;
    Ok(())
}
