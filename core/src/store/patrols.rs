//! Recording patrols: start with a purpose, add track points, close with a value assessment.

use super::audit::{self, AuditAction, AuditEvent};
use super::rows::{from_json, to_json, OptionalRow};
use super::search::{self, next_record_row, SearchKind};
use super::sql_time::{opt_t, t, truncate, SqlTime};
use super::Store;
use crate::error::{Error, Result};
use crate::ids::{PatrolId, UserId};
use crate::model::{
    Actor, AreaRef, NewPatrol, Patrol, PatrolClosure, PatrolKind, Role, TrackPoint,
};
use crate::validation::{Rule, ValidationError};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, Row};

const KIND: &str = "patrol";

/// Most track points accepted in one call (a day of 10-second fixes).
pub const MAX_TRACK_POINTS_PER_CALL: usize = 10_000;

const SELECT: &str = "SELECT id, kind, area_kind, area_id, purpose, operation_name, recorded_by,
    started_at, ended_at, observations, assessment, created_at, updated_at, correction_reason,
    cancelled_at FROM patrols";

impl Store {
    /// Starts a patrol. Volunteers record Citizens in Policing targeted patrols only.
    pub fn start_patrol(&self, actor: &Actor, mut new: NewPatrol) -> Result<Patrol> {
        new.validate()?;
        new.area = self.known_area("area", new.area)?;
        self.time_sense().check_patrol(new.started_at, None)?;
        check_kind_for_role(actor, new.kind)?;
        let now = self.now();
        let patrol = Patrol {
            id: PatrolId::new(),
            kind: new.kind,
            area: new.area,
            purpose: new.purpose.trim().to_owned(),
            operation_name: new.operation_name,
            recorded_by: actor.user_id,
            participants: dedup_participants(actor.user_id, new.participants),
            started_at: truncate(new.started_at),
            ended_at: None,
            observations: None,
            assessment: None,
            created_at: now,
            updated_at: now,
            correction_reason: None,
            cancelled_at: None,
        };
        self.write_as(Some(actor), |tx| {
            write_patrol(tx, &patrol)?;
            let id = patrol.id.to_string();
            audit::append(
                tx,
                actor,
                now,
                AuditEvent::new(AuditAction::Collection, KIND, &id),
            )?;
            Ok(())
        })?;
        Ok(patrol)
    }

    /// Records a patrol that has already happened, start to finish, in one step.
    pub fn record_patrol(
        &self,
        actor: &Actor,
        new: NewPatrol,
        closure: PatrolClosure,
    ) -> Result<Patrol> {
        new.validate()?;
        closure.validate(new.started_at)?;
        // Checked before the start is written: nothing half-recorded.
        self.time_sense()
            .check_patrol(new.started_at, Some(closure.ended_at))?;
        let patrol = self.start_patrol(actor, new)?;
        self.close_patrol(actor, patrol.id, closure)
    }

    /// Closes an open patrol with its end time, observations and value assessment.
    pub fn close_patrol(
        &self,
        actor: &Actor,
        id: PatrolId,
        closure: PatrolClosure,
    ) -> Result<Patrol> {
        let current = self.patrol(id)?;
        if current.is_cancelled() {
            return Err(ValidationError::new(
                "cancelled_at",
                Rule::InvalidState {
                    reason: "the patrol was cancelled",
                },
            )
            .into());
        }
        if !current.is_open() {
            return Err(ValidationError::new(
                "ended_at",
                Rule::InvalidState {
                    reason: "the patrol is already closed",
                },
            )
            .into());
        }
        closure.validate(current.started_at)?;
        self.time_sense()
            .check_patrol(current.started_at, Some(closure.ended_at))?;
        may_edit(actor, &current)?;
        let now = self.now();
        let ended_at = truncate(closure.ended_at);
        let observations = closure.observations.filter(|o| !o.trim().is_empty());
        let patrol = Patrol {
            ended_at: Some(ended_at),
            observations,
            assessment: closure.assessment,
            updated_at: now,
            ..current
        };
        self.write_as(Some(actor), |tx| {
            // Read again inside the transaction: another write may have closed it meanwhile.
            let still_open: bool = tx
                .prepare_cached("SELECT ended_at IS NULL FROM patrols WHERE id = ?1")?
                .query_row([id], |r| r.get(0))
                .or_not_found("patrol", id)?;
            if !still_open {
                return Err(ValidationError::new(
                    "ended_at",
                    Rule::InvalidState {
                        reason: "the patrol is already closed",
                    },
                )
                .into());
            }
            write_patrol(tx, &patrol)?;
            let id = id.to_string();
            audit::append(
                tx,
                actor,
                now,
                AuditEvent::new(AuditAction::Alteration, KIND, &id)
                    .detail("closed: ended_at, observations, assessment"),
            )?;
            Ok(())
        })?;
        Ok(patrol)
    }

