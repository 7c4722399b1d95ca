//! `beatbook patrol`: a purpose set before it starts, a value assessment when it ends.
//!
//! Notes and contacts recorded while you have one open patrol link to it by default, so the
//! usual shift is `patrol start`, then notes and contacts, then `patrol end` with no id.

use super::{corrections, lookup, AreaArgs};
use crate::dates::{self, When};
use crate::error::{CliError, Result};
use crate::output::{self, Table};
use crate::paging::{Keep, Paging};
use crate::session::Session;
use crate::vocab;
use beatbook_core::ids::PatrolId;
use beatbook_core::model::{
    NewPatrol, Patrol, PatrolClosure, PatrolKind, PurposeMet, ValueAssessment,
};
use chrono::{DateTime, Utc};
use std::io::Write;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Start a patrol, with its purpose.
    Start(StartArgs),
    /// End your patrol with its value assessment.
    End(EndArgs),
    /// List patrols (the last 7 days unless --from/--to).
    List {
        /// Only your open patrols.
        #[arg(long)]
        open: bool,
        /// From this date or time [default: 7 days ago].
        #[arg(long, value_name = "DATE", value_parser = dates::parse_when)]
        from: Option<When>,
        /// Up to this date (inclusive) or time [default: now].
        #[arg(long, value_name = "DATE", value_parser = dates::parse_when)]
        to: Option<When>,
        #[command(flatten)]
        paging: Paging,
    },
    /// Correct a patrol's times, purpose, area or kind, with the reason.
    Amend(Box<corrections::PatrolAmendArgs>),
    /// Cancel a patrol started by mistake, with the reason (it then counts in no report).
    Cancel(corrections::PatrolCancelArgs),
    /// Show a patrol with its notes.
    Show {
        /// The patrol's reference as lists show it (like 7KQ4-ZM2P), or its id.
        id: String,
    },
    /// Erase a patrol (with its track; its notes and contacts stay) entirely, leaving only a logged tombstone (supervisors).
    Erase {
        /// The patrol's reference as lists show it (like 7KQ4-ZM2P), or its id.
        id: String,
        /// Why (logged).
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct StartArgs {
    /// What sort of patrol.
    #[arg(long, default_value = "foot", value_parser = vocab::code(PatrolKind::ALL, PatrolKind::as_str))]
    pub kind: PatrolKind,
    #[command(flatten)]
    pub area: AreaArgs,
    /// Why this patrol is going out: set before it starts (required).
    #[arg(long)]
    pub purpose: String,
    /// The operation's name, for --kind operation (e.g. "Operation Revive").
    #[arg(long, value_name = "NAME")]
    pub operation: Option<String>,
    /// Someone else on the patrol (a name such as "kim" or "Sam Demo", or a user id; see `beatbook user list`); repeat for each.
    #[arg(long = "with", value_name = "USER")]
    pub with: Vec<String>,
    /// When it started [default: now].
    #[arg(long, value_name = "TIME", value_parser = dates::parse_time)]
    pub at: Option<DateTime<Utc>>,
}

#[derive(Debug, clap::Args)]
pub struct EndArgs {
    /// The patrol's id [default: your one open patrol].
    pub id: Option<String>,
    /// Value assessment: did it achieve its purpose?
    #[arg(long, value_parser = vocab::code(PurposeMet::ALL, PurposeMet::as_str))]
    pub purpose_met: Option<PurposeMet>,
    /// Value assessment: 1 (no value) to 5 (high value).
    #[arg(long, value_name = "1-5", value_parser = clap::value_parser!(u8).range(1..=5))]
    pub rating: Option<u8>,
    /// Value assessment: what the patrol achieved, in a sentence or two.
    #[arg(long)]
    pub summary: Option<String>,
    /// What was seen, beyond the notes.
    #[arg(long)]
    pub observations: Option<String>,
    /// When it ended [default: now].
    #[arg(long, value_name = "TIME", value_parser = dates::parse_time)]
    pub at: Option<DateTime<Utc>>,
}

/// Which patrol a note or contact belongs to.
#[derive(Debug, clap::Args)]
#[group(multiple = false)]
pub struct PatrolLink {
    /// Link to this patrol [default: your open patrol, if you have exactly one].
    #[arg(long, value_name = "PATROL_ID")]
    pub patrol: Option<String>,
    /// Link to your open patrol, and fail if you have none.
    #[arg(long)]
    pub current_patrol: bool,
    /// Link to no patrol.
    #[arg(long)]
    pub no_patrol: bool,
}

impl PatrolLink {
    pub fn resolve(&self, s: &Session) -> Result<Option<PatrolId>> {
        if self.no_patrol {
            return Ok(None);
        }
        if let Some(typed) = &self.patrol {
            return lookup::patrol(s, typed).map(Some);
        }
        let open = s.store.open_patrols(s.actor.user_id)?;
        match (open.as_slice(), self.current_patrol) {
            ([one], _) => Ok(Some(one.id)),
            ([], false) => Ok(None),
            ([], true) => Err(CliError::usage("you have no open patrol")
                .hint("start one with `beatbook patrol start`, or leave out --current-patrol")),
            (many, current) => {
                let message = format!("you have {} open patrols", many.len());
                if current {
                    return Err(CliError::usage(message).hint("say which with --patrol ID"));
                }
                eprintln!("warning: {message}; not linked to any (say which with --patrol ID)");
                Ok(None)
            }
        }
    }
}

pub fn run(cmd: Command, s: &Session, json: bool, out: &mut dyn Write) -> Result<()> {
    match cmd {
        Command::Start(args) => start(args, s, json, out),
        Command::End(args) => end(args, s, json, out),
        Command::List {
            open,
            from,
            to,
            paging,
        } => list(s, open, from, to, paging, json, out),
        Command::Show { id } => show(s, &id, json, out),
        Command::Amend(args) => corrections::amend_patrol(*args, s, json, out),
        Command::Cancel(args) => corrections::cancel_patrol(args, s, json, out),
        Command::Erase { id, reason } => {
            let id = lookup::patrol(s, &id)?;
            s.store.erase_patrol(&s.actor, id, &reason)?;
            if json {
                return output::json(out, &serde_json::json!({ "erased": id }));
            }
            writeln!(
                out,
                "Erased patrol {}; the audit log keeps who, when and why.",
                id.short_ref()
            )?;
            Ok(())
        }
    }
}

fn start(args: StartArgs, s: &Session, json: bool, out: &mut dyn Write) -> Result<()> {
    let already_open = s.store.open_patrols(s.actor.user_id)?;
    let participants = args
        .with
        .iter()
        .map(|typed| lookup::user(s, typed))
        .collect::<Result<Vec<_>>>()?;
    let patrol = s.store.start_patrol(
        &s.actor,
        NewPatrol {
            kind: args.kind,
            area: args.area.area(s)?,
            purpose: args.purpose,
            operation_name: args.operation,
            participants,
            started_at: args.at.unwrap_or_else(Utc::now),
        },
    )?;
    if json {
        return output::json(out, &patrol);
    }
    writeln!(
        out,
        "Started {} patrol {}",
        patrol.kind,
        patrol.id.short_ref()
    )?;
    output::field(out, "Area", output::area(&patrol.area))?;
    output::field(out, "Started", dates::show(patrol.started_at))?;
    output::field(out, "Purpose", &patrol.purpose)?;
    if let Some(op) = &patrol.operation_name {
        output::field(out, "Operation", op)?;
    }
    if !patrol.participants.is_empty() {
        let users = s.store.users()?;
        let names: Vec<String> = patrol
            .participants
            .iter()
            .map(|u| s.name_of(&users, *u))
            .collect();
        output::field(out, "With", names.join(", "))?;
    }
    if already_open.is_empty() {
        writeln!(out, "Notes and contacts you add now link to this patrol.")?;
    } else {
        writeln!(
            out,
            "You now have {} open patrols: give --patrol ID to notes and contacts.",
            already_open.len() + 1
        )?;
    }
    writeln!(
        out,
        "End it with: beatbook patrol end --purpose-met yes|partly|no --rating 1-5 --summary \"…\""
    )?;
    Ok(())
}

fn end(args: EndArgs, s: &Session, json: bool, out: &mut dyn Write) -> Result<()> {
    let id = match &args.id {
        Some(typed) => lookup::patrol(s, typed)?,
        None => the_open_patrol(s)?,
    };
    let assessment = match (args.purpose_met, args.rating, args.summary) {
        (Some(purpose_met), Some(value_rating), Some(summary)) => Some(ValueAssessment {
            purpose_met,
            value_rating,
            summary,
        }),
        (None, None, None) => None,
        (p, r, summ) => {
            let missing: Vec<&str> = [
                (p.is_none(), "--purpose-met"),
                (r.is_none(), "--rating"),
                (summ.is_none(), "--summary"),
            ]
            .iter()
            .filter(|(absent, _)| *absent)
            .map(|(_, flag)| *flag)
            .collect();
            return Err(CliError::usage(format!(
                "the value assessment also needs {}",
                missing.join(" and ")
            )));
        }
    };
    let patrol = s.store.close_patrol(
        &s.actor,
        id,
        PatrolClosure {
            ended_at: args.at.unwrap_or_else(Utc::now),
            observations: args.observations,
            assessment,
        },
    )?;
    if json {
        return output::json(out, &patrol);
    }
    writeln!(
        out,
        "Ended {} patrol {}",
        patrol.kind,
        patrol.id.short_ref()
    )?;
    if let Some(end) = patrol.ended_at {
        output::field(
            out,
            "Time out",
            format!(
                "{} to {} ({})",
                dates::show(patrol.started_at),
                dates::show_clock(end),
                dates::show_span(end - patrol.started_at)
            ),
        )?;
    }
    if let Some(a) = &patrol.assessment {
        output::field(out, "Purpose met", a.purpose_met)?;
        output::field(out, "Value", format!("{}/5", a.value_rating))?;
        output::field(out, "Summary", &a.summary)?;
    }
    Ok(())
}

/// The device owner's one open patrol.
fn the_open_patrol(s: &Session) -> Result<PatrolId> {
    let open = s.store.open_patrols(s.actor.user_id)?;
    match open.as_slice() {
        [one] => Ok(one.id),
        [] => {
            Err(CliError::usage("you have no open patrol to end")
                .hint("see `beatbook patrol list`"))
        }
        many => {
            let ids: Vec<String> = many.iter().map(|p| p.id.short_ref()).collect();
            Err(CliError::usage(format!(
                "you have {} open patrols; say which to end: {}",
                many.len(),
                ids.join(", ")
            )))
        }
    }
}

fn list(
    s: &Session,
    open: bool,
    from: Option<When>,
    to: Option<When>,
    paging: Paging,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let mut patrols = if open {
        s.store.open_patrols(s.actor.user_id)?
    } else {
        let (from, to) = dates::period(from, to, 7);
        s.store.patrols_between(from, to)?
    };
    if json {
        return output::json(out, &patrols);
    }
    // Newest first: the first are kept.
    let left_out = paging.cut(&mut patrols, Keep::First);
    let mut table = Table::new(&[
        "REF", "KIND", "AREA", "STARTED", "LENGTH", "VALUE", "PURPOSE",
    ]);
    for p in &patrols {
        table.row(vec![
            p.id.short_ref(),
            p.kind.to_string(),
            output::area(&p.area),
            dates::show(p.started_at),
            length(p),
            p.assessment
                .as_ref()
                .map(|a| format!("{}/5", a.value_rating))
                .unwrap_or_default(),
            p.purpose.clone(),
        ]);
    }
    table.write(
        out,
        if open {
            "no open patrols"
        } else {
            "no patrols in that period"
        },
    )?;
    Ok(paging.note(left_out, out)?)
}

fn length(p: &Patrol) -> String {
    if p.is_cancelled() {
        return "cancelled".into();
    }
    match p.ended_at {
        Some(end) => dates::show_span(end - p.started_at),
        None => format!("open {}", dates::show_span(Utc::now() - p.started_at)),
    }
}

fn show(s: &Session, typed: &str, json: bool, out: &mut dyn Write) -> Result<()> {
    let id = lookup::patrol(s, typed)?;
    let patrol = s.store.patrol(id)?;
    let notes = s.store.patrol_notes(id)?;
    if json {
        return output::json(
            out,
            &serde_json::json!({ "patrol": patrol, "notes": notes }),
        );
    }
    let users = s.store.users()?;
    writeln!(out, "{} patrol {}", patrol.kind, patrol.id.short_ref())?;
    output::field(out, "Id", patrol.id)?;
    output::field(out, "Area", output::area(&patrol.area))?;
    output::field(out, "Purpose", &patrol.purpose)?;
    if let Some(op) = &patrol.operation_name {
        output::field(out, "Operation", op)?;
    }
    output::field(out, "Recorded by", s.name_of(&users, patrol.recorded_by))?;
    if !patrol.participants.is_empty() {
        let names: Vec<String> = patrol
            .participants
            .iter()
            .map(|u| s.name_of(&users, *u))
            .collect();
        output::field(out, "With", names.join(", "))?;
    }
    output::field(out, "Started", dates::show(patrol.started_at))?;
    match patrol.ended_at {
        Some(end) => output::field(
            out,
            "Ended",
            format!("{} ({})", dates::show(end), length(&patrol)),
        )?,
        None if patrol.is_cancelled() => {}
        None => output::field(out, "Ended", "still open")?,
    }
    if let Some(at) = patrol.cancelled_at {
        output::field(out, "Cancelled", dates::show(at))?;
    }
    if let Some(reason) = &patrol.correction_reason {
        output::field(out, "Corrected", reason)?;
    }
    if let Some(obs) = &patrol.observations {
        output::field(out, "Observations", obs)?;
    }
    if let Some(a) = &patrol.assessment {
        output::field(out, "Purpose met", a.purpose_met)?;
        output::field(out, "Value", format!("{}/5", a.value_rating))?;
        output::field(out, "Summary", &a.summary)?;
    }
    writeln!(out, "Notes:")?;
    let mut table = Table::new(&["AT", "CATEGORY", "LSOA", "TEXT"]);
    for n in &notes {
        table.row(vec![
            dates::show(n.observed_at),
            n.category.to_string(),
            n.lsoa_code
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            n.text.clone(),
        ]);
    }
    table.write(out, "no notes")
}
