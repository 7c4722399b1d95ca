//! Pulled pages applied several to a transaction.
//!
//! Why: a commit writes every page of the store it dirtied to the WAL, each one encrypted and
//! authenticated, and consecutive pulled pages dirty many of the same pages — the right-hand
//! edge of every B-tree, the leaves of the indexes that are not in arrival order (place, area),
//! the search index's newest segment. Committed page by page, a 60k-contact pull wrote 34.6k
//! WAL frames for a store of ~15k pages; applied ~5,000 records to a commit, it wrote 20.0k
//! (`docs/performance.md` §7, "Pulled pages committed together").
//!
//! How: a [`PulledBatch`] takes the writer and opens a transaction with the first page it
//! applies, and keeps both while pages follow. It commits on its own after
//! [`COMMIT_AFTER_RECORDS`] records or [`COMMIT_AFTER`] with the writer held (a local write
//! waits for the writer no longer than that), and after a page that erased or redacted
//! something (the scrub that follows needs the writer and the committed state). Its caller
//! waits for the next page from the network with the writer held only for the batch's
//! [`PulledBatch::time_left`], commits it before waiting longer, and commits it before
//! anything else touches the store. Each page's records go
//! to the search index once, at the commit (`search_batch`), so the index writes one segment a
//! commit, not one a page.
//!
//! What it keeps: the cursor moves in the same transaction as the records, so a pull cut short
//! (a crash, a failed request, a cancelled sync) resumes after the last commit and applies the
//! uncommitted pages again, which changes nothing twice. A page that fails rolls back every
//! page since the last commit — they are pulled again — and the batch gives the writer back.

use super::applying::ApplyingPulled;
use super::{clock, epoch, incoming, skipped, sync_records, PageApplied};
use crate::error::Result;
use crate::store::search_batch::SearchBatch;
use crate::store::Store;
use crate::sync::merge;
use crate::sync::protocol::PullResponse;
use crate::sync::unknown_kinds::SkippedChange;
use rusqlite::Connection;
use std::time::{Duration, Instant};

/// Records applied in one transaction before the batch commits on its own.
pub const COMMIT_AFTER_RECORDS: usize = 5_000;

/// How long the batch keeps the writer before it commits on its own.
pub const COMMIT_AFTER: Duration = Duration::from_millis(250);

/// Pulled pages applied into one transaction until committed (see the module docs).
pub struct PulledBatch<'a> {
    store: &'a Store,
    open: Option<Open<'a>>,
}

/// The writer and the transaction a batch holds between commits.
struct Open<'a> {
    applying: ApplyingPulled<'a>,
    search: SearchBatch,
    records: usize,
    since: Instant,
    /// A page erased or redacted something: scrub after the commit.
    scrub: bool,
}

impl std::fmt::Debug for PulledBatch<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PulledBatch")
            .field("open", &self.open.is_some())
            .field(
                "records",
                &self.open.as_ref().map_or(0, |open| open.records),
            )
            .finish()
    }
}

impl Store {
    /// A batch to apply pulled pages with; it holds nothing until its first page.
    pub fn pulled_batch(&self) -> PulledBatch<'_> {
        PulledBatch {
            store: self,
            open: None,
        }
    }
}

impl<'a> PulledBatch<'a> {
    /// Merges one pulled page and advances the cursor, in the batch's transaction (opened
    /// here if none is). May commit: see the module docs. On an error, every page since the
    /// last commit is rolled back and the writer given back.
    pub fn apply(&mut self, page: &PullResponse, skipped: &[SkippedChange]) -> Result<PageApplied> {
        let now = self.store.now();
        let open = match &mut self.open {
            Some(open) => open,
            None => self.open.insert(Open::begin(self.store)?),
        };
        match apply_page(open.applying.conn(), page, skipped, now) {
            Ok(applied) => {
                open.records += page.changes.len() + skipped.len();
                open.scrub |= applied.erased > 0 || applied.redacted > 0;
                let due = open.scrub
                    || open.records >= COMMIT_AFTER_RECORDS
                    || open.since.elapsed() >= COMMIT_AFTER;
                if due {
                    self.commit()?;
                }
                Ok(applied)
            }
            Err(e) => {
                self.roll_back();
                Err(e)
            }
        }
    }

