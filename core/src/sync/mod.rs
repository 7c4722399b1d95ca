//! Sync: the protocol's types, the hybrid clock, and the merge that device and server share.
//! The design is in `docs/sync-protocol.md`.

pub mod audit_wire;
#[cfg(feature = "store")]
pub mod client;
pub mod compact_push;
pub mod compact_wire;
pub mod conflict;
pub mod conflict_words;
pub mod hlc;
pub mod legacy_fields;
pub mod merge;
pub mod protocol;
pub mod pull_plan;
pub mod record_clocks;
pub mod unknown_kinds;

pub use hlc::Hlc;
pub use protocol::RecordKind;
pub use record_clocks::RecordClocks;
