//! Reference data: teams, users, priority areas, and this device's owner. On a device these
//! arrive by sync; the terminal client and tests also set them directly.

use super::rows::{from_json, to_json, OptionalRow};
use super::Store;
use crate::error::Result;
use crate::ids::{DeviceId, UserId};
use crate::model::{Actor, PriorityArea, Team, User};
use crate::validation::{check, limits};
use rusqlite::{params, Connection, OptionalExtension};

impl Store {
    /// Adds or updates a team.
    pub fn upsert_team(&self, team: &Team) -> Result<()> {
        check::required_text("name", &team.name, limits::SHORT_TEXT)?;
        self.write(|tx| write_team(tx, team))
    }

    pub fn teams(&self) -> Result<Vec<Team>> {
        self.read(|conn| {
            let mut stmt =
                conn.prepare_cached("SELECT id, name, lap_code FROM teams ORDER BY name")?;
            let rows = stmt.query_map([], |r| {
                Ok(Team {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    lap_code: r.get(2)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Adds or updates a user.
    pub fn upsert_user(&self, user: &User) -> Result<()> {
        check::required_text("display_name", &user.display_name, limits::SHORT_TEXT)?;
        self.write(|tx| write_user(tx, user))
    }

    pub fn user(&self, id: UserId) -> Result<User> {
        self.read(|conn| {
            conn.prepare_cached("SELECT id, display_name, role, team_id FROM users WHERE id = ?1")?
                .query_row([id], user_from_row)
                .or_not_found("user", id)
        })
    }

    pub fn users(&self) -> Result<Vec<User>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, display_name, role, team_id FROM users ORDER BY display_name",
            )?;
            let rows = stmt.query_map([], user_from_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Records who this device belongs to. The user must already be known.
    pub fn set_device_owner(&self, device_id: DeviceId, user_id: UserId) -> Result<Actor> {
        let user = self.user(user_id)?;
        self.write(|tx| {
            tx.execute(
                "INSERT INTO device_profile (id, device_id, user_id) VALUES (1, ?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET device_id = excluded.device_id,
                   user_id = excluded.user_id",
                params![device_id, user_id],
            )?;
            Ok(())
        })?;
        Ok(Actor {
            user_id,
            role: user.role,
            device_id,
        })
    }

    /// The device's owner as an [`Actor`], once set.
    pub fn device_actor(&self) -> Result<Option<Actor>> {
        self.read(|conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT d.device_id, d.user_id, u.role FROM device_profile d
                     JOIN users u ON u.id = d.user_id WHERE d.id = 1",
                )?
                .query_row([], |r| {
                    Ok(Actor {
                        device_id: r.get(0)?,
                        user_id: r.get(1)?,
                        role: r.get(2)?,
                    })
                })
                .optional()?)
        })
    }

    /// Adds or updates a priority area.
    pub fn upsert_priority_area(&self, area: &PriorityArea) -> Result<()> {
        check::required_text("name", &area.name, limits::SHORT_TEXT)?;
        self.write(|tx| write_priority_area(tx, area))
    }

    pub fn priority_areas(&self) -> Result<Vec<PriorityArea>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, name, phase, lsoa_codes FROM priority_areas ORDER BY name",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(PriorityArea {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    phase: r.get(2)?,
                    lsoa_codes: from_json(&r.get::<_, String>(3)?)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }
}

pub(crate) fn user_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        display_name: r.get(1)?,
        role: r.get(2)?,
        team_id: r.get(3)?,
    })
}

/// The one writer of `teams`: set here (terminal client, tests) or pulled, alike.
pub(crate) fn write_team(conn: &Connection, team: &Team) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO teams (id, name, lap_code) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, lap_code = excluded.lap_code",
    )?
    .execute(params![team.id, team.name, team.lap_code])?;
    Ok(())
}

/// The one writer of `users`: set here, pulled, or learnt at enrolment, alike.
pub(crate) fn write_user(conn: &Connection, user: &User) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO users (id, display_name, role, team_id) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name,
           role = excluded.role, team_id = excluded.team_id",
    )?
    .execute(params![user.id, user.display_name, user.role, user.team_id])?;
    Ok(())
}

/// The one writer of `priority_areas`: set here or pulled, alike.
pub(crate) fn write_priority_area(conn: &Connection, area: &PriorityArea) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO priority_areas (id, name, phase, lsoa_codes) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, phase = excluded.phase,
           lsoa_codes = excluded.lsoa_codes",
    )?
    .execute(params![
        area.id,
        area.name,
        area.phase,
        to_json(&area.lsoa_codes)?
    ])?;
    Ok(())
}
