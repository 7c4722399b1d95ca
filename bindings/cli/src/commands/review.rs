//! `beatbook review`: a supervisor's queue of the team's work not yet reviewed — new and
//! changed contacts, patrols and problem steps, per team member — and `--mark` to mark what is
//! listed reviewed (a review record that syncs, and an audit entry as a consultation).

use super::lookup;
use crate::dates::{self, When};
use crate::error::Result;
use crate::output::{self, Table};
use crate::session::Session;
use beatbook_core::model::{ReviewItemKind, ReviewedItem};
use beatbook_core::store::MemberQueue;
use std::io::Write;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this team member (a name such as "kim", or a user id or its first 8+ characters; see `beatbook user list`).
    #[arg(long, value_name = "USER")]
    member: Option<String>,
    /// Only versions made from this date or time on [default: everything not yet reviewed].
    #[arg(long, value_name = "DATE", value_parser = dates::parse_when)]
    since: Option<When>,
    /// Mark everything listed as reviewed.
    #[arg(long)]
    mark: bool,
}

pub fn run(args: Args, s: &Session, json: bool, out: &mut dyn Write) -> Result<()> {
    let member = args
        .member
        .as_deref()
        .map(|typed| lookup::user(s, typed))
        .transpose()?;
    let mut queue = s
        .store
        .review_queue(&s.actor, args.since.map(When::start))?;
    if let Some(member) = member {
        queue.retain(|m| m.member == member);
    }
    let marked = if args.mark {
        let mut reviews = Vec::new();
        for m in &queue {
            let items: Vec<ReviewedItem> = m.items.iter().map(|i| i.item.clone()).collect();
            reviews.extend(s.store.mark_reviewed(&s.actor, m.member, &items)?);
        }
        Some(reviews)
    } else {
        None
    };
    if json {
        return output::json(
            out,
            &serde_json::json!({ "queue": queue, "marked": marked }),
        );
    }
    let total: usize = queue.iter().map(|m| m.items.len()).sum();
    if let Some(reviews) = marked {
        let items: usize = reviews.iter().map(|r| r.items.len()).sum();
        let mut table = Table::new(&["MEMBER", "CONTACTS", "PATROLS", "PROBLEM STEPS"]);
        for m in &queue {
            table.row(vec![
                m.name.clone().unwrap_or_else(|| m.member.to_string()),
                m.count(ReviewItemKind::Contact).to_string(),
                m.count(ReviewItemKind::Patrol).to_string(),
                m.count(ReviewItemKind::ProblemStep).to_string(),
            ]);
        }
        writeln!(
            out,
            "Marked {} reviewed ({}); they sync with your next `beatbook sync`.",
            output::count(items, "record", "records"),
            output::count(reviews.len(), "review", "reviews")
        )?;
        return table.write(out, "nothing was waiting");
    }
    writeln!(
        out,
        "{} to review from {}.",
        output::count(total, "record", "records"),
        output::count(queue.len(), "team member", "team members")
    )?;
    for m in &queue {
        write_member(m, out)?;
    }
    if total > 0 {
        writeln!(
            out,
            "When you have been through them: beatbook review --mark{}",
            if member.is_some() {
                " --member USER"
            } else {
                ""
            }
        )?;
    }
    Ok(())
}

fn write_member(m: &MemberQueue, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "\n{} — {}, {}, {}",
        m.name.clone().unwrap_or_else(|| m.member.to_string()),
        output::count(m.count(ReviewItemKind::Contact), "contact", "contacts"),
        output::count(m.count(ReviewItemKind::Patrol), "patrol", "patrols"),
        output::count(
            m.count(ReviewItemKind::ProblemStep),
            "problem step",
            "problem steps"
        ),
    )?;
    let mut table = Table::new(&["WHEN", "KIND", "STATE", "REF", "WHAT"]);
    for i in &m.items {
        table.row(vec![
            dates::show(i.at),
            kind_label(i.item.kind).to_owned(),
            if i.changed { "changed" } else { "new" }.to_owned(),
            output::reference_text(&i.item.id),
            i.summary.clone(),
        ]);
    }
    table.write(out, "nothing waiting")
}

fn kind_label(kind: ReviewItemKind) -> &'static str {
    match kind {
        ReviewItemKind::Contact => "contact",
        ReviewItemKind::Patrol => "patrol",
        ReviewItemKind::ProblemStep => "step",
    }
}
