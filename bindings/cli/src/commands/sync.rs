//! `beatbook sync`: send this device's changes and receive the team's, with a progress bar;
//! `sync status` and `sync rejections` say what is waiting or was refused, offline.
//!
//! Sync is safe to interrupt (Ctrl-C, lost signal): what the server answered is kept, and the
//! next run carries on. If the server has revoked this device, the store is wiped — that is what
//! revocation is for (a lost or stolen device) — and the command exits with code 5.

use crate::args::Global;
use crate::dates;
use crate::error::{CliError, Result};
use crate::output::{self, Table};
use crate::session::Session;
use beatbook_core::store::SyncStatus;
use beatbook_core::sync::client::{
    sync_or_wipe, CancelFlag, SyncClient, SyncOptions, SyncOutcome, SyncPhase, SyncProgress,
    SyncReport,
};
use beatbook_core::Store;
use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::path::Path;

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// What waits to be sent, what was refused, open conflicts, the last sync (no network).
    Status,
    /// Changes the server refused, with its reasons.
    Rejections,
}

pub fn run(args: Args, global: &Global, out: &mut dyn Write) -> Result<()> {
    let session = Session::open(global)?;
    match args.command {
        None => sync(session, global, out),
        Some(Command::Status) => status(&session, global, out),
        Some(Command::Rejections) => rejections(&session, global.json, out),
    }
}

fn sync(session: Session, global: &Global, out: &mut dyn Write) -> Result<()> {
    let enrolment = session
        .store
        .enrolment()?
        .ok_or(beatbook_core::sync::client::SyncError::NotEnrolled)?;
    let client = SyncClient::new(&enrolment.server_url, SyncOptions::default())?;
    let report = run_sync(&client, session.store, &global.store, global.json)?;
    write_report(&report, client.server_url(), global.json, out)
}

/// Runs one sync with a progress bar on stderr (when it is a terminal and not `--json`), and
/// turns a revocation into its exit code.
pub fn run_sync(client: &SyncClient, store: Store, path: &Path, json: bool) -> Result<SyncReport> {
    let bar = Bar::new(!json && std::io::stderr().is_terminal());
    let outcome = sync_or_wipe(
        client,
        store,
        &|p: &SyncProgress| bar.show(p),
        &CancelFlag::new(),
    );
    bar.done();
    match outcome? {
        SyncOutcome::Synced(report) => Ok(report),
        SyncOutcome::Wiped => Err(CliError::wiped(format!(
            "the sync server has revoked this device: the store {} was wiped",
            path.display()
        ))
        .hint("if that is a mistake, ask your administrator for a new enrolment code")),
    }
}

/// The progress bar: a bar while sending (the outbox size is known), a counter while receiving.
struct Bar(ProgressBar);

impl Bar {
    fn new(visible: bool) -> Bar {
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Bar(ProgressBar::with_draw_target(None, target))
    }

    fn show(&self, p: &SyncProgress) {
        let bytes = format!(
            "{} sent, {} received",
            HumanBytes(p.bytes_sent),
            HumanBytes(p.bytes_received)
        );
        let (template, message) = match p.phase {
            SyncPhase::Push => ("Sending   [{bar:30}] {pos}/{len} changes  {msg}", bytes),
            SyncPhase::Pull => ("Receiving {spinner} {pos} records  {msg}", bytes),
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            self.0.set_style(style.progress_chars("=> "));
        }
        match p.records_total {
            Some(total) => self.0.set_length(total),
            None => self.0.unset_length(),
        }
        self.0.set_position(p.records_done);
        self.0.set_message(message);
        self.0.tick();
    }

    fn done(&self) {
        self.0.finish_and_clear();
    }
}

/// The report as JSON, for `--json` and `enrol`.
pub fn report_json(report: &SyncReport, server: &str) -> serde_json::Value {
    serde_json::json!({
        "outcome": "synced",
        "server": server,
        "pushed": report.pushed,
        "accepted": report.accepted,
        "duplicate": report.duplicate,
        "rejected": report.rejected,
        "restamped": report.restamped,
        "pulled": report.pulled,
        "changed": report.changed,
        "pending": report.pending,
        "open_conflicts": report.open_conflicts,
        "bytes_sent": report.bytes_sent,
        "bytes_received": report.bytes_received,
        "duration_ms": u64::try_from(report.duration.as_millis()).unwrap_or(u64::MAX),
    })
}

