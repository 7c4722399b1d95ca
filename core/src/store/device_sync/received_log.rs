//! s.62 on the receiving device: a pulled record that names people (a contact's personal
//! record, a problem — its analysis triangle names offender and victim) is a *collection by
//! transfer* here, and a pulled erasure or redaction of one is an *erasure* here; both are
//! logged in the page's transaction, as the device's user (the one the data was transferred
//! to), metadata only. The server logs the other side (its disclosure to this device).

use crate::error::Result;
use crate::model::Actor;
use crate::store::audit::{self, AuditAction, AuditEvent};
use crate::sync::protocol::RecordKind;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};

/// Whether a pulled record of `kind` is logged on arrival.
fn names_people(kind: RecordKind) -> bool {
    matches!(kind, RecordKind::ContactPersonal | RecordKind::Problem)
}

/// Who this device is (its enrolled user), to log as; `None` for a store never enrolled.
pub(super) fn receiver(conn: &Connection) -> Result<Option<Actor>> {
    Ok(conn
        .prepare_cached(
            "SELECT d.device_id, d.user_id, u.role FROM device_profile d
             JOIN users u ON u.id = d.user_id WHERE d.id = 1",
        )?
        .query_row([], |r| {
            Ok(Actor {
                device_id: r.get(0)?,
                user_id: r.get(1)?,
                role: r.get(2)?,
            })
        })
        .optional()?)
}

/// Logs a pulled record written (`removed: false`), or erased or redacted here, if it names
/// people.
pub(super) fn log_arrival(
    conn: &Connection,
    receiver: Option<&Actor>,
    kind: RecordKind,
    id: &str,
    removed: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(actor) = receiver.filter(|_| names_people(kind)) else {
        return Ok(());
    };
    let (action, detail) = match removed {
        false => (AuditAction::Collection, "received by sync"),
        true => (AuditAction::Erasure, "erased or redacted by sync"),
    };
    audit::append(
        conn,
        actor,
        now,
        AuditEvent::new(action, kind.as_str(), id).detail(detail),
    )
}
