//! Synced records and the change feed in SQLite: the one write path every change takes
//! (`write_batch`), and feed pages read in one snapshot (`feed_page`).

use super::people;
use crate::storage::echo::{echo_device, PreviousChange};
use crate::storage::packed_values::StoredValues;
use crate::storage::page_budget::PageBudget;
use crate::storage::retention_index::Cutoffs;
use crate::storage::stored_ahead::Ahead;
use crate::storage::{
    kind_list, ConflictScrub, CurrentRecord, Decision, FeedFilter, FeedPage, PendingWrite,
    RecordMeta, RecordRow, StorageError, StorageResult, StoredFeedPage, StoredFeedRow,
    WriteOutcome, WriteTarget,
};
use beatbook_core::ids::UserId;
use beatbook_core::logged_record_id::LoggedRecordId;
use beatbook_core::sync::merge::RecordState;
use beatbook_core::sync::RecordKind;
use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

/// Applies a batch of changes in one `BEGIN IMMEDIATE` transaction, committed once. Returns
/// the outcomes and whether a record or its conflicts were erased (the caller then checkpoints
/// the WAL).
pub(super) fn write_batch(
    conn: &mut Connection,
    writes: &mut [PendingWrite<'_>],
) -> StorageResult<(Vec<WriteOutcome>, bool)> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut seqs = FeedSeqs::read(&tx)?;
    let mut outcomes = Vec::with_capacity(writes.len());
    let mut any_erased = false;
    let mut audit = Vec::new();
    for write in writes.iter_mut() {
        let (outcome, erased) = write_one(
            &tx,
            &mut seqs,
            &write.target,
            &mut *write.decide,
            write.ahead,
            &mut audit,
        )?;
        outcomes.push(outcome);
        any_erased |= erased;
    }
    seqs.save(&tx)?;
    // The batch's s.62 entries, chained in one go before the one commit.
    super::audit::append_in(&tx, &audit)?;
    tx.commit()?;
    Ok((outcomes, any_erased))
}

/// Applies one change inside the batch's transaction. A rejection returns before any write,
/// so a refused op leaves nothing behind.
fn write_one(
    tx: &Connection,
    seqs: &mut FeedSeqs,
    target: &WriteTarget,
    decide: &mut dyn FnMut(&CurrentRecord) -> Decision,
    ahead: Option<Ahead<'_>>,
    audit: &mut Vec<crate::storage::ServerAudit>,
) -> StorageResult<(WriteOutcome, bool)> {
    // Op ids are scoped to the device that made them (migration 0005), both kept as their
    // 16 bytes (0013); a server-made change has no device: the empty blob.
    let device: &[u8] = match &target.device_id {
        Some(d) => d.0.as_bytes(),
        None => &[],
    };
    if let Some(op_id) = target.op_id {
        let seen = tx
            .prepare_cached("SELECT 1 FROM applied_ops WHERE device_id = ?1 AND op_id = ?2")?
            .query_row(params![device, op_id.as_bytes()], |_| Ok(()))
            .optional()?
            .is_some();
        if seen {
            return Ok((WriteOutcome::Duplicate, false));
        }
    }
    let (mut current, previous) = load(tx, target.kind, &target.record_id)?;
    if let Some(kind) = crate::storage::companion_kind(target.kind) {
        let (companion, _) = load(tx, kind, &target.record_id)?;
        current.companion = companion.exists.then_some(companion.state);
    }
    if let Some((kind, id)) = crate::storage::reviewed_record(target.kind, &target.record_id) {
        let (reviewed, _) = load(tx, kind, &id)?;
        current.reviewed = (reviewed.exists && !reviewed.state.erased).then_some(reviewed.meta);
    }
    let (outcome, seq, erased) = match decide(&current) {
        Decision::Reject { code, message } => {
            return Ok((WriteOutcome::Rejected { code, message }, false));
        }
        Decision::Unchanged => (
            WriteOutcome::Applied {
                seq: None,
                conflicts: 0,
            },
            None,
            false,
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
                people::upsert_reference(tx, row, target.now_ms)?;
            }
            let echo = echo_device(
                target,
                &current,
                previous.as_ref(),
                extra.is_empty() && !scrub,
            );
            let stored = Stored {
                seq: seqs.next(),
                now_ms: target.now_ms,
                echo_device: echo.as_deref(),
                had_members: current.exists,
            };
            let seq = upsert(tx, &stored, &record, ahead)?;
            super::retention::index(tx, &record)?;
            for row in &extra {
                let stored = Stored {
                    seq: seqs.next(),
                    now_ms: target.now_ms,
                    echo_device: None,
                    had_members: true,
                };
                upsert(tx, &stored, row, None)?;
            }
            if scrub {
                erase_conflicts_about(
                    tx,
                    seqs,
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
                // Erasing a record's conflicts (a redaction) drops personal values too.
                record.state.erased || scrub,
            )
        }
    };
    if let Some(op_id) = target.op_id {
        tx.prepare_cached(
            "INSERT INTO applied_ops (op_id, device_id, seq, received_at) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            op_id.as_bytes(),
            device,
            seq.map(|s| s as i64),
            target.now_ms
        ])?;
    }
    Ok((outcome, erased))
}

