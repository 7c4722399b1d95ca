//! Async variants of the long calls, for Kotlin coroutines and Swift async.
//!
//! The core is blocking by design (no async runtime on the device). Each async variant runs
//! its blocking call on `blocking`'s thread pool and awaits it, so the foreign executor's
//! thread is never held. A panic in the call becomes `Internal` rather than unwinding into
//! the pool. Dropping the future (a cancelled coroutine or task) cancels a running sync at its
//! next check; the other calls are short and finish on their own.

use crate::error::{BeatbookError, Result};
use crate::records::{Actor, ServerTrust, SyncOutcome};
use crate::store::Store;
use crate::sync::{CancelToken, SyncListener};
use beatbook_core::store::SearchHit;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

/// Runs a blocking call on the pool.
async fn off_thread<T: Send + 'static>(
    call: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    blocking::unblock(move || {
        catch_unwind(AssertUnwindSafe(call))
            .unwrap_or_else(|_| Err(BeatbookError::internal("the call panicked")))
    })
    .await
}

/// Cancels the sync if the awaiting future is dropped before it finishes.
struct CancelOnDrop(Option<Arc<CancelToken>>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(token) = self.0.take() {
            token.cancel();
        }
    }
}

/// Opens a store off the caller's thread (a first open creates the schema).
#[uniffi::export]
pub async fn open_store(path: String, key: Vec<u8>) -> Result<Arc<Store>> {
    off_thread(move || Store::open(path, key)).await
}

#[uniffi::export]
impl Store {
    /// `enrol`, without blocking the caller.
    #[uniffi::method(default(trust = None))]
    pub async fn enrol_async(
        self: Arc<Self>,
        server_url: String,
        code: String,
        device_name: String,
        trust: Option<ServerTrust>,
    ) -> Result<Actor> {
        off_thread(move || self.enrol(server_url, code, device_name, trust)).await
    }

    /// `sync`, without blocking the caller. Cancelling the coroutine or task cancels the sync.
    pub async fn sync_async(
        self: Arc<Self>,
        listener: Option<Arc<dyn SyncListener>>,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<SyncOutcome> {
        let token = cancel.unwrap_or_default();
        let mut guard = CancelOnDrop(Some(token.clone()));
        let out = off_thread(move || self.sync(listener, Some(token))).await;
        guard.0 = None;
        out
    }

    /// `search`, without blocking the caller.
    pub async fn search_async(
        self: Arc<Self>,
        query: String,
        limit: u32,
    ) -> Result<Vec<SearchHit>> {
        off_thread(move || self.search(query, limit)).await
    }

    /// `load_area_boundaries`, without blocking the caller (parsing a force's boundaries
    /// takes seconds).
    pub async fn load_area_boundaries_async(self: Arc<Self>, geojson: String) -> Result<u64> {
        off_thread(move || self.load_area_boundaries(geojson)).await
    }

    /// `report_json`, without blocking the caller (it reads every record of the period).
    pub async fn report_json_async(
        self: Arc<Self>,
        from: std::time::SystemTime,
        to: std::time::SystemTime,
        area: crate::store::ReportArea,
        as_of: std::time::SystemTime,
    ) -> Result<String> {
        off_thread(move || self.report_json(from, to, area, as_of)).await
    }

    /// `export_contacts_csv`, without blocking the caller.
    pub async fn export_contacts_csv_async(
        self: Arc<Self>,
        from: std::time::SystemTime,
        to: std::time::SystemTime,
        justification: String,
    ) -> Result<String> {
        off_thread(move || self.export_contacts_csv(from, to, justification)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_lite::future::block_on;

    #[test]
    fn a_panic_in_an_async_call_is_an_internal_error_not_an_unwind() {
        let out: Result<()> = block_on(off_thread(|| panic!("a bug")));
        assert!(
            matches!(out, Err(BeatbookError::Internal { .. })),
            "{out:?}"
        );
    }

    #[test]
    fn dropping_a_sync_future_cancels_its_token() {
        let token = CancelToken::new();
        drop(CancelOnDrop(Some(token.clone())));
        assert!(token.is_cancelled());
    }

    #[test]
    fn async_open_and_a_wrong_key_and_a_closed_store_are_typed() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("s.db").to_string_lossy().into_owned();
        let store = block_on(open_store(path.clone(), vec![7; 32])).expect("open");
        assert!(matches!(
            Store::open(path.clone(), vec![8; 32]),
            Err(BeatbookError::WrongKey { .. })
        ));
        assert!(matches!(
            Store::open(path, vec![7; 16]),
            Err(BeatbookError::BadKey { .. })
        ));
        assert!(matches!(
            store.acting().map(|_| ()),
            Err(BeatbookError::NotEnrolled { .. })
        ));
        store.close_store();
        assert!(!store.is_open());
        assert!(matches!(
            store.problems(),
            Err(BeatbookError::Closed { .. })
        ));
    }
}
