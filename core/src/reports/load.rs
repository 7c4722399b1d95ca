//! Filling [`ReportData`] from a device's tables, in one read snapshot. Only the columns the
//! figures read are selected (no free text, no personal data), and only rows that can matter
//! for the period; the figures apply the exact period rules themselves, so this is a safe
//! superset, not a second copy of the rules.

use super::data::{
    ContactFact, FollowUpFact, PatrolFact, ProblemFact, ReportData, StageMoveFact, UserFact,
};
use super::period::Period;
use crate::error::Result;
use crate::ids::PatrolId;
use crate::model::{AreaRef, StageRequestStatus};
use crate::store::rows::conversion;
use crate::store::sql_time::{t, SqlTime};
use crate::store::Store;
use rusqlite::{params, Connection};
use std::collections::HashMap;

impl Store {
    /// The facts a report for `period` reads, from this store.
    pub fn report_data(&self, period: &Period) -> Result<ReportData> {
        let users = self
            .users()?
            .into_iter()
            .map(|u| UserFact {
                id: u.id,
                display_name: u.display_name,
                role: u.role,
                team_id: u.team_id,
            })
            .collect();
        let mut data = ReportData {
            users,
            teams: self.teams()?,
            lsoas: self.lsoas()?,
            priority_areas: self.priority_areas()?,
            ..ReportData::default()
        };
        self.read(|conn| {
            data.patrols = patrols(conn, period)?;
            data.contacts = contacts(conn, period)?;
            data.follow_ups = follow_ups(conn, period)?;
            data.problems = problems(conn, period)?;
            data.stage_moves = stage_moves(conn)?;
            Ok(())
        })?;
        Ok(data)
    }
}

/// Patrols that may overlap the period: started before its end, not ended before its start.
fn patrols(conn: &Connection, period: &Period) -> Result<Vec<PatrolFact>> {
    const WHERE: &str = "p.started_at < ?2 AND (p.ended_at IS NULL OR p.ended_at >= ?1)";
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT p.id, p.kind, p.area_kind, p.area_id, p.recorded_by, p.started_at, p.ended_at,
                json_extract(p.assessment, '$.purpose_met'),
                json_extract(p.assessment, '$.value_rating')
         FROM patrols p WHERE {WHERE}"
    ))?;
    let rows = stmt.query_map(params![t(period.from), t(period.to)], |r| {
        let area = AreaRef::from_parts(&r.get::<_, String>(2)?, &r.get::<_, String>(3)?)
            .map_err(conversion)?;
        Ok(PatrolFact {
            id: r.get(0)?,
            kind: r.get(1)?,
            area,
            recorded_by: r.get(4)?,
            participants: Vec::new(),
            started_at: r.get::<_, SqlTime>(5)?.0,
            ended_at: r.get::<_, Option<SqlTime>>(6)?.map(|s| s.0),
            purpose_met: r
                .get::<_, Option<String>>(7)?
                .map(|code| code.parse())
                .transpose()
                .map_err(conversion)?,
            value_rating: r.get(8)?,
        })
    })?;
    let mut patrols = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    let index: HashMap<PatrolId, usize> =
        patrols.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT pp.patrol_id, pp.user_id FROM patrol_participants pp
         JOIN patrols p ON p.id = pp.patrol_id WHERE {WHERE}"
    ))?;
    let mut rows = stmt.query(params![t(period.from), t(period.to)])?;
    while let Some(r) = rows.next()? {
        let patrol: PatrolId = r.get(0)?;
        if let Some(&i) = index.get(&patrol) {
            patrols[i].participants.push(r.get(1)?);
        }
    }
    Ok(patrols)
}

fn contacts(conn: &Connection, period: &Period) -> Result<Vec<ContactFact>> {
    let mut stmt = conn.prepare_cached(
        "SELECT occurred_at, lsoa_code, lap_code, method, audience, people_count, recorded_by
         FROM contacts WHERE occurred_at >= ?1 AND occurred_at < ?2",
    )?;
    let rows = stmt.query_map(params![t(period.from), t(period.to)], |r| {
        Ok(ContactFact {
            occurred_at: r.get::<_, SqlTime>(0)?.0,
            lsoa_code: r
                .get::<_, Option<String>>(1)?
                .map(|c| crate::model::LsoaCode::parse(&c))
                .transpose()
                .map_err(conversion)?,
            lap_code: r.get(2)?,
            method: r.get(3)?,
            audience: r.get(4)?,
            people_count: r.get(5)?,
            recorded_by: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Promises made in the period, and earlier ones that may still have been open in it.
fn follow_ups(conn: &Connection, period: &Period) -> Result<Vec<FollowUpFact>> {
    let mut stmt = conn.prepare_cached(
        "SELECT f.owner, f.created_at, f.due_at, f.status, f.answered_at, c.lsoa_code, c.lap_code
         FROM follow_ups f LEFT JOIN contacts c ON c.id = f.contact_id
         WHERE f.created_at < ?2
           AND (f.created_at >= ?1 OR f.status = 'open' OR f.answered_at >= ?1)",
    )?;
    let rows = stmt.query_map(params![t(period.from), t(period.to)], |r| {
        Ok(FollowUpFact {
            owner: r.get(0)?,
            created_at: r.get::<_, SqlTime>(1)?.0,
            due_at: r.get::<_, SqlTime>(2)?.0,
            status: r.get(3)?,
            answered_at: r.get::<_, Option<SqlTime>>(4)?.map(|s| s.0),
            lsoa_code: r
                .get::<_, Option<String>>(5)?
                .map(|c| crate::model::LsoaCode::parse(&c))
                .transpose()
                .map_err(conversion)?,
            lap_code: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

fn problems(conn: &Connection, period: &Period) -> Result<Vec<ProblemFact>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, area_kind, area_id, owner, stage, created_at, stage_changed_at,
                assessment IS NOT NULL
         FROM problems WHERE created_at < ?1",
    )?;
    let rows = stmt.query_map(params![t(period.to)], |r| {
        Ok(ProblemFact {
            id: r.get(0)?,
            area: AreaRef::from_parts(&r.get::<_, String>(1)?, &r.get::<_, String>(2)?)
                .map_err(conversion)?,
            owner: r.get(3)?,
            stage: r.get(4)?,
            created_at: r.get::<_, SqlTime>(5)?.0,
            stage_changed_at: r.get::<_, SqlTime>(6)?.0,
            has_assessment: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

fn stage_moves(conn: &Connection) -> Result<Vec<StageMoveFact>> {
    let mut stmt = conn.prepare_cached(
        "SELECT problem_id, to_stage, decided_at FROM stage_requests
         WHERE status = ?1 AND decided_at IS NOT NULL",
    )?;
    let rows = stmt.query_map(params![StageRequestStatus::Approved], |r| {
        Ok(StageMoveFact {
            problem_id: r.get(0)?,
            to: r.get(1)?,
            at: r.get::<_, SqlTime>(2)?.0,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}
