//! Regression test: the first stores a process opens, opened from several threads at once.
//!
//! SQLCipher finishes its own set-up (`sqlcipher_extra_init`) after SQLite has marked itself
//! initialised, so a second thread that opened a connection in that window had `PRAGMA key`
//! refused ("An error occurred with PRAGMA key or rekey"). It showed as a rare failure of
//! whichever test happened to open second. This file holds one test so that it runs in a
//! process of its own, where the opens below are the process's first.

use beatbook_core::{Store, StoreKey};
use std::sync::{Arc, Barrier};
use std::thread;

const THREADS: usize = 8;

#[test]
fn the_first_stores_opened_concurrently_all_open() {
    let dir = tempfile::tempdir().expect("temp dir");
    let start = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|i| {
            let path = dir.path().join(format!("device-{i}.db"));
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                Store::open(&path, &StoreKey::from_bytes([i as u8; 32])).map(|_| ())
            })
        })
        .collect();
    let failures: Vec<String> = handles
        .into_iter()
        .enumerate()
        .filter_map(|(i, h)| match h.join() {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(format!("store {i}: {e}")),
            Err(_) => Some(format!("store {i}: thread panicked")),
        })
        .collect();
    assert!(failures.is_empty(), "{failures:?}");
}
