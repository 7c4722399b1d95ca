//! Beatbook's offline-first core.
//!
//! A PCSO on a foot patrol has no signal for hours; everything they record must be captured in
//! seconds, survive the phone dying, be unreadable to whoever steals the phone, and be findable
//! later offline. This crate is that: the domain model ([`model`]), its validation
//! ([`validation`]), and an encrypted, audited SQLite store ([`store::Store`]) with offline
//! search and area tagging ([`geo`]). It has no UI and needs no async runtime.
//!
//! The store, the reports' loader from it and the sync client are the default feature `store`;
//! without it the crate is the model, the protocol, the merge and the reports' figures (what
//! `fuzz/` and the sync server build; the server adds `sqlite` for its own store's conversions).

pub mod audit;
pub mod clock;
pub mod error;
pub mod geo;
pub mod ids;
#[cfg(feature = "sqlite")]
pub mod logged_record_id;
pub mod model;
pub mod naming;
pub mod oldest_kept;
pub mod policy;
pub mod reports;
pub mod retention;
pub mod short_ref;
pub mod spreadsheet;
#[cfg(feature = "sqlite")]
pub mod sql_batches;
#[cfg(feature = "store")]
pub mod store;
#[cfg(feature = "sqlite")]
pub mod store_key;
pub mod sync;
pub mod validation;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Error, Result};
#[cfg(feature = "store")]
pub use store::Store;
#[cfg(feature = "sqlite")]
pub use store_key::StoreKey;
