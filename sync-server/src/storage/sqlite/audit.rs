//! The server's audit log: appended in its own small transaction, read newest first.

use crate::storage::{ServerAudit, StorageError, StorageResult};
use rusqlite::{params, Connection};

pub(super) fn append(conn: &Connection, e: &ServerAudit) -> StorageResult<()> {
    conn.prepare_cached(
        "INSERT INTO audit_log (at_ms, user_id, role, device_id, action, subject, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        e.at_ms,
        e.user_id.map(|u| u.to_string()),
        e.role,
        e.device_id.map(|d| d.to_string()),
        e.action.as_str(),
        e.subject,
        e.detail
    ])?;
    Ok(())
}

pub(super) fn newest(conn: &Connection, limit: u32) -> StorageResult<Vec<ServerAudit>> {
    let mut stmt = conn.prepare_cached(
        "SELECT at_ms, user_id, role, device_id, action, subject, detail FROM audit_log
         ORDER BY seq DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, Option<String>>(6)?,
        ))
    })?;
    let corrupt = |what: &str| StorageError::Corrupt(format!("an audit entry's {what}"));
    rows.map(|row| {
        let (at_ms, user, role, device, action, subject, detail) = row?;
        Ok(ServerAudit {
            at_ms,
            user_id: user
                .map(|u| u.parse())
                .transpose()
                .map_err(|_| corrupt("user"))?,
            role,
            device_id: device
                .map(|d| d.parse())
                .transpose()
                .map_err(|_| corrupt("device"))?,
            action: action.parse().map_err(|_| corrupt("action"))?,
            subject,
            detail,
        })
    })
    .collect()
}
