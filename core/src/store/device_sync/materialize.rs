//! Writing merged records into the typed tables. Runs inside the pull transaction with foreign
//! keys off (a record's latest change can arrive before or after the records it links to, and
//! a volunteer never receives some of them) and with capture paused (these are not local edits).
//!
//! What became of a record is a value, [`Materialized`], not an error: a record whose creating
//! fields have not arrived waits for them, and one this build cannot write is reported as
//! unreadable with its reason. Only a failure of the store itself (I/O, a full disk, a damaged
//! file) is an error, and fails the page, which is then retried whole.

use crate::error::{Error, Result};
use crate::model::{Problem, ProblemStep, Review, StoredValueRules};
use crate::store::search;
use crate::store::{contacts, follow_ups, notes, patrols, problems, reference, reviews};
use crate::sync::protocol::{FieldState, RecordKind};
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::de::{value::MapDeserializer, DeserializeOwned};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A merged record's fields, read in place by the writers below: the merged object, or — when a
/// pulled copy is the whole record (a new phone's first sync, nearly every record) — the pulled
/// change's own fields, so they are not copied into an object first.
pub(crate) trait RecordValues {
    /// One field's value.
    fn field(&self, name: &str) -> Option<&Value>;
    /// The record as its model type.
    fn parse<T: DeserializeOwned>(&self) -> serde_json::Result<T>;
}

impl RecordValues for Map<String, Value> {
    fn field(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }

    fn parse<T: DeserializeOwned>(&self) -> serde_json::Result<T> {
        // `&Map` is a deserializer: no copy of the record's fields.
        T::deserialize(self)
    }
}

/// A pulled change's fields taken whole, as the record's values.
pub(crate) struct PulledValues<'a>(pub &'a BTreeMap<String, FieldState>);

impl RecordValues for PulledValues<'_> {
    fn field(&self, name: &str) -> Option<&Value> {
        self.0.get(name).map(|pulled| &pulled.value)
    }

    fn parse<T: DeserializeOwned>(&self) -> serde_json::Result<T> {
        // The same visit as `&Map`'s: field names as text, each value by `&Value`'s own
        // deserializer (property-tested against it, `materialize_tests`).
        T::deserialize(MapDeserializer::new(
            self.0
                .iter()
                .map(|(name, pulled)| (name.as_str(), &pulled.value)),
        ))
    }
}

/// What became of one merged record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Materialized {
    /// In its table.
    Written,
    /// Fields its type requires have not arrived yet (its creation is in a later page, or
    /// outside this device's scope): it waits, held, for the rest.
    Incomplete,
    /// It cannot be written for another reason: a field this build cannot read (a newer
    /// app's value), a value the stored-value rules or the tables refuse. `reason` names the
    /// kind, the field or rule, never a value.
    Unreadable { reason: String },
}

/// Reads a merged record as its model type and checks the values every stored copy keeps
/// ([`StoredValueRules`]); a record that breaks them is unreadable, never written.
fn parse<T: DeserializeOwned + StoredValueRules>(
    kind: RecordKind,
    object: &impl RecordValues,
) -> std::result::Result<T, Materialized> {
    let record = object.parse::<T>().map_err(|e| {
        // serde names a missing field in its message; other messages may quote a value, so
        // only the record kind and the error's position are kept.
        if e.to_string().starts_with("missing field") {
            Materialized::Incomplete
        } else {
            Materialized::Unreadable {
                reason: format!("{kind} (line {}, column {})", e.line(), e.column()),
            }
        }
    })?;
    // The rule's message names the field and the rule, never the value.
    record
        .check_stored_values()
        .map_err(|e| Materialized::Unreadable {
            reason: format!("{kind}: {e}"),
        })?;
    Ok(record)
}

/// Parses `object` as a `T` and writes it with `write`.
fn parse_and_write<T: DeserializeOwned + StoredValueRules>(
    kind: RecordKind,
    object: &impl RecordValues,
    write: impl FnOnce(&T) -> Result<()>,
) -> Result<Materialized> {
    match parse::<T>(kind, object) {
        Ok(record) => match write(&record) {
            Ok(()) => Ok(Materialized::Written),
            Err(e) => refused(kind, e),
        },
        Err(not_written) => Ok(not_written),
    }
}

