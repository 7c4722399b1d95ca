//! The device's sync client: enrolment, then push and pull against `beatbook-server` as
//! `docs/sync-protocol.md` describes.
//!
//! It drives the store's sync operations (`store::device_sync`) over HTTP and adds only what
//! needs the network: batching, retries, progress, cancellation and the revocation wipe. All
//! the state that makes a sync safe to interrupt lives in the store — the outbox (an op leaves
//! it only once answered) and the pull cursor (advanced in the same transaction as the page it
//! covers) — so a sync that is cancelled, loses its connection or dies with the app needs no
//! recovery code: the next one re-sends unanswered ops (the server answers repeats
//! `duplicate`) and pulls from the last page applied.
//!
//! Everything is blocking: callers need no async runtime (see `transport` for the one rule
//! this brings). One sync at a time per store; run it on a background thread.
//!
//! The files: `transport` (HTTP, addresses, retries of one request), `retry` (how long to
//! wait), `progress` (progress reports and cancellation), `error` (what can fail), `tls` (TLS
//! cryptography from the OpenSSL SQLCipher links), `pinning` (the server's key pinned at
//! enrolment).

mod audit_upload;
mod error;
pub mod pinning;
mod progress;
mod push;
mod retry;
mod tls;
mod transport;

#[cfg(test)]
mod audit_upload_tests;
#[cfg(test)]
mod retention_tests;
#[cfg(test)]
mod test_server;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod unknown_kinds_tests;

pub use error::SyncError;
pub use progress::{CancelFlag, NoProgress, ProgressListener, SyncPhase, SyncProgress};
pub use tls::install_crypto_provider;

use crate::model::Actor;
use crate::store::device_sync::epoch::EpochSeen;
use crate::store::device_sync::ServerTrust;
use crate::store::Store;
use crate::sync::compact_wire::{EitherPullResponse, ReadPage};
use crate::sync::protocol::{EnrolRequest, EnrolResponse, StatusResponse, MAX_PULL_LIMIT};
use crate::validation::{Rule, ValidationError};
use crate::Error;
use std::time::{Duration, Instant};
use transport::{Repeat, ServerUrl, Traffic, Transport};

/// The most times one sync re-stamps its queued ops after the server refused this device's
/// clock. Once corrected, a second refusal is unusual; a third means something else is wrong,
/// and the ops wait for the next sync rather than loop.
pub const MAX_RESTAMPS_PER_SYNC: u32 = 3;

