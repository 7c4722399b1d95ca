//! `beatbook conflicts`: edits of the same field made in two places before either saw the
//! other. The server keeps the later one and logs the other; both are shown here, and
//! `conflicts resolve` settles one — keeping the winner, or writing the loser back as a new
//! change that wins everywhere after the next sync.
//!
//! Values of personal records (a contact's personal details) are never shown here: that is
//! `beatbook contact personal`'s job, and every look there is logged.

use crate::dates;
use crate::error::Result;
use crate::ids::resolve;
use crate::output::{self, Table};
use crate::session::Session;
use beatbook_core::sync::conflict::{Conflict, Resolution};
use serde_json::Value;
use std::io::Write;
use uuid::Uuid;

/// How much of a value the table shows.
const VALUE_CHARS: usize = 24;

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    /// Resolved conflicts too, not only open ones.
    #[arg(long)]
    pub all: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Settle a conflict: keep the winning value, or put the losing one back.
    Resolve {
        /// The conflict's reference (like 7KQ4-ZM2P; see `beatbook conflicts`), or its id.
        id: String,
        /// Which value stays.
        #[arg(long, value_enum)]
        keep: Keep,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Keep {
    /// The value the server kept (the later edit).
    Winner,
    /// The value that lost; it is written again as a new change.
    Loser,
}

pub fn run(args: Args, s: &Session, json: bool, out: &mut dyn Write) -> Result<()> {
    match args.command {
        None => list(s, args.all, json, out),
        Some(Command::Resolve { id, keep }) => resolve_one(s, &id, keep, json, out),
    }
}

fn list(s: &Session, all: bool, json: bool, out: &mut dyn Write) -> Result<()> {
    let conflicts = s.store.conflicts(!all)?;
    if json {
        let rows: Vec<Value> = conflicts.iter().map(shown_json).collect();
        return output::json(out, &rows);
    }
    let open = conflicts.iter().filter(|c| c.resolution.is_none()).count();
    writeln!(
        out,
        "{} open{}.",
        output::count(open, "conflict", "conflicts"),
        if all {
            format!(", {} resolved", conflicts.len() - open)
        } else {
            String::new()
        }
    )?;
    let mut headers = vec!["REF", "RECORD", "FIELD", "KEPT (WINNER)", "LOST", "WHEN"];
    if all {
        headers.push("STATE");
    }
    let mut table = Table::new(&headers);
    for c in &conflicts {
        let (winner, loser) = if c.record_kind.is_personal() {
            ("(personal)".to_owned(), "(personal)".to_owned())
        } else {
            (short(&c.winner_value), short(&c.loser_value))
        };
        let mut row = vec![
            output::reference_text(&c.id),
            format!("{} {}", c.record_kind, output::reference_text(&c.record_id)),
            c.field.clone(),
            winner,
            loser,
            dates::show(c.detected_at),
        ];
        if all {
            row.push(state(c));
        }
        table.row(row);
    }
    table.write(
        out,
        if all {
            "no conflicts"
        } else {
            "no open conflicts"
        },
    )?;
    if open > 0 {
        writeln!(
            out,
            "Settle one with: beatbook conflicts resolve ID --keep winner|loser"
        )?;
    }
    Ok(())
}

fn resolve_one(
    s: &Session,
    typed: &str,
    keep: Keep,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let id: Uuid = resolve("conflict", typed, || {
        Ok(s.store
            .conflicts(true)?
            .into_iter()
            .filter_map(|c| c.id.parse::<Uuid>().ok()))
    })?;
    let resolution = match keep {
        Keep::Winner => Resolution::KeepWinner,
        Keep::Loser => Resolution::KeepLoser,
    };
    let conflict = s
        .store
        .resolve_conflict(&s.actor, &id.to_string(), resolution)?;
    if json {
        return output::json(out, &shown_json(&conflict));
    }
    let what = format!(
        "{} of {} {}",
        conflict.field,
        conflict.record_kind,
        output::reference_text(&conflict.record_id)
    );
    match resolution {
        Resolution::KeepWinner => writeln!(out, "Resolved: {what} keeps the winning value.")?,
        Resolution::KeepLoser => writeln!(
            out,
            "Resolved: {what} gets the losing value back, as a new change."
        )?,
    }
    writeln!(out, "Everyone sees it after your next `beatbook sync`.")?;
    Ok(())
}

/// A conflict as JSON, with the values of personal records withheld.
fn shown_json(c: &Conflict) -> Value {
    let mut value = serde_json::to_value(c).unwrap_or(Value::Null);
    if c.record_kind.is_personal() {
        if let Some(map) = value.as_object_mut() {
            map.insert("winner_value".into(), Value::Null);
            map.insert("loser_value".into(), Value::Null);
            map.insert("values_withheld".into(), Value::Bool(true));
        }
    }
    value
}

fn state(c: &Conflict) -> String {
    match (c.resolution, c.resolved_at) {
        (None, _) => "open".to_owned(),
        (Some(r), at) => {
            let kept = match r {
                Resolution::KeepWinner => "kept winner",
                Resolution::KeepLoser => "kept loser",
            };
            at.map_or_else(
                || kept.to_owned(),
                |at| format!("{kept} {}", dates::show(at)),
            )
        }
    }
}

/// A value in a table cell: text as itself, anything else as compact JSON, cut short.
fn short(value: &Value) -> String {
    let text = match value {
        Value::Null => "(none)".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= VALUE_CHARS {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(VALUE_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_shown_short_and_on_one_line() {
        assert_eq!(short(&Value::Null), "(none)");
        assert_eq!(short(&serde_json::json!("Side gate")), "Side gate");
        assert_eq!(short(&serde_json::json!(4)), "4");
        let long = short(&serde_json::json!(
            "a very long\nobservation about the garages"
        ));
        assert_eq!(long.chars().count(), VALUE_CHARS);
        assert!(long.ends_with('…') && !long.contains('\n'), "{long}");
    }

    #[test]
    fn values_of_personal_records_are_withheld() {
        use beatbook_core::ids::DeviceId;
        use beatbook_core::sync::{Hlc, RecordKind};
        let hlc = Hlc {
            wall_ms: 1,
            counter: 0,
            node: DeviceId::new(),
        };
        let mut conflict = Conflict {
            id: "c".into(),
            record_kind: RecordKind::ContactPersonal,
            record_id: "r".into(),
            field: "name".into(),
            winner_value: serde_json::json!("Ada Example"),
            winner_hlc: hlc,
            winner_author: None,
            loser_value: serde_json::json!("Ada Exemplar"),
            loser_hlc: hlc,
            loser_author: None,
            detected_at: chrono::Utc::now(),
            resolution: None,
            resolved_by: None,
            resolved_at: None,
        };
        let shown = shown_json(&conflict).to_string();
        assert!(!shown.contains("Ada"), "{shown}");
        assert!(shown.contains("values_withheld"), "{shown}");

        conflict.record_kind = RecordKind::Patrol;
        assert!(shown_json(&conflict).to_string().contains("Ada Example"));
    }
}
