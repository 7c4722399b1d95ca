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

/// A record's short reference (`7KQ4-ZM2P`): what the app shows and a person reads out or
/// types instead of the record's id — the same as the terminal client shows
/// (`beatbook_core::short_ref`). `id` is a record id as the other calls return it.
#[uniffi::export]
pub fn short_reference(id: String) -> Result<String, BeatbookError> {
    beatbook_core::short_ref::short_ref_of(&id).ok_or_else(|| convert::not_an_id("id"))
}

/// Whether `typed` is the short reference of the record `id` (any case, the hyphen optional;
/// `O` read as `0`, `I` and `L` as `1`): for a search box that takes references. A reference
/// can, rarely, be shared by two records: match it against the records shown, and ask for more
/// when two match.
#[uniffi::export]
pub fn is_short_reference_of(typed: String, id: String) -> Result<bool, BeatbookError> {
    beatbook_core::short_ref::is_short_ref_of(&typed, &id).ok_or_else(|| convert::not_an_id("id"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_id_gives_the_reference_the_terminal_shows_and_reads_it_back() {
        let id = "0193a1b2-0000-7000-8000-000000000001".to_owned();
        let reference = short_reference(id.clone()).expect("an id");
        assert_eq!(reference, "0000-0001");
        assert!(is_short_reference_of("oooo-oool".into(), id.clone()).expect("an id"));
        assert!(!is_short_reference_of("0000-0002".into(), id).expect("an id"));
        assert!(matches!(
            short_reference("not an id".into()),
            Err(BeatbookError::Invalid { .. })
        ));
    }
}
