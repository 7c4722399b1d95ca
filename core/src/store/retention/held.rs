//! Held copies the schedule has expired. A record this device could not write to its table
//! yet — its creating fields in a later page or outside the device's scope, or a value a newer
//! build wrote (`sync_held`) — is still data the device keeps, so the schedule reaches it as it
//! reaches the tables: its anchor is read from its held values by the rule the server's index
//! uses (`retention::anchor_from_values`), a personal record's from its contact. Only expired
//! ones are returned (a held record cannot be shown on the review list). The held table is
//! small — only records some build could not write — so it is read whole.

use super::candidates::Candidate;
use crate::error::Result;
use crate::retention::RetentionStatus;
use crate::retention::{anchor_from_values, status, Anchor, RetainedKind, RetentionSchedule};
use crate::short_ref::short_ref_of;
use crate::store::device_sync::sync_records;
use crate::store::sql_time::SqlTime;
use crate::sync::protocol::RecordKind;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};

/// Every held record of a governed kind that the schedule has expired by `now`.
pub(crate) fn expired(
    conn: &Connection,
    schedule: &RetentionSchedule,
    now: DateTime<Utc>,
) -> Result<Vec<Candidate>> {
    let held: Vec<(String, String, String)> = conn
        .prepare_cached("SELECT kind, record_id, fields FROM sync_held")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for (kind, record_id, text) in held {
        // A kind this build does not know is not one the schedule governs.
        let Some(kind) = kind
            .parse::<RecordKind>()
            .ok()
            .and_then(RetainedKind::of_record_kind)
        else {
            continue;
        };
        let fields = sync_records::held_values(&text)?;
        let anchor = match anchor_from_values(kind, |field| fields.get(field)) {
            Some(anchor) => anchor,
            None => contact_anchor(conn, &record_id)?,
        };
        let retained = super::records::retained_until(conn, kind, &record_id)?;
        let status = status(schedule, kind, anchor, retained, now);
        if let RetentionStatus::Expired { .. } = status {
            let reference = short_ref_of(&record_id).unwrap_or_else(|| record_id.clone());
            out.push(Candidate {
                kind,
                label: format!("Held {} {reference}", kind.as_str()),
                anchor: match anchor {
                    Anchor::From(at) => Some(at),
                    Anchor::NotYet => None,
                },
                record_id,
                status,
            });
        }
    }
    Ok(out)
}

/// A personal record's anchor: its contact's time of contact, from the contact's row or, when
/// the contact is held too, its held values.
fn contact_anchor(conn: &Connection, contact_id: &str) -> Result<Anchor> {
    let written: Option<SqlTime> = conn
        .prepare_cached("SELECT occurred_at FROM contacts WHERE id = ?1")?
        .query_row([contact_id], |r| r.get(0))
        .optional()?;
    if let Some(at) = written {
        return Ok(Anchor::From(at.0));
    }
    let held = sync_records::held_fields(conn, RecordKind::Contact, contact_id)?;
    Ok(held
        .and_then(|fields| anchor_from_values(RetainedKind::Contact, |f| fields.get(f)))
        .unwrap_or(Anchor::NotYet))
}
