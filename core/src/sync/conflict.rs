//! The conflict log's record: the losing side of a concurrent edit of one field, kept with the
//! winner so that the user and their supervisor can see both and choose. Conflicts are made by
//! the server (which sees ops in one order) and reach devices as ordinary `conflict` records.

use super::hlc::Hlc;
use super::protocol::RecordKind;
use crate::ids::UserId;
use crate::model::code_enum::code_enum;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

code_enum!(
    /// How a conflict was settled.
    Resolution, "conflict resolution" {
        /// The winning value stays.
        KeepWinner => "keep_winner",
        /// The losing value is written again (by a new op on the record).
        KeepLoser => "keep_loser",
    }
);

/// One conflict, as synced (kind `conflict`, id = a UUIDv7 made by the server).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    pub id: String,
    pub record_kind: RecordKind,
    pub record_id: String,
    pub field: String,
    pub winner_value: serde_json::Value,
    pub winner_hlc: Hlc,
    pub winner_author: Option<UserId>,
    pub loser_value: serde_json::Value,
    pub loser_hlc: Hlc,
    pub loser_author: Option<UserId>,
    pub detected_at: DateTime<Utc>,
    pub resolution: Option<Resolution>,
    pub resolved_by: Option<UserId>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// A conflict record holds copies of other records' values, already checked as those records;
/// it has no value rules of its own.
impl crate::model::StoredValueRules for Conflict {
    fn check_stored_values(&self) -> Result<(), crate::validation::ValidationError> {
        Ok(())
    }
}
