//! `beatbook-server admin subject-access`: the command line over [`crate::subject_access`].

use crate::admin::AdminError;
use crate::storage::SyncStorage;
use crate::subject_access::{self, Request};
use chrono::Utc;
use std::path::PathBuf;

/// What the person gave, and why and for whom the search is made.
#[derive(Debug, Clone, clap::Args)]
pub struct SubjectAccessArgs {
    /// Their name ("Jane Smith": every word must appear, any case and spacing).
    #[arg(long)]
    pub name: Option<String>,
    /// Their phone number (matched on its digits).
    #[arg(long)]
    pub phone: Option<String>,
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub address: Option<String>,
    /// Other words they may be named by (a nickname, a vehicle registration); repeatable.
    #[arg(long = "words")]
    pub words: Vec<String>,
    /// Why (the request's reference): logged with the search and the export.
    #[arg(long)]
    pub justification: String,
    /// Who receives the export (logged as the disclosure's recipient).
    #[arg(long)]
    pub recipient: String,
    /// The file to write (JSON, or CSV with --csv). Written 0600: it holds personal data.
    #[arg(long)]
    pub out: PathBuf,
    /// Write CSV (one row per value) instead of JSON.
    #[arg(long)]
    pub csv: bool,
}

/// Runs the search, logs it, logs the disclosure, writes the file.
pub fn run(storage: &dyn SyncStorage, args: SubjectAccessArgs) -> Result<(), AdminError> {
    let justification = required("--justification", &args.justification)?;
    let recipient = required("--recipient", &args.recipient)?;
    let terms: Vec<String> = [args.name, args.phone, args.email, args.address]
        .into_iter()
        .flatten()
        .chain(args.words)
        .filter(|t| !t.trim().is_empty())
        .collect();
    if terms.is_empty() {
        return Err(AdminError::Invalid(
            "give what the person is known by: --name, --phone, --email, --address or --words"
                .into(),
        ));
    }
    // The file first: a search that cannot be written anywhere is not run or logged.
    let mut file = create_private(&args.out)?;
    let request = Request {
        terms,
        justification: justification.clone(),
        at_ms: Utc::now().timestamp_millis(),
    };
    let written = search_log_and_write(storage, &request, &recipient, args.csv, &mut file);
    let found = match written {
        Ok(found) => found,
        Err(e) => {
            // Nothing half-written is left behind.
            drop(file);
            let _ = std::fs::remove_file(&args.out);
            return Err(e);
        }
    };
    eprintln!(
        "{} records hold or name the person; written to {} (the search and the export are in the audit log)",
        found.len(),
        args.out.display()
    );
    Ok(())
}

fn required(option: &str, text: &str) -> Result<String, AdminError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 500 {
        return Err(AdminError::Invalid(format!(
            "{option} is required, at most 500 characters"
        )));
    }
    Ok(text.to_owned())
}

/// Searches, then logs each record's disclosure, then writes the export.
fn search_log_and_write(
    storage: &dyn SyncStorage,
    request: &Request,
    recipient: &str,
    csv: bool,
    file: &mut std::fs::File,
) -> Result<Vec<subject_access::Found>, AdminError> {
    use std::io::Write;
    let found = subject_access::search(storage, request)?;
    let text = if csv {
        subject_access::to_csv(&found).map_err(|e| AdminError::Invalid(e.to_string()))?
    } else {
        serde_json::to_string_pretty(&found).map_err(|e| AdminError::Invalid(e.to_string()))?
    };
    // Logged first: a disclosure that cannot be logged does not happen.
    subject_access::log_disclosure(
        storage,
        &found,
        recipient,
        &request.justification,
        Utc::now().timestamp_millis(),
    )?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| AdminError::Invalid(format!("cannot write the export: {e}")))?;
    Ok(found)
}

/// Creates the file, readable by its owner only; an existing file is never overwritten.
fn create_private(path: &std::path::Path) -> Result<std::fs::File, AdminError> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| AdminError::Invalid(format!("cannot create {}: {e}", path.display())))
}