/// How the client talks to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncOptions {
    /// Longest wait for a connection.
    pub connect_timeout: Duration,
    /// Longest a whole request may take, answer included.
    pub request_timeout: Duration,
    /// Retries of one request after a failure worth retrying (so up to `max_retries + 1` tries).
    pub max_retries: u32,
    /// The first retry waits up to this; each further retry up to twice as long...
    pub backoff_base: Duration,
    /// ...but never more than this.
    pub backoff_max: Duration,
    /// Ops per push (at most the protocol's 1,000). The default is that most: each batch costs
    /// a commit on both sides, a round trip and the clearing of its ops from the outbox
    /// (measured in `docs/performance.md` §7, "Pushes of 1,000 ops").
    pub push_batch: usize,
    /// Records per pull page (at most the protocol's 1,000). The default is that most: on a
    /// phone's link each page costs a round trip, and the server's byte budget per page
    /// (`docs/sync-protocol.md#pull`) then sets a page's size (measured in
    /// `docs/performance.md` §7, "Pull pages of up to 1,000 records").
    pub pull_page: u32,
    /// A force's own CA certificate(s), PEM, trusted besides the operating system's store:
    /// for a server whose certificate a private CA issued. `None`: the system's store only.
    pub private_ca_pem: Option<String>,
    /// Allow plain `http://` to a host other than this machine (a test rig on a private
    /// network). Never in production: the token would cross the network in the clear.
    pub allow_plain_http: bool,
    /// Pins of the server's key: base64 SHA-256 of its certificate's SubjectPublicKeyInfo
    /// (`pinning`), one or more (the key in use and the next one). When set, a certificate
    /// with another key is refused ([`SyncError::CertificatePinMismatch`]) even if a trusted
    /// CA signed it. Empty: the CA rules alone.
    ///
    /// Given at enrolment, these and `private_ca_pem` are kept with the enrolment in the
    /// store, and every later sync of that store uses them whatever its client's options say
    /// (the stored pins replace the options'; the stored CA is added to the options').
    pub pinned_server_keys: Vec<String>,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            max_retries: 6,
            backoff_base: Duration::from_millis(250),
            backoff_max: Duration::from_secs(10),
            push_batch: 1000,
            pull_page: 1000,
            private_ca_pem: None,
            allow_plain_http: false,
            pinned_server_keys: Vec::new(),
        }
    }
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Ops that left the outbox: `accepted + duplicate + rejected`.
    pub pushed: u64,
    pub accepted: u64,
    /// Ops the server had already applied (a previous sync was cut off before its answer).
    pub duplicate: u64,
    /// Ops the server refused; see `Store::sync_rejections`.
    pub rejected: u64,
    /// Times the queued ops were re-stamped after `clock_ahead` refusals.
    pub restamped: u32,
    /// Records received.
    pub pulled: u64,
    /// Records received that changed something here.
    pub changed: u64,
    /// Records received that this build cannot write (a newer app's value, one the stored
    /// value rules refuse): held, and counted in `Store::sync_status` until fixed.
    pub unreadable: u64,
    /// Records received of kinds this build does not know: set aside (never their values),
    /// counted in `Store::sync_status`, pulled again by an app update that knows them.
    pub skipped_unknown: u64,
    /// Records set aside by an older build that this one knows: pulled again in this sync.
    pub resumed: u64,
    /// Times this sync found the server restored from a backup (a new epoch) and re-synced.
    pub epoch_changes: u32,
    /// This device's own changes queued again because the restored server lacked them.
    pub resent: u64,
    /// Records (and contacts' personal details) dropped from this device by the retention
    /// schedule during this sync: before the push, and after a pull that changed the schedule
    /// or a decision (`Store::apply_retention`; nothing of it is pushed).
    pub retention_dropped: u64,
    /// Ops still queued when the sync ended (recorded meanwhile, or still refused for the
    /// device's clock after the re-stamps).
    pub pending: u64,
    /// Conflicts waiting for someone to resolve them.
    pub open_conflicts: u64,
    /// Entries of this device's s.62 log handed to the server (it holds them now).
    pub audit_entries_sent: u64,
    /// Request body bytes sent, gzipped, retries included.
    pub bytes_sent: u64,
    /// Response body bytes received as sent (gzipped when the server gzips).
    pub bytes_received: u64,
    pub duration: Duration,
}

/// How [`sync_or_wipe`] ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncOutcome {
    Synced(SyncReport),
    /// The server revoked this device, and the store's files were deleted.
    Wiped,
}

/// A client for one sync server. Cheap to keep for the app's lifetime; `Send + Sync`.
#[derive(Debug)]
pub struct SyncClient {
    base: ServerUrl,
    transport: Transport,
    options: SyncOptions,
}

impl SyncClient {
    /// A client for the server at `server_url` (`https://...`; plain `http` only to localhost,
    /// unless `options.allow_plain_http`).
    pub fn new(server_url: &str, options: SyncOptions) -> Result<SyncClient, SyncError> {
        let base = ServerUrl::parse_allowing(server_url, options.allow_plain_http)?;
        let transport = Transport::new(&options)?;
        Ok(SyncClient {
            base,
            transport,
            options,
        })
    }

    /// The server's address, normalised (as stored with an enrolment).
    pub fn server_url(&self) -> &str {
        self.base.as_str()
    }

