//! `beatbook followups` and `beatbook followup answer`: the promises made to members of the
//! public. Forces commit to a meaningful response within 72 hours, so what you owe is listed
//! overdue first, with how late or how long is left. `beatbook followups --team` is the
//! supervisor's board (every open promise, with its owner and age, and the share answered
//! within 72 hours over a period); `beatbook followup reassign` gives a promise to someone else.

use super::lookup;
use crate::dates::{self, When};
use crate::error::{CliError, Result};
use crate::ids::resolve;
use crate::output::{self, Table};
use crate::session::Session;
use beatbook_core::reports::Period;
use chrono::{DateTime, Utc};
use std::io::Write;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Say what was done about a promise, closing it.
    Answer {
        /// The follow-up's reference (like 7KQ4-ZM2P; see `beatbook followups`), or its id.
        id: String,
        /// What was done, in a line.
        #[arg(long)]
        outcome: String,
        /// When it was answered [default: now].
        #[arg(long, value_name = "TIME", value_parser = dates::parse_time)]
        at: Option<DateTime<Utc>>,
    },
    /// Correct an open follow-up's due time, promise or (supervisors) owner, with the reason.
    Amend(super::corrections::FollowUpAmendArgs),
    /// Give an open follow-up to someone else in the team (supervisors).
    Reassign {
        /// The follow-up's reference (like 7KQ4-ZM2P; see `beatbook followups --team`), or its id.
        id: String,
        /// Who takes it on (a name such as "kim", or a user id or its first 8+ characters; see `beatbook user list`).
        #[arg(long, value_name = "USER")]
        to: String,
    },
    /// Erase a follow-up (the promise to a member of the public; its contact stays), leaving only a logged tombstone (supervisors).
    Erase {
        /// The follow-up's reference as lists show it (like 7KQ4-ZM2P), or its id.
        id: String,
        /// Why (logged).
        #[arg(long)]
        reason: String,
    },
}

/// `beatbook followups`'s flags.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// The whole team's open promises with their owners, and the 72-hour share (supervisors).
    #[arg(long)]
    team: bool,
    /// With --team: the 72-hour share for promises made from this date [default: 28 days ago].
    #[arg(long, value_name = "DATE", value_parser = dates::parse_when, requires = "team")]
    from: Option<When>,
    /// With --team: up to this date (inclusive) [default: now].
    #[arg(long, value_name = "DATE", value_parser = dates::parse_when, requires = "team")]
    to: Option<When>,
}

pub fn run(cmd: Command, s: &Session, json: bool, out: &mut dyn Write) -> Result<()> {
    let (id, outcome, at) = match cmd {
        Command::Answer { id, outcome, at } => (id, outcome, at),
        Command::Reassign { id, to } => return reassign(s, &id, &to, json, out),
        Command::Amend(args) => return super::corrections::amend_follow_up(args, s, json, out),
        Command::Erase { id, reason } => return erase(s, &id, &reason, json, out),
    };
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
    writeln!(
        out,
        "Answered follow-up {}{late}.",
        follow_up.id.short_ref()
    )?;
    Ok(())
}

fn reassign(s: &Session, typed: &str, to: &str, json: bool, out: &mut dyn Write) -> Result<()> {
    let id = resolve("follow-up", typed, || {
        Ok(s.store
            .follow_up_board(Utc::now())?
            .into_iter()
            .map(|r| r.follow_up.id))
    })?;
    let owner = lookup::user(s, to)?;
    let follow_up = s.store.reassign_follow_up(&s.actor, id, owner)?;
    if json {
        return output::json(out, &follow_up);
    }
    let users = s.store.users()?;
    writeln!(
        out,
        "Follow-up {} now belongs to {}; they see it after you both sync.",
        follow_up.id.short_ref(),
        s.name_of(&users, owner)
    )?;
    Ok(())
}

