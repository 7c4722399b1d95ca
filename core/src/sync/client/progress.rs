//! Progress reports and cancellation: how an app shows a sync and stops one.
//!
//! Both are plain, `Send + Sync` and free of any UI or async type, so the CLI draws a bar from
//! them and the mobile FFI can forward them to Kotlin or Swift. Cancellation is cooperative: the
//! flag is checked between batches and pages (and during retry waits), never in the middle of
//! applying one, so a cancelled sync leaves the store exactly as after its last whole step —
//! and the next sync carries on from there.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Which half of a sync is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyncPhase {
    /// Sending this device's changes.
    Push,
    /// Receiving the team's changes.
    Pull,
}

/// Where a sync has got to. Byte counts cover the whole sync so far (both phases).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncProgress {
    pub phase: SyncPhase,
    /// Changes answered by the server (push) or records received (pull) in this phase.
    pub records_done: u64,
    /// How many there are in this phase, when known: the outbox size for push (it grows if
    /// changes are recorded meanwhile); unknown for pull.
    pub records_total: Option<u64>,
    /// Request body bytes sent (as on the wire: push bodies are gzipped).
    pub bytes_sent: u64,
    /// Response body bytes received (as on the wire: gzipped when the server gzips).
    pub bytes_received: u64,
}

/// Receives progress reports, on the thread running the sync, after each batch or page.
/// Keep it quick: the sync waits for it.
pub trait ProgressListener: Send + Sync {
    fn on_progress(&self, progress: &SyncProgress);
}

/// A listener that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl ProgressListener for NoProgress {
    fn on_progress(&self, _progress: &SyncProgress) {}
}

impl<F> ProgressListener for F
where
    F: Fn(&SyncProgress) + Send + Sync,
{
    fn on_progress(&self, progress: &SyncProgress) {
        self(progress)
    }
}

/// Asks a running sync to stop. Clones share one flag: keep one, hand one to the sync.
#[derive(Debug, Clone, Default)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the sync to stop at its next check.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// Clears the flag so that it can be used for another sync.
    pub fn reset(&self) {
        self.0.store(false, Ordering::SeqCst);
    }

    /// `Err(Cancelled)` once cancelled.
    pub(crate) fn check(&self) -> Result<(), super::SyncError> {
        if self.is_cancelled() {
            Err(super::SyncError::Cancelled)
        } else {
            Ok(())
        }
    }
}
