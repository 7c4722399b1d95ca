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
                // Text as written, or the 16 bytes a store keeps it as where it packs ids
                // (the server's record rows since its schema 19).
                if let rusqlite::types::ValueRef::Blob(bytes) = value {
                    return Uuid::from_slice(bytes)
                        .map(Self)
                        .map_err(|e| rusqlite::types::FromSqlError::Other(Box::new(e)));
                }
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

#[cfg(all(test, feature = "sqlite"))]
mod tests {
    use super::*;

    #[test]
    fn an_id_reads_from_its_text_or_its_16_bytes_and_nothing_else() {
        let conn = rusqlite::Connection::open_in_memory().expect("db");
        let team = TeamId(Uuid::now_v7());
        let read = |value: rusqlite::types::Value| {
            conn.query_row("SELECT ?1", [value], |r| r.get::<_, TeamId>(0))
        };
        use rusqlite::types::Value;
        assert_eq!(read(Value::Text(team.to_string())).expect("text"), team);
        assert_eq!(
            read(Value::Blob(team.0.as_bytes().to_vec())).expect("bytes"),
            team
        );
        assert!(read(Value::Blob(vec![1; 15])).is_err(), "15 bytes");
        assert!(read(Value::Integer(7)).is_err(), "a number");
    }
}
