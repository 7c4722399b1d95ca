//! `beatbook problem`: SARA problems. Scanning → Analysis → Response → Assessment → Closed,
//! one stage at a time: the owner records what was found (steps, the analysis triangle, the
//! response actions, the assessment) and asks for a move; a supervisor approves it or sends it
//! back with a reason.

use super::{lookup, AreaArgs};
use crate::dates::{self, When};
use crate::error::Result;
use crate::output::{self, Table};
use crate::session::Session;
use crate::vocab;
use beatbook_core::model::{
    ActionStatus, AnalysisTriangle, Assessment, CrimeCategory, Measure, NewProblem, Problem,
    RepeatType, SaraStage, StageRequest,
};
use beatbook_core::store::queries::AreaFilter;
use beatbook_core::store::StageDecision;
use std::io::Write;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Open a problem at the Scanning stage.
    Open {
        /// A short title, e.g. "Garage burglaries, Elm Road".
        #[arg(long)]
        title: String,
        /// The main police.uk category.
        #[arg(long, value_parser = vocab::crime_category())]
        category: CrimeCategory,
        #[command(flatten)]
        area: AreaArgs,
        /// Scanning: what the problem is, how it came to attention, who and where is affected.
        #[arg(long)]
        summary: String,
        /// Who owns it [default: you] (a name such as "kim" or "Sam Demo", or a user id; see `beatbook user list`).
        #[arg(long, value_name = "USER")]
        owner: Option<String>,
    },
    /// Add a step (what was found or done) at the problem's current stage.
    Step {
        /// The problem's reference as lists show it (like 7KQ4-ZM2P), or its id.
        id: String,
        /// The step, e.g. "Analysis: break-ins cluster on Friday nights; rear gates unlit".
        text: String,
    },
    /// Record the analysis: the Problem Analysis Triangle and repeat types.
    ///
    /// Sides left out keep their current value; give "" to clear one.
    Analyse {
        /// The problem's reference as lists show it (like 7KQ4-ZM2P), or its id.
        id: String,
        /// Offender side: who causes it.
        #[arg(long)]
        offender: Option<String>,
        /// Victim or target side.
        #[arg(long)]
        victim: Option<String>,
        /// Location side.
        #[arg(long)]
        location: Option<String>,
        /// Handler: who has influence over the offender.
        #[arg(long)]
        handler: Option<String>,
        /// Guardian: who protects the target.
        #[arg(long)]
        guardian: Option<String>,
        /// Manager: who is responsible for the place.
        #[arg(long)]
        manager: Option<String>,
        /// Repeat type: wolf (offender), duck (victim), den (location); repeat for each.
        /// Replaces the current list when given.
        #[arg(long = "repeat", value_name = "TYPE", value_parser = vocab::code(RepeatType::ALL, RepeatType::as_str))]
        repeat: Vec<RepeatType>,
    },
    /// Plan a response action (from the Response stage on).
    Action {
        /// The problem's reference as lists show it (like 7KQ4-ZM2P), or its id.
        id: String,
        /// What will be done.
        #[arg(long)]
        description: String,
        /// The partner doing it with you, e.g. "Northvale Council".
        #[arg(long)]
        partner: Option<String>,
        /// By when.
        #[arg(long, value_name = "DATE", value_parser = dates::parse_when)]
        due: Option<When>,
        /// Who owns it (a name such as "kim" or "Sam Demo", or a user id; see `beatbook user list`).
        #[arg(long, value_name = "USER")]
        owner: Option<String>,
    },
    /// Move a response action on.
    ActionStatus {
        /// The problem's reference as lists show it (like 7KQ4-ZM2P), or its id.
        id: String,
        /// The action's reference (like 7KQ4-ZM2P; see `problem show`), or its id.
        action: String,
        /// Where the action is now.
        #[arg(long, value_parser = vocab::code(ActionStatus::ALL, ActionStatus::as_str))]
        status: ActionStatus,
    },
    /// Record the assessment (at the Assessment stage).
    Assess {
        /// The problem's reference as lists show it (like 7KQ4-ZM2P), or its id.
        id: String,
        /// Process evaluation: was the response carried out as planned?
        #[arg(long)]
        process: String,
        /// Impact evaluation: did the problem change?
        #[arg(long)]
        impact: String,
        /// A measure before and after, as NAME:BEFORE:AFTER (e.g. "ASB calls:14:5"); repeat.
        #[arg(long = "measure", value_name = "NAME:BEFORE:AFTER", value_parser = parse_measure)]
        measures: Vec<Measure>,
    },
    /// Ask a supervisor to move the problem to another stage.
    Request {
        /// The problem's reference as lists show it (like 7KQ4-ZM2P), or its id.
        id: String,
        /// The stage to move to: the next one, or back to an earlier one.
        #[arg(long, value_parser = vocab::code(SaraStage::ALL, SaraStage::as_str))]
        to: SaraStage,
        /// Why it is ready.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Approve a stage-move request (supervisors).
    Approve {
        /// The request's reference (like 7KQ4-ZM2P; see `problem list`), or its id.
        request_id: String,
    },
    /// Send a stage-move request back, saying what is missing (supervisors).
    SendBack {
        /// The request's reference (like 7KQ4-ZM2P; see `problem list`), or its id.
        request_id: String,
        /// What is missing.
        #[arg(long)]
        reason: String,
    },
    /// List problems by SARA stage, and requests waiting for a supervisor.
    List {
        /// Only problems in this LAP.
        #[arg(long, value_name = "LAP-CODE", conflicts_with = "lsoa")]
        lap: Option<String>,
        /// Only problems in this LSOA.
        #[arg(long, value_name = "LSOA-CODE", value_parser = vocab::lsoa)]
        lsoa: Option<beatbook_core::model::LsoaCode>,
    },
    /// Show a problem with its steps and stage requests.
    Show {
        /// The problem's reference as lists show it (like 7KQ4-ZM2P), or its id.
        id: String,
    },
    /// Erase a problem with its steps and stage requests, leaving only a logged tombstone (supervisors).
    Erase {
        /// The problem's reference as lists show it (like 7KQ4-ZM2P), or its id.
        id: String,
        /// Why (logged).
        #[arg(long)]
        reason: String,
    },
}

