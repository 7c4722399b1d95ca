//! The embedded SQLite store: one file (`beatbook-server.db`) in the data directory, in WAL
//! mode with `synchronous = FULL` (an answered push survives power loss), `secure_delete` on
//! (erased values are zeroed, not left in free pages).
//!
//! One writer connection behind a mutex: every batch of changes runs in a `BEGIN IMMEDIATE`
//! transaction on it, one batch at a time, which is what makes feed order commit order. Reads use a
//! fixed pool of reader connections (`readers.rs`: at most `--sqlite-readers`, a read waits for
//! one and is answered busy past `--sqlite-reader-wait-ms`), each page in one read transaction
//! (a WAL snapshot).
//! Administration commands may open the same file from another process while the server
//! runs: SQLite serialises their writes with the server's (busy timeout 5 s).
//!
//! Encrypted at rest with SQLCipher (`key.rs`: where the key comes from; `keyed.rs`: every
//! connection to the file is keyed first, a plain or wrongly keyed file refused). The data
//! directory is kept 0700 and the file 0600 as well, and a store other users can read is
//! refused (`permissions.rs`): the key guards the copies that leave the host, the permissions
//! the live file.

pub(crate) mod audit;
mod check_lists;
mod compact_records;
mod errors;
pub mod key;
pub mod keyed;
pub(crate) mod log_detail;
pub(crate) mod migrations;
pub(crate) mod people;
mod permissions;
mod readers;
mod records;
mod report_records;
mod retention;
mod upgrades;

use super::device_audits::DeviceAudit;
use super::stored_ahead::{self, Ahead};
use super::{
    AuditFilter, ChainedAudit, DeviceInfo, EnrolRefusal, FeedFilter, FeedPage, NewDevice,
    PendingWrite, ReferenceRow, ReportRecord, ServerAudit, StorageResult, SyncStorage, TeamRoster,
    TokenCheck, WriteOutcome,
};
use beatbook_core::ids::{DeviceId, TeamId, UserId};
use beatbook_core::model::{Team, User};
use beatbook_core::sync::RecordKind;
use beatbook_core::StoreKey;
use readers::Readers;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// The database file's name inside the data directory.
pub const DB_FILE: &str = "beatbook-server.db";

/// Each connection's page cache, in KiB (SQLite's negative `cache_size` form).
const CACHE_KIB: i64 = -32 * 1024;

pub use readers::{ReaderLimits, DEFAULT_READERS, DEFAULT_READER_WAIT};

/// The SQLite implementation of [`SyncStorage`].
#[derive(Debug)]
pub struct SqliteStorage {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Readers,
    node: DeviceId,
    epoch: uuid::Uuid,
}

impl SqliteStorage {
    /// Opens (creating if needed) the store in `data_dir` with its key, and brings its schema
    /// up to date.
    pub fn open(data_dir: &Path, key: &StoreKey) -> StorageResult<Self> {
        Self::open_with(data_dir, key, ReaderLimits::default())
    }

    /// Opens the store with a reader pool of `readers`.
    pub fn open_with(
        data_dir: &Path,
        key: &StoreKey,
        readers: ReaderLimits,
    ) -> StorageResult<Self> {
        permissions::prepare_dir(data_dir)?;
        let path = data_dir.join(DB_FILE);
        permissions::prepare_file(&path)?;
        let mut writer = keyed::open(
            &path,
            key,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )?;
        configure(&writer)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        migrations::migrate(&mut writer)?;
        let node = people::server_node(&writer)?;
        let epoch = people::epoch(&writer)?;
        let reader_path = path.clone();
        let reader_key = key.clone();
        Ok(Self {
            path,
            writer: Mutex::new(writer),
            readers: Readers::new(readers, move || open_reader(&reader_path, &reader_key)),
            node,
            epoch,
        })
    }

    /// Where the database file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn writer(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock rolled its transaction back (the Transaction's drop):
        // the connection itself is still sound.
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on a reader connection from the pool (busy if none is free in time).
    fn read<T>(&self, f: impl FnOnce(&mut Connection) -> StorageResult<T>) -> StorageResult<T> {
        self.readers.read(f)
    }
}

