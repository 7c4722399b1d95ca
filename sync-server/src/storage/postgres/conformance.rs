//! The PostgreSQL store runs the conformance suite (`storage/conformance`), each test in a
//! fresh schema of its own (`testing::TestSchema`), dropped afterwards.

use super::testing::TestSchema;
use super::{PoolOptions, PostgresStorage};
use crate::storage::conformance::{concurrency, storage_conformance_tests, Opened};
use std::sync::Arc;

/// Enough connections for the concurrency tests' writers and readers; few enough that tests
/// running in parallel stay well inside PostgreSQL's `max_connections`.
fn options() -> PoolOptions {
    PoolOptions {
        max_connections: 8,
        ..PoolOptions::default()
    }
}

fn open() -> Option<Opened> {
    let schema = TestSchema::create()?;
    let storage = PostgresStorage::open_with(schema.url(), &options()).expect("open");
    // The storage (its pool) is dropped before the schema: `_keep` holds both, in that order.
    let storage: Arc<PostgresStorage> = Arc::new(storage);
    Some(Opened {
        storage: storage.clone(),
        _keep: Box::new((storage, schema)),
    })
}

storage_conformance_tests!(open());

/// The suite is only worth trusting if it fails on a broken lock: here the feed lock is taken
/// where the old contract put it, "before taking a seq" (after the duplicate checks and record
/// loads), and the concurrency test must catch it (a lost update, a duplicate applied twice,
/// or a batch failing on the op id it did not see).
#[test]
fn the_concurrency_test_fails_on_a_lock_taken_late() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let mut broken = PostgresStorage::open_with(schema.url(), &options()).expect("open");
    broken.feed_lock = super::records::FeedLock::BeforeFirstSeq;
    let storage: Arc<dyn crate::storage::SyncStorage> = Arc::new(broken);
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        concurrency::writers_and_readers_lose_nothing_skip_nothing_apply_nothing_twice(&storage)
    }));
    assert!(
        caught.is_err(),
        "the concurrency test passed on a broken lock"
    );
}

/// The epoch is made once and shared by every instance on the database; `new-epoch` (run after
/// a pg_restore or point-in-time recovery) replaces it for instances started afterwards.
#[test]
fn the_epoch_is_shared_by_instances_and_renewed_by_new_epoch() {
    use crate::storage::SyncStorage;
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let first = PostgresStorage::open_with(schema.url(), &options()).expect("open");
    let second = PostgresStorage::open_with(schema.url(), &options()).expect("open");
    let epoch = first.epoch().expect("epoch");
    assert_eq!(second.epoch().expect("epoch"), epoch);
    let renewed = first.renew_epoch().expect("renew");
    assert_ne!(renewed, epoch);
    let restarted = PostgresStorage::open_with(schema.url(), &options()).expect("open");
    assert_eq!(restarted.epoch().expect("epoch"), renewed);
    drop((first, second, restarted));
}
