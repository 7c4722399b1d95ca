//! What sync reports: status, progress, the outcome of one sync, refused changes, conflicts.

use crate::convert::{instant, opt_instant, opt_text};
use beatbook_core::ids::UserId;
use beatbook_core::model::User;
use beatbook_core::store::{
    Enrolment as CoreEnrolment, Rejection as CoreRejection, ServerTrust as CoreTrust,
    SyncStatus as CoreStatus,
};
use beatbook_core::sync::client::{
    SyncPhase, SyncProgress as CoreProgress, SyncReport as CoreReport,
};
use beatbook_core::sync::conflict::{Conflict as CoreConflict, Resolution};
use beatbook_core::sync::conflict_words::{field_words, value_words};
use beatbook_core::sync::Hlc;
use std::time::SystemTime;

/// Sync status for a status line or settings screen (no network).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncStatus {
    pub enrolled: bool,
    pub pending_changes: u64,
    pub rejected_changes: u64,
    pub open_conflicts: u64,
    /// Pulled records waiting for the rest of their fields (their creation has not arrived):
    /// kept, and shown once whole.
    pub waiting_records: u64,
    /// Pulled records this build cannot show (a newer app's value, or one refused as out of
    /// range): kept until an app update or a corrected copy arrives. Show these to the user.
    pub unreadable_records: u64,
    /// Pulled records of kinds this app version does not know (a newer server's): set aside,
    /// never shown; an app update pulls them again. Show "update the app" when not zero.
    pub skipped_records: u64,
    pub cursor: u64,
    pub last_attempt_at: Option<SystemTime>,
    pub last_success_at: Option<SystemTime>,
    pub last_error: Option<String>,
}

impl From<CoreStatus> for SyncStatus {
    fn from(s: CoreStatus) -> Self {
        SyncStatus {
            enrolled: s.enrolled,
            pending_changes: s.pending_changes,
            rejected_changes: s.rejected_changes,
            open_conflicts: s.open_conflicts,
            waiting_records: s.held_records.saturating_sub(s.unreadable_records),
            unreadable_records: s.unreadable_records,
            skipped_records: s.skipped_records,
            cursor: s.cursor,
            last_attempt_at: opt_instant(s.last_attempt_at),
            last_success_at: opt_instant(s.last_success_at),
            last_error: s.last_error,
        }
    }
}

/// Where this device syncs to (the token stays inside the store).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct EnrolmentInfo {
    pub server_url: String,
    pub device_id: String,
    pub user_id: String,
    /// How the device trusts the server, as given at enrolment (every sync uses it).
    pub trust: ServerTrust,
}

impl From<CoreEnrolment> for EnrolmentInfo {
    fn from(e: CoreEnrolment) -> Self {
        EnrolmentInfo {
            server_url: e.server_url,
            device_id: e.device_id.to_string(),
            user_id: e.user_id.to_string(),
            trust: e.trust.into(),
        }
    }
}

/// How a device trusts its sync server beyond the platform's CAs, given once at enrolment and
/// kept with it: every later sync uses it, and no later call can drop it.
#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct ServerTrust {
    /// The force's private CA certificate(s), PEM, trusted besides the platform's CAs (not
    /// on Android, whose platform verifier takes no extra CA: pin the key there).
    #[uniffi(default = None)]
    pub private_ca_pem: Option<String>,
    /// Pins of the server's key: base64 SHA-256 of its certificate's SubjectPublicKeyInfo, the
    /// key in use and the next. A certificate with another key is refused
    /// (`BeatbookError.CertificatePinMismatch`) even if a trusted CA signed it.
    #[uniffi(default = [])]
    pub pinned_server_keys: Vec<String>,
}

impl From<CoreTrust> for ServerTrust {
    fn from(t: CoreTrust) -> Self {
        ServerTrust {
            private_ca_pem: t.private_ca_pem,
            pinned_server_keys: t.pinned_server_keys,
        }
    }
}

/// Where a running sync has got to; byte counts cover the whole sync so far.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncProgress {
    pub phase: SyncPhase,
    pub records_done: u64,
    /// Known for push (the outbox size), unknown for pull.
    pub records_total: Option<u64>,
    pub bytes_sent: u64,
    pub bytes_received: u64,
}

impl From<&CoreProgress> for SyncProgress {
    fn from(p: &CoreProgress) -> Self {
        SyncProgress {
            phase: p.phase,
            records_done: p.records_done,
            records_total: p.records_total,
            bytes_sent: p.bytes_sent,
            bytes_received: p.bytes_received,
        }
    }
}

