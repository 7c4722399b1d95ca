//! Pulled records of kinds this build does not know (`sync_skipped`, store version 23): noted
//! with the page that brought them, counted in sync status, and pulled again by a later build
//! that knows their kind. Why: `crate::sync::unknown_kinds`.

use crate::error::Result;
use crate::store::Store;
use crate::sync::protocol::RecordKind;
use crate::sync::unknown_kinds::SkippedChange;
use rusqlite::{params, Connection};

/// Notes a page's set-aside records, inside the page's transaction (so they are remembered
/// exactly when the cursor passes them). A record seen again keeps its first place.
pub(crate) fn note(conn: &Connection, skipped: &[SkippedChange]) -> Result<()> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO sync_skipped (kind, record_id, seq) VALUES (?1, ?2, ?3)
         ON CONFLICT (kind, record_id) DO UPDATE SET seq = min(seq, excluded.seq)",
    )?;
    for change in skipped {
        let seq = i64::try_from(change.seq).unwrap_or(i64::MAX);
        insert.execute(params![change.kind, change.record_id, seq])?;
    }
    Ok(())
}

/// How many pulled records this build set aside.
pub(crate) fn count(conn: &Connection) -> Result<u64> {
    Ok(conn.query_row("SELECT count(*) FROM sync_skipped", [], |r| r.get(0))?)
}

impl Store {
    /// Before a pull: if this build knows a kind an earlier build set aside, moves the pull
    /// cursor back to just before the first such record, so that the next pull brings it (and
    /// re-reads what follows, which changes nothing already here: applying a page twice is a
    /// no-op). Returns how many set-aside records will be pulled again.
    pub fn resume_skipped_kinds(&self) -> Result<u64> {
        // Called before every pull: read first, and take the writer only when a set-aside kind
        // is one this build knows (almost never).
        let known = self.read(known_skipped_kinds)?;
        if known.is_empty() {
            return Ok(0);
        }
        self.write(|tx| {
            let mut resumed = 0;
            for kind in known_skipped_kinds(tx)? {
                let (first, records): (i64, u64) = tx.query_row(
                    "SELECT min(seq), count(*) FROM sync_skipped WHERE kind = ?1",
                    [&kind],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                tx.execute(
                    "UPDATE sync_state SET cursor = min(cursor, max(?1 - 1, 0)) WHERE id = 1",
                    [first],
                )?;
                tx.execute("DELETE FROM sync_skipped WHERE kind = ?1", [&kind])?;
                resumed += records;
            }
            Ok(resumed)
        })
    }
}

/// The kinds of set-aside records that this build knows.
fn known_skipped_kinds(conn: &Connection) -> Result<Vec<String>> {
    let kinds: Vec<String> = conn
        .prepare_cached("SELECT DISTINCT kind FROM sync_skipped")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(kinds
        .into_iter()
        .filter(|kind| kind.parse::<RecordKind>().is_ok())
        .collect())
}
