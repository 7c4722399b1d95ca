//! CSV export of contacts for a period: a disclosure, logged with its justification.
//!
//! No name, address, phone, email or other personal detail of a member of the public leaves
//! the device this way, but the file is still personal data: it carries places to about a metre
//! (coordinates rounded to 5 decimal places), the vulnerable flag and free text, and names the
//! officers who recorded each contact. It is written for people opening it in a spreadsheet:
//! times in the device's local time with their UTC offset, officers by name, every text cell
//! defused against formula injection ([`crate::spreadsheet`]), and a UTF-8 byte-order mark
//! on request for Excel.

use super::audit::{self, AuditAction, AuditEvent};
use super::contacts::{contact_from_row, SELECT};
use super::sql_time::t;
use super::Store;
use crate::error::{Error, Result};
use crate::model::{Actor, Role};
use crate::spreadsheet::{spreadsheet_safe, UTF8_BOM};
use crate::validation::{check, limits, Rule, ValidationError};
use chrono::{DateTime, Local, SecondsFormat, Utc};
use rusqlite::params;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::Write;

/// A half-open period `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportPeriod {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl ExportPeriod {
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.to < self.from {
            return Err(ValidationError::new("to", Rule::EndBeforeStart));
        }
        Ok(())
    }
}

/// How the CSV is written for the program that will open it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportOptions {
    /// Start with a UTF-8 byte-order mark, which Excel needs to read accented names right.
    pub excel: bool,
}

const HEADER: [&str; 16] = [
    "id",
    "occurred_at_local",
    "lat",
    "lon",
    "lsoa_code",
    "lap_code",
    "method",
    "audience",
    "people_count",
    "issues",
    "issues_text",
    "promised",
    "repeat_caller",
    "vulnerable",
    "repeat_location",
    "recorded_by",
];

impl Store {
    /// Writes the contacts of `period` as CSV to `out` and logs the disclosure. Returns how
    /// many contacts were written. Volunteers may not export.
    pub fn export_contacts_csv(
        &self,
        actor: &Actor,
        period: ExportPeriod,
        justification: &str,
        out: impl Write,
    ) -> Result<usize> {
        self.export_contacts_csv_with(actor, period, justification, ExportOptions::default(), out)
    }

    /// [`Store::export_contacts_csv`], written as `options` ask.
    pub fn export_contacts_csv_with(
        &self,
        actor: &Actor,
        period: ExportPeriod,
        justification: &str,
        options: ExportOptions,
        mut out: impl Write,
    ) -> Result<usize> {
        period.validate()?;
        check::required_text("justification", justification, limits::SHORT_TEXT)?;
        if actor.role == Role::Volunteer {
            return Err(Error::Denied(crate::policy::Denial::new(
                crate::policy::DenialCode::ExportNotForVolunteers,
            )));
        }
        let contacts = self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "{SELECT} WHERE c.occurred_at >= ?1 AND c.occurred_at < ?2 ORDER BY c.occurred_at"
            ))?;
            let rows = stmt.query_map(params![t(period.from), t(period.to)], contact_from_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })?;
        // Logged before a byte leaves: a disclosure is never without its entry.
        let detail = format!(
            "{} contacts from {} to {}",
            contacts.len(),
            period.from.to_rfc3339(),
            period.to.to_rfc3339()
        );
        self.write(|tx| {
            audit::append(
                tx,
                actor,
                self.now(),
                AuditEvent {
                    action: AuditAction::Disclosure,
                    record_kind: "contact_export",
                    record_id: None,
                    justification: Some(justification.trim()),
                    detail: Some(&detail),
                },
            )
        })?;
        let names: HashMap<_, _> = self
            .users()?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect();
        if options.excel {
            out.write_all(UTF8_BOM)?;
        }
        let mut csv = csv::Writer::from_writer(out);
        let io = |e: csv::Error| Error::Io(std::io::Error::other(e));
        csv.write_record(HEADER).map_err(io)?;
        let text = |s: &str| spreadsheet_safe(s).into_owned();
        for c in &contacts {
            let issues: Vec<&str> = c.issues.iter().map(|i| i.as_str()).collect();
            let recorded_by = names
                .get(&c.recorded_by)
                .map_or_else(|| c.recorded_by.to_string(), |name| text(name));
            csv.write_record([
                c.id.to_string(),
                local_time(c.occurred_at),
                // Empty for a contact without a place (a phone call, a letter).
                c.place.map(|p| coordinate(p.lat)).unwrap_or_default(),
                c.place.map(|p| coordinate(p.lon)).unwrap_or_default(),
                c.lsoa_code
                    .as_ref()
                    .map(|l| l.to_string())
                    .unwrap_or_default(),
                c.lap_code.clone().unwrap_or_default(),
                c.method.to_string(),
                c.audience.to_string(),
                c.people_count.to_string(),
                issues.join(";"),
                text(c.issues_text.as_deref().unwrap_or_default()),
                text(c.promised.as_deref().unwrap_or_default()),
                c.repeat_caller.to_string(),
                c.vulnerable.to_string(),
                c.repeat_location.to_string(),
                recorded_by,
            ])
            .map_err(io)?;
        }
        csv.flush()?;
        Ok(contacts.len())
    }
}

/// A time as the device's local time with its UTC offset (`2026-06-01T14:30:00+01:00`): what a
/// reader expects to see, and still one exact instant.
fn local_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// Five decimal places: about 1.1 m, the precision of a phone's fix, and no false precision.
fn coordinate(degrees: f64) -> String {
    format!("{degrees:.5}")
}
