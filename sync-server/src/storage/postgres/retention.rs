//! The retention index in PostgreSQL (`storage::retention_index`, as the SQLite store's
//! `retention.rs`): kept in the batch that writes each record ([`index`]), filled by migration
//! 0006's step ([`backfill`]), read by ranges ([`entries`]) and parents ([`children`]).

use super::convert::parsed_opt;
use super::records::{load, Batch};
use crate::storage::retention_index::{writes_for, IndexWrite, RetentionEntry, RetentionRange};
use crate::storage::{CurrentRecord, RecordMeta, RecordRow, StorageResult};
use beatbook_core::retention::RetainedKind;
use beatbook_core::sync::merge::RecordState;
use beatbook_core::sync::RecordKind;
use postgres::{Client, GenericClient, Transaction};

/// Applies the index changes of writing `row`, in the batch's transaction.
pub(super) fn index(batch: &mut Batch<'_>, row: &RecordRow) -> StorageResult<()> {
    for write in writes_for(row) {
        match write {
            IndexWrite::Own {
                kind,
                record_id,
                team_id,
                held,
                anchor_ms,
                parent,
            } => {
                let (parent_kind, parent_id) = match parent {
                    Some((k, id)) => (Some(k.record_kind().as_str()), Some(id)),
                    None => (None, None),
                };
                let stmt = batch.statement(
                    "INSERT INTO retention_index
                       (kind, record_id, team_id, held, anchor_ms, parent_kind, parent_id)
                     VALUES ($1, $2, $3, $4,
                       CASE WHEN $8 THEN $5
                       ELSE (SELECT p.anchor_ms FROM retention_index p
                             WHERE p.kind = $6 AND p.record_id = $7) END,
                       $6, $7)
                     ON CONFLICT (kind, record_id) DO UPDATE SET team_id = excluded.team_id,
                       held = excluded.held,
                       anchor_ms = CASE WHEN $8 THEN excluded.anchor_ms
                                   ELSE retention_index.anchor_ms END,
                       parent_kind = coalesce(excluded.parent_kind, retention_index.parent_kind),
                       parent_id = coalesce(excluded.parent_id, retention_index.parent_id)",
                )?;
                batch.tx.execute(
                    &stmt,
                    &[
                        &kind.as_str(),
                        &record_id,
                        &team_id,
                        &held,
                        &anchor_ms.flatten(),
                        &parent_kind,
                        &parent_id,
                        &anchor_ms.is_some(),
                    ],
                )?;
            }
            IndexWrite::Anchor {
                kind,
                record_id,
                anchor_ms,
            } => {
                let stmt = batch.statement(
                    "UPDATE retention_index SET anchor_ms = $3 WHERE kind = $1 AND record_id = $2",
                )?;
                batch
                    .tx
                    .execute(&stmt, &[&kind.as_str(), &record_id, &anchor_ms])?;
            }
            IndexWrite::Retain {
                kind,
                record_id,
                team_id,
                until_ms,
            } => {
                let stmt = batch.statement(
                    "INSERT INTO retention_index
                       (kind, record_id, team_id, held, retained_until_ms)
                     VALUES ($1, $2, $3, FALSE, $4)
                     ON CONFLICT (kind, record_id)
                     DO UPDATE SET retained_until_ms = excluded.retained_until_ms",
                )?;
                batch
                    .tx
                    .execute(&stmt, &[&kind.as_str(), &record_id, &team_id, &until_ms])?;
            }
        }
    }
    Ok(())
}

