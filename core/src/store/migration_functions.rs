//! SQL functions the migrations call for what SQL cannot compute itself. Registered on the
//! writer connection before migrating; a migration file names them, and the function's
//! behaviour is as frozen as the file that calls it.

use crate::error::Result;
use crate::sync::{Hlc, RecordClocks};
use rusqlite::functions::{Aggregate, Context, FunctionFlags};
use rusqlite::Connection;

/// Registers every function a migration uses.
pub(crate) fn register(conn: &Connection) -> Result<()> {
    conn.create_aggregate_function(
        "beatbook_record_clocks",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        EncodeRecordClocks,
    )?;
    Ok(())
}

/// `beatbook_record_clocks(field, hlc)`: one record's field clocks (text stamps) in the compact
/// form of `sync_records.clocks` (version 8).
struct EncodeRecordClocks;

impl Aggregate<RecordClocks, Vec<u8>> for EncodeRecordClocks {
    fn init(&self, _ctx: &mut Context<'_>) -> rusqlite::Result<RecordClocks> {
        Ok(RecordClocks::default())
    }

    fn step(&self, ctx: &mut Context<'_>, clocks: &mut RecordClocks) -> rusqlite::Result<()> {
        let field: String = ctx.get(0)?;
        let hlc: Hlc = ctx.get(1)?;
        clocks.fields.insert(field, hlc);
        Ok(())
    }

    fn finalize(
        &self,
        _ctx: &mut Context<'_>,
        clocks: Option<RecordClocks>,
    ) -> rusqlite::Result<Vec<u8>> {
        Ok(clocks.unwrap_or_default().encode())
    }
}
