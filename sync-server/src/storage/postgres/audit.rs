//! The server's s.62 log in PostgreSQL: entries chained onto the head inside the caller's
//! transaction, in one multi-row `INSERT … SELECT FROM unnest(…)` (one round trip for a push's
//! entries). Appends from every instance are serialised by a transaction-scoped advisory lock
//! taken before the head is read, so two instances never chain onto the same head; it is
//! always the last lock a transaction takes (after a push's feed lock), so it cannot deadlock.

use super::convert::{parsed_opt, seq};
use crate::storage::audit_chain::{chain, hash32};
use crate::storage::device_audits::{take_after, DeviceAudit};
use crate::storage::{AuditFilter, ChainedAudit, ServerAudit, StorageError, StorageResult};
use beatbook_core::ids::DeviceId;
use postgres::types::ToSql;
use postgres::{GenericClient, Row};

/// The advisory lock's first key (the second is the schema's hash): "BBAU".
const AUDIT_LOCK: i32 = 0x4242_4155;

const COLUMNS: &str = "seq, at_ms, user_id, role, device_id, operation, record_kind, record_id,
    justification, recipient, detail, prev_hash, hash";

/// Appends `entries` after the current head, inside the caller's transaction.
pub(super) fn append_in(
    client: &mut impl GenericClient,
    entries: &[ServerAudit],
) -> StorageResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    client.execute(
        "SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))",
        &[&AUDIT_LOCK],
    )?;
    let head = client
        .query_opt(
            "SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1",
            &[],
        )?
        .map(|r| -> StorageResult<(u64, [u8; 32])> {
            let hash: Vec<u8> = r.try_get(1)?;
            Ok((seq(r.try_get(0)?)?, hash32(&hash)?))
        })
        .transpose()?;
    let rows = chain(head, entries);
    let n = rows.len();
    let mut seqs = Vec::with_capacity(n);
    let mut at = Vec::with_capacity(n);
    let mut users = Vec::with_capacity(n);
    let mut roles = Vec::with_capacity(n);
    let mut devices = Vec::with_capacity(n);
    let mut operations = Vec::with_capacity(n);
    let mut kinds = Vec::with_capacity(n);
    let mut records = Vec::with_capacity(n);
    let mut whys = Vec::with_capacity(n);
    let mut recipients = Vec::with_capacity(n);
    let mut details = Vec::with_capacity(n);
    let mut prevs = Vec::with_capacity(n);
    let mut hashes = Vec::with_capacity(n);
    for row in rows {
        let e = row.entry;
        seqs.push(i64::try_from(row.seq).map_err(|_| StorageError::Invalid("audit seq".into()))?);
        at.push(e.at_ms);
        users.push(e.user_id.map(|u| u.to_string()));
        roles.push(e.role);
        devices.push(e.device_id.map(|d| d.to_string()));
        operations.push(e.action.as_str().to_owned());
        kinds.push(e.subject);
        records.push(e.record_id);
        whys.push(e.justification);
        recipients.push(e.recipient);
        details.push(e.detail);
        prevs.push(row.prev_hash.to_vec());
        hashes.push(row.hash.to_vec());
    }
    let params: [&(dyn ToSql + Sync); 13] = [
        &seqs,
        &at,
        &users,
        &roles,
        &devices,
        &operations,
        &kinds,
        &records,
        &whys,
        &recipients,
        &details,
        &prevs,
        &hashes,
    ];
    client.execute(
        "INSERT INTO audit_chain (seq, at_ms, user_id, role, device_id, operation, record_kind,
           record_id, justification, recipient, detail, prev_hash, hash)
         SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[],
           $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
           $12::bytea[], $13::bytea[])",
        &params,
    )?;
    Ok(())
}

