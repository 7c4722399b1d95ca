//! Forward-only schema migrations, tracked by SQLite's `user_version`.
//!
//! Each migration is a numbered `.sql` file under `core/migrations/`; once shipped, the schema
//! it makes never changes (how it moves rows may, as versions 30 and 31 did to bound their
//! memory). A store is upgraded in one transaction, so a failed upgrade leaves it as it was.
//! A migration that rewrites a table the size of the store moves its rows in Rust steps
//! ([`super::upgrades`]), each run where its SQL has a line `-- @step`: one statement over the
//! whole table would hold every page it changed in memory until it ended (`sql_batches`).
//! What SQL cannot compute (the compact encoding of version 8's sync state) is done by SQL
//! functions registered first (`migration_functions.rs`), so each migration stays one file.
//! What needs the record-reading code itself (re-indexing search from the records, version 25)
//! runs once after the last migration, with the code that matches the schema then in place.
//! `core/tests/integration/schema_upgrades.rs` upgrades a frozen copy of every earlier schema and checks
//! that the result matches a fresh store.

use super::migration_functions;
use crate::error::{Error, Result};
use rusqlite::Connection;

/// The migrations, in order; migration `i` takes the store to version `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/0001_initial.sql"),
    include_str!("../../migrations/0002_sync.sql"),
    include_str!("../../migrations/0003_reviews.sql"),
    include_str!("../../migrations/0004_sync_held.sql"),
    include_str!("../../migrations/0005_report_indexes.sql"),
    include_str!("../../migrations/0006_report_patrol_index.sql"),
    include_str!("../../migrations/0007_contacts_where.sql"),
    include_str!("../../migrations/0008_compact_sync_state.sql"),
    include_str!("../../migrations/0009_server_epoch.sql"),
    include_str!("../../migrations/0010_server_trust.sql"),
    include_str!("../../migrations/0011_conflicts_by_record.sql"),
    include_str!("../../migrations/0012_audit_shipping.sql"),
    include_str!("../../migrations/0013_triangle_corners.sql"),
    include_str!("../../migrations/0014_corrections.sql"),
    include_str!("../../migrations/0015_follow_up_referrals.sql"),
    include_str!("../../migrations/0016_contacts_place_optional.sql"),
    include_str!("../../migrations/0017_retention.sql"),
    include_str!("../../migrations/0018_search_newest_notes.sql"),
    include_str!("../../migrations/0019_contacts_where_by_writer.sql"),
    include_str!("../../migrations/0020_search_contentless.sql"),
    include_str!("../../migrations/0021_nearby_by_row.sql"),
    include_str!("../../migrations/0022_audit_entries_compact.sql"),
    include_str!("../../migrations/0023_sync_skipped.sql"),
    include_str!("../../migrations/0024_outbox_by_place.sql"),
    include_str!("../../migrations/0025_search_by_record_row.sql"),
    include_str!("../../migrations/0026_sync_records_by_id.sql"),
    include_str!("../../migrations/0027_audit_entries_packed.sql"),
    include_str!("../../migrations/0028_contacts_near_cells.sql"),
    include_str!("../../migrations/0029_unread_indexes.sql"),
    include_str!("../../migrations/0030_sync_records_keyed_in_bytes.sql"),
    include_str!("../../migrations/0031_audit_events.sql"),
    include_str!("../../migrations/0032_search_progress.sql"),
];

/// The version whose migration drops `search_docs`: stores made before it have their search
/// index rebuilt from the records ([`super::search_rebuild`]).
const SEARCH_BY_RECORD_ROW: u32 = 25;

/// The schema version this build writes.
pub const LATEST_VERSION: u32 = MIGRATIONS.len() as u32;

/// The store's current schema version.
pub fn version(conn: &Connection) -> Result<u32> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
}

/// Brings the store to [`LATEST_VERSION`]; refuses a store from a newer build.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    let found = version(conn)?;
    if found > LATEST_VERSION {
        return Err(Error::SchemaTooNew {
            found,
            supported: LATEST_VERSION,
        });
    }
    if found == LATEST_VERSION {
        return Ok(());
    }
    migration_functions::register(conn)?;
    // Foreign keys are off while migrating (the pragma is a no-op inside a transaction, so it
    // is set around it): a migration that rebuilds a table (SQLite's only way to change a
    // column's constraints) drops the old one, and with foreign keys on that drop would delete
    // the rows referencing it. References are not checked afterwards: a device holds records
    // whose targets it never receives (a volunteer's), written with foreign keys off.
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let upgraded = upgrade(conn, found);
    conn.pragma_update(None, "foreign_keys", "ON")?;
    upgraded
}

/// Runs the migrations after `found` in one transaction.
fn upgrade(conn: &mut Connection, found: u32) -> Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        apply(&tx, index as u32 + 1, sql)?;
    }
    // A new store (version 0) has no records to index.
    if found > 0 && found < SEARCH_BY_RECORD_ROW {
        super::search_rebuild::rebuild(&tx)?;
    }
    tx.pragma_update(None, "user_version", LATEST_VERSION)?;
    tx.commit()?;
    Ok(())
}

/// A migration's step in Rust.
type Step = crate::sql_batches::MigrationStep<Error>;

/// The Rust steps of the migration to `version`, in the order its SQL marks them.
fn steps(version: u32) -> &'static [Step] {
    match version {
        30 => &[super::upgrades::sync_records_keyed],
        31 => &[
            super::upgrades::log_events::drop_old_index,
            super::upgrades::log_events::move_entries,
        ],
        _ => &[],
    }
}

/// Applies the migration to `version` (its SQL, and each of its steps where the SQL marks it).
pub(super) fn apply(conn: &Connection, version: u32, sql: &str) -> Result<()> {
    crate::sql_batches::run_migration(conn, sql, steps(version), || Error::Corrupt {
        kind: "migration",
        reason: format!("version {version} marks a step it does not have"),
    })
}

/// The schema as `(type, name, sql)` rows, sorted: what the upgrade test compares. Double
/// quotes are left out of the SQL: `ALTER TABLE ... RENAME` writes the names it changes
/// quoted, so a table made under its own name and one renamed to it are the same table
/// (versions 30 and 31 once renamed their new tables; they now rename the old ones away).
pub fn schema_fingerprint(conn: &Connection) -> Result<Vec<(String, String, String)>> {
    let mut stmt = conn.prepare(
        "SELECT type, name, replace(coalesce(sql, ''), '\"', '') FROM sqlite_schema
         WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
    )?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}
