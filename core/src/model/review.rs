//! A supervisor's review of a team member's work. Supervisors sync at base and go through what
//! their team recorded since they last looked; marking it reviewed is itself a record (kind
//! `review`), so that the review survives a lost device, reaches the supervisor's other devices
//! and is evidence that the work was seen. A review lists exactly which version of which record
//! was seen: a contact or patrol edited afterwards comes back into the queue as "changed".

use super::code_enum::code_enum;
use crate::ids::{ReviewId, UserId};
use crate::validation::{Rule, ValidationError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Most items in one review record, so one review op stays well under the protocol's op size
/// limit (an item is about 120 bytes of JSON; 64 KiB allows ~500). Longer queues are marked
/// as several reviews.
pub const MAX_REVIEW_ITEMS: usize = 200;

code_enum!(
    /// The kinds of record a supervisor reviews.
    ReviewItemKind, "review item kind" {
        Contact => "contact",
        Patrol => "patrol",
        ProblemStep => "problem_step",
    }
);

/// One record as it was when reviewed: its kind, id and version (its `updated_at`, or for an
/// append-only problem step its `recorded_at`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ReviewedItem {
    pub kind: ReviewItemKind,
    pub id: String,
    pub version: DateTime<Utc>,
}

/// A supervisor's mark that they reviewed some of one team member's records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    pub id: ReviewId,
    pub reviewer: UserId,
    /// Whose work was reviewed.
    pub member: UserId,
    pub reviewed_at: DateTime<Utc>,
    pub items: Vec<ReviewedItem>,
}

impl Review {
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.items.is_empty() {
            return Err(ValidationError::new("items", Rule::Required));
        }
        if self.items.len() > MAX_REVIEW_ITEMS {
            return Err(ValidationError::new(
                "items",
                Rule::OutOfRange {
                    min: "1".into(),
                    max: MAX_REVIEW_ITEMS.to_string(),
                },
            ));
        }
        if self
            .items
            .iter()
            .any(|i| uuid::Uuid::parse_str(&i.id).is_err())
        {
            return Err(ValidationError::new(
                "items.id",
                Rule::Format {
                    expected: "a record id (UUID)",
                },
            ));
        }
        Ok(())
    }
}