/// Chains a device's own entries after its mark, and moves the mark, inside the caller's
/// transaction. The device's row is locked first, so two uploads from one device (a retry
/// racing its original) are serialised and never chain an entry twice.
pub(super) fn receive_from_device(
    client: &mut impl GenericClient,
    device: DeviceId,
    batch: &[DeviceAudit],
) -> StorageResult<i64> {
    let id = device.to_string();
    let mark: i64 = client
        .query_opt(
            "SELECT audit_through FROM devices WHERE id = $1 FOR UPDATE",
            &[&id],
        )?
        .ok_or_else(|| StorageError::NotFound("no such device".into()))?
        .try_get(0)?;
    let (new, after) = take_after(mark, batch);
    append_in(client, &new)?;
    if after != mark {
        client.execute(
            "UPDATE devices SET audit_through = $2 WHERE id = $1",
            &[&id, &after],
        )?;
    }
    Ok(after)
}

/// Entries `filter` admits, newest first.
pub(super) fn search(
    client: &mut impl GenericClient,
    filter: &AuditFilter,
    limit: u32,
) -> StorageResult<Vec<ChainedAudit>> {
    let rows = client.query(
        &format!(
            "SELECT {COLUMNS} FROM audit_chain
             WHERE ($1::text IS NULL OR user_id = $1)
               AND ($2::text IS NULL OR record_id = $2)
               AND ($3::text IS NULL OR operation = $3)
               AND ($4::bigint IS NULL OR at_ms >= $4)
               AND ($5::bigint IS NULL OR at_ms < $5)
             ORDER BY seq DESC LIMIT $6"
        ),
        &[
            &filter.user_id.map(|u| u.to_string()),
            &filter.record_id,
            &filter.action.map(|a| a.as_str().to_owned()),
            &filter.from_ms,
            &filter.to_ms,
            &i64::from(limit),
        ],
    )?;
    rows.iter().map(parse).collect()
}

/// Entries after `after`, in seq order.
pub(super) fn page(
    client: &mut impl GenericClient,
    after: u64,
    limit: u32,
) -> StorageResult<Vec<ChainedAudit>> {
    let rows = client.query(
        &format!("SELECT {COLUMNS} FROM audit_chain WHERE seq > $1 ORDER BY seq LIMIT $2"),
        &[&i64::try_from(after).unwrap_or(i64::MAX), &i64::from(limit)],
    )?;
    rows.iter().map(parse).collect()
}

/// The version-1 `audit_log`, copied into the chain in its order and then dropped (migration
/// 0002's Rust step).
pub(super) fn adopt_legacy(client: &mut impl GenericClient) -> StorageResult<()> {
    let rows = client.query(
        "SELECT at_ms, user_id, role, device_id, action, subject, detail FROM audit_log
         ORDER BY seq",
        &[],
    )?;
    let entries = rows
        .iter()
        .map(|r| {
            let action: String = r.try_get(4)?;
            Ok(ServerAudit {
                at_ms: r.try_get(0)?,
                user_id: parsed_opt(r, 1, "audit user")?,
                role: r.try_get(2)?,
                device_id: parsed_opt(r, 3, "audit device")?,
                action: action
                    .parse()
                    .map_err(|_| StorageError::Corrupt("an audit entry's action".into()))?,
                subject: r.try_get(5)?,
                record_id: None,
                justification: None,
                recipient: None,
                detail: r.try_get(6)?,
            })
        })
        .collect::<StorageResult<Vec<_>>>()?;
    append_in(client, &entries)?;
    client.batch_execute("DROP TABLE audit_log")?;
    Ok(())
}

fn parse(r: &Row) -> StorageResult<ChainedAudit> {
    let action: String = r.try_get(5)?;
    let prev: Vec<u8> = r.try_get(11)?;
    let hash: Vec<u8> = r.try_get(12)?;
    Ok(ChainedAudit {
        seq: seq(r.try_get(0)?)?,
        entry: ServerAudit {
            at_ms: r.try_get(1)?,
            user_id: parsed_opt(r, 2, "audit user")?,
            role: r.try_get(3)?,
            device_id: parsed_opt(r, 4, "audit device")?,
            action: action
                .parse()
                .map_err(|_| StorageError::Corrupt("an audit entry's operation".into()))?,
            subject: r.try_get(6)?,
            record_id: r.try_get(7)?,
            justification: r.try_get(8)?,
            recipient: r.try_get(9)?,
            detail: r.try_get(10)?,
        },
        prev_hash: hash32(&prev)?,
        hash: hash32(&hash)?,
    })
}
