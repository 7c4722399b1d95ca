//! Opening the store and finding who is acting.
//!
//! Every command but `keygen` and `init` works on an existing store, as its device owner: the
//! person `init` set up. `Store::open` would quietly create a missing file, so a mistyped
//! `--store` path is caught here first and explained, rather than answered from an empty store.

use crate::args::Global;
use crate::error::{CliError, Result};
use crate::key;
use beatbook_core::model::{Actor, User};
use beatbook_core::{Store, StoreKey};

/// An open store and the person acting on it.
#[derive(Debug)]
pub struct Session {
    pub store: Store,
    pub actor: Actor,
}

impl Session {
    /// Opens an initialised store as its device owner.
    pub fn open(global: &Global) -> Result<Session> {
        let store = open_existing(global)?;
        let actor = store.device_actor()?.ok_or_else(|| {
            CliError::usage(format!(
                "the store {} has no owner yet",
                global.store.display()
            ))
            .hint(not_initialised_hint())
        })?;
        Ok(Session { store, actor })
    }

    /// The device owner's user record.
    pub fn me(&self) -> Result<User> {
        Ok(self.store.user(self.actor.user_id)?)
    }

    /// "you", or a user's display name, or their id when unknown here.
    pub fn name_of(&self, users: &[User], id: beatbook_core::ids::UserId) -> String {
        if id == self.actor.user_id {
            return "you".to_owned();
        }
        full_name(users, id)
    }
}

/// A user's display name, or their id when unknown here.
pub fn full_name(users: &[User], id: beatbook_core::ids::UserId) -> String {
    users
        .iter()
        .find(|u| u.id == id)
        .map_or_else(|| id.to_string(), |u| u.display_name.clone())
}

/// The key, from the key file or the environment.
pub fn key(global: &Global) -> Result<StoreKey> {
    key::load(global.key_file.as_deref())
}

/// Opens a store that must already exist.
pub fn open_existing(global: &Global) -> Result<Store> {
    if !global.store.exists() {
        return Err(
            CliError::usage(format!("there is no store at {}", global.store.display()))
                .hint(not_initialised_hint()),
        );
    }
    let key = key(global)?;
    Ok(Store::open(&global.store, &key)?)
}

fn not_initialised_hint() -> &'static str {
    "set it up with `beatbook init --name \"Your Name\" --role pcso --team \"Your Team\"`, \
     or point --store (BEATBOOK_STORE) at your store"
}
