//! The wire form of a device handing its s.62 log to the server (`POST /v1/sync/audit`).
//!
//! Why: a device's log is the only record of what was consulted or changed on it, and a lost,
//! wiped or revoked device takes its log with it. Every sync hands the server the entries it
//! has not yet acknowledged; the server chains them into its own tamper-evident log and answers
//! the highest device sequence number it now holds, which the device remembers. Sending again
//! is harmless: entries at or below what the server holds are skipped, so a retry after a lost
//! answer never duplicates an entry. A device's log is numbered from 1 without gaps (it is
//! append-only), so the server takes a batch only when it follows on from what it holds; a
//! server restored from a backup answers less than it once did, and the device sends again
//! from there. Entries are metadata only (kinds, ids, field names), never
//! a record's values — the same rule as the log they come from.

use crate::audit::AuditAction;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Most entries in one upload.
pub const MAX_AUDIT_ENTRIES_PER_UPLOAD: usize = 500;
/// Most characters of an entry's record kind or record id.
pub const MAX_AUDIT_NAME_CHARS: usize = 100;
/// Most characters of an entry's justification or detail.
pub const MAX_AUDIT_TEXT_CHARS: usize = 1_000;

/// One entry of the device's log, as it was written there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeviceAuditEntry {
    /// The entry's sequence number in the device's log (from 1, increasing).
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub seq: i64,
    /// When it happened, by the device's clock.
    pub at: DateTime<Utc>,
    pub action: AuditAction,
    /// The record kind as the device's log names it (`contact`, `contact_personal`, …).
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub record_kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub record_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 1000))]
    pub justification: Option<String>,
    /// Non-personal detail, such as which fields changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 1000))]
    pub detail: Option<String>,
}

/// A batch of the device's log, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AuditUploadRequest {
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1))]
    pub protocol: u32,
    /// Strictly increasing `seq`, at most [`MAX_AUDIT_ENTRIES_PER_UPLOAD`].
    pub entries: Vec<DeviceAuditEntry>,
}

/// The server's answer: the highest device `seq` its log now holds for this device (0: none).
/// The device never sends an entry at or below it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditUploadResponse {
    pub acknowledged_through: i64,
}

/// Why an upload is malformed (the server answers `400 bad_request` with this message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditUploadError {
    #[error("at most {MAX_AUDIT_ENTRIES_PER_UPLOAD} entries in one upload")]
    TooMany,
    #[error("entry {index}: seq must be at least 1 and greater than the entry before")]
    OutOfOrder { index: usize },
    #[error("entry {index}: {field} is longer than {limit} characters")]
    TooLong {
        index: usize,
        field: &'static str,
        limit: usize,
    },
}

impl AuditUploadRequest {
    /// Checks the limits above; the server runs it before touching its store.
    pub fn check(&self) -> Result<(), AuditUploadError> {
        if self.entries.len() > MAX_AUDIT_ENTRIES_PER_UPLOAD {
            return Err(AuditUploadError::TooMany);
        }
        let mut previous = 0;
        for (index, entry) in self.entries.iter().enumerate() {
            if entry.seq <= previous {
                return Err(AuditUploadError::OutOfOrder { index });
            }
            previous = entry.seq;
            entry.check_lengths(index)?;
        }
        Ok(())
    }
}

impl DeviceAuditEntry {
    fn check_lengths(&self, index: usize) -> Result<(), AuditUploadError> {
        let texts = [
            ("record_kind", Some(&self.record_kind), MAX_AUDIT_NAME_CHARS),
            ("record_id", self.record_id.as_ref(), MAX_AUDIT_NAME_CHARS),
            (
                "justification",
                self.justification.as_ref(),
                MAX_AUDIT_TEXT_CHARS,
            ),
            ("detail", self.detail.as_ref(), MAX_AUDIT_TEXT_CHARS),
        ];
        for (field, text, limit) in texts {
            if text.is_some_and(|t| t.chars().count() > limit) {
                return Err(AuditUploadError::TooLong {
                    index,
                    field,
                    limit,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: i64) -> DeviceAuditEntry {
        DeviceAuditEntry {
            seq,
            at: DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default(),
            action: AuditAction::Consultation,
            record_kind: "contact_personal".into(),
            record_id: Some("0190-abc".into()),
            justification: None,
            detail: None,
        }
    }

    fn request(entries: Vec<DeviceAuditEntry>) -> AuditUploadRequest {
        AuditUploadRequest {
            protocol: 1,
            entries,
        }
    }

    #[test]
    fn increasing_entries_within_limits_pass() {
        assert_eq!(request(vec![entry(1), entry(2), entry(7)]).check(), Ok(()));
        assert_eq!(request(vec![]).check(), Ok(()));
    }

    #[test]
    fn repeated_zero_or_falling_seq_is_refused_with_its_index() {
        assert_eq!(
            request(vec![entry(1), entry(1)]).check(),
            Err(AuditUploadError::OutOfOrder { index: 1 })
        );
        assert_eq!(
            request(vec![entry(0)]).check(),
            Err(AuditUploadError::OutOfOrder { index: 0 })
        );
        assert_eq!(
            request(vec![entry(5), entry(3)]).check(),
            Err(AuditUploadError::OutOfOrder { index: 1 })
        );
    }

    #[test]
    fn too_many_or_too_long_is_refused() {
        let many = (1..=MAX_AUDIT_ENTRIES_PER_UPLOAD as i64 + 1)
            .map(entry)
            .collect();
        assert_eq!(request(many).check(), Err(AuditUploadError::TooMany));
        let mut long = entry(1);
        long.detail = Some("x".repeat(MAX_AUDIT_TEXT_CHARS + 1));
        assert_eq!(
            request(vec![long]).check(),
            Err(AuditUploadError::TooLong {
                index: 0,
                field: "detail",
                limit: MAX_AUDIT_TEXT_CHARS
            })
        );
    }

    #[test]
    fn the_wire_form_round_trips_and_refuses_unknown_fields() {
        let sent = request(vec![entry(3)]);
        let json = serde_json::to_string(&sent).unwrap_or_default();
        let back: AuditUploadRequest =
            serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, sent);
        let extra = json.replacen("\"seq\"", "\"values\":1,\"seq\"", 1);
        assert!(serde_json::from_str::<AuditUploadRequest>(&extra).is_err());
    }
}
