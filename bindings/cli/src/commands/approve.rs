//! `beatbook approve`: a supervisor's SARA approvals. Without an id, every stage move waiting
//! for a decision with the evidence recorded for the stage being left; with an id, approve it,
//! or `--send-back REASON` to say what is missing. The owner sees the decision after they sync.

use super::lookup;
use crate::dates;
use crate::error::Result;
use crate::output::{self, Table};
use crate::session::Session;
use beatbook_core::store::{PendingApproval, StageDecision};
use std::io::Write;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The request to decide (its reference, like 7KQ4-ZM2P, or id); leave out to list them.
    request: Option<String>,
    /// Send the request back instead of approving it, saying what is missing.
    #[arg(long, value_name = "REASON")]
    send_back: Option<String>,
}

pub fn run(args: Args, s: &Session, json: bool, out: &mut dyn Write) -> Result<()> {
    let Some(typed) = args.request else {
        return list(s, json, out);
    };
    let id = lookup::stage_request(s, &typed)?;
    let decision = match args.send_back {
        Some(reason) => StageDecision::SendBack { reason },
        None => StageDecision::Approve,
    };
    let request = s.store.decide_stage_request(&s.actor, id, decision)?;
    if json {
        return output::json(out, &request);
    }
    match &request.decision_reason {
        None => writeln!(
            out,
            "Approved: problem {} moves from {} to {}.",
            request.problem_id.short_ref(),
            request.from_stage,
            request.to_stage
        )?,
        Some(reason) => writeln!(
            out,
            "Sent back: problem {} stays at {}. Reason: {reason}",
            request.problem_id.short_ref(),
            request.from_stage
        )?,
    }
    writeln!(out, "The owner sees it after you both sync.")?;
    Ok(())
}

fn list(s: &Session, json: bool, out: &mut dyn Write) -> Result<()> {
    let queue = s.store.approval_queue()?;
    if json {
        return output::json(out, &queue);
    }
    writeln!(
        out,
        "{} waiting for a decision.",
        output::count(queue.len(), "stage move", "stage moves")
    )?;
    for pending in &queue {
        write_pending(pending, out)?;
    }
    if !queue.is_empty() {
        writeln!(
            out,
            "\nDecide: beatbook approve REQUEST   or   beatbook approve REQUEST --send-back \"what is missing\""
        )?;
    }
    Ok(())
}

fn write_pending(p: &PendingApproval, out: &mut dyn Write) -> Result<()> {
    let r = &p.request;
    writeln!(out)?;
    output::field(out, "Request", r.id.short_ref())?;
    output::field(
        out,
        "Problem",
        format!(
            "{} ({}, {})",
            p.problem.title,
            p.problem.category,
            output::area(&p.problem.area)
        ),
    )?;
    output::field(out, "Move", format!("{} → {}", r.from_stage, r.to_stage))?;
    output::field(
        out,
        "Asked",
        format!(
            "{} by {}",
            dates::show(r.requested_at),
            p.requested_by_name
                .clone()
                .unwrap_or_else(|| r.requested_by.to_string())
        ),
    )?;
    if let Some(reason) = &r.reason {
        output::field(out, "Why ready", reason)?;
    }
    let t = &p.problem.triangle;
    let sides: Vec<String> = [
        ("offender", &t.offender),
        ("victim", &t.victim),
        ("location", &t.location),
        ("handler", &t.handler),
        ("guardian", &t.guardian),
        ("manager", &t.manager),
    ]
    .iter()
    .filter_map(|(name, v)| v.as_ref().map(|v| format!("{name}: {v}")))
    .collect();
    if !sides.is_empty() {
        output::field(out, "Analysis", sides.join("; "))?;
    }
    if !p.problem.responses.is_empty() {
        let actions: Vec<String> = p
            .problem
            .responses
            .iter()
            .map(|a| format!("{} ({})", a.description, a.status))
            .collect();
        output::field(out, "Responses", actions.join("; "))?;
    }
    if let Some(a) = &p.problem.assessment {
        output::field(
            out,
            "Assessment",
            format!("process: {}; impact: {}", a.process, a.impact),
        )?;
    }
    writeln!(out, "  Evidence recorded at {}:", r.from_stage)?;
    let mut table = Table::new(&["WHEN", "STEP"]);
    for step in &p.evidence {
        table.row(vec![dates::show(step.recorded_at), step.text.clone()]);
    }
    table.write(out, "no steps recorded at this stage")
}
