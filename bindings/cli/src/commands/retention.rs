//! `beatbook retention`: the force's retention schedule on this device, the supervisor's review
//! list, and the decisions at review (retain with a new date and a reason, or dispose now).
//!
//! The schedule is applied on this device — what has passed its review date with no decision
//! to keep it is dropped from this store, nothing of it sent — before `today` (the start of a
//! shift), by `sync` (before it sends, and after it receives a new schedule) and by
//! `retention apply`. Other commands do not run it: opening the store has no side effects.

use super::lookup;
use crate::dates;
use crate::error::{CliError, Result};
use crate::output::{self, Table};
use crate::session::Session;
use beatbook_core::retention::RetainedKind;
use chrono::{DateTime, Utc};
use std::io::Write;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// The retention schedule this device applies (as the administrator last set it).
    Show,
    /// Supervisors: the team's records due for review (and those past their date), soonest first.
    Due,
    /// Supervisors: keep a record until a new review date, with the reason (logged, synced).
    Retain {
        /// What is kept: contact-personal, contact, note, patrol or problem.
        #[arg(value_parser = kind)]
        kind: RetainedKind,
        /// The record's reference as lists show it (like 7KQ4-ZM2P), or its id.
        id: String,
        /// The next review date.
        #[arg(long, value_name = "DATE", value_parser = dates::parse_time)]
        until: DateTime<Utc>,
        /// Why it is still needed (logged).
        #[arg(long)]
        reason: String,
    },
    /// Supervisors: dispose of a record now (personal details are redacted, anything else
    /// erased), with the reason (logged, synced).
    Dispose {
        /// What is disposed of: contact-personal, contact, note, patrol or problem.
        #[arg(value_parser = kind)]
        kind: RetainedKind,
        /// The record's reference as lists show it (like 7KQ4-ZM2P), or its id.
        id: String,
        /// Why (logged).
        #[arg(long)]
        reason: String,
    },
    /// Drop from this device what has passed its review date (also done by `today` and `sync`).
    Apply,
}

/// A retained kind as typed: `contact-personal` or `contact_personal`.
fn kind(text: &str) -> std::result::Result<RetainedKind, String> {
    text.trim()
        .replace('-', "_")
        .parse()
        .map_err(|_| "expected contact-personal, contact, note, patrol or problem".to_owned())
}

pub fn run(cmd: Command, s: &Session, json: bool, out: &mut dyn Write) -> Result<()> {
    match cmd {
        Command::Show => show(s, json, out),
        Command::Due => due(s, json, out),
        Command::Retain {
            kind,
            id,
            until,
            reason,
        } => {
            let id = record(s, kind, &id)?;
            let review = s.store.retain(&s.actor, kind, &id, until, &reason)?;
            if json {
                return output::json(out, &review);
            }
            writeln!(
                out,
                "Kept {} {} until {}; the audit log keeps why.",
                words(kind),
                output::reference_text(&id),
                dates::show(review.review_on)
            )?;
            Ok(())
        }
        Command::Dispose { kind, id, reason } => {
            let id = record(s, kind, &id)?;
            s.store.dispose(&s.actor, kind, &id, &reason)?;
            if json {
                return output::json(out, &serde_json::json!({ "disposed": id, "kind": kind }));
            }
            writeln!(
                out,
                "Disposed of {} {}; the audit log keeps who, when and why.",
                words(kind),
                output::reference_text(&id)
            )?;
            Ok(())
        }
        Command::Apply => {
            let applied = s.store.apply_retention()?;
            if json {
                return output::json(out, &applied);
            }
            writeln!(
                out,
                "Dropped from this device: {}, and personal details of {}.",
                output::count(applied.erased, "record", "records"),
                output::count(applied.redacted, "contact", "contacts")
            )?;
            Ok(())
        }
    }
}

fn words(kind: RetainedKind) -> &'static str {
    match kind {
        RetainedKind::ContactPersonal => "the personal details of contact",
        RetainedKind::Contact => "contact",
        RetainedKind::Note => "note",
        RetainedKind::Patrol => "patrol",
        RetainedKind::Problem => "problem",
    }
}

/// The record's id, from its reference as typed.
fn record(s: &Session, kind: RetainedKind, typed: &str) -> Result<String> {
    Ok(match kind {
        RetainedKind::ContactPersonal | RetainedKind::Contact => {
            lookup::contact(s, typed)?.to_string()
        }
        RetainedKind::Note => lookup::note(s, typed)?.to_string(),
        RetainedKind::Patrol => lookup::patrol(s, typed)?.to_string(),
        RetainedKind::Problem => lookup::problem(s, typed)?.to_string(),
    })
}

fn show(s: &Session, json: bool, out: &mut dyn Write) -> Result<()> {
    let schedule = s.store.retention_schedule()?;
    if json {
        return output::json(out, &schedule);
    }
    if schedule.is_empty() {
        writeln!(
            out,
            "Nothing is scheduled: every record is kept until someone erases it."
        )?;
        return Ok(());
    }
    let mut table = Table::new(&["KIND", "REVIEWED AFTER"]);
    for (kind, days) in &schedule.review_after_days {
        table.row(vec![
            kind.as_str().replace('_', "-"),
            output::count(*days as usize, "day", "days"),
        ]);
    }
    table.write(out, "nothing scheduled")?;
    writeln!(
        out,
        "Supervisors are told {} ahead.",
        output::count(schedule.notice_days as usize, "day", "days")
    )?;
    Ok(())
}

fn due(s: &Session, json: bool, out: &mut dyn Write) -> Result<()> {
    let due = s.store.retention_due(&s.actor).map_err(|e| {
        let denied = matches!(e, beatbook_core::Error::Denied(_));
        let e = CliError::from(e);
        match denied {
            true => e.hint("the review list is for supervisors"),
            false => e,
        }
    })?;
    if json {
        return output::json(out, &due);
    }
    let mut table = Table::new(&["REVIEW BY", "KIND", "REF", "RECORD"]);
    for row in &due {
        let when = match row.expired {
            true => format!("{} (past)", dates::show(row.review_on)),
            false => dates::show(row.review_on),
        };
        table.row(vec![
            when,
            row.kind.as_str().replace('_', "-"),
            output::reference_text(&row.record_id),
            row.label.clone(),
        ]);
    }
    table.write(out, "nothing is due for review")?;
    if !due.is_empty() {
        writeln!(
            out,
            "Keep one with `beatbook retention retain KIND REF --until DATE --reason ...`, \
             or dispose of it with `beatbook retention dispose KIND REF --reason ...`."
        )?;
    }
    Ok(())
}
