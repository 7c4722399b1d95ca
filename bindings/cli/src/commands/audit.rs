//! `beatbook audit`: the log the store keeps under DPA 2018 s.62 — collection, alteration,
//! consultation, disclosure and erasure, with who, when, from which device, and why.

use crate::dates;
use crate::error::Result;
use crate::output::{self, Table};
use crate::session::{self, Session};
use std::io::Write;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only entries about this record (its id, or the start of it).
    #[arg(long, value_name = "ID")]
    pub record: Option<String>,
    /// Show only the most recent N entries (the log only grows).
    #[arg(long, value_name = "N", default_value_t = 50, conflicts_with = "all")]
    pub limit: usize,
    /// Show every entry.
    #[arg(long)]
    pub all: bool,
}

pub fn run(args: Args, s: &Session, json: bool, out: &mut dyn Write) -> Result<()> {
    let record = args
        .record
        .as_deref()
        .map(|r| r.trim().to_ascii_lowercase());
    let entries: Vec<_> = match record.as_deref() {
        Some(r) if r.len() == 36 => s.store.audit_entries(Some(r))?,
        Some(prefix) => s
            .store
            .audit_entries(None)?
            .into_iter()
            .filter(|e| {
                e.record_id
                    .as_deref()
                    .is_some_and(|id| id.starts_with(prefix))
            })
            .collect(),
        None if args.all => s.store.audit_entries(None)?,
        None => {
            let (latest, total) = s.store.latest_audit_entries(args.limit)?;
            let left_out = total.saturating_sub(latest.len() as u64);
            if left_out > 0 && !json {
                writeln!(
                    out,
                    "The latest {} of {total} entries ({left_out} earlier; --all or --limit N for more).",
                    latest.len()
                )?;
            }
            latest
        }
    };
    if json {
        return output::json(out, &entries);
    }
    let users = s.store.users()?;
    let mut table = Table::new(&["#", "AT", "ACTION", "RECORD", "REF", "WHO", "WHY / DETAIL"]);
    for e in &entries {
        let why = match (&e.justification, &e.detail) {
            (Some(j), Some(d)) => format!("{j} ({d})"),
            (Some(j), None) => j.clone(),
            (None, Some(d)) => d.clone(),
            (None, None) => String::new(),
        };
        table.row(vec![
            e.seq.to_string(),
            dates::show(e.at),
            e.action.to_string(),
            e.record_kind.clone(),
            e.record_id
                .as_deref()
                .map(output::reference_text)
                .unwrap_or_default(),
            format!("{} ({})", session::full_name(&users, e.user_id), e.role),
            why,
        ]);
    }
    table.write(out, "no entries")
}
