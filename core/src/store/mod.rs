//! The encrypted field store.
//!
//! One SQLCipher database per device. One writer connection behind a mutex (SQLite allows one
//! writer at a time; queuing in-process is cheaper than busy retries) and a small pool of
//! read-only connections, so that searches and lists never wait behind a write. Every write
//! validates its input first, then runs in one `IMMEDIATE` transaction together with its audit
//! entry and search-index update: all of it commits, or none of it does.

mod audit;
mod audit_shipping;
mod connection;
mod migration_functions;
pub mod migrations;
mod near_cells;
pub mod sql_time;

mod area_checks;
pub(crate) mod areas;
pub(crate) mod contacts;
mod corrections;
pub mod device_sync;
mod erasure;
mod export;
mod follow_up_board;
pub(crate) mod follow_ups;
pub(crate) mod notes;
pub(crate) mod patrols;
pub(crate) mod problems;
pub mod queries;
#[cfg(test)]
mod query_plans;
pub(crate) mod reference;
pub(crate) mod retention;
pub(crate) mod reviews;
pub(crate) mod rows;
pub(crate) mod search;
mod search_batch;
mod search_progress;
mod search_rebuild;
mod upgrades;

pub use crate::store_key::StoreKey;
pub use audit::{AuditAction, AuditEntry};
pub use contacts::{NearbyContact, RecordedContact};
pub use device_sync::capture::permit as permit_local_write;
pub use device_sync::{
    wipe_files, Enrolment, PageApplied, PushTally, Rejection, ServerTrust, SyncStatus,
    UnreadableRecord,
};
pub use export::{ExportOptions, ExportPeriod};
pub use follow_up_board::BoardRow;

/// Finishes SQLCipher's process-wide set-up, once, before the caller opens SQLCipher
/// connections of its own (a harness reading a store's file, a benchmark's baseline). Stores
/// do this themselves; without it, a keyed connection opened on one thread while another
/// thread's first open is still setting SQLCipher up can have its `PRAGMA key` refused.
pub fn prepare_sqlcipher() {
    connection::initialise_sqlcipher_once();
}
pub use problems::{PendingApproval, StageDecision};
pub use retention::{DueForReview, RetentionApplied};
pub use reviews::{MemberQueue, ReviewQueueItem};
pub use search::{SearchHit, SearchKind};
pub use search_progress::CATCH_UP_AFTER as SEARCH_CATCH_UP_AFTER;

use crate::clock::{Clock, SystemClock};
use crate::error::Result;
use crate::model::Actor;
use chrono::{DateTime, Utc};
use connection::Access;
use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

/// How many idle read connections to keep.
const MAX_IDLE_READERS: usize = 4;

/// An open Beatbook store. `Send + Sync`: share it behind an `Arc`.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    key: StoreKey,
    writer: Mutex<Connection>,
    /// The writer's foreign keys are off: applying pulled pages (or an unlinked erasure) left
    /// them so. Every local write turns them back on first ([`Store::check_links`]). Read and
    /// set only with `writer` locked.
    links_unchecked: AtomicBool,
    readers: Mutex<Vec<Connection>>,
    /// Area boundaries, parsed on first use and replaced when new ones are loaded.
    areas: RwLock<areas::AreaCache>,
    /// The repeat-location radius in metres, as `f64` bits.
    repeat_radius_bits: AtomicU64,
    /// Rows the current write touched, for capturing sync ops (see `device_sync::capture`).
    touched: device_sync::capture::Touched,
    /// Where the store's own stamps come from (see [`crate::clock`]).
    clock: Arc<dyn Clock>,
}

impl Store {
    /// Opens (or creates) the store at `path` with the key from the platform keystore.
    ///
    /// A wrong key gives [`crate::Error::WrongKey`]; the file is never touched then.
    pub fn open(path: impl AsRef<Path>, key: &StoreKey) -> Result<Store> {
        Store::open_with_clock(path, key, Arc::new(SystemClock))
    }

