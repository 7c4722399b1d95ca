//! Applying the schedule on this device, offline: at the store's clock, every record past its
//! review date with no decision to keep it is dropped FROM THIS DEVICE ONLY.
//!
//! Nothing is pushed: the server disposes of the same records by its own sweep (the same rule,
//! `crate::retention::status`), and a PCSO's device could not push an erasure anyway. Every
//! local copy goes — the row and what hangs off it, per-record sync state, unsent ops, conflicts
//! about it and its search entry — and the record is remembered as erased so that a late copy
//! of it is not taken back in. A contact's personal details are redacted locally (the contact
//! stays). Each record is logged (s.62, erasure, metadata only), then the store is scrubbed as
//! after an erasure. The cost is an index range per kind (`candidates`), not a scan of the
//! store. Records held back from their tables (`sync_held`) are reached too (`held`), read
//! from the held table, which holds only what this build could not write.
//!
//! A store never enrolled has no user to log as and has never received a schedule: nothing is
//! applied there.

use super::candidates::{self, Candidate};
use super::records;
use crate::error::Result;
use crate::model::Actor;
use crate::retention::{Disposal, RetainedKind};
use crate::store::audit::{self, AuditAction, AuditEvent};
use crate::store::device_sync::{self, materialize, sync_records};
use crate::store::Store;
use crate::sync::protocol::RecordKind;
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

/// The audit detail of a record dropped here by the schedule.
pub(super) const DROPPED_DETAIL: &str =
    "disposed under the retention schedule (this device's copy)";

/// What one application of the schedule dropped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionApplied {
    /// Contacts whose personal details were redacted here.
    pub redacted: usize,
    /// Records erased here (a record's children not counted).
    pub erased: usize,
}

impl Store {
    /// Drops from this device every record expired at the store's clock under the schedule
    /// and decisions it holds; pushes nothing. Call it at launch, before every sync's push and
    /// after a pull that changed the schedule or a decision (the sync client does the last
    /// two). `Store::open` does not run it.
    pub fn apply_retention(&self) -> Result<RetentionApplied> {
        let now = self.now();
        let applied = self.write_as_unlinked(None, |tx| {
            let Some(actor) = device_sync::device_user(tx)? else {
                return Ok(RetentionApplied::default());
            };
            let schedule = records::schedule_in_force(tx)?;
            let mut expired = candidates::reached(tx, &schedule, now, true)?;
            // Records held back from their tables are data kept here too.
            for held in super::held::expired(tx, &schedule, now)? {
                if !expired
                    .iter()
                    .any(|c| c.kind == held.kind && c.record_id == held.record_id)
                {
                    expired.push(held);
                }
            }
            let mut applied = RetentionApplied::default();
            for candidate in &expired {
                drop_local(tx, candidate)?;
                match candidate.kind.disposal() {
                    Disposal::Redact => applied.redacted += 1,
                    Disposal::Erase => applied.erased += 1,
                }
                log(tx, &actor, candidate, now)?;
            }
            Ok(applied)
        })?;
        if applied.redacted + applied.erased > 0 {
            self.scrub_after_erasure()?;
        }
        Ok(applied)
    }
}

/// Removes every local copy of one expired record.
fn drop_local(conn: &Connection, candidate: &Candidate) -> Result<()> {
    let id = candidate.record_id.as_str();
    match candidate.kind {
        RetainedKind::ContactPersonal => {
            // The contact stays; its personal values go, with every copy of them here.
            materialize::erase(conn, RecordKind::ContactPersonal, id)?;
            sync_records::forget(conn, RecordKind::ContactPersonal, id)?;
            device_sync::outbox_forget_record(conn, RecordKind::ContactPersonal, id)?;
            // `materialize::erase` took the conflicts about the contact (they can quote the
            // details). The contact's search row holds none of them and stays: since store
            // version 25 a search row is its record's, and personal details have none.
        }
        kind => {
            let kind = kind.record_kind();
            for (child_kind, child_id) in materialize::children(conn, kind, id)? {
                materialize::erase(conn, child_kind, &child_id)?;
                device_sync::forget_erased(conn, child_kind, &child_id)?;
            }
            materialize::erase(conn, kind, id)?;
            device_sync::forget_erased(conn, kind, id)?;
        }
    }
    Ok(())
}

/// Logs one dropped record (s.62: erasure, metadata only).
fn log(conn: &Connection, actor: &Actor, candidate: &Candidate, now: DateTime<Utc>) -> Result<()> {
    let date = candidate
        .status
        .review_on()
        .map(|at| at.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let justification =
        format!("retention schedule: review date {date} passed without a decision to retain");
    audit::append(
        conn,
        actor,
        now,
        AuditEvent::new(
            AuditAction::Erasure,
            candidate.kind.as_str(),
            &candidate.record_id,
        )
        .justified(&justification)
        .detail(DROPPED_DETAIL),
    )
}
