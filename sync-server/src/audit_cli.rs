//! `beatbook-server admin audit …`: the server's s.62 log for its administrator and the force's
//! data protection officer. Listing filters by user, record, operation and period; `verify`
//! walks the hash chain (`storage::audit_chain`) and names the first entry edited, removed or
//! reordered; `head` prints the newest entry's hash, to be kept off this host (so that cutting
//! entries off the end is caught too: `verify --head`); `export` writes the entries as JSON
//! lines and logs the export itself as a disclosure, with its recipient and reason.

use crate::admin::AdminError;
use crate::storage::audit_chain::{self, hex};
use crate::storage::{AuditFilter, ChainedAudit, ServerAudit, SyncStorage};
use beatbook_core::audit::AuditAction;
use chrono::{DateTime, Utc};
use std::io::Write;
use std::path::PathBuf;

/// Most entries one export writes.
pub const MAX_EXPORT: u32 = 1_000_000;

/// `admin audit`: list (the default), or one of the subcommands.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: Option<AuditCommand>,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Most entries to list, newest first.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
}

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain. Fails, naming the first entry edited, removed or reordered.
    Verify {
        /// The head hash kept off the host (`admin audit head`): the log must end there.
        #[arg(long, value_name = "HASH")]
        head: Option<String>,
    },
    /// Print the newest entry's number and hash: keep it somewhere other than this host.
    Head,
    /// Write the entries the filter admits to a file (JSON lines, oldest first); the export
    /// is logged as a disclosure.
    Export {
        #[command(flatten)]
        filter: FilterArgs,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
        /// Who receives the export (e.g. "DPO, Example Constabulary").
        #[arg(long)]
        recipient: String,
        /// Why the log leaves the server.
        #[arg(long)]
        justification: String,
    },
}

/// Which entries: every filter given must match.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct FilterArgs {
    /// Only entries by this user: their name (or the start of a word in it) or id.
    #[arg(long)]
    pub user: Option<String>,
    /// Only entries about this record id.
    #[arg(long)]
    pub record: Option<String>,
    /// Only this operation: collection, alteration, consultation, disclosure, combination or
    /// erasure.
    #[arg(long)]
    pub operation: Option<AuditAction>,
    /// From this time (RFC 3339, inclusive).
    #[arg(long)]
    pub from: Option<DateTime<Utc>>,
    /// Until this time (RFC 3339, exclusive).
    #[arg(long)]
    pub to: Option<DateTime<Utc>>,
}

impl FilterArgs {
    fn filter(&self, storage: &dyn SyncStorage) -> Result<AuditFilter, AdminError> {
        let user_id = match &self.user {
            Some(typed) => Some(crate::admin_names::user(storage, typed)?),
            None => None,
        };
        Ok(AuditFilter {
            user_id,
            record_id: self.record.clone(),
            action: self.operation,
            from_ms: self.from.map(|t| t.timestamp_millis()),
            to_ms: self.to.map(|t| t.timestamp_millis()),
        })
    }
}

