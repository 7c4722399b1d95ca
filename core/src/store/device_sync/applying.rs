//! The writer's state while pulled changes are applied: capture paused (they are not local
//! edits) and foreign keys off (a record's change can arrive before the records it links to,
//! or they never arrive, outside this device's scope). A guard pauses capture and resumes it
//! when dropped, on every exit path — an error, an early return or a panic — so local edits
//! are never left uncaptured.
//!
//! Foreign keys are switched off through the store ([`Store::uncheck_links`]) and left off
//! when the guard drops: switching them expires every statement the connection has prepared,
//! and a pull applies its pages one after another, each with the same statements. Every local
//! write turns them back on before it starts (`Store::write_as`), so no local write runs
//! without its links checked, whatever a pull left behind.

use super::capture::Touched;
use crate::error::Result;
use crate::store::{lock, Store};
use rusqlite::Connection;
use std::sync::MutexGuard;

/// The writer connection, set up for applying pulled changes until dropped.
pub(super) struct ApplyingPulled<'a> {
    conn: MutexGuard<'a, Connection>,
    touched: &'a Touched,
}

impl<'a> ApplyingPulled<'a> {
    /// Locks `store`'s writer and sets it up; dropping the guard releases it.
    pub(super) fn start(store: &'a Store) -> Result<Self> {
        let conn = lock(&store.writer);
        set_paused(&store.touched, true);
        // From here on, dropping the guard resumes capture.
        let guard = ApplyingPulled {
            conn,
            touched: &store.touched,
        };
        store.uncheck_links(&guard.conn)?;
        Ok(guard)
    }

    pub(super) fn conn(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

impl Drop for ApplyingPulled<'_> {
    fn drop(&mut self) {
        set_paused(self.touched, false);
    }
}

fn set_paused(touched: &Touched, paused: bool) {
    touched.lock().unwrap_or_else(|p| p.into_inner()).paused = paused;
}

#[cfg(test)]
mod tests {
    use crate::clock::ManualClock;
    use crate::store::{lock, Store};
    use crate::sync::protocol::PullResponse;
    use crate::StoreKey;
    use chrono::{TimeZone, Utc};

    fn foreign_keys(conn: &rusqlite::Connection) -> i64 {
        conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .expect("pragma")
    }

    #[test]
    fn pulled_pages_leave_links_unchecked_and_every_local_write_checks_them() {
        let dir = tempfile::tempdir().expect("dir");
        let now = Utc
            .with_ymd_and_hms(2026, 6, 1, 9, 0, 0)
            .single()
            .expect("a time");
        let store = Store::open_with_clock(
            dir.path().join("device.db"),
            &StoreKey::from_bytes([7; 32]),
            ManualClock::shared(now),
        )
        .expect("open");
        let page = PullResponse {
            changes: Vec::new(),
            next_cursor: 0,
            has_more: false,
            server_time: now,
            epoch: None,
        };
        assert_eq!(foreign_keys(&lock(&store.writer)), 1, "on after open");
        for _ in 0..2 {
            store.apply_pull_page(&page).expect("a page");
            // Left off between pages: switching them expires every prepared statement.
            assert_eq!(foreign_keys(&lock(&store.writer)), 0);
        }
        // A local write, however it is reached, runs with them on.
        let during = store
            .write(|tx| Ok(foreign_keys(tx)))
            .expect("a local write");
        assert_eq!(during, 1);
        let refused = store.write(|tx| {
            tx.execute(
                "INSERT INTO patrol_participants (patrol_id, user_id) VALUES ('none', 'nobody')",
                [],
            )?;
            Ok(())
        });
        assert!(
            refused.is_err(),
            "a dangling link is refused in a local write"
        );
        // An unlinked erasure leaves them off too; the next local write turns them on again.
        let unlinked = store
            .write_as_unlinked(None, |tx| Ok(foreign_keys(tx)))
            .expect("unlinked");
        assert_eq!(unlinked, 0);
        assert_eq!(store.write(|tx| Ok(foreign_keys(tx))).expect("write"), 1);
    }
}