fn parse_measure(text: &str) -> std::result::Result<Measure, String> {
    let mut parts = text.rsplitn(3, ':');
    let (after, before, name) = (parts.next(), parts.next(), parts.next());
    let number = |v: Option<&str>| {
        v.and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|v| v.is_finite())
    };
    match (name, number(before), number(after)) {
        (Some(name), Some(before), Some(after)) if !name.trim().is_empty() => Ok(Measure {
            name: name.trim().to_owned(),
            before,
            after,
        }),
        _ => Err("expected NAME:BEFORE:AFTER with two numbers, e.g. \"ASB calls:14:5\"".to_owned()),
    }
}

pub fn run(cmd: Command, s: &Session, json: bool, out: &mut dyn Write) -> Result<()> {
    match cmd {
        Command::Open {
            title,
            category,
            area,
            summary,
            owner,
        } => {
            let owner = owner.as_deref().map(|t| lookup::user(s, t)).transpose()?;
            let problem = s.store.open_problem(
                &s.actor,
                NewProblem {
                    title,
                    area: area.area(s)?,
                    category,
                    owner,
                    scanning_summary: summary,
                },
            )?;
            if json {
                return output::json(out, &problem);
            }
            writeln!(
                out,
                "Opened problem {} at Scanning: {}",
                problem.id.short_ref(),
                problem.title
            )?;
            writeln!(out, "Next: `beatbook problem analyse` and `problem step`, then `problem request {} --to analysis`.", problem.id.short_ref())?;
            Ok(())
        }
        Command::Step { id, text } => {
            let id = lookup::problem(s, &id)?;
            let step = s.store.add_problem_step(&s.actor, id, &text)?;
            if json {
                return output::json(out, &step);
            }
            writeln!(
                out,
                "Added a {} step to problem {}.",
                step.stage,
                id.short_ref()
            )?;
            Ok(())
        }
        Command::Analyse {
            id,
            offender,
            victim,
            location,
            handler,
            guardian,
            manager,
            repeat,
        } => {
            let id = lookup::problem(s, &id)?;
            let current = s.store.problem(id)?;
            let keep = |given: Option<String>, now: Option<String>| given.or(now);
            let t = current.triangle;
            let triangle = AnalysisTriangle {
                offender: keep(offender, t.offender),
                victim: keep(victim, t.victim),
                location: keep(location, t.location),
                handler: keep(handler, t.handler),
                guardian: keep(guardian, t.guardian),
                manager: keep(manager, t.manager),
            };
            let repeat = if repeat.is_empty() {
                current.repeat_types
            } else {
                repeat
            };
            let problem = s.store.update_analysis(&s.actor, id, triangle, repeat)?;
            if json {
                return output::json(out, &problem);
            }
            writeln!(out, "Analysis of problem {} recorded.", id.short_ref())?;
            write_analysis(&problem, out)
        }
        Command::Action {
            id,
            description,
            partner,
            due,
            owner,
        } => {
            let id = lookup::problem(s, &id)?;
            let owner = owner.as_deref().map(|t| lookup::user(s, t)).transpose()?;
            let action = s.store.add_response_action(
                &s.actor,
                id,
                &description,
                owner,
                partner,
                due.map(When::end),
            )?;
            if json {
                return output::json(out, &action);
            }
            writeln!(
                out,
                "Planned action {} on problem {}.",
                action.id.short_ref(),
                id.short_ref()
            )?;
            Ok(())
        }
        Command::ActionStatus { id, action, status } => {
            let id = lookup::problem(s, &id)?;
            let problem = s.store.problem(id)?;
            let action_id = crate::ids::resolve("response action", &action, || {
                Ok(problem.responses.iter().map(|a| a.id).collect::<Vec<_>>())
            })?;
            let problem = s.store.set_action_status(&s.actor, id, action_id, status)?;
            if json {
                return output::json(out, &problem);
            }
            writeln!(out, "Action {action_id} is now {status}.")?;
            Ok(())
        }
        Command::Assess {
            id,
            process,
            impact,
            measures,
        } => {
            let id = lookup::problem(s, &id)?;
            let problem = s.store.record_assessment(
                &s.actor,
                id,
                Assessment {
                    process,
                    impact,
                    measures,
                },
            )?;
            if json {
                return output::json(out, &problem);
            }
            writeln!(out, "Assessment of problem {} recorded.", id.short_ref())?;
            writeln!(
                out,
                "Next: `beatbook problem request {} --to closed` (or back to an earlier stage).",
                id.short_ref()
            )?;
            Ok(())
        }
        Command::Request { id, to, reason } => {
            let id = lookup::problem(s, &id)?;
            let request = s.store.request_stage_move(&s.actor, id, to, reason)?;
            if json {
                return output::json(out, &request);
            }
            writeln!(
                out,
                "Asked to move problem {} from {} to {}: request {} is waiting for a supervisor.",
                id.short_ref(),
                request.from_stage,
                request.to_stage,
                request.id.short_ref()
            )?;
            Ok(())
        }
        Command::Approve { request_id } => {
            decide(s, &request_id, StageDecision::Approve, json, out)
        }
        Command::SendBack { request_id, reason } => decide(
            s,
            &request_id,
            StageDecision::SendBack { reason },
            json,
            out,
        ),
        Command::List { lap, lsoa } => list(s, lap, lsoa, json, out),
        Command::Show { id } => show(s, &id, json, out),
        Command::Erase { id, reason } => {
            let id = lookup::problem(s, &id)?;
            s.store.erase_problem(&s.actor, id, &reason)?;
            if json {
                return output::json(out, &serde_json::json!({ "erased": id }));
            }
            writeln!(
                out,
                "Erased problem {} with its steps and stage requests; the audit log keeps who, when and why.",
                id.short_ref()
            )?;
            Ok(())
        }
    }
}