    /// Whether pages are applied and not yet committed.
    pub fn is_open(&self) -> bool {
        self.open.is_some()
    }

    /// How much longer the batch may hold the writer before it must commit ([`COMMIT_AFTER`]
    /// from its first page); zero when it holds nothing.
    pub fn time_left(&self) -> Duration {
        self.open.as_ref().map_or(Duration::ZERO, |open| {
            COMMIT_AFTER.saturating_sub(open.since.elapsed())
        })
    }

    /// Commits the pages applied since the last commit and gives the writer back; nothing to
    /// do when none are. On an error, those pages are rolled back.
    pub fn commit(&mut self) -> Result<()> {
        let Some(Open {
            mut applying,
            search,
            scrub,
            ..
        }) = self.open.take()
        else {
            return Ok(());
        };
        let conn = applying.conn();
        let committed = search
            .finish(conn)
            .and_then(|()| Ok(conn.prepare_cached("COMMIT")?.execute([]).map(drop)?));
        if committed.is_err() {
            roll_back_on(conn);
        }
        // Gives the writer back before the area cache and the scrub, which read and write.
        drop(applying);
        self.store.forget_area_index();
        committed?;
        if scrub {
            // As on the erasing device: no old index segment, WAL frame or stale page image
            // in the database file keeps the text.
            self.store.scrub_after_erasure()?;
        }
        Ok(())
    }

    fn roll_back(&mut self) {
        if let Some(mut open) = self.open.take() {
            roll_back_on(open.applying.conn());
            drop(open);
            self.store.forget_area_index();
        }
    }
}

impl Drop for PulledBatch<'_> {
    /// A batch dropped open (a panic, or a caller that returned without committing) rolls its
    /// pages back: they are pulled again, and no transaction is left open on the writer.
    fn drop(&mut self) {
        self.roll_back();
    }
}

impl<'a> Open<'a> {
    fn begin(store: &'a Store) -> Result<Open<'a>> {
        let mut applying = ApplyingPulled::start(store)?;
        let conn = applying.conn();
        conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
        let search = match SearchBatch::open(conn) {
            Ok(search) => search,
            Err(e) => {
                roll_back_on(conn);
                return Err(e);
            }
        };
        Ok(Open {
            applying,
            search,
            records: 0,
            since: Instant::now(),
            scrub: false,
        })
    }
}

/// Rolls back the writer's open transaction, if one is. Called on a path that already has
/// its error to return (or none to return it to, in `drop`), as rusqlite's own transactions
/// do when dropped: should the rollback fail too, SQLite has already rolled back a transaction
/// whose statement failed that way, and the next `BEGIN` reports anything left over.
fn roll_back_on(conn: &Connection) {
    if !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
}

/// One page's records, cursor and clocks, in the open transaction.
fn apply_page(
    conn: &Connection,
    page: &PullResponse,
    skipped: &[SkippedChange],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<PageApplied> {
    // The HLC moves past every stamp seen; the server vouched for them all.
    if let Some(seen) = page
        .changes
        .iter()
        .filter_map(|c| merge::max_hlc(&c.fields))
        .max()
    {
        clock::observe(conn, seen)?;
        sync_records::note_seen(conn, seen)?;
    }
    let applied = incoming::apply_page(conn, &page.changes, now)?;
    skipped::note(conn, skipped)?;
    epoch::note_pulled(conn, page)?;
    conn.prepare_cached("UPDATE sync_state SET cursor = max(cursor, ?1) WHERE id = 1")?
        .execute([page.next_cursor as i64])?;
    super::set_offset(conn, page.server_time, now)?;
    Ok(applied)
}
