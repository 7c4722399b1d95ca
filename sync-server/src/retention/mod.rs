//! Retention on the server (MoPI review and disposal; the rule itself is the core's,
//! `beatbook_core::retention`): the force's schedule, set by the administrator
//! ([`schedule`]); disposal of a record with its children through the path a supervisor's push
//! takes ([`dispose`]); the sweep that disposes of everything expired ([`sweep`]); the
//! administrator's erasure of any record ([`erase`]); and what is due for review ([`due`]).
//!
//! What is expired is found through the storage's retention index
//! (`storage::retention_index`), never by reading every record; each candidate is judged by
//! `retention::status` at the server's clock (`crate::clock`).

pub mod dispose;
pub mod due;
pub mod erase;
pub mod schedule;
pub mod sweep;

pub use dispose::{Actor, DisposeError, Disposed};
pub use due::{due_for_review, DueRecord};
pub use erase::{erase, EraseError};
pub use schedule::{current_schedule, ScheduleChange, ScheduleError};
pub use sweep::{sweep, SweepReport};
