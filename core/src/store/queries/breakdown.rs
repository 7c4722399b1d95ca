//! Contacts counted by LSOA, method or audience over a period.

use crate::error::Result;
use crate::store::sql_time::t;
use crate::store::Store;
use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::{Deserialize, Serialize};

/// What to group contacts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactBreakdown {
    Lsoa,
    Method,
    Audience,
}

/// One group: how many contacts and how many people they reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakdownRow {
    /// The LSOA code, method or audience code; `unknown` for contacts outside loaded areas.
    pub key: String,
    pub contacts: u64,
    pub people: u64,
}

impl Store {
    /// Contacts in `[from, to)` grouped by `by`, largest group first.
    pub fn contact_breakdown(
        &self,
        by: ContactBreakdown,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<BreakdownRow>> {
        let column = match by {
            ContactBreakdown::Lsoa => "coalesce(lsoa_code, 'unknown')",
            ContactBreakdown::Method => "method",
            ContactBreakdown::Audience => "audience",
        };
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {column} AS k, count(*), sum(people_count) FROM contacts
                 WHERE occurred_at >= ?1 AND occurred_at < ?2
                 GROUP BY k ORDER BY count(*) DESC, k"
            ))?;
            let rows = stmt.query_map(params![t(from), t(to)], |r| {
                Ok(BreakdownRow {
                    key: r.get(0)?,
                    contacts: r.get(1)?,
                    people: r.get(2)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }
}