/// Your open follow-ups, overdue first; with `--team`, the supervisor's board.
pub fn list(args: ListArgs, s: &Session, json: bool, out: &mut dyn Write) -> Result<()> {
    if args.team {
        return board(args, s, json, out);
    }
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
    let mut table = Table::new(&["REF", "DUE", "STATE", "AGE", "CONTACT", "PROMISE"]);
    for f in &open {
        let state = if f.is_overdue(now) {
            format!("OVERDUE {}", dates::show_span(now - f.due_at))
        } else {
            format!("due in {}", dates::show_span(f.due_at - now))
        };
        table.row_alerting(
            vec![
                f.id.short_ref(),
                dates::show(f.due_at),
                state,
                dates::show_span(now - f.created_at),
                f.contact_id.map(|c| c.short_ref()).unwrap_or_default(),
                f.promise.clone(),
            ],
            2,
            f.is_overdue(now),
        );
    }
    table.write(out, "nothing owed")
}

/// Every open promise across the team, overdue first, with owner and age; and the share of the
/// period's promises answered within 72 hours.
fn board(args: ListArgs, s: &Session, json: bool, out: &mut dyn Write) -> Result<()> {
    let now = Utc::now();
    let rows = s.store.follow_up_board(now)?;
    let (from, to) = dates::period(args.from, args.to, 28);
    let period =
        Period::new(from, to).map_err(|_| CliError::usage("--from must be before --to"))?;
    let figures = s.store.follow_up_promptness(&period, now)?;
    if json {
        return output::json(
            out,
            &serde_json::json!({ "open": rows, "period": period, "promptness": figures }),
        );
    }
    let overdue = rows.iter().filter(|r| r.overdue).count();
    writeln!(
        out,
        "The team owes {} ({} overdue).",
        output::count(rows.len(), "follow-up", "follow-ups"),
        overdue
    )?;
    let users = s.store.users()?;
    let mut table = Table::new(&["REF", "OWNER", "DUE", "STATE", "AGE", "PROMISE"]);
    for r in &rows {
        let f = &r.follow_up;
        let state = if r.overdue {
            format!("OVERDUE {}", dates::show_span(now - f.due_at))
        } else {
            format!("due in {}", dates::show_span(f.due_at - now))
        };
        table.row_alerting(
            vec![
                f.id.short_ref(),
                match (f.owner, f.referred_by) {
                    (Some(owner), _) => r
                        .owner_name
                        .clone()
                        .unwrap_or_else(|| s.name_of(&users, owner)),
                    (None, Some(by)) => format!(
                        "unassigned (referred by {})",
                        r.referred_by_name
                            .clone()
                            .unwrap_or_else(|| s.name_of(&users, by))
                    ),
                    (None, None) => "unassigned".to_owned(),
                },
                dates::show(f.due_at),
                state,
                dates::show_span(now - f.created_at),
                f.promise.clone(),
            ],
            3,
            r.overdue,
        );
    }
    table.write(out, "nothing owed")?;
    let share = figures
        .share_within_72h
        .map(|v| format!("{:.0}%", v * 100.0))
        .unwrap_or_else(|| "-".into());
    writeln!(
        out,
        "\nPromises made {} to {}: {} made, {} answered within 72 h, {} later, {} open past 72 h, \
         {} too recent to judge, {} cancelled. Answered within 72 h: {share}.",
        dates::show(period.from),
        dates::show(period.to),
        figures.promised,
        figures.answered_within_72h,
        figures.answered_later,
        figures.open_past_72h,
        figures.pending,
        figures.cancelled,
    )?;
    Ok(())
}

/// Erases a follow-up, found among every contact's promises (not only your open ones).
fn erase(s: &Session, typed: &str, reason: &str, json: bool, out: &mut dyn Write) -> Result<()> {
    let id = crate::ids::resolve("follow-up", typed, || {
        let (from, to) = (
            DateTime::<Utc>::UNIX_EPOCH,
            Utc::now() + chrono::Duration::days(365 * 100),
        );
        Ok(s.store
            .contacts_between(from, to)?
            .into_iter()
            .filter_map(|c| c.follow_up_id))
    })?;
    s.store.erase_follow_up(&s.actor, id, reason)?;
    if json {
        return output::json(out, &serde_json::json!({ "erased": id }));
    }
    writeln!(
        out,
        "Erased follow-up {}; the audit log keeps who, when and why.",
        id.short_ref()
    )?;
    Ok(())
}