    /// Opens (or creates) the store, taking its own stamps (record, audit and sync times) from
    /// `clock` instead of the wall clock: tests and simulations pass a
    /// [`crate::clock::ManualClock`].
    pub fn open_with_clock(
        path: impl AsRef<Path>,
        key: &StoreKey,
        clock: Arc<dyn Clock>,
    ) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        let mut writer = connection::open(&path, key, Access::Writer)?;
        migrations::migrate(&mut writer)?;
        let touched = device_sync::capture::Touched::default();
        device_sync::capture::install_hook(&mut writer, &touched)?;
        Ok(Store {
            path,
            key: key.clone(),
            writer: Mutex::new(writer),
            links_unchecked: AtomicBool::new(false),
            readers: Mutex::new(Vec::new()),
            areas: RwLock::new(areas::AreaCache::default()),
            repeat_radius_bits: AtomicU64::new(contacts::DEFAULT_REPEAT_RADIUS_M.to_bits()),
            touched,
            clock,
        })
    }

    /// The store's current time, truncated to the microseconds it stores.
    pub fn now(&self) -> DateTime<Utc> {
        sql_time::truncate(self.clock.now())
    }

    /// The store's clock as the judge of recorded times (`model::time_sense`): local writes
    /// are checked against it before their transaction opens.
    pub(crate) fn time_sense(&self) -> crate::model::TimeSense {
        crate::model::TimeSense::at(self.now())
    }

    /// Where the store lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in one write transaction: committed if it returns `Ok`, rolled back otherwise.
    /// Nothing it writes is captured for sync (reference data, bookkeeping).
    pub(crate) fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        self.write_as(None, f)
    }

    /// Runs `f` in one write transaction on behalf of `actor`: the records it changes are
    /// captured as sync ops in the same transaction, before it commits.
    pub(crate) fn write_as<T>(
        &self,
        actor: Option<&Actor>,
        f: impl FnOnce(&Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let mut conn = lock(&self.writer);
        self.check_links(&conn)?;
        self.write_on(&mut conn, actor, f)
    }

    /// [`Store::write_as`] with foreign keys off, for an erasure that removes a record others
    /// link to (a patrol or a problem named by notes and contacts): those links are left
    /// dangling, as on a device that never received the record (see `device_sync::applying`).
    /// The next local write turns foreign keys back on before it starts.
    pub(crate) fn write_as_unlinked<T>(
        &self,
        actor: Option<&Actor>,
        f: impl FnOnce(&Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let mut conn = lock(&self.writer);
        self.uncheck_links(&conn)?;
        self.write_on(&mut conn, actor, f)
    }

    /// Turns the writer's foreign keys back on if something left them off: every local write
    /// checks its links. `conn` is the locked writer.
    fn check_links(&self, conn: &Connection) -> Result<()> {
        if self.links_unchecked.load(Ordering::Relaxed) {
            conn.pragma_update(None, "foreign_keys", "ON")?;
            self.links_unchecked.store(false, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Turns the writer's foreign keys off, unless they already are. They stay off until a
    /// local write needs them: switching them expires every statement the connection has
    /// prepared, so a pull's pages, applied one after another, switch them once, not twice a
    /// page. `conn` is the locked writer.
    pub(super) fn uncheck_links(&self, conn: &Connection) -> Result<()> {
        if !self.links_unchecked.load(Ordering::Relaxed) {
            conn.pragma_update(None, "foreign_keys", "OFF")?;
            self.links_unchecked.store(true, Ordering::Relaxed);
        }
        Ok(())
    }

    fn write_on<T>(
        &self,
        conn: &mut Connection,
        actor: Option<&Actor>,
        f: impl FnOnce(&Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        lock(&self.touched).rows.clear();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        search_progress::catch_up_if_due(&tx)?;
        let touched = std::mem::take(&mut lock(&self.touched).rows);
        if let Some(actor) = actor {
            let now = self.now();
            // A reader sees the last commit: each touched record as it was before this write.
            self.read(|before| {
                device_sync::capture::capture_touched(&tx, before, actor, touched, now)
            })?;
        }
        tx.commit()?;
        Ok(out)
    }

    /// Runs `f` on a read-only connection, inside one read transaction (a consistent snapshot).
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = match lock(&self.readers).pop() {
            Some(conn) => conn,
            None => connection::open(&self.path, &self.key, Access::Reader)?,
        };
        let result = (|| {
            conn.execute_batch("BEGIN DEFERRED")?;
            let out = f(&conn);
            conn.execute_batch("COMMIT")?;
            out
        })();
        if conn.is_autocommit() {
            let mut idle = lock(&self.readers);
            if idle.len() < MAX_IDLE_READERS {
                idle.push(conn);
            }
        }
        result
    }

    /// Checks the database file's integrity (`PRAGMA integrity_check`); `Ok(())` when sound.
    pub fn integrity_check(&self) -> Result<Vec<String>> {
        self.read(|conn| {
            let mut stmt = conn.prepare("PRAGMA integrity_check")?;
            let rows = stmt
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows.into_iter().filter(|r| r != "ok").collect())
        })
    }
}

/// Locks a mutex; a panic elsewhere while it was held leaves the connection usable (an open
/// transaction is rolled back when its guard drops), so poisoning is not an error here.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Reads an `RwLock`, for the same reason ignoring poisoning.
fn lock_read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    /// The host apps share one store across threads (and the FFI wraps it in an `Arc`).
    #[test]
    fn the_store_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<super::Store>();
    }
}
