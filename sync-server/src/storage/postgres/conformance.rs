//! The PostgreSQL store runs the conformance suite (`storage/conformance`), each test in a
//! fresh schema of its own (`testing::TestSchema`), dropped afterwards.

use super::testing::TestSchema;
use super::{PoolOptions, PostgresStorage};
use crate::storage::conformance::{storage_conformance_tests, Opened};
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