/// Runs `admin audit …`.
pub fn run(storage: &dyn SyncStorage, args: AuditArgs) -> Result<(), AdminError> {
    let mut out = std::io::stdout().lock();
    let io = |e: std::io::Error| AdminError::Invalid(format!("cannot write: {e}"));
    match args.command {
        None => {
            for e in storage.audit_search(&args.filter.filter(storage)?, args.limit)? {
                writeln!(out, "{}", line(&e)).map_err(io)?;
            }
        }
        Some(AuditCommand::Head) => match storage.audit_chain_page(0, 1)?.first() {
            None => writeln!(out, "0 {}", hex(&audit_chain::GENESIS)).map_err(io)?,
            Some(_) => {
                let verified = audit_chain::verify(storage, None)?.map_err(|broken| {
                    AdminError::Invalid(format!("the audit log is broken: {broken}"))
                })?;
                let (seq, hash) = verified.head.unwrap_or((0, audit_chain::GENESIS));
                writeln!(out, "{seq} {}", hex(&hash)).map_err(io)?;
            }
        },
        Some(AuditCommand::Verify { head }) => {
            match audit_chain::verify(storage, head.as_deref())? {
                Ok(verified) => writeln!(
                    out,
                    "the audit log is intact: {} entries{}",
                    verified.entries,
                    verified
                        .head
                        .map(|(seq, hash)| format!(", head {seq} {}", hex(&hash)))
                        .unwrap_or_default()
                )
                .map_err(io)?,
                Err(broken) => {
                    return Err(AdminError::Invalid(format!(
                        "the audit log is broken: {broken}"
                    )))
                }
            }
        }
        Some(AuditCommand::Export {
            filter,
            out: path,
            recipient,
            justification,
        }) => {
            let recipient = bounded("--recipient", &recipient)?;
            let justification = bounded("--justification", &justification)?;
            let resolved = filter.filter(storage)?;
            let mut entries = storage.audit_search(&resolved, MAX_EXPORT)?;
            entries.reverse();
            // Logged first: an export that cannot be logged does not happen.
            storage.append_audit(&ServerAudit {
                justification: Some(justification),
                recipient: Some(recipient),
                detail: Some(format!(
                    "{} entries; {}",
                    entries.len(),
                    describe(&resolved)
                )),
                ..ServerAudit::new(
                    Utc::now().timestamp_millis(),
                    AuditAction::Disclosure,
                    "audit_log",
                )
            })?;
            let mut text = String::new();
            for e in &entries {
                text.push_str(&json_line(e).to_string());
                text.push('\n');
            }
            std::fs::write(&path, text).map_err(|e| {
                AdminError::Invalid(format!("cannot write {}: {e}", path.display()))
            })?;
            eprintln!(
                "{} entries written to {} (the export is logged as a disclosure)",
                entries.len(),
                path.display()
            );
        }
    }
    Ok(())
}

fn bounded(what: &str, text: &str) -> Result<String, AdminError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 500 {
        return Err(AdminError::Invalid(format!(
            "{what} is required, at most 500 characters"
        )));
    }
    Ok(text.to_owned())
}

/// The filter, for the export's own entry (users by id, as the log names them).
fn describe(f: &AuditFilter) -> String {
    let mut parts = Vec::new();
    if let Some(u) = f.user_id {
        parts.push(format!("user {u}"));
    }
    if let Some(r) = &f.record_id {
        parts.push(format!("record {r}"));
    }
    if let Some(o) = f.action {
        parts.push(format!("operation {o}"));
    }
    if let Some(t) = f.from_ms {
        parts.push(format!("from {}", when(t)));
    }
    if let Some(t) = f.to_ms {
        parts.push(format!("to {}", when(t)));
    }
    if parts.is_empty() {
        "the whole log".into()
    } else {
        parts.join(", ")
    }
}

fn when(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_else(|| ms.to_string())
}

/// One entry as a line for people.
fn line(c: &ChainedAudit) -> String {
    let e = &c.entry;
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    format!(
        "{:>6}  {}  {:<12} {:<14} user {} device {} {} {}{}{}{}",
        c.seq,
        when(e.at_ms),
        e.action.as_str(),
        e.role,
        e.user_id.map_or_else(|| "-".into(), |u| u.to_string()),
        e.device_id.map_or_else(|| "-".into(), |d| d.to_string()),
        e.subject,
        opt(&e.record_id),
        e.justification
            .as_ref()
            .map(|j| format!("  why: {j}"))
            .unwrap_or_default(),
        e.recipient
            .as_ref()
            .map(|r| format!("  to: {r}"))
            .unwrap_or_default(),
        e.detail
            .as_ref()
            .map(|d| format!("  ({d})"))
            .unwrap_or_default(),
    )
}

/// One entry as JSON, with its hashes (so an export can be verified on its own).
fn json_line(c: &ChainedAudit) -> serde_json::Value {
    let e = &c.entry;
    serde_json::json!({
        "seq": c.seq,
        "at": when(e.at_ms),
        "at_ms": e.at_ms,
        "user_id": e.user_id,
        "role": e.role,
        "device_id": e.device_id,
        "operation": e.action.as_str(),
        "record_kind": e.subject,
        "record_id": e.record_id,
        "justification": e.justification,
        "recipient": e.recipient,
        "detail": e.detail,
        "prev_hash": hex(&c.prev_hash),
        "hash": hex(&c.hash),
    })
}