/// A writer's failure: the record's fault (the tables' rules or constraints refused it) is
/// [`Materialized::Unreadable`]; anything else is the store's, and an error.
fn refused(kind: RecordKind, error: Error) -> Result<Materialized> {
    match error {
        Error::Invalid(e) => Ok(Materialized::Unreadable {
            reason: format!("{kind}: {e}"),
        }),
        Error::Geo(e) => Ok(Materialized::Unreadable {
            reason: format!("{kind}: {e}"),
        }),
        Error::Database(rusqlite::Error::SqliteFailure(e, message))
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            // SQLite's message names the constraint or column, never the value.
            Ok(Materialized::Unreadable {
                reason: format!(
                    "{kind}: refused by the store ({})",
                    message.as_deref().unwrap_or("a constraint")
                ),
            })
        }
        other => Err(other),
    }
}

/// Writes one merged record at `now` (the store's clock). A partial record — e.g. a contact
/// whose creation has not arrived — is [`Materialized::Incomplete`] and waits for the rest.
/// A record not written may have left partial writes: the caller rolls them back.
pub(crate) fn materialize(
    conn: &Connection,
    kind: RecordKind,
    id: &str,
    object: &Map<String, Value>,
    now: DateTime<Utc>,
) -> Result<Materialized> {
    if let Some(outcome) = write_bulk_kind(conn, kind, id, object) {
        return outcome;
    }
    match kind {
        RecordKind::Problem => parse_and_write(kind, object, |p| problem(conn, p)),
        RecordKind::ProblemStep => parse_and_write(kind, object, |s| step(conn, s)),
        RecordKind::StageRequest => {
            parse_and_write(kind, object, |r| problems::write_request(conn, r))
        }
        RecordKind::Conflict => {
            parse_and_write(kind, object, |c| super::conflicts::write_conflict(conn, c))
        }
        RecordKind::User => parse_and_write(kind, object, |u| reference::write_user(conn, u)),
        RecordKind::Team => parse_and_write(kind, object, |t| reference::write_team(conn, t)),
        RecordKind::PriorityArea => {
            parse_and_write(kind, object, |a| reference::write_priority_area(conn, a))
        }
        RecordKind::Review => parse_and_write(kind, object, |r: &Review| reviews::insert(conn, r)),
        RecordKind::AreaBoundaries => match object.get("geojson") {
            // As the server judges it: without its one field the record is still arriving.
            None => Ok(Materialized::Incomplete),
            Some(Value::String(geojson)) => {
                match crate::store::areas::replace_boundaries(conn, geojson, now) {
                    Ok(_) => Ok(Materialized::Written),
                    Err(e) => refused(kind, e),
                }
            }
            Some(_) => Ok(Materialized::Unreadable {
                reason: format!("{kind}: field `geojson` must be text"),
            }),
        },
        RecordKind::RetentionSchedule => parse_and_write(kind, object, |s| {
            crate::store::retention::records::write_schedule(conn, s)
        }),
        RecordKind::RetentionReview => parse_and_write(kind, object, |r| {
            crate::store::retention::records::write_review(conn, id, r)
        }),
        // Written by `write_bulk_kind` above.
        RecordKind::Patrol
        | RecordKind::Note
        | RecordKind::Contact
        | RecordKind::ContactPersonal
        | RecordKind::FollowUp => Err(Error::Corrupt {
            kind: "pulled record",
            reason: format!("{kind} fell through its writer"),
        }),
    }
}

/// [`materialize`] for a pulled copy that is the whole record, read in place from its change:
/// `None` for a kind other than the five a team's data is made of, which the caller writes from
/// a merged object instead. Only those five are read this way, so that each reading of a
/// record type is compiled once more for the kinds that fill a first sync, not for all
/// seventeen (each is generic code in the mobile library).
pub(crate) fn materialize_pulled(
    conn: &Connection,
    kind: RecordKind,
    id: &str,
    pulled: &PulledValues<'_>,
) -> Option<Result<Materialized>> {
    write_bulk_kind(conn, kind, id, pulled)
}

