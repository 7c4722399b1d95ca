//! `beatbook report`: every figure of the performance framework for a period and an area, from
//! this device's store (offline, after a sync): visible patrol hours, engagement, promises kept
//! within 72 hours, SARA problems, volunteer hours, value assessments and priority areas by
//! Clear-Hold-Build phase. The figures and their rules are in `docs/supervisors.md`.

use crate::dates::{self, When};
use crate::error::{CliError, Result};
use crate::output::{self, Table};
use crate::session::Session;
use beatbook_core::model::LsoaCode;
use beatbook_core::reports::{EngagementGroup, Period, Report, ReportArea, ReportQuery};
use chrono::Utc;
use std::io::Write;

/// The period and area of the report.
#[derive(Debug, clap::Args)]
pub struct PeriodAndArea {
    /// From this date or time [default: 28 days ago].
    #[arg(long, value_name = "DATE", value_parser = dates::parse_when)]
    from: Option<When>,
    /// Up to this date (inclusive) or time [default: now].
    #[arg(long, value_name = "DATE", value_parser = dates::parse_when)]
    to: Option<When>,
    /// Only the work of this team's members (name or id).
    #[arg(long, value_name = "TEAM", conflicts_with_all = ["lap", "lsoa", "priority"])]
    team: Option<String>,
    /// Only this Local Area Partnership (code), its LSOAs and priority areas.
    #[arg(long, value_name = "CODE", conflicts_with_all = ["lsoa", "priority"])]
    lap: Option<String>,
    /// Only this LSOA (GSS code).
    #[arg(long, value_name = "CODE", conflicts_with = "priority")]
    lsoa: Option<String>,
    /// Only this priority area (name or id) and its LSOAs.
    #[arg(long, value_name = "AREA")]
    priority: Option<String>,
}

pub fn run(args: PeriodAndArea, s: &Session, json: bool, out: &mut dyn Write) -> Result<()> {
    let (from, to) = dates::period(args.from, args.to, 28);
    let period = Period::new(from, to).map_err(|e| CliError::usage(format!("--from/--to: {e}")))?;
    let (area, area_label) = area(&args, s)?;
    let query = ReportQuery {
        period,
        area,
        as_of: Utc::now(),
    };
    let report = s.store.report(&query)?;
    if json {
        return output::json(out, &report);
    }
    writeln!(
        out,
        "Performance report, {} to {}, {}",
        dates::show(from),
        dates::show(to),
        area_label
    )?;
    patrols(&report, out)?;
    engagement(&report, out)?;
    promises(&report, out)?;
    problems(&report, out)?;
    volunteers(&report, out)?;
    value(&report, out)?;
    priority(&report, out)
}

/// The area filter from the flags, and how to say it.
fn area(args: &PeriodAndArea, s: &Session) -> Result<(ReportArea, String)> {
    if let Some(team) = &args.team {
        let found = s
            .store
            .teams()?
            .into_iter()
            .find(|t| t.name.eq_ignore_ascii_case(team) || t.id.to_string().starts_with(team))
            .ok_or_else(|| CliError::not_found(format!("no team called {team}")))?;
        return Ok((ReportArea::Team(found.id), format!("team {}", found.name)));
    }
    if let Some(lap) = &args.lap {
        return Ok((ReportArea::Lap(lap.clone()), format!("LAP {lap}")));
    }
    if let Some(code) = &args.lsoa {
        let code = LsoaCode::parse_typed("lsoa", code)
            .map_err(|e| CliError::usage(format!("--lsoa: {e}")))?;
        let label = format!("LSOA {code}");
        return Ok((ReportArea::Lsoa(code), label));
    }
    if let Some(pa) = &args.priority {
        let found = s
            .store
            .priority_areas()?
            .into_iter()
            .find(|p| p.name.eq_ignore_ascii_case(pa) || p.id.to_string().starts_with(pa))
            .ok_or_else(|| CliError::not_found(format!("no priority area called {pa}")))?;
        return Ok((
            ReportArea::Priority(found.id),
            format!("priority area {}", found.name),
        ));
    }
    Ok((ReportArea::All, "everything on this device".to_owned()))
}

fn h(hours: f64) -> String {
    format!("{hours:.1}")
}

fn heading(out: &mut dyn Write, title: &str) -> Result<()> {
    writeln!(out)?;
    writeln!(out, "{title}")?;
    Ok(())
}

fn patrols(r: &Report, out: &mut dyn Write) -> Result<()> {
    let p = &r.patrol_hours;
    heading(
        out,
        &format!(
            "Visible patrol hours: {} in {}, {} person-hours{}",
            h(p.hours),
            output::count(p.patrols as usize, "patrol", "patrols"),
            h(p.person_hours),
            if p.open_patrols > 0 {
                format!(" ({} still open, not counted)", p.open_patrols)
            } else {
                String::new()
            }
        ),
    )?;
    let mut t = Table::new(&["KIND", "PATROLS", "HOURS", "PERSON-HOURS"]);
    for k in &p.by_kind {
        t.row(vec![
            k.kind.as_str().replace('_', " "),
            k.patrols.to_string(),
            h(k.hours),
            h(k.person_hours),
        ]);
    }
    t.write(out, "no patrols")?;
    let mut t = Table::new(&["PATROLLED", "PATROLS", "HOURS", "PERSON-HOURS"]);
    for a in &p.by_area {
        t.row(vec![
            a.name.clone(),
            a.patrols.to_string(),
            h(a.hours),
            h(a.person_hours),
        ]);
    }
    writeln!(out)?;
    t.write(out, "no patrols in the period")
}

