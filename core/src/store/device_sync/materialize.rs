//! Writing merged records into the typed tables. Runs inside the pull transaction with foreign
//! keys off (a record's latest change can arrive before or after the records it links to, and
//! a volunteer never receives some of them) and with capture paused (these are not local edits).

use crate::error::{Error, Result};
use crate::model::{Problem, ProblemStep, Review, StoredValueRules};
use crate::store::search;
use crate::store::{contacts, follow_ups, notes, patrols, problems, reference, reviews};
use crate::sync::protocol::RecordKind;
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// [`Error::Corrupt`]'s `kind` for a pulled record that lacks fields its type requires (its
/// creation has not arrived yet): it waits, held, for the rest.
pub(crate) const INCOMPLETE: &str = "incomplete synced record";

/// [`Error::Corrupt`]'s `kind` for a pulled record with a field this build cannot read.
pub(crate) const UNREADABLE: &str = "unreadable synced record";

/// Reads a merged record as its model type and checks the values every stored copy keeps
/// ([`StoredValueRules`]); a record that breaks them is held as unreadable, never written.
fn parse<T: DeserializeOwned + StoredValueRules>(
    kind: RecordKind,
    object: &Map<String, Value>,
) -> Result<T> {
    let record: T = serde_json::from_value(Value::Object(object.clone())).map_err(|e| {
        // serde names a missing field in its message; other messages may quote a value, so
        // only the record kind and the error's position are kept.
        let missing = e.to_string().starts_with("missing field");
        Error::Corrupt {
            kind: if missing { INCOMPLETE } else { UNREADABLE },
            reason: format!("{kind} (line {}, column {})", e.line(), e.column()),
        }
    })?;
    // The rule's message names the field and the rule, never the value.
    record.check_stored_values().map_err(|e| Error::Corrupt {
        kind: UNREADABLE,
        reason: format!("{kind}: {e}"),
    })?;
    Ok(record)
}

/// Writes one merged record at `now` (the store's clock). A partial record — e.g. a contact
/// whose creation has not arrived — is refused as [`INCOMPLETE`] and waits for the rest.
pub(crate) fn materialize(
    conn: &Connection,
    kind: RecordKind,
    id: &str,
    object: &Map<String, Value>,
    now: DateTime<Utc>,
) -> Result<()> {
    match kind {
        RecordKind::Patrol => patrols::write_patrol(conn, &parse(kind, object)?),
        RecordKind::Note => notes::write_note(conn, &parse(kind, object)?),
        RecordKind::Contact => {
            let mut object = object.clone();
            object
                .entry("has_personal_details")
                .or_insert(Value::Bool(false));
            object.entry("has_ethnicity").or_insert(Value::Bool(false));
            contacts::write_contact(conn, &parse(kind, &object)?)
        }
        RecordKind::ContactPersonal => contacts::write_personal(conn, id, &parse(kind, object)?),
        RecordKind::FollowUp => follow_ups::write(conn, &parse(kind, object)?),
        RecordKind::Problem => problem(conn, &parse(kind, object)?),
        RecordKind::ProblemStep => step(conn, &parse(kind, object)?),
        RecordKind::StageRequest => problems::write_request(conn, &parse(kind, object)?),
        RecordKind::Conflict => super::conflicts::write_conflict(conn, &parse(kind, object)?),
        RecordKind::User => reference::write_user(conn, &parse(kind, object)?),
        RecordKind::Team => reference::write_team(conn, &parse(kind, object)?),
        RecordKind::PriorityArea => reference::write_priority_area(conn, &parse(kind, object)?),
        RecordKind::Review => reviews::insert(conn, &parse::<Review>(kind, object)?),
        RecordKind::AreaBoundaries => {
            let geojson = object
                .get("geojson")
                .and_then(Value::as_str)
                .ok_or_else(|| Error::Corrupt {
                    kind: "synced record",
                    reason: "area_boundaries without geojson".into(),
                })?;
            crate::store::areas::replace_boundaries(conn, geojson, now).map(|_| ())
        }
    }
}

/// Removes an erased record and everything hanging off it.
pub(crate) fn erase(conn: &Connection, kind: RecordKind, id: &str) -> Result<()> {
    let sql: &[&str] = match kind {
        RecordKind::Patrol => &[
            "DELETE FROM patrol_participants WHERE patrol_id = ?1",
            "DELETE FROM track_points WHERE patrol_id = ?1",
            "DELETE FROM patrols WHERE id = ?1",
        ],
        RecordKind::Note => &["DELETE FROM notes WHERE id = ?1"],
        RecordKind::Contact => &[
            "DELETE FROM contact_personal WHERE contact_id = ?1",
            "DELETE FROM contact_nearby WHERE contact_id = ?1 OR earlier_contact_id = ?1",
            "DELETE FROM contacts WHERE id = ?1",
        ],
        RecordKind::ContactPersonal => &[
            "DELETE FROM contact_personal WHERE contact_id = ?1",
            "UPDATE contacts SET ethnicity = NULL WHERE id = ?1",
        ],
        RecordKind::FollowUp => &["DELETE FROM follow_ups WHERE id = ?1"],
        RecordKind::Problem => &[
            "DELETE FROM problem_steps WHERE problem_id = ?1",
            "DELETE FROM stage_requests WHERE problem_id = ?1",
            "DELETE FROM problems WHERE id = ?1",
        ],
        RecordKind::ProblemStep => &["DELETE FROM problem_steps WHERE id = ?1"],
        RecordKind::StageRequest => &["DELETE FROM stage_requests WHERE id = ?1"],
        RecordKind::Conflict => &["DELETE FROM conflicts WHERE id = ?1"],
        RecordKind::User => &["DELETE FROM users WHERE id = ?1"],
        RecordKind::Team => &["DELETE FROM teams WHERE id = ?1"],
        RecordKind::PriorityArea => &["DELETE FROM priority_areas WHERE id = ?1"],
        RecordKind::AreaBoundaries => &[],
        RecordKind::Review => &[
            "DELETE FROM reviewed_items WHERE review_id = ?1",
            "DELETE FROM reviews WHERE id = ?1",
        ],
    };
    for statement in sql {
        conn.prepare_cached(statement)?.execute([id])?;
    }
    search::unindex(conn, id)
}

fn problem(conn: &Connection, p: &Problem) -> Result<()> {
    problems::save(conn, p)?;
    problems::reindex(conn, p)
}
fn step(conn: &Connection, s: &ProblemStep) -> Result<()> {
    problems::insert_step(conn, s)?;
    if let Ok(problem) = problems::load(conn, s.problem_id) {
        problems::reindex(conn, &problem)?;
    }
    Ok(())
}
