//! Filling [`ReportData`] from a device's tables, in one read snapshot. Only the columns the
//! figures read are selected (no free text, no personal data), and only rows that can matter
//! for the period; the figures apply the exact period rules themselves, so this is a safe
//! superset, not a second copy of the rules.
//!
//! Speed (the target is a year of a 40-person team in under 200 ms, `benches/reports.rs`):
//! every page read from an encrypted store costs a decryption, so the reads are shaped to touch
//! each page once and as few pages as possible. Patrols, contacts and follow-ups are read from
//! covering indexes in time order (migrations 0005 and 0006), never a table page per row;
//! follow-ups take their contact's area from the contacts already read instead of a join;
//! times are parsed by a fixed-width fast path.

use super::data::{
    ContactArea, ContactFact, FollowUpFact, PatrolFact, ProblemFact, ReportData, StageMoveFact,
    UserFact,
};
use super::period::Period;
use crate::error::Result;
use crate::ids::{ContactId, PatrolId};
use crate::model::{AreaRef, LsoaCode, StageRequestStatus};
use crate::store::rows::conversion;
use crate::store::sql_time::{t, SqlTime};
use crate::store::Store;
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::types::{FromSql, FromSqlResult, ValueRef};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::HashMap;

impl Store {
    /// The facts a report for `period` reads, from this store.
    pub fn report_data(&self, period: &Period) -> Result<ReportData> {
        let users = self
            .users()?
            .into_iter()
            .map(|u| UserFact {
                id: u.id,
                display_name: u.display_name,
                role: u.role,
                team_id: u.team_id,
            })
            .collect();
        let mut data = ReportData {
            users,
            teams: self.teams()?,
            lsoas: self.lsoas()?,
            priority_areas: self.priority_areas()?,
            ..ReportData::default()
        };
        self.read(|conn| {
            data.patrols = patrols(conn, period)?;
            data.contacts = contacts(conn, period)?;
            data.follow_ups = follow_ups(conn, period, &data.contacts)?;
            data.problems = problems(conn, period)?;
            data.stage_moves = stage_moves(conn)?;
            Ok(())
        })?;
        Ok(data)
    }
}

/// A stored time, parsed without a format string when it has the stored fixed width
/// (`2026-03-01T09:15:00.000000Z`); anything else goes through [`SqlTime`].
struct FastTime(DateTime<Utc>);

impl FromSql for FastTime {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        match parse_fixed(text.as_bytes()) {
            Some(time) => Ok(FastTime(time)),
            None => SqlTime::column_result(value).map(|s| FastTime(s.0)),
        }
    }
}

fn parse_fixed(b: &[u8]) -> Option<DateTime<Utc>> {
    if b.len() != 27 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' || b[19] != b'.' || b[26] != b'Z' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let date = NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    let time = date.and_hms_micro_opt(num(11..13)?, num(14..16)?, num(17..19)?, num(20..26)?)?;
    Some(time.and_utc())
}