/// The record's current state (empty and `exists: false` if never written), and where its
/// latest change sits in the feed.
pub(super) fn load(
    conn: &Connection,
    kind: RecordKind,
    id: &str,
) -> StorageResult<(CurrentRecord, Option<PreviousChange>)> {
    let row = conn
        .prepare_cached(
            "SELECT team_id, owner_user_id, subject_kind, subject_id, field_values, erased, seq,
               echo_device, clocks
             FROM records WHERE kind = ?1 AND record_id = ?2",
        )?
        .query_row(params![kind, LoggedRecordId::stored(id)], |r| {
            Ok((
                (
                    r.get(0)?,
                    r.get(1)?,
                    r.get::<_, Option<RecordKind>>(2)?,
                    r.get::<_, Option<LoggedRecordId>>(3)?.map(|id| id.0),
                    (r.get::<_, StoredValues>(4)?, r.get::<_, Vec<u8>>(8)?),
                    r.get::<_, bool>(5)?,
                ),
                r.get::<_, i64>(6)?,
                r.get::<_, Option<LoggedRecordId>>(7)?.map(|d| d.0),
            ))
        })
        .optional()?;
    let Some(((team_id, owner, subject_kind, subject_id, fields, erased), seq, echo_device)) = row
    else {
        return Ok((CurrentRecord::default(), None));
    };
    let previous = PreviousChange {
        seq: u64::try_from(seq)
            .map_err(|_| StorageError::Corrupt("negative feed position".into()))?,
        echo_device,
    };
    let members = conn
        .prepare_cached(
            "SELECT user_id FROM record_members WHERE kind = ?1 AND record_id = ?2 ORDER BY user_id",
        )?
        .query_map(params![kind, LoggedRecordId::stored(id)], |r| {
            r.get::<_, UserId>(0)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let current = CurrentRecord {
        exists: true,
        meta: RecordMeta {
            team_id,
            owner,
            subject: subject_kind.zip(subject_id),
            members,
        },
        state: RecordState {
            fields: crate::storage::compact::join(&fields.0.json()?, &fields.1)?,
            erased,
        },
        companion: None,
        reviewed: None,
    };
    Ok((current, Some(previous)))
}

/// The feed positions one write transaction hands out: `feed.last_seq` is read once when it
/// starts and written once before it commits. (An `UPDATE … RETURNING` per record was 6% of the
/// server's time in a push.) Only the transaction's writer moves the feed, so the positions
/// are as if each had been taken from the row.
struct FeedSeqs {
    /// `last_seq` as the transaction found it.
    at_start: u64,
    /// The last position handed out.
    last: u64,
}

impl FeedSeqs {
    fn read(conn: &Connection) -> StorageResult<Self> {
        let last = head(conn)?;
        Ok(Self {
            at_start: last,
            last,
        })
    }

    fn next(&mut self) -> u64 {
        self.last += 1;
        self.last
    }

    fn save(self, conn: &Connection) -> StorageResult<()> {
        if self.last != self.at_start {
            let last = i64::try_from(self.last)
                .map_err(|_| StorageError::Corrupt("feed position beyond 2^63".into()))?;
            conn.prepare_cached("UPDATE feed SET last_seq = ?1 WHERE id = 1")?
                .execute([last])?;
        }
        Ok(())
    }
}

/// How a record's write is stored beside its state.
struct Stored<'a> {
    /// Its feed position.
    seq: u64,
    now_ms: i64,
    /// The device this change is not sent back to, if any.
    echo_device: Option<&'a str>,
    /// Whether the record may have member rows already (it was stored before): a new record's
    /// are inserted without first deleting none.
    had_members: bool,
}

/// Writes a record's whole state as `stored` says, its values and clocks from `ahead` when it
/// holds them (`stored_ahead`); returns its feed position.
fn upsert(
    conn: &Connection,
    stored: &Stored<'_>,
    row: &RecordRow,
    ahead: Option<Ahead<'_>>,
) -> StorageResult<u64> {
    let Stored {
        seq,
        now_ms,
        echo_device,
        had_members,
    } = *stored;
    let worked_out = ahead.and_then(|a| a.stored_for(&row.state.fields));
    let packed_here;
    let (values, clocks): (&[u8], &[u8]) = match worked_out {
        Some(both) => both,
        None => {
            packed_here = crate::storage::compact::split_packed(&row.state.fields)?;
            (&packed_here.0, &packed_here.1)
        }
    };
    let (subject_kind, subject_id) = match &row.meta.subject {
        Some((kind, id)) => (Some(*kind), Some(LoggedRecordId::stored(id))),
        None => (None, None),
    };
    let record_id = LoggedRecordId::stored(&row.record_id);
    conn.prepare_cached(
        "INSERT INTO records (kind, record_id, team_id, owner_user_id, subject_kind, subject_id,
           field_values, clocks, erased, seq, created_at, updated_at, echo_device, report_until_day)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?12, ?8, ?9, ?10, ?10, ?11, ?13)
         ON CONFLICT (kind, record_id) DO UPDATE SET team_id = excluded.team_id,
           owner_user_id = excluded.owner_user_id, subject_kind = excluded.subject_kind,
           subject_id = excluded.subject_id, field_values = excluded.field_values,
           clocks = excluded.clocks, erased = excluded.erased,
           seq = excluded.seq, updated_at = excluded.updated_at,
           echo_device = excluded.echo_device, report_until_day = excluded.report_until_day",
    )?
    .execute(params![
        row.kind,
        record_id,
        row.meta.team_id.map(|t| packed(t.0)),
        row.meta.owner.map(|u| packed(u.0)),
        subject_kind,
        subject_id,
        values,
        row.state.erased,
        seq as i64,
        now_ms,
        echo_device.map(LoggedRecordId::stored),
        clocks,
        crate::storage::report_rows::reach_of(row.kind, &row.state),
    ])?;
    if had_members {
        conn.prepare_cached("DELETE FROM record_members WHERE kind = ?1 AND record_id = ?2")?
            .execute(params![row.kind, record_id])?;
    }
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO record_members (kind, record_id, user_id) VALUES (?1, ?2, ?3)",
    )?;
    for member in &row.meta.members {
        insert.execute(params![row.kind, record_id, member])?;
    }
    Ok(seq)
}

