//! `beatbook export contacts`: contacts of a period as CSV. Data leaving the device is a
//! disclosure, so the justification is required and the store logs it before a byte is
//! written. No member of the public's name or contact details is exported, but the file is
//! still personal data (places, the vulnerable flag, free text, officers' names; see
//! `beatbook_core::store::export`). A file is written new (never over another) and readable by
//! you only; without --out the CSV goes to stdout and the summary to stderr.

use crate::dates::{self, When};
use crate::error::{CliError, Result};
use crate::session::Session;
use crate::{key, output};
use beatbook_core::store::{ExportOptions, ExportPeriod};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Contacts as CSV: no one's name or contact details, but places (to about a metre), the
    /// vulnerable flag, what was raised and promised, and who recorded it — still personal
    /// data. Times are local, with their UTC offset.
    Contacts {
        /// From this date or time.
        #[arg(long, value_name = "DATE", value_parser = dates::parse_when)]
        from: When,
        /// Up to this date (inclusive) or time.
        #[arg(long, value_name = "DATE", value_parser = dates::parse_when)]
        to: When,
        /// Why the data is leaving the device, and for whom (logged).
        #[arg(long)]
        justification: String,
        /// Write to this new file [default: stdout].
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Start the file with a UTF-8 byte-order mark, so that Excel shows accented names right.
        #[arg(long)]
        excel: bool,
    },
}

pub fn run(cmd: Command, s: &Session, json: bool, out: &mut dyn Write) -> Result<()> {
    let Command::Contacts {
        from,
        to,
        justification,
        out: file,
        excel,
    } = cmd;
    let options = ExportOptions { excel };
    let period = ExportPeriod {
        from: from.start(),
        to: to.end(),
    };
    let Some(path) = file else {
        let count = s.store.export_contacts_csv_with(
            &s.actor,
            period,
            &justification,
            options,
            &mut *out,
        )?;
        eprintln!("Exported {count} contacts (logged as a disclosure).");
        return Ok(());
    };
    if justification.trim().is_empty() {
        // Checked before the file is made, so a refused export leaves no empty file.
        return Err(
            CliError::usage("justification: is required").hint("say why with --justification")
        );
    }
    let mut file = key::create_private(&path).map_err(|e| CliError::file(&path, "create", &e))?;
    let written = s
        .store
        .export_contacts_csv_with(&s.actor, period, &justification, options, &mut file)
        .map_err(CliError::from)
        .and_then(|count| Ok(file.sync_all().map(|()| count)?));
    let count = match written {
        Ok(count) => count,
        Err(e) => {
            drop(file);
            let _ = std::fs::remove_file(&path);
            return Err(e);
        }
    };
    if json {
        return output::json(
            out,
            &serde_json::json!({ "file": path, "contacts": count, "from": period.from, "to": period.to }),
        );
    }
    writeln!(
        out,
        "Exported {} from {} to {} to {} (logged as a disclosure).",
        output::count(count, "contact", "contacts"),
        dates::show(period.from),
        dates::show(period.to),
        path.display()
    )?;
    Ok(())
}