    /// Enrols this device with a one-use code from an administrator, and makes `store` the
    /// enrolled user's store. `store` must be new: a store that already belongs to someone is
    /// refused before the code is spent.
    pub fn enrol(&self, store: &Store, code: &str, device_name: &str) -> Result<Actor, SyncError> {
        let code = code.trim();
        let device_name = device_name.trim();
        if code.is_empty() {
            return Err(Error::from(ValidationError::new("code", Rule::Required)).into());
        }
        if device_name.is_empty() {
            return Err(Error::from(ValidationError::new("device_name", Rule::Required)).into());
        }
        let trust = ServerTrust {
            private_ca_pem: self.options.private_ca_pem.clone(),
            pinned_server_keys: pinning::parse_pins(&self.options.pinned_server_keys)?
                .iter()
                .map(ToString::to_string)
                .collect(),
        };
        if store.enrolment()?.is_some() || store.device_actor()?.is_some() {
            return Err(Error::Denied(crate::policy::Denial::new(
                crate::policy::DenialCode::StoreEnrolledElsewhere,
            ))
            .into());
        }
        let body = transport::to_json(&EnrolRequest {
            code: code.to_owned(),
            device_name: device_name.to_owned(),
        })?;
        let enrolled: EnrolResponse = self.transport.post(
            self.base.endpoint("v1/enrol"),
            None,
            &body,
            Repeat::OnlyIfUnprocessed,
            &CancelFlag::new(),
            &mut Traffic::default(),
            "enrolment answer",
        )?;
        if enrolled.token.len() != 64 || !enrolled.token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(SyncError::Protocol(
                "the device token is not 64 hexadecimal characters".into(),
            ));
        }
        Ok(store.save_enrolment(self.base.as_str(), &enrolled, &trust)?)
    }

    /// Pushes everything queued, then pulls everything new, and notes the outcome for
    /// `Store::sync_status`. On `DeviceRevoked` the caller must wipe the store (or use
    /// [`sync_or_wipe`]).
    pub fn sync(
        &self,
        store: &Store,
        listener: &dyn ProgressListener,
        cancel: &CancelFlag,
    ) -> Result<SyncReport, SyncError> {
        match self.with_stored_trust(store) {
            Ok(Some(client)) => client.sync_as_configured(store, listener, cancel),
            Ok(None) => self.sync_as_configured(store, listener, cancel),
            Err(e) => {
                let _ = store.record_sync_attempt(Some(&e.to_string()));
                Err(e)
            }
        }
    }

    /// This client, made to trust the server as the store's enrolment says (`None`: it
    /// already does). What was given at enrolment cannot be dropped by a later client's options.
    fn with_stored_trust(&self, store: &Store) -> Result<Option<SyncClient>, SyncError> {
        let Some(stored) = store.enrolment()?.map(|e| e.trust) else {
            return Ok(None);
        };
        let mut options = self.options.clone();
        if !stored.pinned_server_keys.is_empty() {
            options.pinned_server_keys = stored.pinned_server_keys;
        }
        if let Some(stored_ca) = stored.private_ca_pem {
            options.private_ca_pem = match options.private_ca_pem {
                Some(own) if own.contains(stored_ca.trim()) => Some(own),
                Some(own) => Some(format!("{own}\n{stored_ca}")),
                None => Some(stored_ca),
            };
        }
        if options == self.options {
            return Ok(None);
        }
        Ok(Some(SyncClient {
            base: self.base.clone(),
            transport: Transport::new(&options)?,
            options,
        }))
    }

    fn sync_as_configured(
        &self,
        store: &Store,
        listener: &dyn ProgressListener,
        cancel: &CancelFlag,
    ) -> Result<SyncReport, SyncError> {
        let started = Instant::now();
        let mut run = Run {
            listener,
            cancel,
            report: SyncReport::default(),
            traffic: Traffic::default(),
            clock_refused: 0,
            retention_changed: false,
        };
        let result = self.run(store, &mut run);
        let mut report = run.report;
        report.bytes_sent = run.traffic.sent;
        report.bytes_received = run.traffic.received;
        report.duration = started.elapsed();
        match result {
            Ok(()) => {
                let stuck = (run.clock_refused > 0).then(|| {
                    format!(
                        "{} changes are still waiting: the server keeps refusing this device's clock",
                        run.clock_refused
                    )
                });
                store.record_sync_attempt(stuck.as_deref())?;
                Ok(report)
            }
            Err(e) => {
                // The sync's own error matters more than a failure to note it.
                let _ = store.record_sync_attempt(Some(&e.to_string()));
                Err(e)
            }
        }
    }

    /// Asks the server who it thinks this device is (checks the token without syncing).
    pub fn server_status(
        &self,
        store: &Store,
        cancel: &CancelFlag,
    ) -> Result<StatusResponse, SyncError> {
        if let Some(client) = self.with_stored_trust(store)? {
            return client.server_status(store, cancel);
        }
        let token = self.enrolled_token(store)?;
        self.transport.get(
            self.base.endpoint("v1/sync/status"),
            Some(&token),
            cancel,
            &mut Traffic::default(),
            "status answer",
        )
    }

    /// The store's device token. It goes to this client's server, which need not be the
    /// address the store enrolled with: a force may move its server or put a gateway in front
    /// of it without re-enrolling every device (which would strand their unsent changes). Apps
    /// build the client from `Enrolment::server_url` unless told otherwise.
    fn enrolled_token(&self, store: &Store) -> Result<String, SyncError> {
        Ok(store.enrolment()?.ok_or(SyncError::NotEnrolled)?.token)
    }

    fn run(&self, store: &Store, run: &mut Run<'_>) -> Result<(), SyncError> {
        run.cancel.check()?;
        let token = self.enrolled_token(store)?;
        // What has passed its date leaves this device before anything is sent: nothing of it
        // is pushed (the server disposes by its own sweep).
        self.apply_retention(store, run)?;
        // What was done on this device reaches the server's log beside the push and before
        // the pull, even when the pull is long or cut off (what a pull logs goes with the next
        // sync).
        let (pushed, handed_in) = self.push_beside_log(store, &token, run);
        match pushed {
            Err(e) if e.server_code() == Some(EPOCH_CHANGED) => {
                // Restored since this device last synced: nothing of the push was applied.
                // Pull everything again, then re-send (below).
                store.begin_replay(None)?;
                run.report.epoch_changes += 1;
            }
            other => other?,
        }
        handed_in?;
        // Records an older build held as unreadable are written now if this build reads them.
        store.retry_unreadable_records()?;
        self.pull(store, &token, run)?;
        if std::mem::take(&mut run.retention_changed) {
            self.apply_retention(store, run)?;
        }
        if store.replaying()? {
            // The pull from 0 is through: queue what the restored server lacks, and send it.
            run.report.resent += store.finish_replay()?;
            self.push(store, &token, run)?;
        }
        let status = store.sync_status()?;
        run.report.pending = status.pending_changes;
        run.report.open_conflicts = status.open_conflicts;
        Ok(())
    }

    /// Applies the retention schedule here, counting what it dropped.
    fn apply_retention(&self, store: &Store, run: &mut Run<'_>) -> Result<(), SyncError> {
        let applied = store.apply_retention()?;
        run.report.retention_dropped += (applied.redacted + applied.erased) as u64;
        Ok(())
    }

    /// Pulls pages from the stored cursor until the server has no more. A page from a new
    /// server epoch (the server was restored) starts the pull again from 0, once per sync.
    fn pull(&self, store: &Store, token: &str, run: &mut Run<'_>) -> Result<(), SyncError> {
        // Records an older build set aside, of kinds this one knows, are pulled again now.
        run.report.resumed += store.resume_skipped_kinds()?;
        match self.pull_pages(store, token, run)? {
            PullEnd::Through => Ok(()),
            PullEnd::EpochChanged => match self.pull_pages(store, token, run)? {
                PullEnd::Through => Ok(()),
                PullEnd::EpochChanged => Err(SyncError::Protocol(
                    "the server's epoch changed twice during one sync".into(),
                )),
            },
        }
    }

    fn pull_pages(
        &self,
        store: &Store,
        token: &str,
        run: &mut Run<'_>,
    ) -> Result<PullEnd, SyncError> {
        let limit = self.options.pull_page.clamp(1, MAX_PULL_LIMIT);
        let cursor = store.pull_cursor()?;
        let mut done = 0;
        run.progress(SyncPhase::Pull, done, None);
        run.cancel.check()?;
        // A re-sync asks for this device's own changes too: it must learn every record the
        // restored server holds to tell what it lacks.
        let with_echoes = store.replaying()?;
        let mut page = self.fetch_page(
            cursor,
            limit,
            with_echoes,
            token,
            run.cancel,
            &mut run.traffic,
        )?;
        // The page applied last, freed on the fetching thread while the next one is applied:
        // a page's records are many small allocations, and freeing them here was 8% of a
        // pull's time on this thread (`docs/performance.md` §7, "Pulled pages freed beside").
        let mut spent: Option<ReadPage> = None;
        loop {
            // Checked before a page is applied: a page of another epoch counts another history.
            if store.note_server_epoch(page.page.epoch)? == EpochSeen::Changed {
                run.report.epoch_changes += 1;
                return Ok(PullEnd::EpochChanged);
            }
            // The next page is requested while this one is applied: the server prepares and
            // sends it, and this device parses it, while the store writes (they are different
            // cores, and different machines in the field).
            let next_cursor = page.page.next_cursor;
            let (applied, next) = if page.page.has_more {
                if next_cursor <= store.pull_cursor()? {
                    return Err(SyncError::Protocol(
                        "the pull cursor did not advance although more changes were announced"
                            .into(),
                    ));
                }
                let cancel = run.cancel;
                let spent = spent.take();
                let (applied, fetched) = std::thread::scope(|scope| {
                    let fetcher = scope.spawn(move || {
                        drop(spent);
                        let mut traffic = Traffic::default();
                        let next = self.fetch_page(
                            next_cursor,
                            limit,
                            with_echoes,
                            token,
                            cancel,
                            &mut traffic,
                        );
                        (next, traffic)
                    });
                    let applied = store.apply_pulled(&page.page, &page.skipped);
                    (applied, fetcher.join())
                });
                let (next, traffic) = fetched.map_err(|_| {
                    SyncError::Protocol("fetching the next pull page failed unexpectedly".into())
                })?;
                run.traffic.sent += traffic.sent;
                run.traffic.received += traffic.received;
                (applied, Some(next))
            } else {
                (store.apply_pulled(&page.page, &page.skipped), None)
            };
            let applied = applied?;
            run.report.skipped_unknown += page.skipped.len() as u64;
            let received = (page.page.changes.len() + page.skipped.len()) as u64;
            done += received;
            run.report.pulled += received;
            run.report.changed += applied.changed as u64;
            run.report.unreadable += applied.unreadable.len() as u64;
            run.retention_changed |= applied.retention_changed;
            run.progress(SyncPhase::Pull, done, None);
            match next {
                None => return Ok(PullEnd::Through),
                Some(next) => {
                    run.cancel.check()?;
                    spent = Some(std::mem::replace(&mut page, next?));
                }
            }
        }
    }

    fn fetch_page(
        &self,
        cursor: u64,
        limit: u32,
        with_echoes: bool,
        token: &str,
        cancel: &CancelFlag,
        traffic: &mut Traffic,
    ) -> Result<ReadPage, SyncError> {
        let page: EitherPullResponse = self.transport.get(
            self.base.pull(cursor, limit, with_echoes),
            Some(token),
            cancel,
            traffic,
            "pull page",
        )?;
        page.into_page()
            .map_err(|e| SyncError::Protocol(e.to_string()))
    }
}

