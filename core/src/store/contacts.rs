//! Recording engagement contacts: tagging the place with its LSOA, flagging repeat locations,
//! turning a promise into a follow-up, and keeping personal details apart, consent-gated and
//! read only through an audited consultation.

use super::audit::{self, AuditAction, AuditEvent};
use super::near_cells::{NearCells, COLUMNS_PER_ROW};
use super::rows::{from_json, to_json};
use super::search::{self, next_record_row, SearchKind};
use super::sql_time::{opt_t, t, truncate, SqlTime};
use super::Store;
use crate::error::{Error, Result};
use crate::ids::{ContactId, FollowUpId, PatrolId, ProblemId, UserId};
use crate::model::followup::default_due;
use crate::model::TimeKind;
use crate::model::{
    Actor, Contact, ContactPersonalData, FollowUp, FollowUpStatus, GeoPoint, LsoaCode, NewContact,
    Role,
};
use crate::policy::{Denial, DenialCode};
use crate::validation::{check, limits, Rule, ValidationError};
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

const KIND: &str = "contact";

/// Contacts this close (metres) to a new one, in the window before it, flag a repeat location.
pub const DEFAULT_REPEAT_RADIUS_M: f64 = 100.0;
/// How far back the repeat-location check looks.
pub const REPEAT_WINDOW_DAYS: i64 = 28;

pub(crate) const SELECT: &str = "SELECT c.id, c.occurred_at, c.lat, c.lon, c.lsoa_code,
    c.lap_code, c.method, c.audience, c.people_count, c.issues, c.issues_text, c.promised,
    c.follow_up_id, c.consent_to_recontact, c.ethnicity IS NOT NULL,
    EXISTS (SELECT 1 FROM contact_personal p WHERE p.contact_id = c.id),
    c.repeat_caller, c.vulnerable, c.repeat_location, c.problem_id, c.patrol_id, c.recorded_by,
    c.redacted_at, c.created_at, c.updated_at, c.correction_reason FROM contacts c";

/// An earlier contact near a new one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearbyContact {
    pub contact_id: ContactId,
    pub occurred_at: DateTime<Utc>,
    pub distance_m: f64,
}

/// What recording a contact produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedContact {
    pub contact: Contact,
    /// The follow-up made from the promise, if one was made.
    pub follow_up: Option<FollowUp>,
    /// Earlier contacts nearby in the last 28 days (why `repeat_location` is set).
    pub nearby: Vec<NearbyContact>,
}

