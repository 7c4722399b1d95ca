//! `beatbook note add`: a timestamped observation, optionally placed, linked to your open
//! patrol by default. Notes are append-only: `note amend` adds a corrected note that takes the
//! old one's place in lists, and `note show` shows a note with its history of corrections.

use super::lookup;
use super::patrol::PatrolLink;
use crate::dates;
use crate::error::Result;
use crate::output;
use crate::session::Session;
use crate::vocab;
use beatbook_core::model::{GeoPoint, NewNote, NoteCategory};
use chrono::{DateTime, Utc};
use std::io::Write;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Add a note.
    Add(AddArgs),
    /// Correct a note: adds the corrected note, with the reason, in the old one's place.
    Amend(super::corrections::NoteAmendArgs),
    /// Show a note and its history of corrections.
    Show {
        /// The note's reference (like 7KQ4-ZM2P), or its id.
        id: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// What you saw. No names or details of members of the public: record those with
    /// `beatbook contact add`, with consent.
    pub text: String,
    /// What the note is about.
    #[arg(long, default_value = "observation", value_parser = vocab::code(NoteCategory::ALL, NoteCategory::as_str))]
    pub category: NoteCategory,
    /// Where (latitude, WGS84); with --lon.
    #[arg(long, requires = "lon", allow_negative_numbers = true, value_parser = vocab::latitude)]
    pub lat: Option<f64>,
    /// Where (longitude, WGS84; west is negative); with --lat.
    #[arg(long, requires = "lat", allow_negative_numbers = true, value_parser = vocab::longitude)]
    pub lon: Option<f64>,
    #[command(flatten)]
    pub patrol: PatrolLink,
    /// Link to a problem.
    #[arg(long, value_name = "PROBLEM_ID")]
    pub problem: Option<String>,
    /// When you saw it [default: now].
    #[arg(long, value_name = "TIME", value_parser = dates::parse_time)]
    pub at: Option<DateTime<Utc>>,
}

pub fn run(cmd: Command, s: &Session, json: bool, out: &mut dyn Write) -> Result<()> {
    let args = match cmd {
        Command::Add(args) => args,
        Command::Amend(args) => return super::corrections::amend_note(args, s, json, out),
        Command::Show { id } => return show(s, &id, json, out),
    };
    let patrol_id = args.patrol.resolve(s)?;
    let problem_id = args
        .problem
        .as_deref()
        .map(|typed| lookup::problem(s, typed))
        .transpose()?;
    let place = match (args.lat, args.lon) {
        (Some(lat), Some(lon)) => Some(GeoPoint::new(lat, lon)),
        _ => None,
    };
    let note = s.store.add_note(
        &s.actor,
        NewNote {
            observed_at: args.at.unwrap_or_else(Utc::now),
            text: args.text,
            category: args.category,
            place,
            patrol_id,
            problem_id,
        },
    )?;
    if json {
        return output::json(out, &note);
    }
    writeln!(
        out,
        "Added note {} at {}",
        note.id.short_ref(),
        dates::show(note.observed_at)
    )?;
    if let Some(lsoa) = &note.lsoa_code {
        output::field(out, "LSOA", lsoa)?;
    }
    match note.patrol_id {
        Some(p) => output::field(out, "Patrol", p.short_ref())?,
        None => output::field(out, "Patrol", "none")?,
    }
    if let Some(p) = note.problem_id {
        output::field(out, "Problem", p.short_ref())?;
    }
    Ok(())
}

/// A note, what corrected it (or what it corrects), and the whole chain oldest first.
fn show(s: &Session, typed: &str, json: bool, out: &mut dyn Write) -> Result<()> {
    let id = lookup::note(s, typed)?;
    let history = s.store.note_history(id)?;
    if json {
        let note = history.iter().find(|n| n.id == id);
        return output::json(
            out,
            &serde_json::json!({ "note": note, "history": history }),
        );
    }
    let users = s.store.users()?;
    let newest = history.last().map(|n| n.id);
    for note in &history {
        let mark = match (note.id == id, Some(note.id) == newest) {
            (_, true) if history.len() > 1 => " (current)",
            (_, false) => " (corrected)",
            _ => "",
        };
        writeln!(out, "Note {}{mark}", note.id.short_ref())?;
        output::field(out, "At", dates::show(note.observed_at))?;
        output::field(out, "Category", note.category)?;
        output::field(out, "By", s.name_of(&users, note.author))?;
        if let Some(p) = note.patrol_id {
            output::field(out, "Patrol", p.short_ref())?;
        }
        if let Some(reason) = &note.correction_reason {
            output::field(out, "Correction", reason)?;
        }
        output::field(out, "Text", &note.text)?;
    }
    Ok(())
}
