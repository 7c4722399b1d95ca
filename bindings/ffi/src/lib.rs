//! Beatbook's core for the Android and iOS apps, through uniffi (Kotlin, Swift; Python runs
//! the same scenario in tests).
//!
//! A thin skin: every call converts its arguments, calls `beatbook-core`, converts the answer.
//! No rule lives here. What this crate adds is what a foreign caller needs and Rust callers do
//! not: objects behind `Arc` (`Send + Sync`), one error enum whose messages carry no personal
//! data ([`error`]), record ids as text and times as platform instants ([`convert`]), async
//! variants of the long calls that never block a coroutine's or task's thread ([`bridge`]),
//! and a foreign progress listener and cancel token for sync ([`sync`]).
//!
//! Threading: every plain method blocks the calling thread (disk, and network for `enrol` and
//! `sync`): call them off the UI thread, or use the `_async` variants. `docs/mobile.md` lists
//! each call.

uniffi::setup_scaffolding!();

mod bridge;
mod convert;
pub mod error;
pub mod records;
pub mod store;
pub mod sync;
pub mod vocab;

pub use error::BeatbookError;
pub use store::Store;

/// This library's version, for an app's about screen and bug reports.
#[uniffi::export]
pub fn library_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