impl Store {
    /// Records an engagement contact (and its follow-up, if something was promised).
    pub fn record_contact(&self, actor: &Actor, new: NewContact) -> Result<RecordedContact> {
        new.validate()?;
        let sense = self.time_sense();
        sense.check("occurred_at", new.occurred_at, TimeKind::Happened)?;
        if let Some(due) = new.follow_up_due {
            sense.check("follow_up_due", due, TimeKind::Due)?;
        }
        new.personal_data_held().check_role(actor.role)?;
        let (lsoa_code, lap_code) = self.contact_areas(&new)?;
        let now = self.now();
        let occurred_at = truncate(new.occurred_at);
        let promise = new
            .promised
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty());
        // A volunteer's promise is referred to the team, for a supervisor to give to someone.
        let referral = actor.role == Role::Volunteer;
        if referral && new.follow_up_owner.is_some() {
            return Err(Denial::on_field(DenialCode::VolunteersRefer, "follow_up_owner").into());
        }
        let follow_up = promise.map(|promise| FollowUp {
            id: FollowUpId::new(),
            contact_id: None,
            promise: promise.to_owned(),
            owner: (!referral).then(|| new.follow_up_owner.unwrap_or(actor.user_id)),
            referred_by: referral.then_some(actor.user_id),
            created_at: now,
            due_at: truncate(
                new.follow_up_due
                    .unwrap_or_else(|| default_due(occurred_at)),
            ),
            status: FollowUpStatus::Open,
            answered_at: None,
            outcome: None,
            correction_reason: None,
        });
        let personal = new.personal.filter(|p| !p.is_empty());
        let radius = self.repeat_radius_m();
        self.write_as(Some(actor), |tx| {
            check_links(tx, new.patrol_id, new.problem_id)?;
            if let Some(owner) = new.follow_up_owner {
                check_user(tx, "follow_up_owner", owner)?;
            }
            let id = ContactId::new();
            // A contact without a place is at no location to repeat.
            let neighbours = match new.place {
                Some(place) => find_nearby(tx, place, occurred_at, radius)?,
                None => Vec::new(),
            };
            let mut contact = Contact {
                id,
                occurred_at,
                place: new.place,
                lsoa_code,
                lap_code,
                method: new.method,
                audience: new.audience,
                people_count: new.people_count,
                issues: new.issues,
                issues_text: new.issues_text.filter(|t| !t.trim().is_empty()),
                promised: promise.map(str::to_owned),
                follow_up_id: follow_up.as_ref().map(|f| f.id),
                consent_to_recontact: new.consent_to_recontact,
                has_personal_details: personal.is_some(),
                has_ethnicity: new.ethnicity.is_some(),
                repeat_caller: new.repeat_caller,
                vulnerable: new.vulnerable,
                repeat_location: !neighbours.is_empty(),
                problem_id: new.problem_id,
                patrol_id: new.patrol_id,
                recorded_by: actor.user_id,
                redacted_at: None,
                created_at: now,
                updated_at: now,
                correction_reason: None,
            };
            let row = write_contact(tx, &contact)?;
            if personal.is_some() || new.ethnicity.is_some() {
                let data = ContactPersonalData {
                    details: personal.clone(),
                    ethnicity: new.ethnicity,
                };
                write_personal(tx, &id.to_string(), &data)?;
            }
            let id_text = id.to_string();
            let follow_up = match follow_up {
                Some(mut f) => {
                    f.contact_id = Some(id);
                    super::follow_ups::write(tx, &f)?;
                    audit::append(
                        tx,
                        actor,
                        now,
                        AuditEvent::new(AuditAction::Collection, "follow_up", &f.id.to_string()),
                    )?;
                    Some(f)
                }
                None => None,
            };
            insert_links(tx, row, &neighbours)?;
            let nearby: Vec<NearbyContact> = neighbours.into_iter().map(|n| n.found).collect();
            let detail = if personal.is_some() {
                "with personal details"
            } else {
                "no personal details"
            };
            audit::append(
                tx,
                actor,
                now,
                AuditEvent::new(AuditAction::Collection, KIND, &id_text).detail(detail),
            )?;
            log_nearby(tx, actor, now, &id_text, nearby.len(), "")?;
            contact.updated_at = now;
            Ok(RecordedContact {
                contact,
                follow_up,
                nearby,
            })
        })
    }

    /// A contact, without its personal details.
    pub fn contact(&self, id: ContactId) -> Result<Contact> {
        self.read(|conn| load_contact(conn, id))
    }

    /// Contacts that happened in `[from, to)`, oldest first.
    pub fn contacts_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Contact>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "{SELECT} WHERE c.occurred_at >= ?1 AND c.occurred_at < ?2 ORDER BY c.occurred_at"
            ))?;
            let rows = stmt.query_map(params![t(from), t(to)], contact_from_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// The earlier contacts that flagged `id` as a repeat location.
    pub fn nearby_contacts(&self, id: ContactId) -> Result<Vec<NearbyContact>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT c.id, c.occurred_at, n.distance_m
                 FROM contacts me
                 JOIN contact_nearby n ON n.contact_row = me.rowid
                 JOIN contacts c ON c.rowid = n.earlier_row
                 WHERE me.id = ?1 ORDER BY n.distance_m",
            )?;
            let rows = stmt.query_map([id], |r| {
                Ok(NearbyContact {
                    contact_id: r.get(0)?,
                    occurred_at: r.get::<_, SqlTime>(1)?.0,
                    distance_m: r.get(2)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Reads a contact's personal fields: a consultation, logged with its justification.
    /// Volunteers may not.
    pub fn contact_personal_details(
        &self,
        actor: &Actor,
        id: ContactId,
        justification: &str,
    ) -> Result<ContactPersonalData> {
        if actor.role == Role::Volunteer {
            return Err(Error::Denied(Denial::new(DenialCode::PersonalData)));
        }
        check::required_text("justification", justification, limits::SHORT_TEXT)?;
        // A write transaction: the consultation is logged together with the read.
        self.write_as(Some(actor), |tx| {
            let personal = super::device_sync::record_json::personal_data(tx, id)?;
            audit::append(
                tx,
                actor,
                self.now(),
                AuditEvent::new(AuditAction::Consultation, KIND, &id.to_string())
                    .justified(justification.trim()),
            )?;
            Ok(personal)
        })
    }

    /// Sets the repeat-location radius in metres (10 m to 5 km).
    pub fn set_repeat_radius_m(&self, metres: f64) -> Result<()> {
        if !(10.0..=5_000.0).contains(&metres) {
            return Err(ValidationError::new(
                "radius_m",
                Rule::OutOfRange {
                    min: "10".into(),
                    max: "5000".into(),
                },
            )
            .into());
        }
        self.repeat_radius_bits
            .store(metres.to_bits(), std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// A new contact's LSOA and LAP: tagged from its place (an LSOA given too is kept), or,
    /// without a place, the codes the person gave, checked against the loaded areas.
    fn contact_areas(&self, new: &NewContact) -> Result<(Option<LsoaCode>, Option<String>)> {
        let given_lsoa = new
            .lsoa_code
            .clone()
            .map(|code| self.known_lsoa("lsoa_code", code))
            .transpose()?;
        match new.place {
            Some(place) => {
                let tag = self.tag_new_place("place", place)?;
                let lap_code = tag.as_ref().map(|t| t.lap_code.clone());
                Ok((given_lsoa.or_else(|| tag.map(|t| t.lsoa_code)), lap_code))
            }
            None => {
                let lap_code = self.areas_as_given(given_lsoa.as_ref(), new.lap_code.as_deref())?;
                Ok((given_lsoa, lap_code))
            }
        }
    }

    pub(crate) fn repeat_radius_m(&self) -> f64 {
        f64::from_bits(
            self.repeat_radius_bits
                .load(std::sync::atomic::Ordering::Relaxed),
        )
    }
}

/// Writes a contact whole (not its personal data) and its search row: the one writer of the
/// `contacts` row, for a contact recorded here and one pulled alike. Returns the contact's row
/// number (what its search row and repeat-location links name it by).
pub(crate) fn write_contact(conn: &Connection, c: &Contact) -> Result<i64> {
    conn.prepare_cached(concat!(
        "INSERT INTO contacts (rowid, id, occurred_at, lat, lon, lsoa_code, lap_code, method,
           audience, people_count, issues, issues_text, promised, follow_up_id,
           consent_to_recontact, repeat_caller, vulnerable, repeat_location, problem_id, patrol_id,
           recorded_by, redacted_at, created_at, updated_at, correction_reason)
         VALUES (",
        next_record_row!(),
        ", ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
           ?19, ?20, ?21, ?22, ?23, ?24)
         ON CONFLICT (id) DO UPDATE SET occurred_at = excluded.occurred_at, lat = excluded.lat,
           lon = excluded.lon, lsoa_code = excluded.lsoa_code, lap_code = excluded.lap_code,
           method = excluded.method, audience = excluded.audience,
           people_count = excluded.people_count, issues = excluded.issues,
           issues_text = excluded.issues_text, promised = excluded.promised,
           follow_up_id = excluded.follow_up_id,
           consent_to_recontact = excluded.consent_to_recontact,
           repeat_caller = excluded.repeat_caller, vulnerable = excluded.vulnerable,
           repeat_location = excluded.repeat_location, problem_id = excluded.problem_id,
           patrol_id = excluded.patrol_id, recorded_by = excluded.recorded_by,
           redacted_at = excluded.redacted_at, updated_at = excluded.updated_at,
           correction_reason = excluded.correction_reason"
    ))?
    .execute(params![
        c.id,
        t(c.occurred_at),
        c.place.map(|p| p.lat),
        c.place.map(|p| p.lon),
        c.lsoa_code.as_ref().map(|l| l.as_str()),
        c.lap_code,
        c.method,
        c.audience,
        c.people_count,
        to_json(&c.issues)?,
        c.issues_text,
        c.promised,
        c.follow_up_id,
        c.consent_to_recontact,
        c.repeat_caller,
        c.vulnerable,
        c.repeat_location,
        c.problem_id,
        c.patrol_id,
        c.recorded_by,
        opt_t(c.redacted_at),
        t(c.created_at),
        t(c.updated_at),
        c.correction_reason,
    ])?;
    // The repeat-location index (`contacts_near`, store version 28) is SQLite's to keep: its
    // keys are generated from the row. The row number is what search and links name it by; it
    // is read back rather than returned by the upsert: with `RETURNING` it runs in a statement
    // savepoint, which makes the search index flush its pending terms for every contact of a
    // pulled page (+9.3% instructions: `docs/performance.md`, "Pulled records planned and read
    // without copies").
    let row = contact_row(conn, &c.id.to_string())?.ok_or_else(|| Error::not_found(KIND, c.id))?;
    let (title, body) = contact_search_text(c);
    search::index_by_row(conn, SearchKind::Contact, row, &title, &body)?;
    Ok(row)
}

/// Takes a contact out of every repeat-location link, its own and those of later contacts that
/// found it: run before its row is deleted. Links are keyed by the contact's row number (store
/// version 21), so no foreign key cascades them; its entry on the repeat-location index goes
/// with the row. A contact this store does not hold has nothing to take off.
pub(crate) fn unplace_contact(conn: &Connection, id: &str) -> Result<()> {
    let Some(row) = contact_row(conn, id)? else {
        return Ok(());
    };
    for sql in [
        "DELETE FROM contact_nearby WHERE contact_row = ?1",
        "DELETE FROM contact_nearby WHERE earlier_row = ?1",
    ] {
        conn.prepare_cached(sql)?.execute([row])?;
    }
    Ok(())
}

/// A contact's row number: what search and the repeat-location links name it by.
fn contact_row(conn: &Connection, id: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT rowid FROM contacts WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

/// Writes a contact's personal data (its details row and its ethnicity): the one writer, for
/// data recorded here and pulled alike. `None` details remove the row.
pub(crate) fn write_personal(conn: &Connection, id: &str, p: &ContactPersonalData) -> Result<()> {
    conn.prepare_cached("UPDATE contacts SET ethnicity = ?2 WHERE id = ?1")?
        .execute(params![id, p.ethnicity.map(|e| e.as_str())])?;
    match &p.details {
        Some(d) => {
            conn.prepare_cached(
                "INSERT INTO contact_personal (contact_id, name, phone, email, address)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (contact_id) DO UPDATE SET name = excluded.name,
                   phone = excluded.phone, email = excluded.email, address = excluded.address",
            )?
            .execute(params![id, d.name, d.phone, d.email, d.address])?;
        }
        None => {
            conn.prepare_cached("DELETE FROM contact_personal WHERE contact_id = ?1")?
                .execute([id])?;
        }
    }
    Ok(())
}

/// What search indexes and shows of a contact: its title and its non-personal text.
pub(crate) fn contact_search_text(c: &Contact) -> (String, String) {
    let title = format!("{} with {}", c.method, c.audience);
    let mut body: Vec<&str> = c.issues.iter().map(|i| i.as_str()).collect();
    body.extend(c.issues_text.as_deref());
    body.extend(c.promised.as_deref());
    (title, body.join("\n"))
}

/// Replaces a contact's links to earlier contacts nearby with what its place and time find
/// now (none without a place); the contact itself, still on the spatial index where it was,
/// is not its own neighbour. Returns the new links.
pub(crate) fn relink_nearby(
    conn: &Connection,
    contact: &Contact,
    radius_m: f64,
) -> Result<Vec<NearbyContact>> {
    let row = contact_row(conn, &contact.id.to_string())?
        .ok_or_else(|| Error::not_found(KIND, contact.id))?;
    conn.prepare_cached("DELETE FROM contact_nearby WHERE contact_row = ?1")?
        .execute([row])?;
    let neighbours: Vec<Neighbour> = match contact.place {
        Some(place) => find_nearby(conn, place, contact.occurred_at, radius_m)?
            .into_iter()
            .filter(|n| n.row != row)
            .collect(),
        None => Vec::new(),
    };
    insert_links(conn, row, &neighbours)?;
    Ok(neighbours.into_iter().map(|n| n.found).collect())
}

/// Logs a contact's links to `linked` earlier contacts nearby (s.62: a combination), if any;
/// `when` says how they were found.
pub(crate) fn log_nearby(
    conn: &Connection,
    actor: &Actor,
    now: DateTime<Utc>,
    id: &str,
    linked: usize,
    when: &str,
) -> Result<()> {
    if linked == 0 {
        return Ok(());
    }
    let detail = format!("linked to {linked} earlier contact(s) nearby{when}");
    audit::append(
        conn,
        actor,
        now,
        AuditEvent::new(AuditAction::Combination, KIND, id).detail(&detail),
    )
}

/// An earlier contact found near a place, with its row number (what a link names it by).
struct Neighbour {
    row: i64,
    found: NearbyContact,
}

/// Links the contact at `row` to the earlier contacts found near it.
fn insert_links(conn: &Connection, row: i64, neighbours: &[Neighbour]) -> Result<()> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO contact_nearby (contact_row, earlier_row, distance_m) VALUES (?1, ?2, ?3)",
    )?;
    for n in neighbours {
        insert.execute(params![row, n.row, n.found.distance_m])?;
    }
    Ok(())
}

/// Earlier contacts within `radius_m` of `place` in the repeat window before `at`.
fn find_nearby(
    conn: &Connection,
    place: GeoPoint,
    at: DateTime<Utc>,
    radius_m: f64,
) -> Result<Vec<Neighbour>> {
    // The box around the place in cells of the repeat-location index (`contacts_near`, store
    // version 28), one short range a week and row of cells, then the exact distance and time
    // on the few candidates: the cost follows the contacts near this one, not the size of the
    // store. Weeks are computed by the index's own expression from the same text.
    let cells = NearCells::around(place, radius_m);
    let since = at - Duration::days(REPEAT_WINDOW_DAYS);
    let mut stmt = conn.prepare_cached(
        "WITH RECURSIVE
           repeat_weeks(week) AS (
             SELECT CAST((julianday(?5) - 2440587.5) / 7 AS INTEGER)
             UNION ALL SELECT week + 1 FROM repeat_weeks
             WHERE week < CAST((julianday(?6) - 2440587.5) / 7 AS INTEGER)),
           repeat_lat_rows(lat_row) AS (
             SELECT ?1 UNION ALL SELECT lat_row + 1 FROM repeat_lat_rows WHERE lat_row < ?2)
         SELECT c.rowid, c.id, c.occurred_at, c.lat, c.lon
         FROM repeat_weeks CROSS JOIN repeat_lat_rows CROSS JOIN contacts c
         WHERE c.near_week = repeat_weeks.week
           AND c.near_cell BETWEEN repeat_lat_rows.lat_row * ?7 + ?3
                               AND repeat_lat_rows.lat_row * ?7 + ?4
           AND +c.occurred_at >= ?5 AND +c.occurred_at <= ?6",
    )?;
    let rows = stmt.query_map(
        params![
            cells.lat_rows.0,
            cells.lat_rows.1,
            cells.lon_columns.0,
            cells.lon_columns.1,
            t(since),
            t(at),
            COLUMNS_PER_ROW,
        ],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, ContactId>(1)?,
                r.get::<_, SqlTime>(2)?.0,
                GeoPoint::new(r.get(3)?, r.get(4)?),
            ))
        },
    )?;
    let mut nearby = Vec::new();
    for row in rows {
        let (row, contact_id, occurred_at, point) = row?;
        let distance_m = place.distance_m(&point);
        if distance_m <= radius_m {
            nearby.push(Neighbour {
                row,
                found: NearbyContact {
                    contact_id,
                    occurred_at,
                    distance_m,
                },
            });
        }
    }
    nearby.sort_by(|a, b| a.found.distance_m.total_cmp(&b.found.distance_m));
    Ok(nearby)
}

