//! The PostgreSQL store, for forces that outgrow one machine: several stateless server
//! instances on one database, each with a bounded pool of connections (`pool.rs`). Every
//! instance is the same server to devices (one server node id, one feed, one duplicate check).
//!
//! How the contract (`storage/mod.rs`) is kept: a batch of changes locks the `feed` row as
//! its first statement and takes its seqs under that lock (`records.rs`), so batches are
//! serialised from their start across every instance and commit in seq order; a feed page and
//! its head are read in one REPEATABLE READ snapshot (`feed.rs`). Records are stored in the
//! same compact form as the SQLite store (`storage/compact.rs`). Schema: `migrations.rs`.
//!
//! The `postgres` client is blocking (it runs its own small runtime per connection), as the
//! trait is: callers in the HTTP layer are on `spawn_blocking` threads.

mod audit;
#[cfg(test)]
mod conformance;
mod convert;
mod errors;
mod feed;
#[cfg(test)]
mod frozen_schemas;
mod migrations;
mod people;
mod pool;
mod records;
mod reports;
mod retention;
mod tls;

pub mod testing;

pub use pool::PoolOptions;

use super::device_audits::DeviceAudit;
use super::StorageError;
use super::{
    AuditFilter, ChainedAudit, DeviceInfo, EnrolRefusal, FeedFilter, FeedPage, NewDevice,
    PendingWrite, ReferenceRow, ReportRecord, ServerAudit, StorageResult, SyncStorage, TeamRoster,
    TokenCheck, WriteOutcome,
};
use beatbook_core::ids::{DeviceId, TeamId, UserId};
use beatbook_core::model::{Team, User};
use beatbook_core::sync::RecordKind;
use pool::{Pool, PooledClient};

/// The PostgreSQL implementation of [`SyncStorage`].
pub struct PostgresStorage {
    /// `None` only while being dropped (see `Drop`).
    pool: Option<Pool>,
    node: DeviceId,
    epoch: uuid::Uuid,
    feed_lock: records::FeedLock,
}

impl std::fmt::Debug for PostgresStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStorage")
            .field("node", &self.node)
            .field(
                "connections",
                &self.pool.as_ref().map(|p| p.state().connections),
            )
            .finish_non_exhaustive()
    }
}

impl PostgresStorage {
    /// Connects to `url` (`postgres://user@host:5432/dbname`) with the default pool, and brings
    /// the schema up to date.
    pub fn open(url: &str) -> StorageResult<Self> {
        Self::open_with(url, &PoolOptions::default())
    }

    /// Connects with `options`, and brings the schema up to date.
    pub fn open_with(url: &str, options: &PoolOptions) -> StorageResult<Self> {
        let pool = pool::connect(url, options)?;
        let mut client = pool.get()?;
        migrations::migrate(&mut client)?;
        let node = people::server_node(&mut *client)?;
        let epoch = people::epoch(&mut *client)?;
        drop(client);
        Ok(Self {
            pool: Some(pool),
            node,
            epoch,
            feed_lock: records::FeedLock::AtStart,
        })
    }

    /// Gives the database a new epoch (`storage::epoch`), after it was brought back from a
    /// backup (pg_restore, point-in-time recovery). Instances already running keep the old one
    /// until they restart: run it before starting them.
    pub fn renew_epoch(&self) -> StorageResult<uuid::Uuid> {
        people::renew_epoch(&mut *self.client()?)
    }

    fn client(&self) -> StorageResult<PooledClient> {
        let pool = self
            .pool
            .as_ref()
            .ok_or_else(|| StorageError::Busy("the store is closing".into()))?;
        Ok(pool.get()?)
    }

    /// Runs `f` in one transaction, committed if it returns `Ok`.
    fn in_transaction<T>(
        &self,
        f: impl FnOnce(&mut postgres::Transaction<'_>) -> StorageResult<T>,
    ) -> StorageResult<T> {
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        let out = f(&mut tx)?;
        tx.commit()?;
        Ok(out)
    }
}

/// Closing a `postgres::Client` blocks on the client's own small runtime, which panics on a
/// thread that is driving tokio — and the server's last handle on its storage is dropped on
/// such a thread as it stops after SIGTERM (a panic in that drop aborted the process). So the
/// pool, and with it every connection, is closed on a plain thread when that is where the
/// storage is dropped.
impl Drop for PostgresStorage {
    fn drop(&mut self) {
        let Some(pool) = self.pool.take() else {
            return;
        };
        if tokio::runtime::Handle::try_current().is_ok() {
            let closing = std::thread::spawn(move || drop(pool));
            if closing.join().is_err() {
                tracing::warn!("closing the database connections failed");
            }
        }
    }
}

impl SyncStorage for PostgresStorage {
    fn server_node(&self) -> StorageResult<DeviceId> {
        Ok(self.node)
    }

    fn epoch(&self) -> StorageResult<uuid::Uuid> {
        Ok(self.epoch)
    }

    fn teams(&self) -> StorageResult<Vec<Team>> {
        people::teams(&mut *self.client()?)
    }

    fn users(&self) -> StorageResult<Vec<User>> {
        people::users(&mut *self.client()?)
    }

    fn user(&self, id: UserId) -> StorageResult<Option<User>> {
        people::user(&mut *self.client()?, id)
    }

    fn team_member_ids(&self, team: TeamId) -> StorageResult<Vec<UserId>> {
        people::team_member_ids(&mut *self.client()?, team)
    }

    fn team_roster(&self, team: TeamId) -> StorageResult<TeamRoster> {
        people::team_roster(&mut *self.client()?, team)
    }

