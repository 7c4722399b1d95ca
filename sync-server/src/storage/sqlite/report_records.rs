//! Reading the records a report needs: current fields of live records of some kinds, of one
//! team (or all), plus force-wide reference records. Read in one snapshot by the caller, whole
//! ([`load`]) or one at a time without their clocks ([`each`], which a report's facts need),
//! for a period by their report reach (`records_team_report`, migration 0020), or by id
//! ([`each_named`]).

use crate::storage::packed_values::StoredValues;
use crate::storage::{report_rows, ReportRecord, StorageError, StorageResult};
use beatbook_core::ids::TeamId;
use beatbook_core::logged_record_id::LoggedRecordId;
use beatbook_core::sync::RecordKind;
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, Rows};
use serde_json::{Map, Value};

/// The records, each whole (values and clocks).
pub(super) fn load(
    conn: &Connection,
    team: Option<TeamId>,
    kinds: &[RecordKind],
) -> StorageResult<Vec<ReportRecord>> {
    report_rows::whole(|row| read(conn, team, kinds, None, row))
}

/// The records' values, one at a time (their clocks are not read); with `read_from_day`, only
/// those whose report reach is at or after it.
pub(super) fn each(
    conn: &Connection,
    team: Option<TeamId>,
    kinds: &[RecordKind],
    read_from_day: Option<i64>,
    visit: &mut dyn FnMut(RecordKind, Map<String, Value>),
) -> StorageResult<()> {
    report_rows::values_only(|row| read(conn, team, kinds, read_from_day, row), visit)
}

/// The live records of `kind` among `ids` (of `team` or force-wide), one at a time: a key probe
/// each, in one read transaction.
pub(super) fn each_named(
    conn: &Connection,
    team: Option<TeamId>,
    kind: RecordKind,
    ids: &[String],
    visit: &mut dyn FnMut(RecordKind, Map<String, Value>),
) -> StorageResult<()> {
    report_rows::check_named(ids)?;
    let snapshot = conn.unchecked_transaction()?;
    let mut stmt = snapshot.prepare_cached(
        "SELECT kind, field_values, clocks FROM records
         WHERE kind = ?1 AND record_id = ?2 AND erased = 0
           AND (?3 IS NULL OR team_id = ?3 OR team_id IS NULL)",
    )?;
    let team = team.map(|t| super::records::packed(t.0));
    report_rows::values_only(
        |row| {
            for id in ids {
                let rows = stmt.query(rusqlite::params![kind, LoggedRecordId::stored(id), team])?;
                visit_rows(rows, row)?;
            }
            Ok(())
        },
        visit,
    )
}

/// Whose records a statement reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Whose {
    /// One team's (`?1`).
    Team,
    /// The force-wide ones (stored without a team).
    ForceWide,
    /// Every record.
    Everyone,
}

/// The statement that reads a report's records: `whose`, from the reach `?2` when `reach`. A
/// team's or the force-wide ones are index ranges (`records_team_report` by reach,
/// `records_team_seq` without), everyone's a scan.
fn report_sql(whose: Whose, reach: bool, kinds: &[RecordKind]) -> String {
    let whose = match whose {
        Whose::Team => "team_id = ?1 AND ",
        Whose::ForceWide => "team_id IS NULL AND ",
        Whose::Everyone => "",
    };
    let reach = if reach {
        "report_until_day >= ?2 AND "
    } else {
        ""
    };
    format!(
        "SELECT kind, field_values, clocks FROM records
         WHERE {whose}{reach}erased = 0 AND kind IN ({})",
        crate::storage::kind_list(kinds)
    )
}

/// Runs `row` on each live record's kind, values (JSON text) and clocks, as read: one read
/// transaction, so one snapshot however many statements it takes.
fn read(
    conn: &Connection,
    team: Option<TeamId>,
    kinds: &[RecordKind],
    read_from_day: Option<i64>,
    row: &mut report_rows::RowVisit<'_>,
) -> StorageResult<()> {
    let snapshot = conn.unchecked_transaction()?;
    // Kept as 16 bytes since schema 19 (`records::packed`).
    let teams: Vec<SqlValue> = match team {
        Some(team) => vec![SqlValue::Blob(super::records::packed(team.0).to_vec())],
        None if read_from_day.is_none() => {
            return run(&snapshot, Whose::Everyone, kinds, SqlValue::Null, None, row);
        }
        // The whole force from a day: each team's range in turn (SQLite's planner would scan
        // the table for a range on the index's second column).
        None => every_team(&snapshot)?,
    };
    for team in teams {
        run(&snapshot, Whose::Team, kinds, team, read_from_day, row)?;
    }
    run(
        &snapshot,
        Whose::ForceWide,
        kinds,
        SqlValue::Null,
        read_from_day,
        row,
    )
}

