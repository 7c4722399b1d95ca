//! Feed pages and the head in PostgreSQL, read in one REPEATABLE READ snapshot: the head is the
//! committed `feed.last_seq` in the same snapshot as the rows, so it is the highest seq
//! committed and visible (batches commit in seq order, `records.rs`).
//!
//! The query has one arm per way a record can be admitted (force-wide kinds, the team's kinds,
//! the member's kinds), each walked in seq order along an index and cut off at the page size,
//! then merged: a page costs a few page-sizes of index steps however long the feed is (the
//! SQLite store's `feed_sql`, for the same reason).

use super::convert::{parsed, parsed_opt, seq, seq_param};
use crate::storage::page_budget::PageBudget;
use crate::storage::retention_index::Cutoffs;
use crate::storage::{
    kind_list, FeedFilter, FeedPage, StorageResult, StoredFeedPage, StoredFeedRow,
};
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::ToSql;
use postgres::{Client, GenericClient, IsolationLevel};

/// Query parameters, numbered as they are added.
#[derive(Default)]
struct Params {
    values: Vec<Box<dyn ToSql + Sync>>,
}

impl Params {
    /// Adds a value; returns its placeholder (`$n`).
    fn add(&mut self, value: impl ToSql + Sync + 'static) -> String {
        self.values.push(Box::new(value));
        format!("${}", self.values.len())
    }

    fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.values.iter().map(|v| v.as_ref()).collect()
    }
}

const COLUMNS: &str =
    "r.seq, r.kind, r.record_id, r.subject_kind, r.field_values, r.erased, r.clocks";

/// The feed query for `filter` after `after`, at most `limit` rows, and its parameters.
fn feed_sql(filter: &FeedFilter, after: u64, limit: i64) -> StorageResult<(String, Params)> {
    let mut p = Params::default();
    let after = p.add(seq_param(after)?);
    let limit = p.add(limit);
    let not_echo = match filter.echoes_of {
        Some(device) => format!(
            "r.echo_device IS DISTINCT FROM {}",
            p.add(device.to_string())
        ),
        None => "TRUE".into(),
    };
    // Expired governed records are left out: one primary-key probe of the retention index
    // per row (`retention_index::Cutoffs`).
    let not_echo = match &filter.retention {
        Some(cutoffs) => {
            let placeholders: Vec<String> = cutoffs
                .values()
                .into_iter()
                .map(|v| format!("{}::bigint", p.add(v)))
                .collect();
            format!(
                "{not_echo} AND {}",
                Cutoffs::not_expired_sql("TRUE", &placeholders)
            )
        }
        None => not_echo,
    };
    let mut arms = Vec::new();
    if !filter.global_kinds.is_empty() {
        arms.push(format!(
            "SELECT {COLUMNS} FROM records r
             WHERE r.team_id IS NULL AND r.seq > {after} AND r.kind IN ({}) AND {not_echo}
             ORDER BY r.seq LIMIT {limit}",
            kind_list(&filter.global_kinds)
        ));
    }
    if let Some(team) = filter.team_id {
        let team = p.add(team.to_string());
        if !filter.team_kinds.is_empty() {
            arms.push(format!(
                "SELECT {COLUMNS} FROM records r
                 WHERE r.team_id = {team} AND r.seq > {after} AND r.kind IN ({}) AND {not_echo}
                 ORDER BY r.seq LIMIT {limit}",
                kind_list(&filter.team_kinds)
            ));
        }
        if !filter.member_kinds.is_empty() {
            let member = p.add(filter.member.to_string());
            arms.push(format!(
                "SELECT {COLUMNS} FROM record_members m
                   JOIN records r ON r.kind = m.kind AND r.record_id = m.record_id
                 WHERE m.user_id = {member} AND m.kind IN ({}) AND r.team_id = {team}
                   AND r.seq > {after} AND {not_echo}
                 ORDER BY r.seq LIMIT {limit}",
                kind_list(&filter.member_kinds)
            ));
        }
    }
    if arms.is_empty() {
        return Ok((
            format!("SELECT {COLUMNS} FROM records r WHERE FALSE"),
            Params::default(),
        ));
    }
    let merged = arms
        .iter()
        .map(|arm| format!("({arm})"))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    Ok((
        format!("SELECT * FROM ({merged}) AS page ORDER BY seq LIMIT {limit}"),
        p,
    ))
}

/// One page of the feed and the head, in one snapshot.
pub(super) fn feed_page(
    client: &mut Client,
    filter: &FeedFilter,
    after: u64,
    limit: u32,
    max_bytes: usize,
) -> StorageResult<FeedPage> {
    feed_page_stored(client, filter, after, limit, max_bytes)?.join()
}