/// A read-only connection to the store's file.
fn open_reader(path: &Path, key: &StoreKey) -> StorageResult<Connection> {
    let conn = keyed::open(
        path,
        key,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    configure(&conn)?;
    conn.pragma_update(None, "query_only", "ON")?;
    Ok(conn)
}

fn configure(conn: &Connection) -> StorageResult<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(64);
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    // Pull pages read many records: a larger page cache saves a read and a decryption per page
    // (measured in docs/performance.md §5). No memory-mapped reads: SQLCipher reads every
    // page through its codec, so it does not map an encrypted file.
    conn.pragma_update(None, "cache_size", CACHE_KIB)?;
    Ok(())
}

impl SyncStorage for SqliteStorage {
    fn server_node(&self) -> StorageResult<DeviceId> {
        Ok(self.node)
    }

    fn epoch(&self) -> StorageResult<uuid::Uuid> {
        Ok(self.epoch)
    }

    fn teams(&self) -> StorageResult<Vec<Team>> {
        self.read(|conn| people::teams(conn))
    }

    fn users(&self) -> StorageResult<Vec<User>> {
        self.read(|conn| people::users(conn))
    }

    fn user(&self, id: UserId) -> StorageResult<Option<User>> {
        self.read(|conn| people::user(conn, id))
    }

    fn team_member_ids(&self, team: TeamId) -> StorageResult<Vec<UserId>> {
        self.read(|conn| people::team_member_ids(conn, team))
    }

    fn team_roster(&self, team: TeamId) -> StorageResult<TeamRoster> {
        self.read(|conn| people::team_roster(conn, team))
    }

    fn upsert_reference_rows(&self, rows: &[ReferenceRow], now_ms: i64) -> StorageResult<()> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for row in rows {
            people::upsert_reference(&tx, row, now_ms)?;
        }
        tx.commit()?;
        Ok(())
    }

    fn add_enrolment_code(
        &self,
        code_hash: [u8; 32],
        user: UserId,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> StorageResult<()> {
        people::add_enrolment_code(&self.writer(), code_hash, user, now_ms, expires_at_ms)
    }

    fn devices(&self) -> StorageResult<Vec<DeviceInfo>> {
        self.read(|conn| people::devices(conn))
    }

    fn revoke_device(&self, id: DeviceId, now_ms: i64) -> StorageResult<bool> {
        people::revoke_device(&self.writer(), id, now_ms)
    }

    fn enrol(
        &self,
        code_hash: [u8; 32],
        device: &NewDevice,
        now_ms: i64,
    ) -> StorageResult<Result<User, EnrolRefusal>> {
        people::enrol(&mut self.writer(), code_hash, device, now_ms)
    }

    fn authenticate(&self, token_hash: [u8; 32], now_ms: i64) -> StorageResult<TokenCheck> {
        let (check, last_seen) = self.read(|conn| people::check_token(conn, token_hash))?;
        if let TokenCheck::Active(principal) = &check {
            if people::should_touch(last_seen, now_ms) {
                people::touch_device(&self.writer(), principal.device_id, now_ms)?;
            }
        }
        Ok(check)
    }

    fn packs_values(&self) -> bool {
        true
    }

    fn write_records(&self, writes: &mut [PendingWrite<'_>]) -> StorageResult<Vec<WriteOutcome>> {
        let mut conn = self.writer();
        // Only now that this batch holds the writer: one helper thread at a time.
        let aheads: Vec<Ahead<'_>> = writes.iter().filter_map(|w| w.ahead).collect();
        let (outcomes, erased) =
            stored_ahead::beside(&aheads, || records::write_batch(&mut conn, writes))?;
        if erased {
            // Old page images of the erased values may sit in the WAL: fold it into the
            // database (secure_delete zeroes freed pages) and truncate it. Busy readers can
            // hold this back; SQLite's automatic checkpoints finish the job.
            if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())) {
                tracing::warn!(error = %e, "checkpoint after erasure did not complete");
            }
        }
        Ok(outcomes)
    }

    fn feed_page_within(
        &self,
        filter: &FeedFilter,
        after: u64,
        limit: u32,
        max_bytes: usize,
    ) -> StorageResult<FeedPage> {
        self.read(|conn| records::feed_page(conn, filter, after, limit, max_bytes))
    }

    fn feed_page_stored(
        &self,
        filter: &FeedFilter,
        after: u64,
        limit: u32,
        max_bytes: usize,
    ) -> StorageResult<crate::storage::StoredFeedPage> {
        self.read(|conn| records::feed_page_stored(conn, filter, after, limit, max_bytes))
    }

    fn feed_head(&self) -> StorageResult<u64> {
        self.read(|conn| records::head(conn))
    }

    fn report_records(
        &self,
        team: Option<TeamId>,
        kinds: &[RecordKind],
    ) -> StorageResult<Vec<ReportRecord>> {
        self.read(|conn| report_records::load(conn, team, kinds))
    }

    fn each_report_record(
        &self,
        team: Option<TeamId>,
        kinds: &[RecordKind],
        read_from_day: Option<i64>,
        visit: &mut dyn FnMut(RecordKind, serde_json::Map<String, serde_json::Value>),
    ) -> StorageResult<()> {
        self.read(|conn| report_records::each(conn, team, kinds, read_from_day, visit))
    }

    fn each_named_record(
        &self,
        team: Option<TeamId>,
        kind: RecordKind,
        ids: &[String],
        visit: &mut dyn FnMut(RecordKind, serde_json::Map<String, serde_json::Value>),
    ) -> StorageResult<()> {
        self.read(|conn| report_records::each_named(conn, team, kind, ids, visit))
    }

    fn append_audits(&self, entries: &[ServerAudit]) -> StorageResult<()> {
        audit::append(&mut self.writer(), entries)
    }

    fn receive_device_audits(&self, device: DeviceId, batch: &[DeviceAudit]) -> StorageResult<i64> {
        audit::receive_from_device(&mut self.writer(), device, batch)
    }

    fn audit_search(&self, filter: &AuditFilter, limit: u32) -> StorageResult<Vec<ChainedAudit>> {
        self.read(|conn| audit::search(conn, filter, limit))
    }

    fn audit_chain_page(&self, after: u64, limit: u32) -> StorageResult<Vec<ChainedAudit>> {
        self.read(|conn| audit::page(conn, after, limit))
    }

    fn retention_entries(
        &self,
        range: &super::retention_index::RetentionRange,
    ) -> StorageResult<Vec<super::retention_index::RetentionEntry>> {
        self.read(|conn| retention::entries(conn, range))
    }

    fn retention_children(
        &self,
        parent: beatbook_core::retention::RetainedKind,
        parent_id: &str,
    ) -> StorageResult<Vec<(RecordKind, String)>> {
        self.read(|conn| retention::children(conn, parent, parent_id))
    }

    fn record(
        &self,
        kind: RecordKind,
        record_id: &str,
    ) -> StorageResult<Option<super::CurrentRecord>> {
        self.read(|conn| {
            let (current, _) = records::load(conn, kind, record_id)?;
            Ok(current.exists.then_some(current))
        })
    }

    fn size_bytes(&self) -> StorageResult<u64> {
        let mut total = std::fs::metadata(&self.path)?.len();
        let mut wal = self.path.clone().into_os_string();
        wal.push("-wal");
        // The write-ahead log may be absent (checkpointed and removed): that is no error.
        total += std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0);
        Ok(total)
    }
}

