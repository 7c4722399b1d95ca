//! The records a report reads, in PostgreSQL: one statement (one snapshot), whole or one at a
//! time as the rows arrive; for a period, one range of `records_team_report` (migration 0009);
//! by id, for the contacts a period's follow-ups were made at. The s.62 log is in `audit.rs`.

use crate::storage::report_rows::{self, reach_of_stored};
use crate::storage::{kind_list, ReportRecord, StorageResult};
use beatbook_core::ids::TeamId;
use beatbook_core::sync::RecordKind;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::ToSql;
use postgres::{GenericClient, RowIter, Transaction};
use serde_json::{Map, Value};

/// Rows migration 0009's step reads and writes a batch.
const FILL_BATCH: i64 = 2_000;

pub(super) fn report_records(
    client: &mut impl GenericClient,
    team: Option<TeamId>,
    kinds: &[RecordKind],
) -> StorageResult<Vec<ReportRecord>> {
    report_rows::whole(|row| read(client, team, kinds, None, row))
}

/// The records' values, one at a time as the rows arrive; with `read_from_day`, only those
/// whose report reach is at or after it.
pub(super) fn each_report_record(
    client: &mut impl GenericClient,
    team: Option<TeamId>,
    kinds: &[RecordKind],
    read_from_day: Option<i64>,
    visit: &mut dyn FnMut(RecordKind, Map<String, Value>),
) -> StorageResult<()> {
    report_rows::values_only(|row| read(client, team, kinds, read_from_day, row), visit)
}

/// The live records of `kind` among `ids` (of `team` or force-wide), one at a time.
pub(super) fn each_named_record(
    client: &mut impl GenericClient,
    team: Option<TeamId>,
    kind: RecordKind,
    ids: &[String],
    visit: &mut dyn FnMut(RecordKind, Map<String, Value>),
) -> StorageResult<()> {
    report_rows::check_named(ids)?;
    let team = team.map(|t| t.to_string());
    let kind = kind.as_str();
    report_rows::values_only(
        |row| {
            let rows = client.query_raw(
                "SELECT kind, field_values, clocks FROM records
                 WHERE kind = $1 AND record_id = ANY($2) AND NOT erased
                   AND ($3::text IS NULL OR team_id = $3 OR team_id IS NULL)",
                [&kind as &(dyn ToSql + Sync), &ids, &team],
            )?;
            visit_rows(rows, row)
        },
        visit,
    )
}

/// Runs `row` on each live record as its row arrives: one statement, one snapshot.
fn read(
    client: &mut impl GenericClient,
    team: Option<TeamId>,
    kinds: &[RecordKind],
    read_from_day: Option<i64>,
    row: &mut report_rows::RowVisit<'_>,
) -> StorageResult<()> {
    if kinds.is_empty() {
        return Ok(());
    }
    let team = team.map(|t| t.to_string());
    let rows = client.query_raw(
        &report_sql(kinds),
        [&team as &(dyn ToSql + Sync), &read_from_day],
    )?;
    visit_rows(rows, row)
}

/// The statement that reads a report's records: `$1` the team (NULL: every team's), `$2` the
/// day a period starts (NULL: the whole history). Planned with its values (an unnamed
/// statement), so a team's read by reach is two ranges of `records_team_report`.
fn report_sql(kinds: &[RecordKind]) -> String {
    format!(
        "SELECT kind, field_values, clocks FROM records
         WHERE NOT erased AND kind IN ({})
           AND ($1::text IS NULL OR team_id = $1 OR team_id IS NULL)
           AND ($2::bigint IS NULL OR report_until_day >= $2)",
        kind_list(kinds)
    )
}

/// Hands each row of `rows` (kind, values, clocks) to `row`.
fn visit_rows(mut rows: RowIter<'_>, row: &mut report_rows::RowVisit<'_>) -> StorageResult<()> {
    while let Some(r) = rows.next()? {
        let kind: &str = r.try_get(0)?;
        // A kind this build does not know cannot be one it asked for.
        let Ok(kind) = kind.parse::<RecordKind>() else {
            continue;
        };
        row(kind, r.try_get(1)?, r.try_get(2)?)?;
    }
    Ok(())
}

/// Migration 0009's step: every live record's report reach, worked out from its values, read
/// and written [`FILL_BATCH`] rows at a time in key order (memory stays bounded however many
/// records the database holds).
pub(super) fn fill_report_reach(tx: &mut Transaction<'_>) -> StorageResult<()> {
    let mut after: Option<(String, String)> = None;
    loop {
        let rows = match &after {
            None => tx.query(
                "SELECT kind, record_id, field_values FROM records WHERE NOT erased
                 ORDER BY kind, record_id LIMIT $1",
                &[&FILL_BATCH],
            )?,
            Some((kind, id)) => tx.query(
                "SELECT kind, record_id, field_values FROM records
                 WHERE NOT erased AND (kind, record_id) > ($1, $2)
                 ORDER BY kind, record_id LIMIT $3",
                &[kind, id, &FILL_BATCH],
            )?,
        };
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = Some((last.try_get(0)?, last.try_get(1)?));
        for r in &rows {
            let (kind, id, values): (&str, &str, &str) =
                (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
            if let Some(reach) = reach_of_stored(kind, values)? {
                tx.execute(
                    "UPDATE records SET report_until_day = $3 WHERE kind = $1 AND record_id = $2",
                    &[&kind, &id, &reach],
                )?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::report_sql;
    use crate::reports::REPORT_KINDS;
    use crate::storage::conformance::{put_all, row};
    use crate::storage::postgres::testing::TestSchema;
    use crate::storage::postgres::PostgresStorage;
    use beatbook_core::ids::TeamId;
    use beatbook_core::sync::protocol::FieldState;
    use beatbook_core::sync::RecordKind;
    use serde_json::json;

    /// A team's report of a recent period, over a year of many teams' contacts: index ranges of
    /// `records_team_report`, never a scan of the records.
    #[test]
    fn a_teams_report_reads_its_reach_range_and_never_scans_the_records() {
        let Some(schema) = TestSchema::create() else {
            return;
        };
        let storage = PostgresStorage::open(schema.url()).expect("open");
        let teams: Vec<TeamId> = (0..20).map(|_| TeamId::new()).collect();
        let contacts = (0..4000)
            .map(|i| {
                let mut record = row(RecordKind::Contact, &format!("c{i}"), false);
                record.meta.team_id = Some(teams[i % teams.len()]);
                let hlc = record.state.fields.values().next().expect("a field").hlc;
                let (day, month) = (1 + i % 28, 1 + (i / 28) % 12);
                let at = json!(format!("2026-{month:02}-{day:02}T09:00:00Z"));
                let occurred = FieldState { value: at, hlc };
                record.state.fields.insert("occurred_at".into(), occurred);
                record
            })
            .collect();
        put_all(&storage, contacts);
        let mut client = storage.client().expect("client");
        client.batch_execute("ANALYZE").expect("analyze");
        let december =
            beatbook_core::reports::read_from_day("2026-12-01T00:00:00Z".parse().expect("a time"));
        let plan: Vec<String> = client
            .query(
                &format!("EXPLAIN {}", report_sql(REPORT_KINDS)),
                &[&Some(teams[3].to_string()), &Some(december)],
            )
            .expect("explain")
            .iter()
            .map(|r| r.get(0))
            .collect();
        let plan = plan.join("\n");
        assert!(plan.contains("records_team_report"), "{plan}");
        assert!(!plan.contains("Seq Scan on records"), "{plan}");
    }
}
