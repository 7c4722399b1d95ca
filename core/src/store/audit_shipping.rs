//! Handing the device's s.62 log to the server: which entries the server has not yet
//! acknowledged, and remembering what it has. Entries are never deleted here — the device's
//! log stays whole (it is append-only by trigger); the server's acknowledgement only moves
//! the mark, so an entry is sent until the server holds it, and a wipe after the last sync
//! loses nothing the server does not already hold. Wire form: `sync::audit_wire`.

use super::sql_time::SqlMicros;
use super::Store;
use crate::error::{Error, Result};
use crate::logged_record_id::LoggedRecordId;
use crate::sync::audit_wire::DeviceAuditEntry;

impl Store {
    /// Up to `limit` log entries the server has not acknowledged, none after entry `through`,
    /// oldest first, in wire form.
    pub fn audit_entries_to_send(
        &self,
        limit: usize,
        through: i64,
    ) -> Result<Vec<DeviceAuditEntry>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT e.seq, e.at_us, v.action, v.record_kind, e.record_id, e.justification,
                        v.detail
                 FROM audit_entries e JOIN audit_events v ON v.id = e.event
                 WHERE e.seq > (SELECT audit_acknowledged_through FROM sync_state WHERE id = 1)
                   AND e.seq <= ?2
                 ORDER BY e.seq LIMIT ?1",
            )?;
            let rows = stmt.query_map([limit, through], |r| {
                Ok(DeviceAuditEntry {
                    seq: r.get(0)?,
                    at: r.get::<_, SqlMicros>(1)?.0,
                    action: r.get(2)?,
                    record_kind: r.get(3)?,
                    record_id: r.get::<_, Option<LoggedRecordId>>(4)?.map(|id| id.0),
                    justification: r.get(5)?,
                    detail: r.get(6)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// The number of the log's newest entry (0 for an empty log). The log is numbered without
    /// gaps and never shrinks, so entries logged after this call are numbered above it.
    pub fn audit_log_newest(&self) -> Result<i64> {
        self.read(newest_entry)
    }

    /// How many log entries wait for the server's acknowledgement.
    pub fn audit_entries_unacknowledged(&self) -> Result<u64> {
        self.read(|conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT count(*) FROM audit_log
                     WHERE seq > (SELECT audit_acknowledged_through FROM sync_state WHERE id = 1)",
                )?
                .query_row([], |r| r.get(0))?)
        })
    }

    /// Notes that the server holds every entry up to `through`, and no more: a server restored
    /// from a backup may hold less than it once acknowledged, and the entries above the mark are
    /// then sent again (the log itself never loses them). A mark beyond this log's last entry is
    /// a server fault and is refused, so no entry is ever skipped.
    pub fn note_audit_acknowledged(&self, through: i64) -> Result<()> {
        self.write(|tx| {
            let newest = newest_entry(tx)?;
            if through > newest {
                return Err(Error::Corrupt {
                    kind: "audit acknowledgement",
                    reason: format!(
                        "the server acknowledged entry {through}, but this log ends at {newest}"
                    ),
                });
            }
            tx.execute(
                "UPDATE sync_state SET audit_acknowledged_through = ?1 WHERE id = 1",
                [through],
            )?;
            Ok(())
        })
    }
}

fn newest_entry(conn: &rusqlite::Connection) -> Result<i64> {
    Ok(
        conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM audit_entries", [], |r| {
            r.get(0)
        })?,
    )
}
