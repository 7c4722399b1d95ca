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

/// The live records of `kind` among `ids` (of `team` or force-wide), one at a time.
pub(super) fn each_named(
    conn: &Connection,
    team: Option<TeamId>,
    kind: RecordKind,
    ids: &[String],
    visit: &mut dyn FnMut(RecordKind, Map<String, Value>),
) -> StorageResult<()> {
    report_rows::check_named(ids)?;
    if ids.is_empty() {
        return Ok(());
    }
    let places = (3..ids.len() + 3)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut stmt = conn.prepare(&format!(
        "SELECT kind, field_values, clocks FROM records
         WHERE kind = ?1 AND record_id IN ({places}) AND erased = 0
           AND (?2 IS NULL OR team_id = ?2 OR team_id IS NULL)"
    ))?;
    let mut params: Vec<SqlValue> = vec![
        SqlValue::Text(kind.as_str().to_owned()),
        team.map_or(SqlValue::Null, |t| {
            SqlValue::Blob(super::records::packed(t.0).to_vec())
        }),
    ];
    params.extend(ids.iter().map(|id| LoggedRecordId::stored(id)));
    let rows = stmt.query(rusqlite::params_from_iter(params))?;
    report_rows::values_only(|row| visit_rows(rows, row), visit)
}

/// Whose records a statement reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Whose {
    /// One team's (`?1`) and the force-wide ones.
    TeamAndForceWide,
    /// One team's (`?1`) only.
    Team,
    /// The force-wide ones only (`?1` unused).
    ForceWide,
    /// Every record (`?1` unused).
    Everyone,
}

/// The statement that reads a report's records: `whose`, from the reach `?2` when `reach`. A
/// team's or the force-wide ones are index ranges (`records_team_report` by reach,
/// `records_team_seq` without), everyone's a scan.
fn report_sql(whose: Whose, reach: bool, kinds: &[RecordKind]) -> String {
    let select = "SELECT kind, field_values, clocks FROM records";
    let live = format!(
        "erased = 0 AND kind IN ({})",
        crate::storage::kind_list(kinds)
    );
    let reach = if reach {
        " AND report_until_day >= ?2"
    } else {
        ""
    };
    let team = format!("{select} WHERE team_id = ?1{reach} AND {live}");
    let force_wide = format!("{select} WHERE team_id IS NULL AND ?1 IS NULL{reach} AND {live}");
    match whose {
        Whose::TeamAndForceWide => {
            format!("{team} UNION ALL {select} WHERE team_id IS NULL{reach} AND {live}")
        }
        Whose::Team => team,
        Whose::ForceWide => force_wide,
        Whose::Everyone => format!("{select} WHERE ?1 IS NULL{reach} AND {live}"),
    }
}

/// Runs `row` on each live record's kind, values (JSON text) and clocks, as read.
fn read(
    conn: &Connection,
    team: Option<TeamId>,
    kinds: &[RecordKind],
    read_from_day: Option<i64>,
    row: &mut report_rows::RowVisit<'_>,
) -> StorageResult<()> {
    // Kept as 16 bytes since schema 19 (`records::packed`).
    let team = team.map(|t| SqlValue::Blob(super::records::packed(t.0).to_vec()));
    match (team, read_from_day) {
        (Some(team), from) => run(conn, Whose::TeamAndForceWide, kinds, team, from, row),
        (None, None) => run(conn, Whose::Everyone, kinds, SqlValue::Null, None, row),
        // The whole force from a day: each team's range in turn, then the force-wide one
        // (SQLite's planner would scan the table for a range on the index's second column).
        (None, Some(from)) => {
            let mut next = conn.prepare_cached(
                "SELECT team_id FROM records WHERE team_id > ?1 ORDER BY team_id LIMIT 1",
            )?;
            let mut after = conn.query_row(
                "SELECT team_id FROM records WHERE team_id IS NOT NULL ORDER BY team_id LIMIT 1",
                [],
                |r| r.get::<_, SqlValue>(0),
            );
            loop {
                let team = match after {
                    Ok(team) => team,
                    Err(rusqlite::Error::QueryReturnedNoRows) => break,
                    Err(e) => return Err(e.into()),
                };
                run(conn, Whose::Team, kinds, team.clone(), Some(from), row)?;
                after = next.query_row([team], |r| r.get::<_, SqlValue>(0));
            }
            run(
                conn,
                Whose::ForceWide,
                kinds,
                SqlValue::Null,
                Some(from),
                row,
            )
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
    let rows = match read_from_day {
        Some(from) => stmt.query(rusqlite::params![team, from])?,
        None => stmt.query([team])?,
    };
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
        let by_reach = plan(&report_sql(Whose::TeamAndForceWide, true, REPORT_KINDS));
        assert_eq!(
            by_reach.matches("USING INDEX records_team_report").count(),
            2,
            "the team's range and the force-wide one:\n{by_reach}"
        );
        let whole = plan(&report_sql(Whose::TeamAndForceWide, false, REPORT_KINDS));
        assert_eq!(
            whole.matches("USING INDEX records_team_seq").count(),
            2,
            "{whole}"
        );
        // The whole force from a day: one team's range at a time, then the force-wide one.
        let team = plan(&report_sql(Whose::Team, true, REPORT_KINDS));
        let force_wide = plan(&report_sql(Whose::ForceWide, true, REPORT_KINDS));
        for plan in [by_reach, whole, team, force_wide] {
            assert!(!plan.contains("SCAN records"), "{plan}");
            assert!(plan.contains("USING INDEX records_team_"), "{plan}");
        }
    }
}
