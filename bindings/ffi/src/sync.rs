//! Enrolment, sync (with a foreign progress listener and cancellation), sync status and
//! conflicts.
//!
//! `enrol` and `sync` block on the network (a sync can take minutes on a poor signal): call
//! them from a worker (WorkManager, BGTaskScheduler) or use `enrol_async` / `sync_async`. A
//! revoked device is wiped by `sync` itself, which then answers `SyncOutcome::Wiped`.

use crate::convert::all;
use crate::error::{BeatbookError, Result};
use crate::records::{
    Actor, Conflict, EnrolmentInfo, Rejection, ServerTrust, SyncOutcome, SyncProgress, SyncStatus,
};
use crate::store::Store;
use beatbook_core::sync::client::{
    CancelFlag, ProgressListener, SyncClient, SyncError, SyncOptions, SyncProgress as CoreProgress,
};
use beatbook_core::sync::conflict::Resolution;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

/// Receives sync progress, on the thread running the sync, after each batch or page. Keep it
/// quick (post to the UI thread); the sync waits for it. Implemented in Kotlin or Swift.
/// Whatever it throws is ignored (it is declared to throw so that a listener's exception is an
/// ordinary error, never a panic): a progress bar's bug must not lose a sync.
#[uniffi::export(with_foreign)]
pub trait SyncListener: Send + Sync {
    fn on_progress(&self, progress: SyncProgress) -> Result<()>;
}

/// Stops a running sync at its next check (between batches and pages, and during retry
/// waits); what finished before is kept and the next sync carries on. Create one per sync, or
/// `reset` it.
#[derive(Debug, Default, uniffi::Object)]
pub struct CancelToken(CancelFlag);

#[uniffi::export]
impl CancelToken {
    #[uniffi::constructor]
    pub fn new() -> Arc<CancelToken> {
        Arc::new(CancelToken::default())
    }

    /// Asks the sync to stop. Never blocks.
    pub fn cancel(&self) {
        self.0.cancel();
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.is_cancelled()
    }

    pub fn reset(&self) {
        self.0.reset();
    }
}

impl CancelToken {
    pub(crate) fn flag(&self) -> CancelFlag {
        self.0.clone()
    }
}

/// Forwards the core's progress to the foreign listener, ignoring what it throws (and, should
/// a foreign call break its contract, the panic uniffi raises for that).
struct Forward(Option<Arc<dyn SyncListener>>);

impl ProgressListener for Forward {
    fn on_progress(&self, progress: &CoreProgress) {
        if let Some(listener) = &self.0 {
            let progress = SyncProgress::from(progress);
            let _ = catch_unwind(AssertUnwindSafe(|| listener.on_progress(progress)));
            // An `Err` is the listener's exception: ignored on purpose.
        }
    }
}

#[uniffi::export]
impl Store {
    /// Enrols this (new, empty) store with a sync server using a one-time code from an
    /// administrator; the enrolled user becomes the device owner. Blocks (network).
    /// `trust`: the force's private CA and/or pins of the server's key, kept with the
    /// enrolment for every later sync (and checked for this one).
    #[uniffi::method(default(trust = None))]
    pub fn enrol(
        &self,
        server_url: String,
        code: String,
        device_name: String,
        trust: Option<ServerTrust>,
    ) -> Result<Actor> {
        let store = self.core()?;
        let trust = trust.unwrap_or_default();
        let options = SyncOptions {
            private_ca_pem: trust.private_ca_pem,
            pinned_server_keys: trust.pinned_server_keys,
            ..SyncOptions::default()
        };
        let client = SyncClient::new(&server_url, options)?;
        Ok(client.enrol(&store, &code, &device_name)?.into())
    }

    /// Sends this device's changes and receives the team's. Blocks (network). On revocation
    /// the store is wiped and the answer is `Wiped`; every later call answers `Closed`.
    pub fn sync(
        &self,
        listener: Option<Arc<dyn SyncListener>>,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<SyncOutcome> {
        let store = self.core()?;
        let enrolment = store.enrolment()?.ok_or_else(BeatbookError::not_enrolled)?;
        let client = SyncClient::new(&enrolment.server_url, SyncOptions::default())?;
        let cancel = cancel.map(|c| c.flag()).unwrap_or_default();
        let result = client.sync(&store, &Forward(listener), &cancel);
        drop(store);
        match result {
            Ok(report) => Ok(SyncOutcome::Synced {
                report: report.into(),
            }),
            Err(SyncError::DeviceRevoked) => {
                self.wipe_now()?;
                Ok(SyncOutcome::Wiped)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Where this device syncs to, once enrolled (the token never leaves the store).
    pub fn enrolment(&self) -> Result<Option<EnrolmentInfo>> {
        Ok(self.core()?.enrolment()?.map(Into::into))
    }

    /// What waits to be sent, what was refused, open conflicts, the last sync. No network.
    pub fn sync_status(&self) -> Result<SyncStatus> {
        Ok(self.core()?.sync_status()?.into())
    }

    /// Changes the server refused, newest first.
    pub fn sync_rejections(&self) -> Result<Vec<Rejection>> {
        Ok(all(self.core()?.sync_rejections()?))
    }

    /// Conflicts, newest first; only unresolved ones when `open_only`.
    pub fn conflicts(&self, open_only: bool) -> Result<Vec<Conflict>> {
        let store = self.core()?;
        let users = store.users()?;
        Ok(store
            .conflicts(open_only)?
            .into_iter()
            .map(|c| Conflict::named(c, &users))
            .collect())
    }

    /// Settles a conflict; the choice syncs to everyone. `KeepLoser` writes the losing value
    /// back as a new change.
    pub fn resolve_conflict(
        &self,
        conflict_id: String,
        resolution: Resolution,
    ) -> Result<Conflict> {
        let (store, actor) = self.acting()?;
        let resolved = store.resolve_conflict(&actor, conflict_id.trim(), resolution)?;
        Ok(Conflict::named(resolved, &store.users()?))
    }
}