/// A temporary data directory only this user can reach (tempfile makes them 0755): what the
/// store insists on (`permissions.rs`).
#[cfg(test)]
pub(crate) fn private_tempdir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    tempfile::Builder::new()
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir()
        .expect("a private temporary directory")
}

/// The key the crate's own tests key their stores with.
#[cfg(test)]
pub(crate) fn test_key() -> StoreKey {
    StoreKey::from_bytes([0x5a; 32])
}

/// A raw connection to a store file keyed with [`test_key`], for tests that reach past the
/// storage API (an old schema to migrate, a row to tamper with).
#[cfg(test)]
pub(crate) fn open_test_file(path: &Path) -> Connection {
    keyed::open(
        path,
        &test_key(),
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
    )
    .expect("open the store file with the test key")
}

/// A store file made by this build's first `version` migrations (their Rust steps included),
/// as a server of that version left it: for upgrade tests.
#[cfg(test)]
pub(crate) fn store_at_version(version: usize) -> (tempfile::TempDir, Connection) {
    let dir = private_tempdir();
    let path = dir.path().join(DB_FILE);
    permissions::prepare_file(&path).expect("a private file");
    let conn = open_test_file(&path);
    migrations::register_functions(&conn).expect("migration functions");
    for (name, sql) in &migrations::MIGRATIONS[..version] {
        migrations::apply(&conn, name, sql).expect("old schema");
    }
    conn.pragma_update(None, "user_version", version as i64)
        .expect("version");
    (dir, conn)
}

#[cfg(test)]
mod audit_tests;
#[cfg(test)]
mod conformance;
#[cfg(test)]
mod record_ids_tests;
#[cfg(test)]
mod tests;
