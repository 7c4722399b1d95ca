//! Synced records in PostgreSQL: the one write path every change takes (`write_batch`).
//!
//! Why a lock on the `feed` row first: under READ COMMITTED two batches could otherwise load
//! the same old record, merge onto it and commit one after the other, the second silently
//! dropping the first's field; two retries of one batch could both pass the duplicate check;
//! and seqs from a sequence would commit out of order, so a reader jumping to the head could
//! skip a change that commits late with a lower seq. `SELECT … FOR UPDATE` on the one feed row
//! as the batch's first statement serialises batches from their start (across every instance
//! on the database); each statement after it reads what was committed before it; the batch
//! takes its seqs from the counter it holds and writes the counter back once. So commit order
//! is seq order and the committed `last_seq` is the highest visible seq.

use super::convert::{parsed_opt, seq, seq_param};
use super::people;
use crate::storage::compact::{join, split};
use crate::storage::echo::{echo_device, PreviousChange};
use crate::storage::{
    ConflictScrub, CurrentRecord, Decision, PendingWrite, RecordMeta, RecordRow, StorageError,
    StorageResult, WriteOutcome, WriteTarget,
};
use beatbook_core::sync::merge::RecordState;
use beatbook_core::sync::RecordKind;
use postgres::{Client, Statement, Transaction};
use std::collections::HashMap;

/// When a batch takes the feed lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FeedLock {
    /// As its first statement: the contract.
    AtStart,
    /// Only before its first seq, after its duplicate checks and loads: the deliberately broken
    /// lock the conformance suite must catch (`conformance.rs`).
    #[cfg(test)]
    BeforeFirstSeq,
}

/// A batch's transaction, its seq counter and the statements it prepared (each prepared once
/// per batch, not once per op).
pub(super) struct Batch<'c> {
    pub(super) tx: Transaction<'c>,
    last_seq: u64,
    locked: bool,
    statements: HashMap<&'static str, Statement>,
}

impl<'c> Batch<'c> {
    /// A batch on `tx` that has not taken the feed lock (reads, and the retention index's
    /// migration step).
    pub(super) fn new(tx: Transaction<'c>) -> Self {
        Batch {
            tx,
            last_seq: 0,
            locked: false,
            statements: HashMap::new(),
        }
    }

    pub(super) fn statement(&mut self, sql: &'static str) -> StorageResult<Statement> {
        if let Some(stmt) = self.statements.get(sql) {
            return Ok(stmt.clone());
        }
        let stmt = self.tx.prepare(sql)?;
        self.statements.insert(sql, stmt.clone());
        Ok(stmt)
    }

    /// Takes the feed lock (once) and reads the counter under it.
    fn lock(&mut self) -> StorageResult<()> {
        if !self.locked {
            let locked: i64 = self
                .tx
                .query_one("SELECT last_seq FROM feed WHERE id = 1 FOR UPDATE", &[])?
                .try_get(0)?;
            self.last_seq = seq(locked)?;
            self.locked = true;
        }
        Ok(())
    }

    fn next_seq(&mut self) -> StorageResult<u64> {
        self.lock()?;
        self.last_seq += 1;
        Ok(self.last_seq)
    }
}