/// What one sync did.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncReport {
    pub pushed: u64,
    pub accepted: u64,
    pub duplicate: u64,
    pub rejected: u64,
    pub restamped: u32,
    pub pulled: u64,
    /// Records changed here by what was pulled.
    pub changed: u64,
    /// Records pulled of kinds this app version does not know: set aside (see
    /// `SyncStatus::skipped_records`).
    pub skipped_unknown: u64,
    /// Records (and contacts' personal details) dropped from this device by the retention
    /// schedule during the sync; nothing of it is sent.
    pub retention_dropped: u64,
    /// Entries of this device's s.62 log handed to the server during the sync (it keeps them
    /// if the device is lost or wiped).
    pub audit_entries_sent: u64,
    /// Changes still waiting to be sent.
    pub pending: u64,
    pub open_conflicts: u64,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub duration_ms: u64,
}

impl From<CoreReport> for SyncReport {
    fn from(r: CoreReport) -> Self {
        SyncReport {
            pushed: r.pushed,
            accepted: r.accepted,
            duplicate: r.duplicate,
            rejected: r.rejected,
            restamped: r.restamped,
            pulled: r.pulled,
            changed: r.changed,
            skipped_unknown: r.skipped_unknown,
            retention_dropped: r.retention_dropped,
            audit_entries_sent: r.audit_entries_sent,
            pending: r.pending,
            open_conflicts: r.open_conflicts,
            bytes_sent: r.bytes_sent,
            bytes_received: r.bytes_received,
            duration_ms: u64::try_from(r.duration.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// How a sync ended.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum SyncOutcome {
    Synced {
        report: SyncReport,
    },
    /// The server revoked this device: the store was closed and its files deleted.
    Wiped,
}

/// A change the server refused, kept so that nothing is dropped silently.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Rejection {
    pub op_id: String,
    pub kind: String,
    pub record_id: String,
    pub code: String,
    pub message: String,
    pub rejected_at: SystemTime,
}

impl From<CoreRejection> for Rejection {
    fn from(r: CoreRejection) -> Self {
        Rejection {
            op_id: r.op_id,
            kind: r.kind,
            record_id: r.record_id,
            code: r.code.to_string(),
            message: r.message,
            rejected_at: instant(r.rejected_at),
        }
    }
}

/// The losing side of a concurrent edit of one field, with the winner. Values are JSON text
/// (`"Reassurance patrol"`, `3`, `null`); the `*_text`, `field_words`, `reference` and
/// `*_author_name` fields are the same conflict as a person reads it (show those).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Conflict {
    pub id: String,
    /// The conflict's short reference (`7KQ4-ZM2P`): what to show and what a person types.
    pub reference: String,
    /// The record kind's code (`patrol`, `contact`, `problem`, ...).
    pub record_kind: String,
    pub record_id: String,
    pub field: String,
    /// The field in the user's words (`victim (analysis triangle)`).
    pub field_words: String,
    pub winner_value: String,
    /// The kept value as text to read (`(none)` for nothing; for an object, the parts that
    /// differ from the lost value).
    pub winner_text: String,
    pub winner_author: Option<String>,
    /// Who wrote the kept value, by name ("you" is not used: compare ids for that).
    pub winner_author_name: Option<String>,
    /// When the kept value was written (its clock's time).
    pub winner_written_at: Option<SystemTime>,
    pub loser_value: String,
    pub loser_text: String,
    pub loser_author: Option<String>,
    pub loser_author_name: Option<String>,
    pub loser_written_at: Option<SystemTime>,
    pub detected_at: SystemTime,
    pub resolution: Option<Resolution>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<SystemTime>,
}

impl Conflict {
    /// The conflict for people: `users` names its authors (an author this device does not
    /// know has no name).
    pub(crate) fn named(c: CoreConflict, users: &[User]) -> Self {
        let name = |id: Option<UserId>| {
            id.and_then(|id| users.iter().find(|u| u.id == id))
                .map(|u| u.display_name.clone())
        };
        let written = |hlc: Hlc| {
            i64::try_from(hlc.wall_ms)
                .ok()
                .and_then(chrono::DateTime::from_timestamp_millis)
                .map(instant)
        };
        Conflict {
            reference: beatbook_core::short_ref::short_ref_of(&c.id)
                .unwrap_or_else(|| c.id.clone()),
            field_words: field_words(c.record_kind, &c.field),
            winner_text: value_words(&c.winner_value, &c.loser_value),
            loser_text: value_words(&c.loser_value, &c.winner_value),
            winner_author_name: name(c.winner_author),
            loser_author_name: name(c.loser_author),
            winner_written_at: written(c.winner_hlc),
            loser_written_at: written(c.loser_hlc),
            id: c.id,
            record_kind: c.record_kind.to_string(),
            record_id: c.record_id,
            field: c.field,
            winner_value: c.winner_value.to_string(),
            winner_author: opt_text(c.winner_author),
            loser_value: c.loser_value.to_string(),
            loser_author: opt_text(c.loser_author),
            detected_at: instant(c.detected_at),
            resolution: c.resolution,
            resolved_by: opt_text(c.resolved_by),
            resolved_at: opt_instant(c.resolved_at),
        }
    }
}
