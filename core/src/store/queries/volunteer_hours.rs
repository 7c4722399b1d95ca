//! Patrol hours per Citizens in Policing volunteer per month: every closed patrol counts its
//! full length for each volunteer on it (recorder or participant), in the month it started.

use crate::error::Result;
use crate::ids::UserId;
use crate::store::sql_time::t;
use crate::store::Store;
use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::{Deserialize, Serialize};

/// One volunteer's patrolling in one month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VolunteerMonth {
    pub user_id: UserId,
    pub display_name: String,
    /// `YYYY-MM` (UTC).
    pub month: String,
    pub patrols: u64,
    pub hours: f64,
}

impl Store {
    /// Volunteer hours for closed patrols that started in `[from, to)`, by volunteer and month.
    pub fn volunteer_hours(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<VolunteerMonth>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "WITH crew AS (
                     SELECT id AS patrol_id, recorded_by AS user_id FROM patrols
                     UNION
                     SELECT patrol_id, user_id FROM patrol_participants
                 )
                 SELECT u.id, u.display_name, substr(p.started_at, 1, 7) AS month,
                        count(*),
                        sum((julianday(p.ended_at) - julianday(p.started_at)) * 24.0)
                 FROM patrols p
                 JOIN crew ON crew.patrol_id = p.id
                 JOIN users u ON u.id = crew.user_id AND u.role = 'cip_volunteer'
                 WHERE p.ended_at IS NOT NULL AND p.cancelled_at IS NULL AND p.started_at >= ?1 AND p.started_at < ?2
                 GROUP BY u.id, month
                 ORDER BY month, u.display_name",
            )?;
            let rows = stmt.query_map(params![t(from), t(to)], |r| {
                Ok(VolunteerMonth {
                    user_id: r.get(0)?,
                    display_name: r.get(1)?,
                    month: r.get(2)?,
                    patrols: r.get(3)?,
                    hours: r.get(4)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }
}