/// Applies a batch of changes in one transaction, serialised with every other batch from its
/// first statement, committed once.
pub(super) fn write_batch(
    client: &mut Client,
    writes: &mut [PendingWrite<'_>],
    lock: FeedLock,
) -> StorageResult<Vec<WriteOutcome>> {
    let tx = client.transaction()?;
    let mut batch = Batch {
        tx,
        last_seq: 0,
        locked: false,
        statements: HashMap::new(),
    };
    if lock == FeedLock::AtStart {
        batch.lock()?;
    }
    let first = batch.last_seq;
    let mut outcomes = Vec::with_capacity(writes.len());
    let mut audit = Vec::new();
    for write in writes.iter_mut() {
        outcomes.push(write_one(
            &mut batch,
            &write.target,
            &mut *write.decide,
            &mut audit,
        )?);
    }
    let Batch {
        mut tx, last_seq, ..
    } = batch;
    if last_seq != first {
        tx.execute(
            "UPDATE feed SET last_seq = $1 WHERE id = 1",
            &[&seq_param(last_seq)?],
        )?;
    }
    // The batch's s.62 entries, chained in one statement before the one commit.
    super::audit::append_in(&mut tx, &audit)?;
    tx.commit()?;
    Ok(outcomes)
}

/// Applies one change inside the batch's transaction. A rejection returns before any write.
fn write_one(
    batch: &mut Batch<'_>,
    target: &WriteTarget,
    decide: &mut dyn FnMut(&CurrentRecord) -> Decision,
    audit: &mut Vec<crate::storage::ServerAudit>,
) -> StorageResult<WriteOutcome> {
    // Op ids are scoped to the device that made them (migration 0002).
    let device = target.device_id.map(|d| d.to_string()).unwrap_or_default();
    if let Some(op_id) = target.op_id {
        let stmt =
            batch.statement("SELECT 1 FROM applied_ops WHERE device_id = $1 AND op_id = $2")?;
        if batch.tx.query_opt(&stmt, &[&device, &op_id])?.is_some() {
            return Ok(WriteOutcome::Duplicate);
        }
    }
    let (mut current, previous) = load(batch, target.kind, &target.record_id)?;
    if let Some(kind) = crate::storage::companion_kind(target.kind) {
        let (companion, _) = load(batch, kind, &target.record_id)?;
        current.companion = companion.exists.then_some(companion.state);
    }
    if let Some((kind, id)) = crate::storage::reviewed_record(target.kind, &target.record_id) {
        let (reviewed, _) = load(batch, kind, &id)?;
        current.reviewed = (reviewed.exists && !reviewed.state.erased).then_some(reviewed.meta);
    }
    let (outcome, seq) = match decide(&current) {
        Decision::Reject { code, message } => {
            return Ok(WriteOutcome::Rejected { code, message });
        }
        Decision::Unchanged => (
            WriteOutcome::Applied {
                seq: None,
                conflicts: 0,
            },
            None,
        ),
        Decision::Write {
            record,
            extra,
            reference_rows,
            scrub_conflicts,
            audit: entries,
        } => {
            let scrub = scrub_conflicts != ConflictScrub::Keep;
            audit.extend(entries);
            if record.kind != target.kind || record.record_id != target.record_id {
                return Err(StorageError::Invalid(
                    "a decision may only write the record it was asked about".into(),
                ));
            }
            for row in &reference_rows {
                people::upsert_reference(&mut batch.tx, row, target.now_ms)?;
            }
            let echo = echo_device(
                target,
                &current,
                previous.as_ref(),
                extra.is_empty() && !scrub,
            );
            let seq = upsert(batch, &record, target.now_ms, echo.as_deref())?;
            super::retention::index(batch, &record)?;
            for row in &extra {
                upsert(batch, row, target.now_ms, None)?;
            }
            if scrub {
                erase_conflicts_about(
                    batch,
                    record.kind,
                    &record.record_id,
                    scrub_conflicts,
                    target.now_ms,
                )?;
            }
            (
                WriteOutcome::Applied {
                    seq: Some(seq),
                    conflicts: extra.len(),
                },
                Some(seq),
            )
        }
    };
    if let Some(op_id) = target.op_id {
        let stmt = batch.statement(
            "INSERT INTO applied_ops (op_id, device_id, seq, received_at) VALUES ($1, $2, $3, $4)",
        )?;
        let seq = seq.map(seq_param).transpose()?;
        batch
            .tx
            .execute(&stmt, &[&op_id, &device, &seq, &target.now_ms])?;
    }
    Ok(outcome)
}

/// The record's current state (empty and `exists: false` if never written) with its members,
/// in one round trip, and where its latest change sits in the feed.
pub(super) fn load(
    batch: &mut Batch<'_>,
    kind: RecordKind,
    id: &str,
) -> StorageResult<(CurrentRecord, Option<PreviousChange>)> {
    let stmt = batch.statement(
        "SELECT team_id, owner_user_id, subject_kind, subject_id, field_values, clocks, erased,
           seq, echo_device,
           ARRAY(SELECT m.user_id FROM record_members m
                 WHERE m.kind = r.kind AND m.record_id = r.record_id ORDER BY m.user_id)
         FROM records r WHERE kind = $1 AND record_id = $2",
    )?;
    let Some(row) = batch.tx.query_opt(&stmt, &[&kind.as_str(), &id])? else {
        return Ok((CurrentRecord::default(), None));
    };
    let subject_kind: Option<RecordKind> = parsed_opt(&row, 2, "record kind")?;
    let subject_id: Option<String> = row.try_get(3)?;
    let values: String = row.try_get(4)?;
    let clocks: Vec<u8> = row.try_get(5)?;
    let members: Vec<String> = row.try_get(9)?;
    let members = members
        .iter()
        .map(|m| {
            m.parse()
                .map_err(|_| StorageError::Corrupt("a stored member id does not parse".into()))
        })
        .collect::<StorageResult<Vec<_>>>()?;
    let current = CurrentRecord {
        exists: true,
        meta: RecordMeta {
            team_id: parsed_opt(&row, 0, "team id")?,
            owner: parsed_opt(&row, 1, "user id")?,
            subject: subject_kind.zip(subject_id),
            members,
        },
        state: RecordState {
            fields: join(&values, &clocks)?,
            erased: row.try_get(6)?,
        },
        companion: None,
        reviewed: None,
    };
    let previous = PreviousChange {
        seq: seq(row.try_get(7)?)?,
        echo_device: row.try_get(8)?,
    };
    Ok((current, Some(previous)))
}

/// Writes a record's whole state (and its members) with the next seq; returns the seq.
fn upsert(
    batch: &mut Batch<'_>,
    row: &RecordRow,
    now_ms: i64,
    echo_device: Option<&str>,
) -> StorageResult<u64> {
    let seq = batch.next_seq()?;
    let (values, clocks) = split(&row.state.fields)?;
    let (subject_kind, subject_id) = match &row.meta.subject {
        Some((kind, id)) => (Some(kind.as_str()), Some(id.as_str())),
        None => (None, None),
    };
    let stmt = batch.statement(
        "INSERT INTO records (kind, record_id, team_id, owner_user_id, subject_kind, subject_id,
           field_values, clocks, erased, seq, created_at, updated_at, echo_device, report_until_day)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13)
         ON CONFLICT (kind, record_id) DO UPDATE SET team_id = excluded.team_id,
           owner_user_id = excluded.owner_user_id, subject_kind = excluded.subject_kind,
           subject_id = excluded.subject_id, field_values = excluded.field_values,
           clocks = excluded.clocks, erased = excluded.erased,
           seq = excluded.seq, updated_at = excluded.updated_at,
           echo_device = excluded.echo_device, report_until_day = excluded.report_until_day",
    )?;
    batch.tx.execute(
        &stmt,
        &[
            &row.kind.as_str(),
            &row.record_id,
            &row.meta.team_id.map(|t| t.to_string()),
            &row.meta.owner.map(|u| u.to_string()),
            &subject_kind,
            &subject_id,
            &values,
            &clocks,
            &row.state.erased,
            &seq_param(seq)?,
            &now_ms,
            &echo_device,
            &crate::storage::report_rows::reach_of(row.kind, &row.state),
        ],
    )?;
    let stmt = batch.statement("DELETE FROM record_members WHERE kind = $1 AND record_id = $2")?;
    batch
        .tx
        .execute(&stmt, &[&row.kind.as_str(), &row.record_id])?;
    if !row.meta.members.is_empty() {
        let members: Vec<String> = row.meta.members.iter().map(|m| m.to_string()).collect();
        let stmt = batch.statement(
            "INSERT INTO record_members (kind, record_id, user_id)
             SELECT $1, $2, u FROM unnest($3::text[]) AS u ON CONFLICT DO NOTHING",
        )?;
        batch
            .tx
            .execute(&stmt, &[&row.kind.as_str(), &row.record_id, &members])?;
    }
    Ok(seq)
}