/// Writes a patrol, note, contact, its personal details or a follow-up; `None` for any other
/// kind.
fn write_bulk_kind(
    conn: &Connection,
    kind: RecordKind,
    id: &str,
    object: &impl RecordValues,
) -> Option<Result<Materialized>> {
    Some(match kind {
        RecordKind::Patrol => parse_and_write(kind, object, |p| patrols::write_patrol(conn, p)),
        RecordKind::Note => parse_and_write(kind, object, |n| notes::write_note(conn, n)),
        // `has_personal_details` and `has_ethnicity` are never on the wire: they read as false
        // (`Contact`'s serde defaults), and the store never writes them from here (reads
        // derive them from the personal details' own record).
        RecordKind::Contact => parse_and_write(kind, object, |c| {
            contacts::write_contact(conn, c).map(|_row| ())
        }),
        RecordKind::ContactPersonal => {
            parse_and_write(kind, object, |p| contacts::write_personal(conn, id, p))
        }
        RecordKind::FollowUp => parse_and_write(kind, object, |f| follow_ups::write(conn, f)),
        _ => return None,
    })
}

/// Removes an erased record and everything hanging off it.
pub(crate) fn erase(conn: &Connection, kind: RecordKind, id: &str) -> Result<()> {
    // The search row first: its number is the record's row, which the deletes below remove.
    if let Some(searched) = search::SearchKind::of_record(kind) {
        search::unindex(conn, searched, id)?;
    }
    let sql: &[&str] = match kind {
        RecordKind::Patrol => &[
            "DELETE FROM patrol_participants WHERE patrol_id = ?1",
            "DELETE FROM track_points WHERE patrol_id = ?1",
            "DELETE FROM patrols WHERE id = ?1",
        ],
        RecordKind::Note => &["DELETE FROM notes WHERE id = ?1"],
        RecordKind::Contact => {
            crate::store::contacts::unplace_contact(conn, id)?;
            &[
                "DELETE FROM contact_personal WHERE contact_id = ?1",
                "DELETE FROM contacts WHERE id = ?1",
            ]
        }
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
        RecordKind::RetentionSchedule => &["DELETE FROM retention_schedule WHERE ?1 IS NOT NULL"],
        RecordKind::RetentionReview => &["DELETE FROM retention_reviews WHERE id = ?1"],
        RecordKind::Review => &[
            "DELETE FROM reviewed_items WHERE review_id = ?1",
            "DELETE FROM reviews WHERE id = ?1",
        ],
    };
    for statement in sql {
        conn.prepare_cached(statement)?.execute([id])?;
    }
    // Conflicts about the record hold copies of its values: they go with it.
    conn.prepare_cached("DELETE FROM conflicts WHERE record_id = ?1")?
        .execute([id])?;
    Ok(())
}

/// The records that hang off `kind`/`id` and go when it is erased, each a synced record of its
/// own: a contact's personal details and follow-up, a problem's steps and stage requests.
pub(crate) fn children(
    conn: &Connection,
    kind: RecordKind,
    id: &str,
) -> Result<Vec<(RecordKind, String)>> {
    let queries: &[(RecordKind, &str)] = match kind {
        RecordKind::Contact => &[
            (
                RecordKind::ContactPersonal,
                "SELECT id FROM contacts
                 WHERE id = ?1 AND (personal_held = 1 OR ethnicity IS NOT NULL)",
            ),
            (
                RecordKind::FollowUp,
                "SELECT follow_up_id FROM contacts WHERE id = ?1 AND follow_up_id IS NOT NULL",
            ),
        ],
        RecordKind::Problem => &[
            (
                RecordKind::ProblemStep,
                "SELECT id FROM problem_steps WHERE problem_id = ?1",
            ),
            (
                RecordKind::StageRequest,
                "SELECT id FROM stage_requests WHERE problem_id = ?1",
            ),
        ],
        _ => &[],
    };
    let mut out = Vec::new();
    for (child, sql) in queries {
        let mut stmt = conn.prepare_cached(sql)?;
        for child_id in stmt.query_map([id], |r| r.get::<_, String>(0))? {
            out.push((*child, child_id?));
        }
    }
    Ok(out)
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

#[cfg(test)]
#[path = "materialize_tests.rs"]
mod tests;