/// Migration 0006's step: the index for every stored record (in a savepoint of the
/// migration's transaction).
pub(super) fn backfill(tx: &mut Transaction<'_>) -> StorageResult<()> {
    let rows = tx.query(
        "SELECT kind, record_id, team_id, field_values, clocks, erased, subject_kind, subject_id
         FROM records
         WHERE kind IN ('contact', 'contact_personal', 'note', 'patrol', 'problem', 'follow_up',
           'problem_step', 'stage_request', 'retention_review', 'conflict')",
        &[],
    )?;
    let mut batch = Batch::new(tx.transaction()?);
    for r in rows {
        let values: String = r.try_get(3)?;
        let clocks: Vec<u8> = r.try_get(4)?;
        let row = RecordRow {
            kind: super::convert::parsed(&r, 0, "record kind")?,
            record_id: r.try_get(1)?,
            meta: RecordMeta {
                team_id: parsed_opt(&r, 2, "team id")?,
                subject: parsed_opt::<RecordKind>(&r, 6, "record kind")?
                    .zip(r.try_get::<_, Option<String>>(7)?),
                ..RecordMeta::default()
            },
            state: RecordState {
                fields: crate::storage::compact::join(&values, &clocks)?,
                erased: r.try_get(5)?,
            },
        };
        index(&mut batch, &row)?;
    }
    batch.tx.commit()?;
    Ok(())
}

fn entry(kind: RetainedKind, r: &postgres::Row) -> StorageResult<RetentionEntry> {
    Ok(RetentionEntry {
        kind,
        record_id: r.try_get(0)?,
        team_id: parsed_opt(r, 1, "team id")?,
        anchor_ms: r.try_get(2)?,
        retained_until_ms: r.try_get(3)?,
    })
}

/// The held records of a range (the SQLite store's `entries`): two index ranges.
pub(super) fn entries(
    client: &mut impl GenericClient,
    range: &RetentionRange,
) -> StorageResult<Vec<RetentionEntry>> {
    let kind = range.kind.record_kind().as_str();
    let team = range.team.map(|t| t.to_string());
    let limit = i64::from(range.limit);
    let mut found = Vec::new();
    if let Some(through) = range.anchor_through_ms {
        for r in client.query(ANCHOR_RANGE, &[&kind, &through, &team, &limit])? {
            found.push(entry(range.kind, &r)?);
        }
    }
    let left = limit - i64::try_from(found.len()).unwrap_or(limit);
    if left > 0 {
        for r in client.query(UNTIL_RANGE, &[&kind, &range.until_through_ms, &team, &left])? {
            found.push(entry(range.kind, &r)?);
        }
    }
    Ok(found)
}

/// Held, never retained, anchored at or before `$2` (index `retention_by_anchor`).
pub(super) const ANCHOR_RANGE: &str =
    "SELECT record_id, team_id, anchor_ms, retained_until_ms FROM retention_index
     WHERE kind = $1 AND held AND retained_until_ms IS NULL AND anchor_ms <= $2
       AND ($3::text IS NULL OR team_id = $3)
     ORDER BY anchor_ms LIMIT $4";

/// Held, retained until at or before `$2` (index `retention_by_until`).
pub(super) const UNTIL_RANGE: &str =
    "SELECT record_id, team_id, anchor_ms, retained_until_ms FROM retention_index
     WHERE kind = $1 AND held AND retained_until_ms <= $2
       AND ($3::text IS NULL OR team_id = $3)
     ORDER BY retained_until_ms LIMIT $4";

/// The held children of a governed record.
pub(super) fn children(
    client: &mut impl GenericClient,
    parent: RetainedKind,
    parent_id: &str,
) -> StorageResult<Vec<(RecordKind, String)>> {
    client
        .query(
            "SELECT kind, record_id FROM retention_index
             WHERE parent_kind = $1 AND parent_id = $2 AND held
             ORDER BY kind, record_id",
            &[&parent.record_kind().as_str(), &parent_id],
        )?
        .iter()
        .map(|r| {
            Ok((
                super::convert::parsed(r, 0, "record kind")?,
                r.try_get::<_, String>(1)?,
            ))
        })
        .collect()
}

/// One record as stored now.
pub(super) fn record(
    client: &mut Client,
    kind: RecordKind,
    record_id: &str,
) -> StorageResult<Option<CurrentRecord>> {
    let mut batch = Batch::new(client.transaction()?);
    let (current, _) = load(&mut batch, kind, record_id)?;
    batch.tx.commit()?;
    Ok(current.exists.then_some(current))
}
