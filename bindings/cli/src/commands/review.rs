//! `beatbook review`: a supervisor's queue of the team's work not yet reviewed — new and
//! changed contacts, patrols and problem steps, per team member — and `--mark` to mark what is
//! listed reviewed (a review record that syncs, and an audit entry as a consultation).
//!
//! A supervisor reads the list, syncs, then marks: records that arrived in between must not be
//! marked as seen. The list ends with a code (a digest of every record and version it showed);
//! `--mark --listed CODE` marks only when the queue is still exactly that list, and otherwise
//! refuses, saying how many records are now waiting. `--mark` alone marks what is listed at
//! that moment and prints it (for scripts).

use super::lookup;
use crate::dates::{self, When};
use crate::error::{CliError, Result};
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
    /// With --mark: the code the listing printed; marks only if the queue is still exactly
    /// what was listed then.
    #[arg(long, value_name = "CODE", requires = "mark")]
    listed: Option<String>,
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
    let code = listed_code(&queue);
    if let Some(typed) = &args.listed {
        if !same_code(typed, &code) {
            let total: usize = queue.iter().map(|m| m.items.len()).sum();
            return Err(CliError::usage(format!(
                "the queue has changed since it was listed (now {} waiting): nothing marked",
                output::count(total, "record", "records")
            ))
            .hint("run `beatbook review` again, read it, and mark with the code it prints"));
        }
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
            &serde_json::json!({ "queue": queue, "marked": marked, "listed_code": code }),
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
        let mut again = format!("beatbook review --mark --listed {code}");
        if let Some(typed) = &args.member {
            again.push_str(&format!(" --member \"{typed}\""));
        }
        if let Some(since) = args.since {
            again.push_str(&format!(" --since {}", since.start().to_rfc3339()));
        }
        writeln!(out, "When you have been through them: {again}")?;
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

/// A digest of every record and version in the queue, as a reference-like code (`XXXX-XXXX`).
fn listed_code(queue: &[MemberQueue]) -> String {
    use sha2::{Digest, Sha256};
    let mut lines: Vec<String> = queue
        .iter()
        .flat_map(|m| &m.items)
        .map(|i| {
            format!(
                "{}|{}|{}",
                kind_label(i.item.kind),
                i.item.id,
                i.item.version.timestamp_micros()
            )
        })
        .collect();
    lines.sort();
    let digest = Sha256::digest(lines.join("\n").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    beatbook_core::short_ref::short_ref(&uuid::Uuid::from_bytes(bytes))
}

/// Whether a typed code is `code` (any case, the hyphen optional).
fn same_code(typed: &str, code: &str) -> bool {
    let squeeze = |s: &str| s.replace(['-', ' '], "").to_ascii_uppercase();
    squeeze(typed) == squeeze(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use beatbook_core::ids::UserId;
    use beatbook_core::store::ReviewQueueItem;
    use chrono::{DateTime, Duration, Utc};

    fn item(id: &str, version: DateTime<Utc>) -> ReviewQueueItem {
        ReviewQueueItem {
            item: ReviewedItem {
                kind: ReviewItemKind::Contact,
                id: id.to_owned(),
                version,
            },
            member: UserId::new(),
            at: version,
            changed: false,
            summary: String::new(),
        }
    }

    fn queue(items: Vec<ReviewQueueItem>) -> Vec<MemberQueue> {
        vec![MemberQueue {
            member: UserId::new(),
            name: None,
            waiting: items.len(),
            items,
        }]
    }

    #[test]
    fn the_code_changes_with_any_new_or_changed_record_and_not_with_order() {
        let t = DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_000);
        let shown = listed_code(&queue(vec![item("a", t), item("b", t)]));
        assert_eq!(shown, listed_code(&queue(vec![item("b", t), item("a", t)])));
        assert!(same_code(&shown.to_lowercase().replace('-', ""), &shown));
        let arrived = listed_code(&queue(vec![item("a", t), item("b", t), item("c", t)]));
        assert_ne!(shown, arrived);
        let edited = listed_code(&queue(vec![
            item("a", t),
            item("b", t + Duration::seconds(1)),
        ]));
        assert_ne!(shown, edited);
    }
}
