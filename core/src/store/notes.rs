//! Adding patrol notes. Notes are append-only (a correction is a new note that amends the old
//! one and replaces it in lists: `store::corrections`), tagged with the
//! LSOA of their place when boundaries are loaded, and indexed for search.

use super::audit::{self, AuditAction, AuditEvent};
use super::rows::OptionalRow;
use super::search::{self, next_record_row, SearchKind};
use super::sql_time::{t, truncate, SqlTime};
use super::Store;
use crate::error::Result;
use crate::ids::{NoteId, PatrolId, UserId};
use crate::model::{Actor, GeoPoint, LsoaCode, NewNote, Note, TimeKind};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};

const KIND: &str = "note";

/// Writes a note and its search row: the one writer of the `notes` table, for a note recorded
/// here and one pulled alike. Notes are written once: a copy of one already here changes
/// nothing.
pub(crate) fn write_note(conn: &Connection, note: &Note) -> Result<()> {
    conn.prepare_cached(concat!(
        "INSERT INTO notes (rowid, id, observed_at, text, category, lat, lon, lsoa_code,
               patrol_id, problem_id, author, created_at, amends, correction_reason)
             VALUES (",
        next_record_row!(),
        ", ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
             ON CONFLICT (id) DO NOTHING"
    ))?
    .execute(params![
        note.id,
        t(note.observed_at),
        note.text,
        note.category,
        note.place.map(|p| p.lat),
        note.place.map(|p| p.lon),
        note.lsoa_code.as_ref().map(LsoaCode::as_str),
        note.patrol_id,
        note.problem_id,
        note.author,
        t(note.created_at),
        note.amends,
        note.correction_reason,
    ])?;
    // Search finds the newest note of a chain of corrections, as lists show it: the note this
    // one amends leaves the index, and a note already amended (its correction arrived first,
    // by sync) is not indexed. Both stay readable by id and in the note's history.
    if let Some(earlier) = note.amends {
        search::unindex(conn, SearchKind::Note, &earlier.to_string())?;
    }
    if amended_by(conn, note.id)?.is_some() {
        return Ok(());
    }
    let (title, body) = note_search_text(note);
    search::index(conn, SearchKind::Note, &note.id.to_string(), &title, &body)
}

/// What search indexes and shows of a note: its category and its text.
pub(crate) fn note_search_text(note: &Note) -> (String, String) {
    (note.category.as_str().to_owned(), note.text.clone())
}

const SELECT: &str = "SELECT id, observed_at, text, category, lat, lon, lsoa_code, patrol_id,
    problem_id, author, created_at, amends, correction_reason FROM notes";

/// Lists show the newest note of a chain of corrections: a note another note amends is left
/// out (it stays readable by its id and in `note_history`).
const NEWEST: &str = "NOT EXISTS (SELECT 1 FROM notes newer WHERE newer.amends = notes.id)";

/// The note that amends note `id`, if one does.
pub(crate) fn amended_by(conn: &Connection, id: NoteId) -> Result<Option<NoteId>> {
    Ok(conn
        .prepare_cached("SELECT id FROM notes WHERE amends = ?1 ORDER BY created_at, id LIMIT 1")?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

impl Store {
    /// Adds a note.
    pub fn add_note(&self, actor: &Actor, new: NewNote) -> Result<Note> {
        new.validate()?;
        self.time_sense()
            .check("observed_at", new.observed_at, TimeKind::Happened)?;
        let lsoa_code = match new.place {
            Some(place) => self.tag_new_place("place", place)?.map(|tag| tag.lsoa_code),
            None => None,
        };
        let note = Note {
            id: NoteId::new(),
            observed_at: truncate(new.observed_at),
            text: new.text,
            category: new.category,
            place: new.place,
            lsoa_code,
            patrol_id: new.patrol_id,
            problem_id: new.problem_id,
            author: actor.user_id,
            created_at: self.now(),
            amends: None,
            correction_reason: None,
        };
        self.write_as(Some(actor), |tx| {
            super::contacts::check_links(tx, note.patrol_id, note.problem_id)?;
            write_note(tx, &note)?;
            let id = note.id.to_string();
            audit::append(
                tx,
                actor,
                note.created_at,
                AuditEvent::new(AuditAction::Collection, KIND, &id),
            )?;
            Ok(())
        })?;
        Ok(note)
    }

    pub fn note(&self, id: NoteId) -> Result<Note> {
        self.read(|conn| {
            conn.prepare_cached(&format!("{SELECT} WHERE id = ?1"))?
                .query_row([id], note_from_row)
                .or_not_found(KIND, id)
        })
    }

    /// Every note's id, amended ones too: what a typed reference to a note is matched against.
    pub fn note_ids(&self) -> Result<Vec<NoteId>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached("SELECT id FROM notes ORDER BY id")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Notes on one patrol, oldest first.
    pub fn patrol_notes(&self, patrol: PatrolId) -> Result<Vec<Note>> {
        self.read(|conn| {
            query_notes(
                conn,
                &format!("{SELECT} WHERE patrol_id = ?1 AND {NEWEST} ORDER BY observed_at"),
                params![patrol],
            )
        })
    }

    /// Notes written by `author` and observed in `[from, to)`, oldest first.
    pub fn notes_by(
        &self,
        author: UserId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Note>> {
        self.read(|conn| {
            query_notes(
                conn,
                &format!("{SELECT} WHERE author = ?1 AND observed_at >= ?2 AND observed_at < ?3 AND {NEWEST} ORDER BY observed_at"),
                params![author, t(from), t(to)],
            )
        })
    }
}

fn query_notes(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> Result<Vec<Note>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params, note_from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

fn note_from_row(r: &Row<'_>) -> rusqlite::Result<Note> {
    let lat: Option<f64> = r.get(4)?;
    let lon: Option<f64> = r.get(5)?;
    let lsoa: Option<String> = r.get(6)?;
    Ok(Note {
        id: r.get(0)?,
        observed_at: r.get::<_, SqlTime>(1)?.0,
        text: r.get(2)?,
        category: r.get(3)?,
        place: lat.zip(lon).map(|(lat, lon)| GeoPoint::new(lat, lon)),
        lsoa_code: lsoa
            .map(|c| LsoaCode::parse(&c))
            .transpose()
            .map_err(super::rows::conversion)?,
        patrol_id: r.get(7)?,
        problem_id: r.get(8)?,
        author: r.get(9)?,
        created_at: r.get::<_, SqlTime>(10)?.0,
        amends: r.get(11)?,
        correction_reason: r.get(12)?,
    })
}

/// Who may correct a note: its author or a supervisor.
pub(crate) fn may_amend(actor: &Actor, note: &Note) -> Result<()> {
    if note.author == actor.user_id || actor.role.is_supervisor() {
        Ok(())
    } else {
        Err(crate::error::Error::Denied(crate::policy::Denial::new(
            crate::policy::DenialCode::NotRecorder,
        )))
    }
}

pub(crate) fn load_note(conn: &Connection, id: NoteId) -> Result<Note> {
    conn.prepare_cached(&format!("{SELECT} WHERE id = ?1"))?
        .query_row([id], note_from_row)
        .or_not_found(KIND, id)
}
