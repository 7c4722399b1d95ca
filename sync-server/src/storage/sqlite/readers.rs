//! A fixed pool of read-only connections to the embedded store.
//!
//! Why: a connection is three open files (the database, its WAL and shared-memory index) and a
//! page cache. Opening one per in-flight read let 600 concurrent pulls exhaust a 1,024
//! open-files limit — SQLite then failed with "unable to open database file" (answered 500)
//! and `accept` failed with EMFILE. Here at most `size` connections ever exist; a read waits
//! for a free one for at most `wait`, then fails [`StorageError::Busy`] (answered `503` with
//! `Retry-After`, which devices retry on their own). A connection that cannot be opened (out
//! of file descriptors) is busy too, never a 500: the same call may simply be made again.
//!
//! Connections are opened lazily, kept for the life of the store and handed out newest-first
//! (a warm page cache).

use crate::storage::{StorageError, StorageResult};
use rusqlite::Connection;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Reader connections when the operator does not say.
pub const DEFAULT_READERS: usize = 8;
/// How long a read waits for a free reader when the operator does not say.
pub const DEFAULT_READER_WAIT: Duration = Duration::from_secs(5);

/// How the pool is sized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReaderLimits {
    /// Connections at most (at least 1).
    pub size: usize,
    /// How long a read waits for one before it is answered busy.
    pub wait: Duration,
}

impl Default for ReaderLimits {
    fn default() -> Self {
        Self {
            size: DEFAULT_READERS,
            wait: DEFAULT_READER_WAIT,
        }
    }
}

#[derive(Debug, Default)]
struct State {
    idle: Vec<Connection>,
    /// Connections that exist: idle, lent out, or being opened.
    open: usize,
}

/// The pool; `open` makes a new connection when one is needed and the pool is not full.
pub(super) struct Readers {
    limits: ReaderLimits,
    state: Mutex<State>,
    freed: Condvar,
    open: Box<dyn Fn() -> StorageResult<Connection> + Send + Sync>,
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("Readers")
            .field("limits", &self.limits)
            .field("open", &state.open)
            .field("idle", &state.idle.len())
            .finish()
    }
}

impl Readers {
    pub(super) fn new(
        limits: ReaderLimits,
        open: impl Fn() -> StorageResult<Connection> + Send + Sync + 'static,
    ) -> Self {
        Self {
            limits: ReaderLimits {
                size: limits.size.max(1),
                wait: limits.wait,
            },
            state: Mutex::default(),
            freed: Condvar::new(),
            open: Box::new(open),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing is left half-done under this lock: a panic elsewhere leaves it sound.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on a reader, waiting for one up to the pool's `wait`.
    pub(super) fn read<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> StorageResult<T>,
    ) -> StorageResult<T> {
        let mut lent = self.checkout()?;
        match lent.conn.as_mut() {
            Some(conn) => f(conn),
            None => Err(StorageError::Invalid(
                "a lent reader has no connection".into(),
            )),
        }
    }

    fn checkout(&self) -> StorageResult<Lent<'_>> {
        let deadline = Instant::now() + self.limits.wait;
        let mut state = self.lock();
        loop {
            if let Some(conn) = state.idle.pop() {
                return Ok(Lent {
                    pool: self,
                    conn: Some(conn),
                });
            }
            if state.open < self.limits.size {
                state.open += 1;
                drop(state);
                return match (self.open)() {
                    Ok(conn) => Ok(Lent {
                        pool: self,
                        conn: Some(conn),
                    }),
                    Err(e) => {
                        self.lock().open -= 1;
                        self.freed.notify_one();
                        Err(StorageError::Busy(format!(
                            "could not open a reader connection: {e}"
                        )))
                    }
                };
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(StorageError::Busy(format!(
                    "all {} reader connections stayed in use for {} ms",
                    self.limits.size,
                    self.limits.wait.as_millis()
                )));
            }
            state = self
                .freed
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// Connections that exist now (for tests and the operator's view).
    #[cfg(test)]
    pub(super) fn open_count(&self) -> usize {
        self.lock().open
    }
}

/// A connection lent out; back to the pool when dropped (also on panic).
struct Lent<'p> {
    pool: &'p Readers,
    conn: Option<Connection>,
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.lock().idle.push(conn);
            self.pool.freed.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Barrier};

    fn pool(size: usize, wait: Duration, opened: Arc<AtomicUsize>) -> Arc<Readers> {
        Arc::new(Readers::new(ReaderLimits { size, wait }, move || {
            opened.fetch_add(1, Ordering::SeqCst);
            Ok(Connection::open_in_memory()?)
        }))
    }

    #[test]
    fn never_more_connections_than_the_size_and_a_read_past_the_wait_is_busy() {
        let opened = Arc::new(AtomicUsize::new(0));
        let readers = pool(2, Duration::from_millis(50), opened.clone());
        let hold = Arc::new(Barrier::new(3));
        let release = Arc::new(Barrier::new(3));
        let holders: Vec<_> = (0..2)
            .map(|_| {
                let (readers, hold, release) = (readers.clone(), hold.clone(), release.clone());
                std::thread::spawn(move || {
                    readers
                        .read(|_| {
                            hold.wait();
                            release.wait();
                            Ok(())
                        })
                        .expect("read")
                })
            })
            .collect();
        hold.wait();
        // Both readers are lent out: a third read waits, then is busy.
        let third = readers.read(|_| Ok(()));
        assert!(matches!(third, Err(StorageError::Busy(_))), "{third:?}");
        release.wait();
        for h in holders {
            h.join().expect("holder");
        }
        // Returned connections are reused, not reopened.
        for _ in 0..10 {
            readers.read(|_| Ok(())).expect("read");
        }
        assert_eq!(opened.load(Ordering::SeqCst), 2);
        assert_eq!(readers.open_count(), 2);
    }

    #[test]
    fn a_waiting_read_gets_the_connection_freed_before_its_wait_ends() {
        let readers = pool(1, Duration::from_secs(30), Arc::default());
        let lent = Arc::new(Barrier::new(2));
        let holder = {
            let (readers, lent) = (readers.clone(), lent.clone());
            std::thread::spawn(move || {
                readers
                    .read(|_| {
                        lent.wait();
                        Ok(())
                    })
                    .expect("read")
            })
        };
        lent.wait();
        // Waits (the holder is returning its connection now), then succeeds.
        readers.read(|_| Ok(())).expect("the freed connection");
        holder.join().expect("holder");
    }

    #[test]
    fn a_connection_that_cannot_be_opened_is_busy_and_frees_its_slot() {
        let fail = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let flag = fail.clone();
        let readers = Readers::new(
            ReaderLimits {
                size: 1,
                wait: Duration::from_millis(10),
            },
            move || {
                if flag.load(Ordering::SeqCst) {
                    Err(StorageError::Database(
                        "unable to open database file".into(),
                    ))
                } else {
                    Ok(Connection::open_in_memory()?)
                }
            },
        );
        assert!(matches!(
            readers.read(|_| Ok(())),
            Err(StorageError::Busy(_))
        ));
        fail.store(false, Ordering::SeqCst);
        readers.read(|_| Ok(())).expect("the slot was freed");
    }

    #[test]
    fn a_panic_inside_a_read_returns_its_connection() {
        let readers = pool(1, Duration::from_millis(50), Arc::default());
        let r = readers.clone();
        let panicked = std::thread::spawn(move || r.read::<()>(|_| panic!("a bug"))).join();
        assert!(panicked.is_err());
        readers.read(|_| Ok(())).expect("the connection came back");
    }
}
