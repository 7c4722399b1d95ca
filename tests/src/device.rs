//! A device for end-to-end tests: its own encrypted store, enrolled with a real server through
//! the core's sync client.

use beatbook_core::clock::{Clock, SystemClock};
use beatbook_core::model::Actor;
use beatbook_core::sync::client::{
    CancelFlag, NoProgress, SyncClient, SyncError, SyncOptions, SyncReport,
};
use beatbook_core::{Store, StoreKey};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug)]
pub struct Device {
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub actor: Actor,
    pub client: SyncClient,
}

/// Client options for tests: quick retries, so a failure shows within seconds.
pub fn test_options() -> SyncOptions {
    SyncOptions {
        connect_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(20),
        max_retries: 3,
        backoff_base: Duration::from_millis(20),
        backoff_max: Duration::from_millis(200),
        push_batch: 50,
        pull_page: 25,
        ..SyncOptions::default()
    }
}

/// The key each test device's store is encrypted with.
pub fn store_key() -> StoreKey {
    StoreKey::from_bytes([5; 32])
}

impl Device {
    /// A new store enrolled with `code` at `url`.
    pub fn enrol(url: &str, code: &str) -> Device {
        Device::enrol_with_clock(url, code, Arc::new(SystemClock))
    }

    /// A new store on `clock` (a [`beatbook_core::clock::ManualClock`] for tests that move
    /// time on), enrolled with `code` at `url`.
    pub fn enrol_with_clock(url: &str, code: &str, clock: Arc<dyn Clock>) -> Device {
        let dir = tempfile::tempdir().expect("device dir");
        let store = Store::open_with_clock(dir.path().join("device.db"), &store_key(), clock)
            .expect("open store");
        let client = SyncClient::new(url, test_options()).expect("client");
        let actor = client
            .enrol(&store, code.trim(), "test phone")
            .expect("enrol");
        Device {
            dir,
            store,
            actor,
            client,
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("device.db")
    }

    pub fn sync(&self) -> SyncReport {
        self.try_sync().expect("sync")
    }

    pub fn try_sync(&self) -> Result<SyncReport, SyncError> {
        self.client
            .sync(&self.store, &NoProgress, &CancelFlag::new())
    }

    /// The bearer token, for raw HTTP requests in tests.
    pub fn token(&self) -> String {
        self.store
            .enrolment()
            .expect("enrolment")
            .expect("enrolled")
            .token
    }
}
