//! The SQLite store runs the conformance suite (`storage/conformance`), each test on a store
//! of its own in a temporary directory.

use crate::storage::conformance::{storage_conformance_tests, Opened};
use crate::storage::SqliteStorage;
use std::sync::Arc;

fn open() -> Option<Opened> {
    let dir = super::private_tempdir();
    let storage =
        SqliteStorage::open(dir.path(), &crate::storage::sqlite::test_key()).expect("open");
    Some(Opened {
        storage: Arc::new(storage),
        _keep: Box::new(dir),
    })
}

storage_conformance_tests!(open());
