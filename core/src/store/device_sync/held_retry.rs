//! Records held as unreadable, tried again by a newer build.
//!
//! A pulled record this build cannot read (a value from a newer app: a contact without a place
//! reaching a build from before places were optional) is held, never dropped, and counted in
//! sync status as unreadable. Its merged values are kept in `sync_held`. Until now it was
//! written only when a later change to the same record arrived, so an app update alone left it
//! held; every sync now first tries the unreadable ones again, and writes those this build
//! reads (the held table is small: only records some build could not read).

use super::applying::ApplyingPulled;
use super::incoming::write_record;
use super::materialize::Materialized;
use super::sync_records;
use crate::error::Result;
use crate::store::Store;
use crate::sync::protocol::RecordKind;

impl Store {
    /// Writes every held unreadable record this build can now read, and stops holding it.
    /// Returns how many were written; the rest stay held as they were.
    pub fn retry_unreadable_records(&self) -> Result<usize> {
        let now = self.now();
        let mut applying = ApplyingPulled::start(self)?;
        let result = (|| -> Result<usize> {
            let tx = applying
                .conn()
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let held: Vec<(RecordKind, String, String)> = {
                let mut stmt = tx.prepare_cached(
                    "SELECT kind, record_id, fields FROM sync_held WHERE reason = 'unreadable'",
                )?;
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                rows.collect::<rusqlite::Result<Vec<_>>>()?
            };
            let mut written = 0;
            for (kind, id, text) in held {
                let fields = sync_records::held_values(&text)?;
                if write_record(&tx, kind, &id, &fields, now)? == Materialized::Written {
                    sync_records::release(&tx, kind, &id)?;
                    written += 1;
                }
            }
            tx.commit()?;
            Ok(written)
        })();
        drop(applying);
        let written = result?;
        if written > 0 {
            // A held area boundaries record may have been written: rebuild the index on use.
            self.forget_area_index();
        }
        Ok(written)
    }
}