/// Typed errors for links to records that do not exist.
pub(crate) fn check_links(
    conn: &Connection,
    patrol: Option<PatrolId>,
    problem: Option<ProblemId>,
) -> Result<()> {
    if let Some(id) = patrol {
        if !exists(conn, "SELECT 1 FROM patrols WHERE id = ?1", &id.to_string())? {
            return Err(ValidationError::new(
                "patrol_id",
                Rule::UnknownReference { kind: "patrol" },
            )
            .into());
        }
    }
    if let Some(id) = problem {
        if !exists(
            conn,
            "SELECT 1 FROM problems WHERE id = ?1",
            &id.to_string(),
        )? {
            return Err(ValidationError::new(
                "problem_id",
                Rule::UnknownReference { kind: "problem" },
            )
            .into());
        }
    }
    Ok(())
}

/// Who may correct a contact's non-personal fields: whoever recorded it, or a supervisor.
pub(crate) fn may_amend(actor: &Actor, contact: &Contact) -> Result<()> {
    if contact.recorded_by == actor.user_id || actor.role.is_supervisor() {
        Ok(())
    } else {
        Err(Error::Denied(crate::policy::Denial::new(
            crate::policy::DenialCode::NotRecorder,
        )))
    }
}

pub(crate) fn check_user(conn: &Connection, field: &str, user: UserId) -> Result<()> {
    if exists(conn, "SELECT 1 FROM users WHERE id = ?1", &user.to_string())? {
        Ok(())
    } else {
        Err(ValidationError::new(field, Rule::UnknownReference { kind: "user" }).into())
    }
}

