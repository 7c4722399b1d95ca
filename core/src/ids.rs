//! Typed record identifiers. Every id is a UUIDv7 made on the device that creates the record:
//! no round trip to a server, time-ordered so that B-tree inserts stay local, and unique across
//! devices so that records made offline never collide when they sync.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// What a person reads or types for this record (`crate::short_ref`).
            pub fn short_ref(&self) -> String {
                crate::short_ref::short_ref(&self.0)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        #[cfg(feature = "sqlite")]
        impl rusqlite::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::from(self.0.to_string()))
            }
        }

        #[cfg(feature = "sqlite")]
        impl rusqlite::types::FromSql for $name {
            fn column_result(
                value: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                let text = value.as_str()?;
                Uuid::parse_str(text)
                    .map(Self)
                    .map_err(|e| rusqlite::types::FromSqlError::Other(Box::new(e)))
            }
        }
    };
}

typed_id!(/// A user (officer, PCSO, volunteer, supervisor).
    UserId);
typed_id!(/// A neighbourhood team.
    TeamId);
typed_id!(/// An enrolled device.
    DeviceId);
typed_id!(/// A patrol.
    PatrolId);
typed_id!(/// A patrol note.
    NoteId);
typed_id!(/// An engagement contact.
    ContactId);
typed_id!(/// A SARA problem.
    ProblemId);
typed_id!(/// An append-only step in a problem's SARA record.
    StepId);
typed_id!(/// A response action on a problem.
    ActionId);
typed_id!(/// A request to move a problem to another SARA stage.
    StageRequestId);
typed_id!(/// A follow-up promised to a member of the public.
    FollowUpId);
typed_id!(/// A priority area.
    PriorityAreaId);
typed_id!(/// A supervisor's review of a team member's work.
    ReviewId);
