//! SQL functions the migrations call for what SQL cannot compute itself. Registered on the
//! writer connection before migrating; a migration file names them, and the function's
//! behaviour is as frozen as the file that calls it.

use super::sql_time::micros_of_text;
use crate::error::Result;
use crate::model::{LEGACY_TRIANGLE, TRIANGLE_CORNERS};
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
    conn.create_scalar_function(
        "beatbook_triangle_corner_clocks",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| triangle_corner_clocks(&ctx.get::<Vec<u8>>(0)?),
    )?;
    conn.create_scalar_function(
        "beatbook_clocks_v2",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| clocks_v2(&ctx.get::<Vec<u8>>(0)?),
    )?;
    conn.create_scalar_function(
        "beatbook_time_micros",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| time_micros(&ctx.get::<String>(0)?),
    )?;
    // `beatbook_logged_record_id` (versions 27 and 30) and `beatbook_sync_kind` (version 30):
    // the writer registers them too, for a pulled page's lookups.
    super::device_sync::record_key::register(conn)?;
    Ok(())
}

/// `beatbook_time_micros(at)` (version 27): a time stored as text (`sql_time`) in whole
/// microseconds since the Unix epoch; unreadable text is an error (the upgrade fails and the
/// store stays as it was).
pub(crate) fn time_micros(text: &str) -> rusqlite::Result<i64> {
    micros_of_text(text).ok_or_else(|| {
        rusqlite::Error::UserFunctionError("an audit entry's stored time is unreadable".into())
    })
}

/// `beatbook_clocks_v2(clocks)` (version 26): stored clocks in version 2 of their form
/// (`sync::record_clocks`), the same clocks; unreadable ones are an error (the upgrade fails and
/// the store stays as it was).
pub(crate) fn clocks_v2(bytes: &[u8]) -> rusqlite::Result<Vec<u8>> {
    RecordClocks::decode(bytes)
        .map(|clocks| clocks.encode_v2())
        .map_err(|e| rusqlite::Error::UserFunctionError(Box::new(e)))
}

/// `beatbook_triangle_corner_clocks(clocks)` (version 13): a problem's compact clocks with the
/// clock of its whole `triangle` field given to each of the six corner fields that replace it
/// (`model::problem_fields`), `triangle` itself dropped. A corner clock already there (pulled
/// from a newer server by an older build, which could not keep its value) is replaced too: the
/// table holds the triangle's values, and these are the clocks that go with them. Clocks
/// without `triangle` come back unchanged; unreadable ones are an error (the upgrade fails
/// and the store stays as it was).
pub(crate) fn triangle_corner_clocks(bytes: &[u8]) -> rusqlite::Result<Vec<u8>> {
    let mut clocks =
        RecordClocks::decode(bytes).map_err(|e| rusqlite::Error::UserFunctionError(Box::new(e)))?;
    let Some(whole) = clocks.fields.remove(LEGACY_TRIANGLE) else {
        return Ok(bytes.to_vec());
    };
    for (corner, _, _) in TRIANGLE_CORNERS {
        clocks.fields.insert(corner.to_owned(), whole);
    }
    Ok(clocks.encode())
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