fn exists(conn: &Connection, sql: &str, id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(sql)?
        .query_row([id], |_| Ok(()))
        .optional()?
        .is_some())
}

pub(crate) fn load_contact(conn: &Connection, id: ContactId) -> Result<Contact> {
    find_contact(conn, id)?.ok_or_else(|| Error::not_found(KIND, id))
}

/// The contact `id`, if this store holds it.
pub(crate) fn find_contact(conn: &Connection, id: ContactId) -> Result<Option<Contact>> {
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE c.id = ?1"))?
        .query_row([id], contact_from_row)
        .optional()?)
}

pub(crate) fn contact_from_row(r: &Row<'_>) -> rusqlite::Result<Contact> {
    let lsoa: Option<String> = r.get(4)?;
    Ok(Contact {
        id: r.get(0)?,
        occurred_at: r.get::<_, SqlTime>(1)?.0,
        place: match (r.get(2)?, r.get(3)?) {
            (Some(lat), Some(lon)) => Some(GeoPoint::new(lat, lon)),
            _ => None,
        },
        lsoa_code: lsoa
            .map(|c| LsoaCode::parse(&c))
            .transpose()
            .map_err(super::rows::conversion)?,
        lap_code: r.get(5)?,
        method: r.get(6)?,
        audience: r.get(7)?,
        people_count: r.get(8)?,
        issues: from_json(&r.get::<_, String>(9)?)?,
        issues_text: r.get(10)?,
        promised: r.get(11)?,
        follow_up_id: r.get(12)?,
        consent_to_recontact: r.get(13)?,
        has_ethnicity: r.get(14)?,
        has_personal_details: r.get(15)?,
        repeat_caller: r.get(16)?,
        vulnerable: r.get(17)?,
        repeat_location: r.get(18)?,
        problem_id: r.get(19)?,
        patrol_id: r.get(20)?,
        recorded_by: r.get(21)?,
        redacted_at: r.get::<_, Option<SqlTime>>(22)?.map(|s| s.0),
        created_at: r.get::<_, SqlTime>(23)?.0,
        updated_at: r.get::<_, SqlTime>(24)?.0,
        correction_reason: r.get(25)?,
    })
}