fn decide(
    s: &Session,
    typed: &str,
    decision: StageDecision,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let id = lookup::stage_request(s, typed)?;
    let request = s.store.decide_stage_request(&s.actor, id, decision)?;
    if json {
        return output::json(out, &request);
    }
    match &request.decision_reason {
        None => writeln!(
            out,
            "Approved: problem {} is now at {}.",
            request.problem_id, request.to_stage
        )?,
        Some(reason) => writeln!(
            out,
            "Sent back: problem {} stays at {} ({reason}).",
            request.problem_id, request.from_stage
        )?,
    }
    Ok(())
}

fn list(
    s: &Session,
    lap: Option<String>,
    lsoa: Option<beatbook_core::model::LsoaCode>,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let filter = match (lap, lsoa) {
        (Some(lap), _) => AreaFilter::Lap(lap),
        (None, Some(lsoa)) => AreaFilter::Lsoa(lsoa),
        (None, None) => AreaFilter::All,
    };
    let groups = s.store.problems_by_stage(&filter)?;
    let pending = s.store.pending_stage_requests()?;
    if json {
        return output::json(
            out,
            &serde_json::json!({ "stages": groups, "pending_requests": pending }),
        );
    }
    let users = s.store.users()?;
    for group in &groups {
        writeln!(out, "{} ({})", title(group.stage), group.problems.len())?;
        if group.problems.is_empty() {
            continue;
        }
        let mut table = Table::new(&[
            "REF",
            "CATEGORY",
            "AREA",
            "OWNER",
            "AT STAGE SINCE",
            "TITLE",
        ]);
        for p in &group.problems {
            table.row(vec![
                p.id.short_ref(),
                p.category.to_string(),
                output::area(&p.area),
                s.name_of(&users, p.owner),
                dates::show(p.stage_changed_at),
                p.title.clone(),
            ]);
        }
        table.write(out, "none")?;
    }
    writeln!(out, "Waiting for a supervisor ({})", pending.len())?;
    write_requests(s, &users, &pending, out)
}

