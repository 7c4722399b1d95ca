//! Every synced record's fields as its own tables hold them: the one place a record's synced
//! (JSON) form is read back from the store.
//!
//! The device keeps a record's values once, in its tables; sync state holds only their clocks
//! (`sync_records`). So whatever needs the values in their synced form — capture comparing a
//! write with what was there before, the merge keeping a field this device edited last, the
//! harnesses checking that device and server agree — reads them here.

use crate::error::{Error, Result};
use crate::ids::{
    ContactId, FollowUpId, NoteId, PatrolId, ProblemId, ReviewId, StageRequestId, StepId,
};
use crate::model::{Contact, ContactPersonalData, PersonalDetails, PriorityArea, Team};
use crate::store::reference::user_from_row;
use crate::store::retention::records as retention;
use crate::store::rows::{from_json, OptionalRow};
use crate::store::{contacts, follow_ups, notes, patrols, problems, reviews};
use crate::sync::protocol::RecordKind;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use serde_json::{Map, Value};

/// A record's synced fields by name.
pub type Fields = Map<String, Value>;

/// The record kinds whose rows live in `table` (a contact's row also holds its personal data's
/// ethnicity, and its details hang off it).
pub(crate) fn kinds_of_table(table: &str) -> &'static [RecordKind] {
    match table {
        "patrols" => &[RecordKind::Patrol],
        "notes" => &[RecordKind::Note],
        "contacts" => &[RecordKind::Contact, RecordKind::ContactPersonal],
        "follow_ups" => &[RecordKind::FollowUp],
        "problems" => &[RecordKind::Problem],
        "problem_steps" => &[RecordKind::ProblemStep],
        "stage_requests" => &[RecordKind::StageRequest],
        "reviews" => &[RecordKind::Review],
        "conflicts" => &[RecordKind::Conflict],
        "retention_reviews" => &[RecordKind::RetentionReview],
        _ => &[],
    }
}

/// The synced fields of record `kind`/`id` as the tables on `conn` hold them; `None` when the
/// record is not there.
pub(crate) fn load(conn: &Connection, kind: RecordKind, id: &str) -> Result<Option<Fields>> {
    let bad_id = |_| Error::Corrupt {
        kind: "record id",
        reason: format!("a {kind} id that is not a UUID"),
    };
    let found = match kind {
        RecordKind::Patrol => absent_as_none(patrols::load_patrol(
            conn,
            id.parse::<PatrolId>().map_err(bad_id)?,
        ))?
        .map(|r| json(&r)),
        RecordKind::Note => absent_as_none(notes::load_note(
            conn,
            id.parse::<NoteId>().map_err(bad_id)?,
        ))?
        .map(|r| json(&r)),
        RecordKind::Contact => {
            let contact_id = id.parse::<ContactId>().map_err(bad_id)?;
            absent_as_none(contacts::load_contact(conn, contact_id))?.map(|contact| {
                let mut fields = json(&contact)?;
                for derived in Contact::DERIVED_FIELDS {
                    fields.remove(derived);
                }
                Ok(fields)
            })
        }
        RecordKind::ContactPersonal => {
            let contact_id = id.parse::<ContactId>().map_err(bad_id)?;
            absent_as_none(personal_data(conn, contact_id))?.map(|r| json(&r))
        }
        RecordKind::FollowUp => absent_as_none(follow_ups::load(
            conn,
            id.parse::<FollowUpId>().map_err(bad_id)?,
        ))?
        .map(|r| json(&r)),
        RecordKind::Problem => absent_as_none(problems::load(
            conn,
            id.parse::<ProblemId>().map_err(bad_id)?,
        ))?
        .map(|r| json(&r)),
        RecordKind::ProblemStep => absent_as_none(problems::load_step(
            conn,
            id.parse::<StepId>().map_err(bad_id)?,
        ))?
        .map(|r| json(&r)),
        RecordKind::StageRequest => absent_as_none(problems::load_request(
            conn,
            id.parse::<StageRequestId>().map_err(bad_id)?,
        ))?
        .map(|r| json(&r)),
        RecordKind::Review => {
            absent_as_none(reviews::load(conn, id.parse::<ReviewId>().map_err(bad_id)?))?
                .map(|r| json(&r))
        }
        RecordKind::Conflict => conn
            .prepare_cached("SELECT body FROM conflicts WHERE id = ?1")?
            .query_row([id], |r| r.get::<_, String>(0))
            .optional()?
            .map(|body| {
                from_json::<Value>(&body)
                    .map_err(Error::Database)
                    .and_then(object)
            }),
        RecordKind::User => conn
            .prepare_cached("SELECT id, display_name, role, team_id FROM users WHERE id = ?1")?
            .query_row([id], user_from_row)
            .optional()?
            .map(|r| json(&r)),
        RecordKind::Team => conn
            .prepare_cached("SELECT id, name, lap_code FROM teams WHERE id = ?1")?
            .query_row([id], |r| {
                Ok(Team {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    lap_code: r.get(2)?,
                })
            })
            .optional()?
            .map(|r| json(&r)),
        RecordKind::PriorityArea => conn
            .prepare_cached("SELECT id, name, phase, lsoa_codes FROM priority_areas WHERE id = ?1")?
            .query_row([id], |r| {
                Ok(PriorityArea {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    phase: r.get(2)?,
                    lsoa_codes: from_json(&r.get::<_, String>(3)?)?,
                })
            })
            .optional()?
            .map(|r| json(&r)),
        RecordKind::AreaBoundaries => conn
            .prepare_cached("SELECT geojson FROM area_boundaries WHERE id = 1")?
            .query_row([], |r| r.get::<_, String>(0))
            .optional()?
            .map(|geojson| {
                Ok(Map::from_iter([(
                    "geojson".to_owned(),
                    Value::String(geojson),
                )]))
            }),
        RecordKind::RetentionSchedule => retention::load_schedule(conn)?.map(|r| json(&r)),
        RecordKind::RetentionReview => retention::load_review(conn, id)?.map(|r| json(&r)),
    };
    found.transpose()
}

/// A contact's personal fields as stored (the `contact_personal` record).
pub(crate) fn personal_data(conn: &Connection, id: ContactId) -> Result<ContactPersonalData> {
    let ethnicity: Option<String> = conn
        .prepare_cached("SELECT ethnicity FROM contacts WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .or_not_found("contact", id)?;
    let details = conn
        .prepare_cached(
            "SELECT name, phone, email, address FROM contact_personal WHERE contact_id = ?1",
        )?
        .query_row([id], |r| {
            Ok(PersonalDetails {
                name: r.get(0)?,
                phone: r.get(1)?,
                email: r.get(2)?,
                address: r.get(3)?,
            })
        })
        .optional()?;
    let ethnicity = ethnicity
        .map(|code| code.parse())
        .transpose()
        .map_err(|e| Error::Corrupt {
            kind: "contact",
            reason: format!("{e}"),
        })?;
    Ok(ContactPersonalData { details, ethnicity })
}

fn absent_as_none<T>(loaded: Result<T>) -> Result<Option<T>> {
    match loaded {
        Ok(record) => Ok(Some(record)),
        Err(Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

fn json<T: Serialize>(record: &T) -> Result<Fields> {
    serde_json::to_value(record)
        .map_err(|e| Error::Corrupt {
            kind: "record",
            reason: e.to_string(),
        })
        .and_then(object)
}

fn object(value: Value) -> Result<Fields> {
    match value {
        Value::Object(fields) => Ok(fields),
        _ => Err(Error::Corrupt {
            kind: "record",
            reason: "not a JSON object".into(),
        }),
    }
}
