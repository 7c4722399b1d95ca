//! CSV export of contacts for a period: a disclosure, logged with its justification. Only
//! non-personal fields leave the device this way.

use super::audit::{self, AuditAction, AuditEvent};
use super::contacts::{contact_from_row, SELECT};
use super::sql_time::t;
use super::Store;
use crate::error::{Error, Result};
use crate::model::{Actor, Role};
use crate::validation::{check, limits, Rule, ValidationError};
use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::{Deserialize, Serialize};
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

const HEADER: [&str; 16] = [
    "id",
    "occurred_at",
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
        period.validate()?;
        check::required_text("justification", justification, limits::SHORT_TEXT)?;
        if actor.role == Role::Volunteer {
            return Err(Error::Forbidden("volunteers cannot export contacts"));
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
        let mut csv = csv::Writer::from_writer(out);
        let io = |e: csv::Error| Error::Io(std::io::Error::other(e));
        csv.write_record(HEADER).map_err(io)?;
        for c in &contacts {
            let issues: Vec<&str> = c.issues.iter().map(|i| i.as_str()).collect();
            csv.write_record([
                c.id.to_string(),
                c.occurred_at.to_rfc3339(),
                c.place.lat.to_string(),
                c.place.lon.to_string(),
                c.lsoa_code
                    .as_ref()
                    .map(|l| l.to_string())
                    .unwrap_or_default(),
                c.lap_code.clone().unwrap_or_default(),
                c.method.to_string(),
                c.audience.to_string(),
                c.people_count.to_string(),
                issues.join(";"),
                c.issues_text.clone().unwrap_or_default(),
                c.promised.clone().unwrap_or_default(),
                c.repeat_caller.to_string(),
                c.vulnerable.to_string(),
                c.repeat_location.to_string(),
                c.recorded_by.to_string(),
            ])
            .map_err(io)?;
        }
        csv.flush()?;
        Ok(contacts.len())
    }
}
