//! The pull: pages of the server's feed from the stored cursor until it has no more.
//!
//! Why pipelined: the next page is requested while this one is applied — the server prepares
//! and sends it, and a thread of this device parses it, while the store writes (different
//! cores here, different machines in the field). The page applied last is freed on that
//! thread too: a page's records are many small allocations, and freeing them on the applying
//! thread was 8% of a pull's time there (`docs/performance.md` §7, "Pulled pages freed
//! beside").
//!
//! Why batched: the pages go into the store through one [`PulledBatch`], which applies several
//! to a transaction (`store::device_sync::pulled_batch`). With a page applied, the pull waits
//! for the next one with the writer held only for what is left of the batch's time
//! ([`COMMIT_AFTER`](crate::store::device_sync::COMMIT_AFTER) from its first page), then
//! commits and waits without it: a local write never waits for the network longer than that.
//! On a fast link a pull commits every few thousand records, on a slow one every page, as
//! before. Progress is reported at each commit, with the writer given back, so a listener
//! that reads the store sees what it is told of.

use super::transport::Traffic;
use super::{CancelFlag, Run, SyncClient, SyncError, SyncPhase};
use crate::store::device_sync::epoch::EpochSeen;
use crate::store::device_sync::PulledBatch;
use crate::store::Store;
use crate::sync::compact_wire::{EitherPullResponse, ReadPage};
use crate::sync::protocol::MAX_PULL_LIMIT;
use uuid::Uuid;

/// How a run of pull pages ended.
pub(super) enum PullEnd {
    /// Every page applied.
    Through,
    /// A page came from a new server epoch (not applied); the cursor is back at 0.
    EpochChanged,
}

/// Records pulled and how many of them the last progress report told of.
struct Pulled {
    done: u64,
    reported: u64,
}

impl SyncClient {
    /// Pulls pages from the stored cursor until the server has no more. A page from a new
    /// server epoch (the server was restored) starts the pull again from 0, once per sync.
    pub(super) fn pull(
        &self,
        store: &Store,
        token: &str,
        run: &mut Run<'_>,
    ) -> Result<(), SyncError> {
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

    /// One run of pages into a batch that is committed however the run ends: the pages
    /// applied before a failed request or a cancellation are kept.
    fn pull_pages(
        &self,
        store: &Store,
        token: &str,
        run: &mut Run<'_>,
    ) -> Result<PullEnd, SyncError> {
        let mut batch = store.pulled_batch();
        let mut pulled = Pulled {
            done: 0,
            reported: 0,
        };
        let ended = self.pull_pages_into(&mut batch, &mut pulled, store, token, run);
        let committed = batch.commit();
        // The run's own error comes first; a commit that failed after it loses nothing the
        // next sync does not pull again.
        let end = ended?;
        committed?;
        run.progress(SyncPhase::Pull, pulled.done, None);
        Ok(end)
    }

    fn pull_pages_into(
        &self,
        batch: &mut PulledBatch<'_>,
        pulled: &mut Pulled,
        store: &Store,
        token: &str,
        run: &mut Run<'_>,
    ) -> Result<PullEnd, SyncError> {
        let limit = self.options.pull_page.clamp(1, MAX_PULL_LIMIT);
        let mut cursor = store.pull_cursor()?;
        run.progress(SyncPhase::Pull, 0, None);
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
        let mut spent: Option<ReadPage> = None;
        // The epoch of the pages in the batch: a page of another one is checked (and may
        // begin a replay, a write of its own) only with the batch committed.
        let mut batch_epoch: Option<Option<Uuid>> = None;
        loop {
            if batch_epoch != Some(page.page.epoch) {
                batch.commit()?;
                batch_epoch = Some(page.page.epoch);
                // Checked before a page is applied: a page of another epoch counts another
                // history.
                if store.note_server_epoch(page.page.epoch)? == EpochSeen::Changed {
                    run.report.epoch_changes += 1;
                    return Ok(PullEnd::EpochChanged);
                }
            }
            let next_cursor = page.page.next_cursor;
            let (applied, next) = if page.page.has_more {
                if next_cursor <= cursor {
                    return Err(SyncError::Protocol(
                        "the pull cursor did not advance although more changes were announced"
                            .into(),
                    ));
                }
                let cancel = run.cancel;
                let spent = spent.take();
                let (applied, fetched) = std::thread::scope(|scope| {
                    let (send, arrived) = std::sync::mpsc::channel();
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
                        // The receiver waits for this until the fetcher is joined.
                        let _ = send.send((next, traffic));
                    });
                    let mut applied = batch.apply(&page.page, &page.skipped);
                    let mut fetched = None;
                    if applied.is_ok() && batch.is_open() {
                        // The writer is held for the next page only as long as the batch may
                        // hold it; then it is committed and the page waited for without it.
                        fetched = arrived.recv_timeout(batch.time_left()).ok();
                        if fetched.is_none() {
                            if let Err(e) = batch.commit() {
                                applied = Err(e);
                            }
                        }
                    }
                    let fetched = match fetched {
                        Some(fetched) => Ok(fetched),
                        None => arrived.recv().map_err(drop),
                    };
                    let joined = fetcher.join();
                    (
                        applied,
                        fetched.and_then(|f| joined.map(|()| f).map_err(drop)),
                    )
                });
                let (next, traffic) = fetched.map_err(|()| {
                    SyncError::Protocol("fetching the next pull page failed unexpectedly".into())
                })?;
                run.traffic.sent += traffic.sent;
                run.traffic.received += traffic.received;
                (applied, Some(next))
            } else {
                (batch.apply(&page.page, &page.skipped), None)
            };
            let applied = applied?;
            cursor = cursor.max(next_cursor);
            run.report.skipped_unknown += page.skipped.len() as u64;
            let received = (page.page.changes.len() + page.skipped.len()) as u64;
            pulled.done += received;
            run.report.pulled += received;
            run.report.changed += applied.changed as u64;
            run.report.unreadable += applied.unreadable.len() as u64;
            run.retention_changed |= applied.retention_changed;
            if !batch.is_open() && pulled.reported < pulled.done {
                run.progress(SyncPhase::Pull, pulled.done, None);
                pulled.reported = pulled.done;
            }
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
