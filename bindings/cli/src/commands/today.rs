//! `beatbook today`: what you did today (patrols, notes, contacts) and what you owe.

use crate::dates::{self, When};
use crate::error::Result;
use crate::output::{self, Table};
use crate::session::Session;
use beatbook_core::model::FollowUp;
use chrono::{Local, Utc};
use std::io::Write;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Another day instead (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = dates::parse_when)]
    pub date: Option<When>,
}

pub fn run(args: Args, s: &Session, json: bool, out: &mut dyn Write) -> Result<()> {
    // The start of a shift: what has passed its review date leaves this device first
    // (`beatbook retention`).
    s.store.apply_retention()?;
    let (start, end) = match args.date {
        Some(day) => (day.start(), day.end()),
        None => dates::today(),
    };
    let now = Utc::now();
    let day = s.store.todays_activity(s.actor.user_id, start, end, now)?;
    if json {
        return output::json(out, &day);
    }
    let me = s.me()?;
    let label = start.with_timezone(&Local).format("%A %-d %B %Y");
    writeln!(
        out,
        "{label} — {} (times are local, {})",
        me.display_name,
        dates::local_zone_label()
    )?;

    writeln!(out, "\nPatrols ({})", day.patrols.len())?;
    let mut table = Table::new(&["REF", "KIND", "AREA", "TIME", "VALUE", "PURPOSE"]);
    for p in &day.patrols {
        let time = match p.ended_at {
            Some(end) => format!(
                "{}–{}",
                dates::show_clock(p.started_at),
                dates::show_clock(end)
            ),
            None => format!("{}– (open)", dates::show_clock(p.started_at)),
        };
        table.row(vec![
            p.id.short_ref(),
            p.kind.to_string(),
            output::area(&p.area),
            time,
            p.assessment
                .as_ref()
                .map(|a| format!("{}/5", a.value_rating))
                .unwrap_or_default(),
            p.purpose.clone(),
        ]);
    }
    table.write(out, "none")?;

    writeln!(out, "\nNotes ({})", day.notes.len())?;
    let mut table = Table::new(&["AT", "CATEGORY", "LSOA", "TEXT"]);
    for n in &day.notes {
        table.row(vec![
            dates::show_clock(n.observed_at),
            n.category.to_string(),
            n.lsoa_code
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            n.text.clone(),
        ]);
    }
    table.write(out, "none")?;

    let people: u32 = day.contacts.iter().map(|c| c.people_count).sum();
    writeln!(
        out,
        "\nContacts ({}, {})",
        day.contacts.len(),
        output::count(people as usize, "person", "people")
    )?;
    let mut table = Table::new(&["AT", "LSOA", "METHOD", "AUDIENCE", "FLAGS", "REF"]);
    for c in &day.contacts {
        let mut flags = Vec::new();
        if c.repeat_location {
            flags.push("repeat-loc");
        }
        if c.follow_up_id.is_some() {
            flags.push("promise");
        }
        table.row(vec![
            dates::show_clock(c.occurred_at),
            c.lsoa_code
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_else(|| "-".into()),
            c.method.to_string(),
            c.audience.to_string(),
            flags.join(","),
            c.id.short_ref(),
        ]);
    }
    table.write(out, "none")?;

    let overdue = day
        .open_follow_ups
        .iter()
        .filter(|f| f.is_overdue(now))
        .count();
    writeln!(
        out,
        "\nFollow-ups owed ({}, {overdue} overdue)",
        day.open_follow_ups.len()
    )?;
    let mut table = Table::new(&["DUE", "STATE", "REF", "PROMISE"]);
    for f in &day.open_follow_ups {
        let late = f.is_overdue(now);
        let given = day.given_to_you.iter().any(|g| g.id == f.id);
        let state = match (late, given) {
            (true, false) => "OVERDUE",
            (true, true) => "OVERDUE (given to you)",
            (false, false) => "open",
            (false, true) => "open (given to you)",
        };
        table.row_alerting(
            vec![
                dates::show(f.due_at),
                state.to_owned(),
                f.id.short_ref(),
                f.promise.clone(),
            ],
            1,
            late,
        );
    }
    table.write(out, "none")?;
    referred(&day.referred, out)?;
    sent_back(&day.sent_back, s, out)
}

/// A volunteer's promises of the day, referred to their team: listed as referred, never as
/// owed (a supervisor gives each to someone from the team's board).
fn referred(referrals: &[FollowUp], out: &mut dyn Write) -> Result<()> {
    if referrals.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "\nReferred to your team ({}: a supervisor gives each to someone)",
        referrals.len()
    )?;
    let mut table = Table::new(&["REF", "STATE", "DUE", "PROMISE"]);
    for f in referrals {
        table.row(vec![
            f.id.short_ref(),
            "referred".to_owned(),
            dates::show(f.due_at),
            f.promise.clone(),
        ]);
    }
    table.write(out, "none")
}

/// SARA requests a supervisor sent back, with their reason: what to do before asking again.
fn sent_back(
    requests: &[beatbook_core::model::StageRequest],
    s: &Session,
    out: &mut dyn Write,
) -> Result<()> {
    if requests.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nSARA requests sent back to you ({})", requests.len())?;
    let users = s.store.users()?;
    let mut table = Table::new(&["DECIDED", "BY", "PROBLEM", "MOVE", "REASON"]);
    for r in requests {
        let title = s
            .store
            .problem(r.problem_id)
            .map(|p| p.title)
            .unwrap_or_else(|_| r.problem_id.to_string());
        table.row(vec![
            r.decided_at.map(dates::show).unwrap_or_default(),
            r.decided_by
                .map(|by| s.name_of(&users, by))
                .unwrap_or_default(),
            title,
            format!("{} → {}", r.from_stage, r.to_stage),
            r.decision_reason.clone().unwrap_or_default(),
        ]);
    }
    table.write(out, "none")?;
    writeln!(
        out,
        "Add what is missing, then ask again: beatbook problem request PROBLEM --to STAGE"
    )?;
    Ok(())
}