    fn upsert_reference_rows(&self, rows: &[ReferenceRow], now_ms: i64) -> StorageResult<()> {
        self.in_transaction(|tx| {
            for row in rows {
                people::upsert_reference(tx, row, now_ms)?;
            }
            Ok(())
        })
    }

    fn add_enrolment_code(
        &self,
        code_hash: [u8; 32],
        user: UserId,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> StorageResult<()> {
        people::add_enrolment_code(&mut *self.client()?, code_hash, user, now_ms, expires_at_ms)
    }

    fn devices(&self) -> StorageResult<Vec<DeviceInfo>> {
        people::devices(&mut *self.client()?)
    }

    fn revoke_device(&self, id: DeviceId, now_ms: i64) -> StorageResult<bool> {
        people::revoke_device(&mut *self.client()?, id, now_ms)
    }

    fn enrol(
        &self,
        code_hash: [u8; 32],
        device: &NewDevice,
        now_ms: i64,
    ) -> StorageResult<Result<User, EnrolRefusal>> {
        people::enrol(&mut *self.client()?, code_hash, device, now_ms)
    }

    fn authenticate(&self, token_hash: [u8; 32], now_ms: i64) -> StorageResult<TokenCheck> {
        let mut client = self.client()?;
        let (check, last_seen) = people::check_token(&mut *client, token_hash)?;
        if let TokenCheck::Active(principal) = &check {
            if people::should_touch(last_seen, now_ms) {
                people::touch_device(&mut *client, principal.device_id, now_ms)?;
            }
        }
        Ok(check)
    }

    fn write_records(&self, writes: &mut [PendingWrite<'_>]) -> StorageResult<Vec<WriteOutcome>> {
        records::write_batch(&mut *self.client()?, writes, self.feed_lock)
    }

    fn feed_page_within(
        &self,
        filter: &FeedFilter,
        after: u64,
        limit: u32,
        max_bytes: usize,
    ) -> StorageResult<FeedPage> {
        feed::feed_page(&mut *self.client()?, filter, after, limit, max_bytes)
    }

    fn feed_page_stored(
        &self,
        filter: &FeedFilter,
        after: u64,
        limit: u32,
        max_bytes: usize,
    ) -> StorageResult<crate::storage::StoredFeedPage> {
        feed::feed_page_stored(&mut *self.client()?, filter, after, limit, max_bytes)
    }

    fn feed_head(&self) -> StorageResult<u64> {
        feed::head(&mut *self.client()?)
    }

    fn report_records(
        &self,
        team: Option<TeamId>,
        kinds: &[RecordKind],
    ) -> StorageResult<Vec<ReportRecord>> {
        reports::report_records(&mut *self.client()?, team, kinds)
    }

    fn each_report_record(
        &self,
        team: Option<TeamId>,
        kinds: &[RecordKind],
        read_from_day: Option<i64>,
        visit: &mut dyn FnMut(RecordKind, serde_json::Map<String, serde_json::Value>),
    ) -> StorageResult<()> {
        reports::each_report_record(&mut *self.client()?, team, kinds, read_from_day, visit)
    }

    fn each_named_record(
        &self,
        team: Option<TeamId>,
        kind: RecordKind,
        ids: &[String],
        visit: &mut dyn FnMut(RecordKind, serde_json::Map<String, serde_json::Value>),
    ) -> StorageResult<()> {
        reports::each_named_record(&mut *self.client()?, team, kind, ids, visit)
    }

    fn retention_entries(
        &self,
        range: &super::retention_index::RetentionRange,
    ) -> StorageResult<Vec<super::retention_index::RetentionEntry>> {
        retention::entries(&mut *self.client()?, range)
    }

    fn retention_children(
        &self,
        parent: beatbook_core::retention::RetainedKind,
        parent_id: &str,
    ) -> StorageResult<Vec<(RecordKind, String)>> {
        retention::children(&mut *self.client()?, parent, parent_id)
    }

    fn record(
        &self,
        kind: RecordKind,
        record_id: &str,
    ) -> StorageResult<Option<super::CurrentRecord>> {
        retention::record(&mut *self.client()?, kind, record_id)
    }

    fn append_audits(&self, entries: &[ServerAudit]) -> StorageResult<()> {
        self.in_transaction(|tx| audit::append_in(tx, entries))
    }

    fn receive_device_audits(&self, device: DeviceId, batch: &[DeviceAudit]) -> StorageResult<i64> {
        self.in_transaction(|tx| audit::receive_from_device(tx, device, batch))
    }

    fn audit_search(&self, filter: &AuditFilter, limit: u32) -> StorageResult<Vec<ChainedAudit>> {
        audit::search(&mut *self.client()?, filter, limit)
    }

    fn audit_chain_page(&self, after: u64, limit: u32) -> StorageResult<Vec<ChainedAudit>> {
        audit::page(&mut *self.client()?, after, limit)
    }

    fn size_bytes(&self) -> StorageResult<u64> {
        let row = self
            .client()?
            .query_one("SELECT pg_database_size(current_database())", &[])?;
        Ok(u64::try_from(row.get::<_, i64>(0)).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::testing::TestSchema;
    use super::PostgresStorage;
    use crate::storage::SyncStorage;

    /// As the server does when it stops: the storage's last handle dropped on a tokio worker.
    #[test]
    fn the_storage_can_be_dropped_on_a_thread_driving_tokio() {
        let Some(schema) = TestSchema::create() else {
            return;
        };
        let storage = PostgresStorage::open(schema.url()).expect("open");
        assert_eq!(storage.feed_head().expect("a pooled connection in use"), 0);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .expect("runtime");
        let dropped =
            runtime.block_on(async move { tokio::spawn(async move { drop(storage) }).await });
        assert!(
            dropped.is_ok(),
            "dropping the storage panicked: {dropped:?}"
        );
    }
}