/// Every team that has records, each found by a seek of the index past the one before.
fn every_team(conn: &Connection) -> StorageResult<Vec<SqlValue>> {
    let mut next = conn.prepare_cached(
        "SELECT team_id FROM records WHERE team_id > ?1 ORDER BY team_id LIMIT 1",
    )?;
    let mut teams: Vec<SqlValue> = Vec::new();
    loop {
        let after = teams.last().cloned().unwrap_or(SqlValue::Null);
        // Past NULL: SQLite orders NULL before every value, and `> NULL` is never true.
        let found = match after {
            SqlValue::Null => conn.query_row(
                "SELECT team_id FROM records WHERE team_id IS NOT NULL ORDER BY team_id LIMIT 1",
                [],
                |r| r.get::<_, SqlValue>(0),
            ),
            after => next.query_row([after], |r| r.get::<_, SqlValue>(0)),
        };
        match found {
            Ok(team) => teams.push(team),
            Err(rusqlite::Error::QueryReturnedNoRows) => return Ok(teams),
            Err(e) => return Err(e.into()),
        }
    }
}

/// Runs one of [`report_sql`]'s statements with its team and reach.
fn run(
    conn: &Connection,
    whose: Whose,
    kinds: &[RecordKind],
    team: SqlValue,
    read_from_day: Option<i64>,
    row: &mut report_rows::RowVisit<'_>,
) -> StorageResult<()> {
    let mut stmt = conn.prepare_cached(&report_sql(whose, read_from_day.is_some(), kinds))?;
    let values = [
        team,
        read_from_day.map_or(SqlValue::Null, SqlValue::Integer),
    ];
    // `?1` and `?2` as the statement names them (a force-wide read by reach names only `?2`).
    let bound = &values[..stmt.parameter_count()];
    let rows = stmt.query(rusqlite::params_from_iter(bound))?;
    visit_rows(rows, row)
}

/// Hands each row of `rows` (kind, values, clocks) to `row`.
fn visit_rows(mut rows: Rows<'_>, row: &mut report_rows::RowVisit<'_>) -> StorageResult<()> {
    while let Some(r) = rows.next()? {
        let kind: String = r.get(0)?;
        // A kind this build does not know cannot be one it asked for.
        let Ok(kind) = kind.parse::<RecordKind>() else {
            continue;
        };
        let values: StoredValues = r.get(1)?;
        let clocks = r
            .get_ref(2)?
            .as_blob()
            .map_err(|_| StorageError::Corrupt("a record's clocks are not bytes".into()))?;
        row(kind, &values.json()?, clocks)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{report_sql, SqlValue, Whose};
    use crate::reports::REPORT_KINDS;

    /// The plan's lines for `sql` with its parameters, on the latest schema.
    fn plan(sql: &str) -> String {
        let (_dir, conn) =
            crate::storage::sqlite::store_at_version(crate::storage::sqlite::migrations::LATEST);
        let mut stmt = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .expect("plan");
        let params = [SqlValue::Blob(vec![1; 16]), SqlValue::Integer(0)];
        let count = stmt.parameter_count();
        let lines: Vec<String> = stmt
            .query_map(rusqlite::params_from_iter(&params[..count]), |r| {
                r.get::<_, String>(3)
            })
            .expect("plan rows")
            .collect::<rusqlite::Result<_>>()
            .expect("plan rows");
        lines.join("\n")
    }

    #[test]
    fn a_teams_report_reads_index_ranges_never_the_whole_table() {
        // A team's records and the force-wide ones, by reach and without: each one range.
        for (whose, reach, index) in [
            (Whose::Team, true, "records_team_report"),
            (Whose::ForceWide, true, "records_team_report"),
            (Whose::Team, false, "records_team_seq"),
            (Whose::ForceWide, false, "records_team_seq"),
        ] {
            let plan = plan(&report_sql(whose, reach, REPORT_KINDS));
            assert_eq!(
                plan.matches(&format!("USING INDEX {index}")).count(),
                1,
                "{whose:?}, by reach {reach}:\n{plan}"
            );
            assert!(!plan.contains("SCAN records"), "{plan}");
        }
    }
}