/// Erases the conflicts about a record that `scrub` takes (every one, or those about one
/// field): a conflict holds copies of the record's values.
fn erase_conflicts_about(
    batch: &mut Batch<'_>,
    kind: RecordKind,
    id: &str,
    scrub: ConflictScrub,
    now_ms: i64,
) -> StorageResult<()> {
    let stmt = batch.statement(
        "SELECT record_id, field_values FROM records
         WHERE subject_kind = $1 AND subject_id = $2 AND kind = $3 AND NOT erased
         ORDER BY record_id",
    )?;
    let about: Vec<(String, String)> = batch
        .tx
        .query(
            &stmt,
            &[&kind.as_str(), &id, &RecordKind::Conflict.as_str()],
        )?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_, postgres::Error>>()?;
    let (empty_values, empty_clocks) = split(&Default::default())?;
    for (conflict, values) in about {
        if let ConflictScrub::Field(field) = scrub {
            if crate::storage::conflict_field(&values)? != field {
                continue;
            }
        }
        let seq = seq_param(batch.next_seq()?)?;
        let stmt = batch.statement(
            "UPDATE records SET field_values = $3, clocks = $4, erased = TRUE, seq = $5,
               updated_at = $6, echo_device = NULL
             WHERE kind = $1 AND record_id = $2",
        )?;
        batch.tx.execute(
            &stmt,
            &[
                &RecordKind::Conflict.as_str(),
                &conflict,
                &empty_values,
                &empty_clocks,
                &seq,
                &now_ms,
            ],
        )?;
        let stmt = batch.statement(
            "UPDATE retention_index SET held = FALSE WHERE kind = $1 AND record_id = $2",
        )?;
        batch
            .tx
            .execute(&stmt, &[&RecordKind::Conflict.as_str(), &conflict])?;
    }
    Ok(())
}