/// Erases the conflicts about a record that `scrub` takes (every one, or those about one
/// field): a conflict holds copies of the record's values.
fn erase_conflicts_about(
    conn: &Connection,
    seqs: &mut FeedSeqs,
    kind: RecordKind,
    id: &str,
    scrub: ConflictScrub,
    now_ms: i64,
) -> StorageResult<()> {
    let about: Vec<(LoggedRecordId, StoredValues)> = conn
        .prepare_cached(
            "SELECT record_id, field_values FROM records
             WHERE subject_kind = ?1 AND subject_id = ?2 AND kind = ?3 AND erased = 0",
        )?
        .query_map(
            params![kind, LoggedRecordId::stored(id), RecordKind::Conflict],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (conflict, values) in about {
        if let ConflictScrub::Field(field) = scrub {
            if crate::storage::conflict_field(&values.json()?)? != field {
                continue;
            }
        }
        let seq = seqs.next();
        conn.prepare_cached(
            "UPDATE records SET field_values = '{}', clocks = x'010000', erased = 1, seq = ?3,
               updated_at = ?4,
               echo_device = NULL
             WHERE kind = ?1 AND record_id = ?2",
        )?
        .execute(params![RecordKind::Conflict, conflict, seq as i64, now_ms])?;
        conn.prepare_cached(
            "UPDATE retention_index SET held = 0 WHERE kind = ?1 AND record_id = ?2",
        )?
        .execute(params![RecordKind::Conflict, conflict])?;
    }
    Ok(())
}

pub(super) fn head(conn: &Connection) -> StorageResult<u64> {
    let seq: i64 = conn.query_row("SELECT last_seq FROM feed WHERE id = 1", [], |r| r.get(0))?;
    u64::try_from(seq).map_err(|_| StorageError::Corrupt("negative feed position".into()))
}

/// The feed query for `filter`: `?1` the cursor, `?2` the team, `?3` the member, `?4` the
/// page size (plus one, to tell whether more follow), `?5` the device whose echoes are left out.
///
/// Each way a record can be admitted is its own arm, walked in `seq` order along an index
/// that gives that order and cut off at the page size, and the arms are merged. So a page
/// costs a few page-sizes of index steps however long the feed is. (One `WHERE` with the
/// arms joined by `OR` let SQLite gather every admitted row after the cursor and sort them
/// all, for every page: a new device's first sync of a million records took hours.)
pub(super) fn feed_sql(filter: &FeedFilter) -> String {
    const COLUMNS: &str =
        "r.seq, r.kind, r.record_id, r.subject_kind, r.field_values, r.erased, r.clocks";
    // `?5`: the pulling device; its own echo-free changes are left out.
    const ECHO: &str = "(?5 IS NULL OR r.echo_device IS NOT ?5)";
    // Expired governed records are left out: one primary-key probe of the retention index
    // per row (`retention_index::Cutoffs`).
    let not_expired = match filter.retention {
        Some(_) => {
            let placeholders: Vec<String> = (0..Cutoffs::PLACEHOLDERS)
                .map(|i| format!("?{}", 6 + i))
                .collect();
            format!(" AND {}", Cutoffs::not_expired_sql("1", &placeholders))
        }
        None => String::new(),
    };
    let not_echo = format!("{ECHO}{not_expired}");
    let admit = not_echo.as_str();
    let mut arms = Vec::new();
    if !filter.global_kinds.is_empty() {
        arms.push(format!(
            "SELECT {COLUMNS} FROM records r INDEXED BY records_team_seq
             WHERE r.team_id IS NULL AND r.seq > ?1 AND r.kind IN ({}) AND {admit}
             ORDER BY r.seq LIMIT ?4",
            kind_list(&filter.global_kinds)
        ));
    }
    if filter.team_id.is_some() && !filter.team_kinds.is_empty() {
        arms.push(format!(
            "SELECT {COLUMNS} FROM records r INDEXED BY records_team_seq
             WHERE r.team_id = ?2 AND r.seq > ?1 AND r.kind IN ({}) AND {admit}
             ORDER BY r.seq LIMIT ?4",
            kind_list(&filter.team_kinds)
        ));
    }
    if filter.team_id.is_some() && !filter.member_kinds.is_empty() {
        // Driven from the member's own rows (few), then sorted: CROSS JOIN makes SQLite keep
        // this order rather than walk the whole team's feed testing membership row by row.
        arms.push(format!(
            "SELECT {COLUMNS} FROM record_members m
               CROSS JOIN records r ON r.kind = m.kind AND r.record_id = m.record_id
             WHERE m.user_id = ?3 AND m.kind IN ({}) AND r.team_id = ?2 AND r.seq > ?1
               AND {admit}
             ORDER BY r.seq LIMIT ?4",
            kind_list(&filter.member_kinds)
        ));
    }
    if arms.is_empty() {
        return "SELECT r.seq, r.kind, r.record_id, r.subject_kind, r.field_values, r.erased,
                  r.clocks FROM records r WHERE 0 AND ?1 AND ?2 AND ?3 AND ?4 AND ?5"
            .into();
    }
    let merged = arms
        .iter()
        .map(|arm| format!("SELECT * FROM ({arm})"))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    format!("SELECT * FROM ({merged}) ORDER BY seq LIMIT ?4")
}

/// The values of [`feed_sql`]'s parameters: `?1`…`?5`, then the retention cutoffs (`?6`…)
/// when the filter has them.
pub(super) fn feed_values(filter: &FeedFilter, after: u64, limit: i64) -> Vec<Value> {
    let mut values = vec![
        Value::Integer(after as i64),
        filter
            .team_id
            .map_or(Value::Null, |t| Value::Blob(packed(t.0).to_vec())),
        Value::Text(filter.member.to_string()),
        Value::Integer(limit),
        filter
            .echoes_of
            .map_or(Value::Null, |d| Value::Blob(packed(d.0).to_vec())),
    ];
    if let Some(cutoffs) = &filter.retention {
        values.extend(
            cutoffs
                .values()
                .into_iter()
                .map(|v| v.map_or(Value::Null, Value::Integer)),
        );
    }
    values
}

/// One page of the feed and the head, in one read transaction (one WAL snapshot).
pub(super) fn feed_page(
    conn: &mut Connection,
    filter: &FeedFilter,
    after: u64,
    limit: u32,
    max_bytes: usize,
) -> StorageResult<FeedPage> {
    feed_page_stored(conn, filter, after, limit, max_bytes)?.join()
}

/// [`feed_page`] with each record as stored: its values unpacked to their JSON text, its
/// clocks' bytes as they are (`storage::stored_feed`).
pub(super) fn feed_page_stored(
    conn: &mut Connection,
    filter: &FeedFilter,
    after: u64,
    limit: u32,
    max_bytes: usize,
) -> StorageResult<StoredFeedPage> {
    let sql = feed_sql(filter);
    let tx = conn.transaction()?;
    let mut budget = PageBudget::new(limit, max_bytes);
    let mut rows = Vec::new();
    {
        let mut stmt = tx.prepare_cached(&sql)?;
        let mut raw = stmt.query(rusqlite::params_from_iter(feed_values(
            filter,
            after,
            i64::from(limit) + 1,
        )))?;
        // Rows are read one at a time and reading stops at the budget: a page of large
        // records is never loaded whole.
        while let Some(r) = raw.next()? {
            let LoggedRecordId(record_id) = r.get(2)?;
            let stored: StoredValues = r.get(4)?;
            let values = stored.json()?;
            let clocks: Vec<u8> = r.get(6)?;
            if !budget.admit(record_id.len() + values.len() + clocks.len()) {
                break;
            }
            let seq: i64 = r.get(0)?;
            rows.push(StoredFeedRow {
                seq: u64::try_from(seq)
                    .map_err(|_| StorageError::Corrupt("negative feed position".into()))?,
                kind: r.get(1)?,
                record_id,
                subject_kind: r.get(3)?,
                erased: r.get(5)?,
                values: values.into_owned(),
                clocks,
            });
        }
    }
    let head = head(&tx)?;
    tx.commit()?;
    Ok(StoredFeedPage {
        rows,
        has_more: budget.cut(),
        head,
    })
}

/// A team, owner or echo device as a record row keeps it since schema 19 (migration 0019): its
/// 16 bytes, which every typed id reads back.
pub(super) fn packed(id: uuid::Uuid) -> [u8; 16] {
    *id.as_bytes()
}