fn groups(out: &mut dyn Write, header: &'static str, groups: &[EngagementGroup]) -> Result<()> {
    let mut t = Table::new(&[header, "CONTACTS", "PEOPLE"]);
    for g in groups {
        t.row(vec![
            g.label.clone(),
            g.contacts.to_string(),
            g.people.to_string(),
        ]);
    }
    writeln!(out)?;
    t.write(out, "none")
}

fn engagement(r: &Report, out: &mut dyn Write) -> Result<()> {
    let e = &r.engagement;
    heading(
        out,
        &format!(
            "Engagement: {} reaching {}",
            output::count(e.contacts as usize, "contact", "contacts"),
            output::count(e.people as usize, "person", "people")
        ),
    )?;
    groups(out, "METHOD", &e.by_method)?;
    groups(out, "AUDIENCE", &e.by_audience)?;
    groups(out, "LSOA", &e.by_lsoa)
}

fn promises(r: &Report, out: &mut dyn Write) -> Result<()> {
    let f = &r.follow_ups;
    heading(
        out,
        &format!("Promises to the public: {} made in the period", f.promised),
    )?;
    let share = f
        .share_within_72h
        .map_or_else(|| "-".to_owned(), |s| format!("{:.0}%", s * 100.0));
    output::field(
        out,
        "Within 72 h",
        format!("{} ({share} of those due)", f.answered_within_72h),
    )?;
    output::field(out, "Later", f.answered_later)?;
    output::field(out, "Open, late", f.open_past_72h)?;
    output::field(out, "Not yet due", f.pending)?;
    output::field(out, "Cancelled", f.cancelled)?;
    output::field(
        out,
        "Overdue",
        format!("{} at the end of the period", f.overdue_at_end),
    )
}

fn problems(r: &Report, out: &mut dyn Write) -> Result<()> {
    let p = &r.problems;
    heading(
        out,
        &format!(
            "SARA problems: {} opened, {} closed ({} with an assessment)",
            p.opened, p.closed, p.closed_with_assessment
        ),
    )?;
    let mut t = Table::new(&[
        "STAGE",
        "AT END",
        "DAYS IN PERIOD",
        "STAYS ENDED",
        "MEAN DAYS",
    ]);
    for s in &p.by_stage_at_end {
        let time = p.time_in_stage.iter().find(|t| t.stage == s.stage);
        t.row(vec![
            s.stage.as_str().to_owned(),
            s.problems.to_string(),
            time.map_or_else(|| "-".into(), |t| h(t.days_in_period)),
            time.map_or_else(|| "-".into(), |t| t.stays_ended.to_string()),
            time.and_then(|t| t.mean_days_of_ended)
                .map_or_else(|| "-".into(), h),
        ]);
    }
    t.write(out, "no problems")
}

fn volunteers(r: &Report, out: &mut dyn Write) -> Result<()> {
    heading(out, "Citizens in Policing volunteer hours")?;
    let mut t = Table::new(&["MONTH", "PATROLS", "HOURS", "VOLUNTEER"]);
    for v in &r.volunteer_hours {
        t.row(vec![
            v.month.clone(),
            v.patrols.to_string(),
            h(v.hours),
            v.display_name.clone(),
        ]);
    }
    t.write(out, "no volunteer patrols in the period")
}

fn value(r: &Report, out: &mut dyn Write) -> Result<()> {
    heading(out, "Value assessments of patrols ended in the period")?;
    let mut t = Table::new(&[
        "KIND",
        "ASSESSED",
        "MET",
        "PARTLY",
        "NOT MET",
        "RATED 1-5",
        "MEAN",
    ]);
    for v in r.value_assessments.iter().filter(|v| v.assessed > 0) {
        t.row(vec![
            v.kind.as_str().replace('_', " "),
            v.assessed.to_string(),
            v.purpose_met.to_string(),
            v.purpose_partly_met.to_string(),
            v.purpose_not_met.to_string(),
            v.ratings
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join("/"),
            v.mean_rating
                .map_or_else(|| "-".into(), |m| format!("{m:.2}")),
        ]);
    }
    t.write(out, "no assessed patrols")
}

fn priority(r: &Report, out: &mut dyn Write) -> Result<()> {
    heading(out, "Priority areas by Clear-Hold-Build phase")?;
    let mut t = Table::new(&[
        "PHASE",
        "AREAS",
        "PATROLS",
        "HOURS",
        "CONTACTS",
        "PEOPLE",
        "OPEN PROBLEMS",
    ]);
    for p in r.priority_areas.by_phase.iter().filter(|p| p.areas > 0) {
        let a = &p.activity;
        t.row(vec![
            p.phase.map_or("no phase", |p| p.as_str()).to_owned(),
            p.areas.to_string(),
            a.patrols.to_string(),
            h(a.patrol_hours),
            a.contacts.to_string(),
            a.people.to_string(),
            a.open_problems.to_string(),
        ]);
    }
    t.write(out, "no priority areas")?;
    if r.priority_areas.areas.is_empty() {
        return Ok(());
    }
    let mut t = Table::new(&[
        "PRIORITY AREA",
        "PHASE",
        "PATROLS",
        "HOURS",
        "CONTACTS",
        "PEOPLE",
        "OPEN PROBLEMS",
    ]);
    for p in &r.priority_areas.areas {
        let a = &p.activity;
        t.row(vec![
            p.name.clone(),
            p.phase.map_or("-", |p| p.as_str()).to_owned(),
            a.patrols.to_string(),
            h(a.patrol_hours),
            a.contacts.to_string(),
            a.people.to_string(),
            a.open_problems.to_string(),
        ]);
    }
    writeln!(out)?;
    t.write(out, "no priority areas")
}
