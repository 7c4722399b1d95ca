//! Schema migrations: the `.sql` files in `sync-server/migrations/`, applied in order, each in
//! its own transaction, tracked by SQLite's `user_version`. A store newer than this build is
//! refused rather than written to with the wrong schema.

use crate::storage::{StorageError, StorageResult};
use rusqlite::Connection;

/// Every migration, in order; the store's `user_version` is how many have been applied.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_initial",
        include_str!("../../../migrations/0001_initial.sql"),
    ),
    (
        "0002_audit",
        include_str!("../../../migrations/0002_audit.sql"),
    ),
    (
        "0003_no_echo",
        include_str!("../../../migrations/0003_no_echo.sql"),
    ),
];

/// Brings the store's schema up to date.
pub(super) fn migrate(conn: &mut Connection) -> StorageResult<()> {
    let applied: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let applied = usize::try_from(applied)
        .map_err(|_| StorageError::Corrupt("negative schema version".into()))?;
    if applied > MIGRATIONS.len() {
        return Err(StorageError::Invalid(format!(
            "the store has schema version {applied}, newer than this server ({}); upgrade the server",
            MIGRATIONS.len()
        )));
    }
    for (index, (name, sql)) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (index + 1) as i64)?;
        tx.commit()?;
        tracing::info!(migration = name, "applied schema migration");
    }
    Ok(())
}