    /// Adds points to a patrol's track. Points already recorded at the same time are kept.
    pub fn add_track_points(
        &self,
        actor: &Actor,
        id: PatrolId,
        points: &[TrackPoint],
    ) -> Result<usize> {
        if points.len() > MAX_TRACK_POINTS_PER_CALL {
            return Err(ValidationError::new(
                "points",
                Rule::OutOfRange {
                    min: "0".into(),
                    max: MAX_TRACK_POINTS_PER_CALL.to_string(),
                },
            )
            .into());
        }
        for p in points {
            p.point.validate("points.point")?;
        }
        let patrol = self.patrol(id)?;
        may_edit(actor, &patrol)?;
        self.write_as(Some(actor), |tx| {
            let mut added = 0;
            for p in points {
                added += tx
                    .prepare_cached(
                        "INSERT INTO track_points (patrol_id, at, lat, lon) VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT DO NOTHING",
                    )?
                    .execute(params![id, t(truncate(p.at)), p.point.lat, p.point.lon])?;
            }
            let id = id.to_string();
            audit::append(
                tx,
                actor,
                self.now(),
                AuditEvent::new(AuditAction::Collection, "patrol_track", &id),
            )?;
            Ok(added)
        })
    }

    /// A patrol's track, in time order.
    pub fn track(&self, id: PatrolId) -> Result<Vec<TrackPoint>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT at, lat, lon FROM track_points WHERE patrol_id = ?1 ORDER BY at",
            )?;
            let rows = stmt.query_map([id], |r| {
                Ok(TrackPoint {
                    at: r.get::<_, SqlTime>(0)?.0,
                    point: crate::model::GeoPoint::new(r.get(1)?, r.get(2)?),
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    pub fn patrol(&self, id: PatrolId) -> Result<Patrol> {
        self.read(|conn| load_patrol(conn, id))
    }

    /// Patrols that started in `[from, to)`, newest first.
    pub fn patrols_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Patrol>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "{SELECT} WHERE started_at >= ?1 AND started_at < ?2 ORDER BY started_at DESC"
            ))?;
            let rows = stmt
                .query_map(params![t(from), t(to)], patrol_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|p| with_participants(conn, p))
                .collect()
        })
    }

    /// Open patrols recorded by `user` (a cancelled patrol is nobody's open patrol).
    pub fn open_patrols(&self, user: UserId) -> Result<Vec<Patrol>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "{SELECT} WHERE recorded_by = ?1 AND ended_at IS NULL AND cancelled_at IS NULL
                 ORDER BY started_at DESC"
            ))?;
            let rows = stmt
                .query_map([user], patrol_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|p| with_participants(conn, p))
                .collect()
        })
    }
}

/// Writes a patrol whole — its row, its participants and its search row: the one writer, for
/// a patrol recorded or closed here and one pulled alike.
pub(crate) fn write_patrol(conn: &Connection, p: &Patrol) -> Result<()> {
    conn.prepare_cached(concat!(
        "INSERT INTO patrols (rowid, id, kind, area_kind, area_id, purpose, operation_name,
           recorded_by, started_at, ended_at, observations, assessment, created_at, updated_at,
           correction_reason, cancelled_at)
         VALUES (",
        next_record_row!(),
        ", ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, area_kind = excluded.area_kind,
           area_id = excluded.area_id, purpose = excluded.purpose,
           operation_name = excluded.operation_name, recorded_by = excluded.recorded_by,
           started_at = excluded.started_at, ended_at = excluded.ended_at,
           observations = excluded.observations, assessment = excluded.assessment,
           updated_at = excluded.updated_at, correction_reason = excluded.correction_reason,
           cancelled_at = excluded.cancelled_at"
    ))?
    .execute(params![
        p.id,
        p.kind,
        p.area.kind(),
        p.area.id_string(),
        p.purpose,
        p.operation_name,
        p.recorded_by,
        t(p.started_at),
        opt_t(p.ended_at),
        p.observations,
        p.assessment.as_ref().map(to_json).transpose()?,
        t(p.created_at),
        t(p.updated_at),
        p.correction_reason,
        opt_t(p.cancelled_at),
    ])?;
    conn.prepare_cached("DELETE FROM patrol_participants WHERE patrol_id = ?1")?
        .execute([p.id])?;
    for user in &p.participants {
        conn.prepare_cached(
            "INSERT OR IGNORE INTO patrol_participants (patrol_id, user_id) VALUES (?1, ?2)",
        )?
        .execute(params![p.id, user])?;
    }
    index_patrol(conn, p)
}

