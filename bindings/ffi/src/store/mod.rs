//! The store object: open with the key from the platform keystore, close, wipe, and who acts.
//!
//! One `Store` per store file, shared by the app across threads (`Arc`, `Send + Sync`; the
//! core queues writers and pools readers). Closing or wiping empties its slot, so that every
//! later call answers `Closed` instead of touching a deleted file. Writes act as the store's
//! device owner — the person enrolled on this device — as the audit log requires.

mod corrections;
mod field;
mod problems;
mod queries;
mod retention;
mod supervisor;

pub use supervisor::ReportArea;

use crate::convert::id;
use crate::error::{BeatbookError, Result};
use crate::records::{Actor, User};
use beatbook_core::model::Actor as CoreActor;
use beatbook_core::store::wipe_files;
use beatbook_core::{Store as CoreStore, StoreKey};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

/// An open Beatbook store.
#[derive(Debug, uniffi::Object)]
pub struct Store {
    path: PathBuf,
    slot: RwLock<Option<Arc<CoreStore>>>,
}

#[uniffi::export]
impl Store {
    /// Opens (or creates) the store at `path` with the 32-byte key from the Android Keystore
    /// or iOS Keychain. A wrong key is `WrongKey`, and the file is left untouched. Blocks
    /// (disk; a first open creates the schema).
    #[uniffi::constructor]
    pub fn open(path: String, key: Vec<u8>) -> Result<Arc<Store>> {
        let key = StoreKey::from_slice(&key)?;
        let store = CoreStore::open(&path, &key)?;
        Ok(Arc::new(Store {
            path: PathBuf::from(path),
            slot: RwLock::new(Some(Arc::new(store))),
        }))
    }

    /// Closes the store; later calls answer `Closed`. Calls already running finish first
    /// (the files close when the last one returns). Never fails; closing twice is fine. (Not
    /// `close`: Kotlin's generated `close()` releases the object handle itself.)
    pub fn close_store(&self) {
        self.take();
    }

    /// Whether the store is open (not closed, not wiped).
    pub fn is_open(&self) -> bool {
        self.read_slot().is_some()
    }

    /// Closes the store and deletes its files: what a revocation does, for an app's "sign out
    /// and erase" too. Blocks (disk).
    pub fn wipe(&self) -> Result<()> {
        self.wipe_now()
    }

    /// Checks the database file's integrity; empty when sound. Blocks (reads the whole file).
    pub fn integrity_check(&self) -> Result<Vec<String>> {
        Ok(self.core()?.integrity_check()?)
    }

    /// The device owner (set by enrolment), if any.
    pub fn device_actor(&self) -> Result<Option<Actor>> {
        Ok(self.core()?.device_actor()?.map(Into::into))
    }

    /// A user known to this device.
    pub fn user(&self, user_id: String) -> Result<User> {
        Ok(self.core()?.user(id("user_id", &user_id)?)?.into())
    }
}

impl Store {
    /// The open core store, or `Closed`.
    pub(crate) fn core(&self) -> Result<Arc<CoreStore>> {
        self.read_slot().ok_or_else(BeatbookError::closed)
    }

    /// The open core store and its device owner, for writes.
    pub(crate) fn acting(&self) -> Result<(Arc<CoreStore>, CoreActor)> {
        let store = self.core()?;
        let actor = store
            .device_actor()?
            .ok_or_else(BeatbookError::not_enrolled)?;
        Ok((store, actor))
    }

    /// Empties the slot and deletes the files. If another call still holds the store, its
    /// connections close when it returns; the files are deleted now either way.
    pub(crate) fn wipe_now(&self) -> Result<()> {
        match self.take() {
            Some(store) => match Arc::try_unwrap(store) {
                Ok(store) => Ok(store.wipe()?),
                Err(shared) => {
                    drop(shared);
                    Ok(wipe_files(&self.path)?)
                }
            },
            None => Ok(wipe_files(&self.path)?),
        }
    }

    fn take(&self) -> Option<Arc<CoreStore>> {
        self.slot
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }

    fn read_slot(&self) -> Option<Arc<CoreStore>> {
        self.slot
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}