fn write_requests(
    s: &Session,
    users: &[beatbook_core::model::User],
    requests: &[StageRequest],
    out: &mut dyn Write,
) -> Result<()> {
    if requests.is_empty() {
        return Ok(());
    }
    let mut table = Table::new(&[
        "REQUEST", "PROBLEM", "MOVE", "BY", "ASKED", "STATUS", "REASON",
    ]);
    for r in requests {
        let reason = match (&r.decision_reason, &r.reason) {
            (Some(d), _) => format!("sent back: {d}"),
            (None, Some(r)) => r.clone(),
            (None, None) => String::new(),
        };
        table.row(vec![
            r.id.short_ref(),
            r.problem_id.short_ref(),
            format!("{} → {}", r.from_stage, r.to_stage),
            s.name_of(users, r.requested_by),
            dates::show(r.requested_at),
            r.status.to_string(),
            reason,
        ]);
    }
    table.write(out, "none")
}

fn show(s: &Session, typed: &str, json: bool, out: &mut dyn Write) -> Result<()> {
    let id = lookup::problem(s, typed)?;
    // Shown to a person: an offender or victim corner is logged as a consultation.
    let problem = s.store.show_problem(&s.actor, id)?;
    let steps = s.store.problem_steps(id)?;
    let requests = s.store.stage_requests(id)?;
    if json {
        return output::json(
            out,
            &serde_json::json!({ "problem": problem, "steps": steps, "stage_requests": requests }),
        );
    }
    let users = s.store.users()?;
    writeln!(out, "Problem {}: {}", problem.id.short_ref(), problem.title)?;
    output::field(out, "Id", problem.id)?;
    output::field(
        out,
        "Stage",
        format!(
            "{} since {}",
            title(problem.stage),
            dates::show(problem.stage_changed_at)
        ),
    )?;
    output::field(out, "Category", problem.category)?;
    output::field(out, "Area", output::area(&problem.area))?;
    output::field(out, "Owner", s.name_of(&users, problem.owner))?;
    output::field(out, "Opened", dates::show(problem.created_at))?;
    write_analysis(&problem, out)?;
    if !problem.responses.is_empty() {
        writeln!(out, "Response actions:")?;
        let mut table = Table::new(&["REF", "STATUS", "DUE", "OWNER", "PARTNER", "ACTION"]);
        for a in &problem.responses {
            table.row(vec![
                a.id.short_ref(),
                a.status.to_string(),
                a.due.map(dates::show).unwrap_or_default(),
                a.owner.map(|o| s.name_of(&users, o)).unwrap_or_default(),
                a.partner.clone().unwrap_or_default(),
                a.description.clone(),
            ]);
        }
        table.write(out, "none")?;
    }
    if let Some(a) = &problem.assessment {
        writeln!(out, "Assessment:")?;
        output::field(out, "Process", &a.process)?;
        output::field(out, "Impact", &a.impact)?;
        for m in &a.measures {
            output::field(
                out,
                "Measure",
                format!("{}: {} before, {} after", m.name, m.before, m.after),
            )?;
        }
    }
    writeln!(out, "Steps:")?;
    let mut table = Table::new(&["AT", "STAGE", "BY", "TEXT"]);
    for step in &steps {
        table.row(vec![
            dates::show(step.recorded_at),
            step.stage.to_string(),
            s.name_of(&users, step.author),
            step.text.clone(),
        ]);
    }
    table.write(out, "no steps")?;
    writeln!(out, "Stage requests:")?;
    if requests.is_empty() {
        writeln!(out, "  (none)")?;
        return Ok(());
    }
    write_requests(s, &users, &requests, out)
}

fn write_analysis(problem: &Problem, out: &mut dyn Write) -> Result<()> {
    let t = &problem.triangle;
    if t.is_empty() && problem.repeat_types.is_empty() {
        return Ok(());
    }
    writeln!(out, "Analysis:")?;
    for (label, side) in [
        ("Offender", &t.offender),
        ("Victim", &t.victim),
        ("Location", &t.location),
        ("Handler", &t.handler),
        ("Guardian", &t.guardian),
        ("Manager", &t.manager),
    ] {
        if let Some(text) = side {
            output::field(out, label, text)?;
        }
    }
    if !problem.repeat_types.is_empty() {
        let repeats: Vec<&str> = problem.repeat_types.iter().map(|r| r.as_str()).collect();
        output::field(out, "Repeat", repeats.join(", "))?;
    }
    Ok(())
}

fn title(stage: SaraStage) -> &'static str {
    match stage {
        SaraStage::Scanning => "Scanning",
        SaraStage::Analysis => "Analysis",
        SaraStage::Response => "Response",
        SaraStage::Assessment => "Assessment",
        SaraStage::Closed => "Closed",
    }
}