/// Volunteers record Citizens in Policing targeted patrols only (and cannot correct a patrol
/// into another kind).
pub(crate) fn check_kind_for_role(actor: &Actor, kind: PatrolKind) -> Result<()> {
    if actor.role == Role::Volunteer && kind != PatrolKind::CipTargeted {
        return Err(ValidationError::new(
            "kind",
            Rule::RoleNotAllowed {
                reason: "volunteers record Citizens in Policing targeted patrols",
            },
        )
        .into());
    }
    Ok(())
}

/// Who may correct or cancel a patrol: whoever may edit it (its own officers or a supervisor).
pub(crate) fn may_correct(actor: &Actor, patrol: &Patrol) -> Result<()> {
    may_edit(actor, patrol)
}

/// The recorder, a participant or a supervisor may edit a patrol.
fn may_edit(actor: &Actor, patrol: &Patrol) -> Result<()> {
    if actor.role.is_supervisor()
        || patrol.recorded_by == actor.user_id
        || patrol.participants.contains(&actor.user_id)
    {
        Ok(())
    } else {
        Err(Error::Denied(crate::policy::Denial::new(
            crate::policy::DenialCode::NotOnPatrol,
        )))
    }
}

fn dedup_participants(recorder: UserId, mut participants: Vec<UserId>) -> Vec<UserId> {
    participants.retain(|p| *p != recorder);
    participants.sort();
    participants.dedup();
    participants
}

pub(crate) fn index_patrol(conn: &Connection, patrol: &Patrol) -> Result<()> {
    let (title, body) = patrol_search_text(patrol);
    search::index(
        conn,
        SearchKind::Patrol,
        &patrol.id.to_string(),
        &title,
        &body,
    )
}

/// What search indexes and shows of a patrol: its kind and operation, its purpose,
/// observations and assessment.
pub(crate) fn patrol_search_text(patrol: &Patrol) -> (String, String) {
    let title = match &patrol.operation_name {
        Some(op) => format!("{} patrol — {op}", patrol.kind),
        None => format!("{} patrol", patrol.kind),
    };
    let mut body = patrol.purpose.clone();
    if let Some(obs) = &patrol.observations {
        body.push('\n');
        body.push_str(obs);
    }
    if let Some(a) = &patrol.assessment {
        body.push('\n');
        body.push_str(&a.summary);
    }
    (title, body)
}

pub(crate) fn load_patrol(conn: &Connection, id: PatrolId) -> Result<Patrol> {
    let patrol = conn
        .prepare_cached(&format!("{SELECT} WHERE id = ?1"))?
        .query_row([id], patrol_from_row)
        .or_not_found(KIND, id)?;
    with_participants(conn, patrol)
}

fn with_participants(conn: &Connection, mut patrol: Patrol) -> Result<Patrol> {
    let mut stmt = conn.prepare_cached(
        "SELECT user_id FROM patrol_participants WHERE patrol_id = ?1 ORDER BY user_id",
    )?;
    patrol.participants = stmt
        .query_map([patrol.id], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(patrol)
}

fn patrol_from_row(r: &Row<'_>) -> rusqlite::Result<Patrol> {
    let area = AreaRef::from_parts(&r.get::<_, String>(2)?, &r.get::<_, String>(3)?)
        .map_err(super::rows::conversion)?;
    let assessment: Option<String> = r.get(10)?;
    Ok(Patrol {
        id: r.get(0)?,
        kind: r.get(1)?,
        area,
        purpose: r.get(4)?,
        operation_name: r.get(5)?,
        recorded_by: r.get(6)?,
        participants: Vec::new(),
        started_at: r.get::<_, SqlTime>(7)?.0,
        ended_at: r.get::<_, Option<SqlTime>>(8)?.map(|s| s.0),
        observations: r.get(9)?,
        assessment: match assessment {
            Some(text) => from_json(&text)?,
            None => None,
        },
        created_at: r.get::<_, SqlTime>(11)?.0,
        updated_at: r.get::<_, SqlTime>(12)?.0,
        correction_reason: r.get(13)?,
        cancelled_at: r.get::<_, Option<SqlTime>>(14)?.map(|s| s.0),
    })
}
