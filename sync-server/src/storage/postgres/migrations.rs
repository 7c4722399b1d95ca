//! Schema migrations for PostgreSQL: the `.sql` files in `sync-server/migrations/postgres/`,
//! applied in order in one transaction, tracked in `schema_migrations`. Several instances may
//! start at once on one database: each takes a transaction-scoped advisory lock (keyed by the
//! schema) first, so one migrates and the others then find the work done. A database newer
//! than this build is refused rather than written to with the wrong schema.

use crate::storage::{StorageError, StorageResult};
use postgres::Client;

/// Every migration, in order; `schema_migrations` holds one row per applied one.
pub(super) const MIGRATIONS: &[(&str, &str)] = &[(
    "0001_initial",
    include_str!("../../../migrations/postgres/0001_initial.sql"),
)];

/// The advisory lock's first key (the second is the schema's hash): "BBMG".
const MIGRATION_LOCK: i32 = 0x4242_4d47;

/// Brings the database's schema up to date.
pub(super) fn migrate(client: &mut Client) -> StorageResult<()> {
    migrate_to(client, MIGRATIONS)
}

pub(super) fn migrate_to(client: &mut Client, migrations: &[(&str, &str)]) -> StorageResult<()> {
    let mut tx = client.transaction()?;
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))",
        &[&MIGRATION_LOCK],
    )?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
           version    INTEGER PRIMARY KEY,
           name       TEXT NOT NULL,
           applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         )",
    )?;
    let applied: i64 = tx
        .query_one("SELECT count(*) FROM schema_migrations", &[])?
        .try_get(0)?;
    let applied = usize::try_from(applied)
        .map_err(|_| StorageError::Corrupt("negative schema version".into()))?;
    if applied > MIGRATIONS.len() {
        return Err(StorageError::Invalid(format!(
            "the database has schema version {applied}, newer than this server ({}); upgrade the server",
            MIGRATIONS.len()
        )));
    }
    for (index, (name, sql)) in migrations.iter().enumerate().skip(applied) {
        tx.batch_execute(sql)?;
        let version = i32::try_from(index + 1)
            .map_err(|_| StorageError::Invalid("too many migrations".into()))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
            &[&version, name],
        )?;
        tracing::info!(migration = name, "applied schema migration");
    }
    tx.commit()?;
    Ok(())
}