/// [`feed_page`] with each record as stored: its values' JSON text and its clocks' bytes
/// (`storage::stored_feed`).
pub(super) fn feed_page_stored(
    client: &mut Client,
    filter: &FeedFilter,
    after: u64,
    limit: u32,
    max_bytes: usize,
) -> StorageResult<StoredFeedPage> {
    let (sql, params) = feed_sql(filter, after, i64::from(limit) + 1)?;
    let mut tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    let mut budget = PageBudget::new(limit, max_bytes);
    let mut rows = Vec::new();
    {
        // Rows are taken as they arrive and taking stops at the budget (the rest of the
        // answer is discarded by the client): a page of large records is never held whole.
        let mut raw = tx.query_raw(&sql, params.refs())?;
        while let Some(r) = raw.next()? {
            let record_id: String = r.try_get(2)?;
            let values: String = r.try_get(4)?;
            let clocks: Vec<u8> = r.try_get(6)?;
            if !budget.admit(record_id.len() + values.len() + clocks.len()) {
                break;
            }
            rows.push(StoredFeedRow {
                seq: seq(r.try_get(0)?)?,
                kind: parsed(&r, 1, "record kind")?,
                record_id,
                subject_kind: parsed_opt(&r, 3, "record kind")?,
                erased: r.try_get(5)?,
                values,
                clocks,
            });
        }
    }
    let head = head(&mut tx)?;
    tx.commit()?;
    Ok(StoredFeedPage {
        rows,
        has_more: budget.cut(),
        head,
    })
}

/// The highest committed seq in the caller's snapshot.
pub(super) fn head(client: &mut impl GenericClient) -> StorageResult<u64> {
    let row = client.query_one("SELECT last_seq FROM feed WHERE id = 1", &[])?;
    seq(row.try_get(0)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::conformance::{put_all, row};
    use crate::storage::postgres::testing::TestSchema;
    use crate::storage::postgres::PostgresStorage;
    use beatbook_core::ids::{DeviceId, TeamId, UserId};
    use beatbook_core::sync::RecordKind;

    /// The plan PostgreSQL picks for a team's first page over a feed of many teams: the arms are
    /// merged in seq order and cut off at the page size, each on an index; nothing scans the
    /// table. (At this size the planner walks the team arm along `seq`'s own index, filtering
    /// by team, rather than `records_team_seq`: cheaper while a team is a large share of the
    /// feed; both stop after a page.)
    #[test]
    fn a_feed_page_walks_indexes_and_never_scans_the_feed() {
        let Some(schema) = TestSchema::create() else {
            return;
        };
        let storage = PostgresStorage::open(schema.url()).expect("open");
        let teams: Vec<TeamId> = (0..20).map(|_| TeamId::new()).collect();
        let member = UserId::new();
        let notes = (0..4000)
            .map(|i| {
                let mut record = row(RecordKind::Note, &format!("n{i}"), false);
                record.meta.team_id = Some(teams[i % teams.len()]);
                if i % 7 == 0 {
                    record.meta.members = vec![member];
                }
                record
            })
            .collect();
        put_all(&storage, notes);
        let filter = FeedFilter {
            team_id: Some(teams[3]),
            team_kinds: vec![RecordKind::Note, RecordKind::Patrol],
            member_kinds: vec![RecordKind::Review],
            member,
            global_kinds: vec![RecordKind::User],
            echoes_of: Some(DeviceId::new()),
            // With the retention probe: primary-key lookups of the index, never a scan.
            retention: Some(crate::storage::retention_index::Cutoffs {
                now_ms: 1,
                anchors: vec![(RecordKind::Note, 0)],
            }),
        };
        let (sql, params) = feed_sql(&filter, 0, 26).expect("sql");
        let mut client = storage.client().expect("client");
        client.batch_execute("ANALYZE").expect("analyze");
        let plan: Vec<String> = client
            .query(&format!("EXPLAIN {sql}"), &params.refs())
            .expect("explain")
            .iter()
            .map(|r| r.get(0))
            .collect();
        let plan = plan.join("\n");
        assert!(plan.starts_with("Limit"), "{plan}");
        assert!(plan.contains("Merge Append"), "{plan}");
        assert!(!plan.contains("Seq Scan on records"), "{plan}");
        assert!(!plan.contains("Seq Scan on record_members"), "{plan}");
        assert!(!plan.contains("Seq Scan on retention_index"), "{plan}");
        // What is expired: index ranges.
        for (range, index) in [
            (super::super::retention::ANCHOR_RANGE, "retention_by_anchor"),
            (super::super::retention::UNTIL_RANGE, "retention_by_until"),
        ] {
            let plan: Vec<String> = client
                .query(
                    &format!("EXPLAIN {range}"),
                    &[&"note", &0_i64, &None::<String>, &10_i64],
                )
                .expect("explain")
                .iter()
                .map(|r| r.get(0))
                .collect();
            let plan = plan.join("\n");
            assert!(plan.contains(index), "{plan}");
            assert!(!plan.contains("Seq Scan"), "{plan}");
        }
    }
}