/// Syncs, and wipes the store if the server has revoked this device. Takes the store because a
/// wipe closes it: a caller that keeps its store open calls [`SyncClient::sync`] and, on
/// [`SyncError::DeviceRevoked`], `Store::wipe` (or `store::device_sync::wipe_files`).
pub fn sync_or_wipe(
    client: &SyncClient,
    store: Store,
    listener: &dyn ProgressListener,
    cancel: &CancelFlag,
) -> Result<SyncOutcome, SyncError> {
    match client.sync(&store, listener, cancel) {
        Ok(report) => Ok(SyncOutcome::Synced(report)),
        Err(SyncError::DeviceRevoked) => {
            // The log goes first: the server accepts a revoked device's log and nothing else.
            // Whether it got there or not, the store is wiped.
            let _ = client.hand_in_audit_log(&store, cancel);
            store.wipe()?;
            Ok(SyncOutcome::Wiped)
        }
        Err(e) => Err(e),
    }
}

/// How a run of pull pages ended.
enum PullEnd {
    /// Every page applied.
    Through,
    /// A page came from a new server epoch (not applied); the cursor is back at 0.
    EpochChanged,
}

/// The error code of a push refused for coming from another server epoch.
const EPOCH_CHANGED: &str = "epoch_changed";

/// One sync's running state.
struct Run<'a> {
    listener: &'a dyn ProgressListener,
    cancel: &'a CancelFlag,
    report: SyncReport,
    traffic: Traffic,
    /// Ops the last push answer refused for the device's clock (after the re-stamps ran out).
    clock_refused: u64,
    /// Whether a pulled page changed the retention schedule or a decision to retain.
    retention_changed: bool,
}

impl Run<'_> {
    fn progress(&self, phase: SyncPhase, records_done: u64, records_total: Option<u64>) {
        self.listener.on_progress(&SyncProgress {
            phase,
            records_done,
            records_total,
            bytes_sent: self.traffic.sent,
            bytes_received: self.traffic.received,
        });
    }
}