pub fn write_report(
    report: &SyncReport,
    server: &str,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    if json {
        return output::json(out, &report_json(report, server));
    }
    writeln!(
        out,
        "Synced with {server} in {:.1} s.",
        report.duration.as_secs_f64()
    )?;
    let mut sent = output::count(report.pushed as usize, "change", "changes");
    if report.pushed > 0 {
        sent.push_str(&format!(
            " ({} accepted, {} already there, {} refused)",
            report.accepted, report.duplicate, report.rejected
        ));
    }
    output::field(out, "Sent", sent)?;
    output::field(
        out,
        "Received",
        format!(
            "{} ({} changed here)",
            output::count(report.pulled as usize, "record", "records"),
            report.changed
        ),
    )?;
    if report.retention_dropped > 0 {
        output::field(
            out,
            "Retention",
            format!(
                "{} past its review date dropped from this device",
                output::count(report.retention_dropped as usize, "record", "records")
            ),
        )?;
    }
    if report.unreadable > 0 {
        output::field(
            out,
            "Unreadable",
            format!(
                "{} this app cannot show (see `beatbook sync status`)",
                output::count(report.unreadable as usize, "record", "records")
            ),
        )?;
    }
    if report.pending > 0 {
        output::field(
            out,
            "Waiting",
            format!(
                "{} still to send (see `beatbook sync status`)",
                output::count(report.pending as usize, "change", "changes")
            ),
        )?;
    }
    output::field(
        out,
        "Conflicts",
        match report.open_conflicts {
            0 => "none open".to_owned(),
            n => format!("{n} open (see `beatbook conflicts`)"),
        },
    )?;
    output::field(
        out,
        "Data",
        format!(
            "{} sent, {} received",
            HumanBytes(report.bytes_sent),
            HumanBytes(report.bytes_received)
        ),
    )?;
    if report.rejected > 0 {
        writeln!(
            out,
            "The server refused {}: see `beatbook sync rejections`.",
            output::count(report.rejected as usize, "change", "changes")
        )?;
    }
    Ok(())
}

fn status(s: &Session, global: &Global, out: &mut dyn Write) -> Result<()> {
    let status = s.store.sync_status()?;
    let enrolment = s.store.enrolment()?;
    let server = enrolment.as_ref().map(|e| e.server_url.clone());
    if global.json {
        // Never the enrolment itself: it holds the device token.
        let mut value = serde_json::to_value(&status)?;
        if let Some(map) = value.as_object_mut() {
            map.insert("server".into(), serde_json::json!(server));
            map.insert(
                "device_id".into(),
                serde_json::json!(enrolment.as_ref().map(|e| e.device_id)),
            );
        }
        return output::json(out, &value);
    }
    writeln!(out, "Sync status of {}:", global.store.display())?;
    write_status(&status, server.as_deref(), out)
}

fn write_status(status: &SyncStatus, server: Option<&str>, out: &mut dyn Write) -> Result<()> {
    output::field(
        out,
        "Server",
        server.unwrap_or("none: this store was made with `init` and does not sync"),
    )?;
    let count = |n: u64, one: &str, many: &str| output::count(n as usize, one, many);
    output::field(
        out,
        "Waiting",
        format!(
            "{} to send",
            count(status.pending_changes, "change", "changes")
        ),
    )?;
    let mut refused = count(status.rejected_changes, "change", "changes");
    if status.rejected_changes > 0 {
        refused.push_str(" (see `beatbook sync rejections`)");
    }
    output::field(out, "Refused", refused)?;
    let mut conflicts = format!("{} open", status.open_conflicts);
    if status.open_conflicts > 0 {
        conflicts.push_str(" (see `beatbook conflicts`)");
    }
    output::field(out, "Conflicts", conflicts)?;
    let waiting = status
        .held_records
        .saturating_sub(status.unreadable_records);
    if waiting > 0 {
        output::field(
            out,
            "Held",
            format!(
                "{} received but not shown yet (waiting for the rest of the record)",
                count(waiting, "record", "records")
            ),
        )?;
    }
    if status.unreadable_records > 0 {
        output::field(
            out,
            "Unreadable",
            format!(
                "{} received that this app cannot show (a newer app's value, or one refused as out of range): kept until an app update or a corrected copy arrives",
                count(status.unreadable_records, "record", "records")
            ),
        )?;
    }
    if status.skipped_records > 0 {
        output::field(
            out,
            "Not understood",
            format!(
                "{} of a kind this app version does not know: set aside; an app update pulls them again",
                count(status.skipped_records, "record", "records")
            ),
        )?;
    }
    output::field(
        out,
        "Last synced",
        status
            .last_success_at
            .map_or_else(|| "never".to_owned(), dates::show),
    )?;
    if let (Some(error), Some(at)) = (&status.last_error, status.last_attempt_at) {
        output::field(out, "Last error", format!("{} ({error})", dates::show(at)))?;
    }
    Ok(())
}

fn rejections(s: &Session, json: bool, out: &mut dyn Write) -> Result<()> {
    let rejections = s.store.sync_rejections()?;
    if json {
        return output::json(out, &rejections);
    }
    writeln!(
        out,
        "{} refused by the server (newest first):",
        output::count(rejections.len(), "change", "changes")
    )?;
    let mut table = Table::new(&["WHEN", "RECORD", "CODE", "REASON"]);
    for r in &rejections {
        table.row(vec![
            dates::show(r.rejected_at),
            format!("{} {}", r.kind, r.record_id),
            r.code.to_string(),
            r.message.clone(),
        ]);
    }
    table.write(out, "nothing refused")
}