fn time(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<DateTime<Utc>> {
    Ok(r.get::<_, FastTime>(i)?.0)
}

fn opt_time(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    Ok(r.get::<_, Option<FastTime>>(i)?.map(|t| t.0))
}

fn lsoa(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<LsoaCode>> {
    r.get_ref(i)?
        .as_str_or_null()?
        .map(LsoaCode::parse)
        .transpose()
        .map_err(conversion)
}

// Which records a period reads: the server applies the same rules to synced records
// (`synced.rs`, `SyncedFacts::for_period`), so a change here is a change there too; the
// reports test checks both give the device's figures.
const PATROLS: &str = "SELECT p.id, p.kind, p.area_kind, p.area_id, p.recorded_by,
    p.started_at, p.ended_at, json_extract(p.assessment, '$.purpose_met'),
    json_extract(p.assessment, '$.value_rating')
    FROM patrols p WHERE p.started_at < ?2 AND (p.ended_at IS NULL OR p.ended_at >= ?1)
      AND p.cancelled_at IS NULL";

/// Patrols that may overlap the period (started before its end, not ended before its start)
/// and were not cancelled, read from the covering index `patrols_started_report` alone
/// (migration 0006, `cancelled_at` added by 0013).
fn patrols(conn: &Connection, period: &Period) -> Result<Vec<PatrolFact>> {
    let mut stmt = conn.prepare_cached(PATROLS)?;
    let rows = stmt.query_map(params![t(period.from), t(period.to)], |r| {
        let area = AreaRef::from_parts(r.get_ref(2)?.as_str()?, r.get_ref(3)?.as_str()?)
            .map_err(conversion)?;
        Ok(PatrolFact {
            id: r.get(0)?,
            kind: r.get(1)?,
            area,
            recorded_by: r.get(4)?,
            participants: Vec::new(),
            started_at: time(r, 5)?,
            ended_at: opt_time(r, 6)?,
            purpose_met: r
                .get_ref(7)?
                .as_str_or_null()?
                .map(str::parse)
                .transpose()
                .map_err(conversion)?,
            value_rating: r.get(8)?,
        })
    })?;
    let mut patrols = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    let index: HashMap<PatrolId, usize> =
        patrols.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
    // Participants are few: read them all (one ordered pass) and keep those of these patrols.
    let mut stmt = conn.prepare_cached("SELECT patrol_id, user_id FROM patrol_participants")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let patrol: PatrolId = r.get(0)?;
        if let Some(&i) = index.get(&patrol) {
            patrols[i].participants.push(r.get(1)?);
        }
    }
    Ok(patrols)
}

/// Contacts of the period, read from the covering index `contacts_occurred_report` alone
/// (migration 0005): every column here is in it, in time order.
const CONTACTS: &str = "SELECT id, occurred_at, lsoa_code, lap_code, method, audience,
    people_count, recorded_by FROM contacts WHERE occurred_at >= ?1 AND occurred_at < ?2";

fn contacts(conn: &Connection, period: &Period) -> Result<Vec<ContactFact>> {
    let mut stmt = conn.prepare_cached(CONTACTS)?;
    let rows = stmt.query_map(params![t(period.from), t(period.to)], |r| {
        Ok(ContactFact {
            id: r.get(0)?,
            occurred_at: time(r, 1)?,
            lsoa_code: lsoa(r, 2)?,
            lap_code: r.get(3)?,
            method: r.get(4)?,
            audience: r.get(5)?,
            people_count: r.get(6)?,
            recorded_by: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Where a contact was tagged: its LSOA and LAP.
const FOLLOW_UPS: &str =
    "SELECT coalesce(owner, referred_by), created_at, due_at, status, answered_at, contact_id
    FROM follow_ups
    WHERE created_at < ?2 AND (created_at >= ?1 OR status = 'open' OR answered_at >= ?1)";

/// Promises made in the period, and earlier ones that may still have been open in it (read from
/// the covering index `follow_ups_created_report`), with the area of the contact they were made
/// at: from the contacts already read, else looked up.
fn follow_ups(
    conn: &Connection,
    period: &Period,
    contacts: &[ContactFact],
) -> Result<Vec<FollowUpFact>> {
    let mut stmt = conn.prepare_cached(FOLLOW_UPS)?;
    let rows = stmt.query_map(params![t(period.from), t(period.to)], |r| {
        Ok((
            FollowUpFact {
                owner: r.get(0)?,
                created_at: time(r, 1)?,
                due_at: time(r, 2)?,
                status: r.get(3)?,
                answered_at: opt_time(r, 4)?,
                lsoa_code: None,
                lap_code: None,
            },
            r.get::<_, Option<ContactId>>(5)?,
        ))
    })?;
    let rows = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    // The areas of the contacts these promises were made at: from the contacts already read
    // (one pass, hashing only the promises' contact ids), else one lookup each.
    let mut areas: HashMap<ContactId, Option<ContactArea>> = rows
        .iter()
        .filter_map(|(_, contact)| contact.map(|id| (id, None)))
        .collect();
    for c in contacts {
        if let Some(slot) = areas.get_mut(&c.id) {
            *slot = Some((c.lsoa_code.clone(), c.lap_code.clone()));
        }
    }
    let mut lookup =
        conn.prepare_cached("SELECT lsoa_code, lap_code FROM contacts WHERE id = ?1")?;
    for (id, slot) in areas.iter_mut().filter(|(_, slot)| slot.is_none()) {
        *slot = lookup
            .query_row([id], |r| Ok((lsoa(r, 0)?, r.get(1)?)))
            .optional()?;
    }
    Ok(rows
        .into_iter()
        .map(|(mut f, contact)| {
            if let Some(Some((lsoa_code, lap_code))) = contact.and_then(|id| areas.get(&id)) {
                f.lsoa_code = lsoa_code.clone();
                f.lap_code = lap_code.clone();
            }
            f
        })
        .collect())
}

fn problems(conn: &Connection, period: &Period) -> Result<Vec<ProblemFact>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, area_kind, area_id, owner, stage, created_at, stage_changed_at,
                assessment IS NOT NULL
         FROM problems WHERE created_at < ?1",
    )?;
    let rows = stmt.query_map(params![t(period.to)], |r| {
        Ok(ProblemFact {
            id: r.get(0)?,
            area: AreaRef::from_parts(r.get_ref(1)?.as_str()?, r.get_ref(2)?.as_str()?)
                .map_err(conversion)?,
            owner: r.get(3)?,
            stage: r.get(4)?,
            created_at: time(r, 5)?,
            stage_changed_at: time(r, 6)?,
            has_assessment: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

fn stage_moves(conn: &Connection) -> Result<Vec<StageMoveFact>> {
    let mut stmt = conn.prepare_cached(
        "SELECT problem_id, to_stage, decided_at FROM stage_requests
         WHERE status = ?1 AND decided_at IS NOT NULL",
    )?;
    let rows = stmt.query_map(params![StageRequestStatus::Approved], |r| {
        Ok(StageMoveFact {
            problem_id: r.get(0)?,
            to: r.get(1)?,
            at: time(r, 2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reads that carry a report's volume never touch their tables (migration 0005).
    #[test]
    fn patrols_contacts_and_follow_ups_are_read_from_covering_indexes() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::open(
            dir.path().join("s.db"),
            &crate::StoreKey::from_bytes([1; 32]),
        )
        .expect("open");
        let plan = |sql: &str| {
            store
                .read(|conn| {
                    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
                    let rows = stmt.query_map(["a", "b"], |r| r.get::<_, String>(3))?;
                    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?.join("; "))
                })
                .expect("plan")
        };
        let contacts = plan(CONTACTS);
        assert!(
            contacts.contains("COVERING INDEX contacts_occurred_report"),
            "{contacts}"
        );
        let patrols = plan(PATROLS);
        assert!(
            patrols.contains("COVERING INDEX patrols_started_report"),
            "{patrols}"
        );
        let follow_ups = plan(FOLLOW_UPS);
        assert!(
            follow_ups.contains("COVERING INDEX follow_ups_created_report"),
            "{follow_ups}"
        );
    }

    #[test]
    fn the_fast_path_reads_stored_times_and_refuses_others() {
        let text = SqlTime::format(
            chrono::DateTime::parse_from_rfc3339("2026-03-01T09:15:07.123456Z")
                .expect("time")
                .with_timezone(&Utc),
        );
        let parsed = parse_fixed(text.as_bytes()).expect("stored form");
        assert_eq!(SqlTime::format(parsed), text);
        assert_eq!(parse_fixed(b"2026-02-30T09:15:07.123456Z"), None);
        assert_eq!(parse_fixed(b"2026-03-01 09:15:07"), None);
    }
}
