//! `beatbook followups` and `beatbook followup answer`: the promises made to members of the
//! public. Forces commit to a meaningful response within 72 hours, so what you owe is listed
//! overdue first, with how late or how long is left.

use super::lookup;
use crate::dates;
use crate::error::Result;
use crate::output::{self, Table};
use crate::session::Session;
use chrono::{DateTime, Utc};
use std::io::Write;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Say what was done about a promise, closing it.
    Answer {
        /// The follow-up's id (or its first 8+ characters; see `beatbook followups`).
        id: String,
        /// What was done, in a line.
        #[arg(long)]
        outcome: String,
        /// When it was answered [default: now].
        #[arg(long, value_name = "TIME", value_parser = dates::parse_time)]
        at: Option<DateTime<Utc>>,
    },
}

pub fn run(cmd: Command, s: &Session, json: bool, out: &mut dyn Write) -> Result<()> {
    let Command::Answer { id, outcome, at } = cmd;
    let id = lookup::follow_up(s, &id)?;
    let follow_up =
        s.store
            .answer_follow_up(&s.actor, id, &outcome, at.unwrap_or_else(Utc::now))?;
    if json {
        return output::json(out, &follow_up);
    }
    let late = match follow_up.answered_at {
        Some(at) if at > follow_up.due_at => {
            format!(
                ", {} after it was due",
                dates::show_span(at - follow_up.due_at)
            )
        }
        _ => String::new(),
    };
    writeln!(out, "Answered follow-up {}{late}.", follow_up.id)?;
    Ok(())
}

/// Your open follow-ups, overdue first.
pub fn list(s: &Session, json: bool, out: &mut dyn Write) -> Result<()> {
    let now = Utc::now();
    let open = s.store.open_follow_ups(s.actor.user_id, now)?;
    if json {
        let rows: Vec<serde_json::Value> = open
            .iter()
            .map(|f| {
                serde_json::json!({
                    "follow_up": f,
                    "overdue": f.is_overdue(now),
                    "minutes_to_due": (f.due_at - now).num_minutes(),
                })
            })
            .collect();
        return output::json(out, &rows);
    }
    let overdue = open.iter().filter(|f| f.is_overdue(now)).count();
    writeln!(
        out,
        "You owe {} ({} overdue).",
        output::count(open.len(), "follow-up", "follow-ups"),
        overdue
    )?;
    let mut table = Table::new(&["ID", "DUE", "STATE", "AGE", "CONTACT", "PROMISE"]);
    for f in &open {
        let state = if f.is_overdue(now) {
            format!("OVERDUE {}", dates::show_span(now - f.due_at))
        } else {
            format!("due in {}", dates::show_span(f.due_at - now))
        };
        table.row(vec![
            f.id.to_string(),
            dates::show(f.due_at),
            state,
            dates::show_span(now - f.created_at),
            f.contact_id.map(|c| c.to_string()).unwrap_or_default(),
            f.promise.clone(),
        ]);
    }
    table.write(out, "nothing owed")
}
