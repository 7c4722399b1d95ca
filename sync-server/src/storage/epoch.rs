//! The store's epoch: a random id kept in `server_meta` under `epoch`, made when the store is
//! created and made anew whenever a copy of it starts a history of its own (a backup is
//! restored, or taken: `crate::backup`). Every push and pull answer carries it, so a device can
//! tell a server that has lost changes it was told about (its seqs will be handed out again,
//! to other changes) from the server it synced with: it then pulls everything again and
//! re-sends its own changes the server no longer has (`docs/sync-protocol.md#server-epochs`).
//!
//! The SQL is the same on both backends (`server_meta (key, value)`); each backend runs it on
//! its own connection type.

use uuid::Uuid;

/// The `server_meta` key.
pub const EPOCH_KEY: &str = "epoch";

/// A new epoch id: random (a v4 UUID from the operating system's generator), so two restores
/// of one backup never share one. Should the generator fail, a v7 UUID (time and a counter,
/// still unique to this moment) does.
pub fn new_epoch() -> Uuid {
    let mut bytes = [0u8; 16];
    match getrandom::fill(&mut bytes) {
        Ok(()) => uuid::Builder::from_random_bytes(bytes).into_uuid(),
        Err(_) => Uuid::now_v7(),
    }
}
