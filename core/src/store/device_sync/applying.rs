//! The writer's state while pulled changes are applied: capture paused (they are not local
//! edits) and foreign keys off (a record's change can arrive before the records it links to,
//! or they never arrive, outside this device's scope). A guard sets both and restores both
//! when dropped, on every exit path — an error, an early return or a panic — so the writer is
//! never left capturing nothing or checking no links.

use super::capture::Touched;
use crate::error::Result;
use rusqlite::Connection;
use std::sync::MutexGuard;

/// The writer connection, set up for applying pulled changes until dropped.
pub(super) struct ApplyingPulled<'a> {
    conn: MutexGuard<'a, Connection>,
    touched: &'a Touched,
    restored: bool,
}

impl<'a> ApplyingPulled<'a> {
    pub(super) fn start(conn: MutexGuard<'a, Connection>, touched: &'a Touched) -> Result<Self> {
        set_paused(touched, true);
        // From here on, dropping the guard undoes what was set.
        let guard = ApplyingPulled {
            conn,
            touched,
            restored: false,
        };
        guard.conn.pragma_update(None, "foreign_keys", "OFF")?;
        Ok(guard)
    }

    pub(super) fn conn(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// Restores the writer, reporting a failure to switch foreign keys back on (dropping the
    /// guard restores it too, but cannot report).
    pub(super) fn finish(mut self) -> Result<()> {
        self.restore()
    }

    fn restore(&mut self) -> Result<()> {
        if self.restored {
            return Ok(());
        }
        self.restored = true;
        set_paused(self.touched, false);
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        Ok(())
    }
}

impl Drop for ApplyingPulled<'_> {
    fn drop(&mut self) {
        // Nothing to report to from a drop; the next open of the store sets foreign keys on.
        let _ = self.restore();
    }
}

fn set_paused(touched: &Touched, paused: bool) {
    touched.lock().unwrap_or_else(|p| p.into_inner()).paused = paused;
}
