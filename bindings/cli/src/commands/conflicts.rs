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
use crate::output;
use crate::session::Session;
use beatbook_core::ids::UserId;
use beatbook_core::sync::conflict::{Conflict, Resolution};
use beatbook_core::sync::conflict_words::{field_words, value_words};
use beatbook_core::sync::Hlc;
use serde_json::Value;
use std::io::Write;
use uuid::Uuid;

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
    let users = s.store.users()?;
    let name = |id: Option<UserId>| id.map(|id| s.name_of(&users, id));
    if json {
        let rows: Vec<Value> = conflicts.iter().map(|c| shown_json(c, &name)).collect();
        return output::json(out, &rows);
    }
    write_list(&conflicts, all, &name, out)
}

/// The conflicts as blocks a person reads: which record and field (in their words), when it
/// was found, and each value in full with who wrote it and when (local time, labelled).
fn write_list(
    conflicts: &[Conflict],
    all: bool,
    name: &dyn Fn(Option<UserId>) -> Option<String>,
    out: &mut dyn Write,
) -> Result<()> {
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
    for c in conflicts {
        writeln!(out)?;
        writeln!(
            out,
            "{}  {} {}: {}",
            output::reference_text(&c.id),
            c.record_kind,
            output::reference_text(&c.record_id),
            field_words(c.record_kind, &c.field),
        )?;
        let (kept, lost) = if c.record_kind.is_personal() {
            ("(personal)".to_owned(), "(personal)".to_owned())
        } else {
            (
                value_words(&c.winner_value, &c.loser_value),
                value_words(&c.loser_value, &c.winner_value),
            )
        };
        output::field(
            out,
            "Kept",
            side(&kept, name(c.winner_author), c.winner_hlc),
        )?;
        output::field(out, "Lost", side(&lost, name(c.loser_author), c.loser_hlc))?;
        output::field(out, "Found", dates::show(c.detected_at))?;
        if all {
            output::field(out, "State", state(c, name))?;
        }
    }
    if open > 0 {
        writeln!(out)?;
        writeln!(
            out,
            "Settle one with: beatbook conflicts resolve REF --keep winner|loser"
        )?;
    }
    Ok(())
}

/// One side of a conflict: its value, who wrote it, when (from the value's clock).
fn side(value: &str, author: Option<String>, hlc: Hlc) -> String {
    let by = author.unwrap_or_else(|| "someone unknown to this device".to_owned());
    let at = i64::try_from(hlc.wall_ms)
        .ok()
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map_or_else(String::new, |at| format!(", {}", dates::show(at)));
    format!("{value}  ({by}{at})")
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
        let users = s.store.users()?;
        let name = |id: Option<UserId>| id.map(|id| s.name_of(&users, id));
        return output::json(out, &shown_json(&conflict, &name));
    }
    let what = format!(
        "{} of {} {}",
        field_words(conflict.record_kind, &conflict.field),
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

/// A conflict as JSON, with its reference, the field in words and the authors by name; the
/// values of personal records withheld.
fn shown_json(c: &Conflict, name: &dyn Fn(Option<UserId>) -> Option<String>) -> Value {
    let mut value = serde_json::to_value(c).unwrap_or(Value::Null);
    if let Some(map) = value.as_object_mut() {
        map.insert("reference".into(), output::reference_text(&c.id).into());
        map.insert(
            "field_words".into(),
            field_words(c.record_kind, &c.field).into(),
        );
        map.insert("winner_author_name".into(), name(c.winner_author).into());
        map.insert("loser_author_name".into(), name(c.loser_author).into());
        map.insert("resolved_by_name".into(), name(c.resolved_by).into());
        if c.record_kind.is_personal() {
            map.insert("winner_value".into(), Value::Null);
            map.insert("loser_value".into(), Value::Null);
            map.insert("values_withheld".into(), Value::Bool(true));
        }
    }
    value
}

fn state(c: &Conflict, name: &dyn Fn(Option<UserId>) -> Option<String>) -> String {
    match (c.resolution, c.resolved_at) {
        (None, _) => "open".to_owned(),
        (Some(r), at) => {
            let kept = match r {
                Resolution::KeepWinner => "kept winner",
                Resolution::KeepLoser => "kept loser",
            };
            let by = name(c.resolved_by).map_or_else(String::new, |who| format!(" by {who}"));
            at.map_or_else(
                || format!("{kept}{by}"),
                |at| format!("{kept}{by}, {}", dates::show(at)),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let nobody = |_: Option<UserId>| None;
        let shown = shown_json(&conflict, &nobody).to_string();
        assert!(!shown.contains("Ada"), "{shown}");
        assert!(shown.contains("values_withheld"), "{shown}");

        conflict.record_kind = RecordKind::Patrol;
        assert!(shown_json(&conflict, &nobody)
            .to_string()
            .contains("Ada Example"));
    }

    #[test]
    fn a_conflict_reads_as_who_wrote_what_and_when_in_words() {
        use beatbook_core::ids::DeviceId;
        use beatbook_core::sync::RecordKind;
        let (avery, blake) = (UserId::new(), UserId::new());
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-20T10:00:00Z")
            .expect("time")
            .to_utc();
        let hlc = |ms: i64| {
            Hlc::new(
                u64::try_from(at.timestamp_millis() + ms).expect("ms"),
                DeviceId::new(),
            )
        };
        let id = "0193a1b2-c3d4-7000-8000-00000000c0f1";
        let conflict = Conflict {
            id: id.into(),
            record_kind: RecordKind::Problem,
            record_id: "0193a1b2-c3d4-7000-8000-0000000000b1".into(),
            field: "triangle_victim".into(),
            winner_value: serde_json::json!("Tenants of No. 4 and No. 6 Garage Row, rear lane"),
            winner_hlc: hlc(60_000),
            winner_author: Some(blake),
            loser_value: serde_json::json!("Tenants of No. 4 and No. 6 Garage Row, front"),
            loser_hlc: hlc(0),
            loser_author: Some(avery),
            detected_at: at,
            resolution: None,
            resolved_by: None,
            resolved_at: None,
        };
        let name = |id: Option<UserId>| {
            id.map(|id| {
                if id == avery {
                    "PCSO Avery"
                } else {
                    "PC Blake"
                }
                .to_owned()
            })
        };
        let mut out = Vec::new();
        write_list(std::slice::from_ref(&conflict), false, &name, &mut out).expect("written");
        let text = String::from_utf8(out).expect("utf-8");
        let reference = output::reference_text(id);
        assert!(text.contains(&reference), "{text}");
        assert!(text.contains("problem "), "{text}");
        assert!(text.contains("victim (analysis triangle)"), "{text}");
        assert!(
            text.contains("Tenants of No. 4 and No. 6 Garage Row, rear lane  (PC Blake, "),
            "{text}"
        );
        assert!(
            text.contains("Tenants of No. 4 and No. 6 Garage Row, front  (PCSO Avery, "),
            "{text}"
        );
        assert!(
            text.contains("UTC"),
            "times are labelled with their zone: {text}"
        );
        assert!(!text.contains("null"), "{text}");

        let json = shown_json(&conflict, &name);
        assert_eq!(json["winner_author_name"], "PC Blake");
        assert_eq!(json["loser_author_name"], "PCSO Avery");
        assert_eq!(json["reference"], reference.as_str());
        assert_eq!(json["field_words"], "victim (analysis triangle)");
    }
}
