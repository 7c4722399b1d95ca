//! The server's s.62 log in SQLite: entries chained onto the head inside the caller's
//! transaction (a push's batch, or a transaction of their own), read back filtered or in seq
//! order for verification. Appends are serialised by the store's one writer and `BEGIN
//! IMMEDIATE` (an `admin` process writes through the same lock), so the head read here is the
//! head the new entries follow.

use super::log_detail::{self, DETAIL_SQL};
use crate::storage::audit_chain::{chain, hash32, GENESIS};
use crate::storage::device_audits::{take_after, DeviceAudit};
use crate::storage::{AuditFilter, ChainedAudit, ServerAudit, StorageError, StorageResult};
use beatbook_core::ids::{DeviceId, UserId};
use beatbook_core::logged_record_id::LoggedRecordId;
use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension};

/// The log's columns as the chain hashes them, each entry's actor (migration 0012) and event
/// (operation, record kind and the detail's text around its number, `log_detail`; migration
/// 0018) joined in, the detail given back whole by [`DETAIL_SQL`] (the `audit_chain` view is
/// the same join, for `page`, people and tools reading the file). `prev_hash` is not stored
/// since schema 17: it is the hash of the entry before, by its key (absent for the first
/// entry, read as the genesis hash).
const COLUMNS_BEFORE_DETAIL: &str = "e.seq, e.at_ms, a.user_id, a.role, a.device_id,
    v.operation, v.record_kind, e.record_id, e.justification, e.recipient";
const COLUMNS_AFTER_DETAIL: &str =
    "(SELECT p.hash FROM audit_entries p WHERE p.seq = e.seq - 1), e.hash";
const ENTRIES: &str = "audit_entries e JOIN audit_actors a ON a.id = e.actor
    JOIN audit_events v ON v.id = e.event";

/// An actor's row, by the expressions `audit_actors_who` indexes (an absent id is '').
pub(super) const ACTOR_ROW: &str = "SELECT id FROM audit_actors
    WHERE ifnull(user_id, '') = ifnull(?1, '') AND role = ?2
      AND ifnull(device_id, '') = ifnull(?3, '')";

/// Appends `entries` after the current head, inside the caller's (write) transaction.
pub(super) fn append_in(conn: &Connection, entries: &[ServerAudit]) -> StorageResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let head = conn
        .prepare_cached("SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))
        .optional()?
        .map(|(seq, hash)| Ok::<_, StorageError>((to_seq(seq)?, hash32(&hash)?)))
        .transpose()?;
    let mut actors = Actors::default();
    let mut events = Events::default();
    let mut insert = conn.prepare_cached(
        "INSERT INTO audit_entries (seq, at_ms, actor, event, record_id, justification,
           recipient, detail_number, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for row in chain(head, entries) {
        let e = &row.entry;
        let (event, detail_number) = events.id(conn, e)?;
        insert.execute(params![
            i64::try_from(row.seq).map_err(|_| StorageError::Corrupt("audit seq".into()))?,
            e.at_ms,
            actors.id(conn, e)?,
            event,
            e.record_id.as_deref().map(LoggedRecordId::stored),
            e.justification,
            e.recipient,
            detail_number,
            &row.hash[..],
        ])?;
    }
    Ok(())
}

/// The log's events (operation, record kind, and the detail around its number: migration 0018,
/// `log_detail`) met in one append, by their row in `audit_events`: a batch repeats a few
/// events many times, so each is looked up once and the few known are searched in a list.
#[derive(Default)]
struct Events {
    known: Vec<KnownEvent>,
}

/// An event met in this append: its operation, record kind, detail head and tail, and row.
type KnownEvent = (&'static str, String, Option<String>, Option<String>, i64);

impl Events {
    /// The entry's event row, made the first time the log holds it, and the number its detail
    /// carries.
    fn id(&mut self, conn: &Connection, e: &ServerAudit) -> StorageResult<(i64, Option<i64>)> {
        let operation = e.action.as_str();
        let parts = e.detail.as_deref().map(log_detail::split);
        let head = parts.map(|p| p.head);
        let (number, tail) = parts.and_then(|p| p.number).unzip();
        let known = self.known.iter().find(|(op, kind, h, t, _)| {
            *op == operation && *kind == e.subject && h.as_deref() == head && t.as_deref() == tail
        });
        if let Some((.., id)) = known {
            return Ok((*id, number));
        }
        let found = conn
            .prepare_cached(
                "SELECT id FROM audit_events WHERE operation = ?1 AND record_kind = ?2
                   AND detail_head IS ?3 AND detail_tail IS ?4",
            )?
            .query_row(params![operation, e.subject, head, tail], |r| r.get(0))
            .optional()?;
        let id = match found {
            Some(id) => id,
            None => {
                conn.prepare_cached(
                    "INSERT INTO audit_events (operation, record_kind, detail_head, detail_tail)
                     VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![operation, e.subject, head, tail])?;
                conn.last_insert_rowid()
            }
        };
        self.known.push((
            operation,
            e.subject.clone(),
            head.map(str::to_owned),
            tail.map(str::to_owned),
            id,
        ));
        Ok((id, number))
    }
}

/// The log's actors (user, role, device; migration 0012) met in one append, by their row in
/// `audit_actors`: a batch's entries are nearly all one device's, so each is looked up once,
/// and the few known are searched in a list (nothing is copied for an actor already met).
#[derive(Default)]
struct Actors {
    /// (user, role, device) and its row.
    known: Vec<(Option<UserId>, String, Option<DeviceId>, i64)>,
}

impl Actors {
    /// The actor's row, made on its first entry.
    fn id(&mut self, conn: &Connection, e: &ServerAudit) -> StorageResult<i64> {
        let known = self.known.iter().find(|(user, role, device, _)| {
            *user == e.user_id && *device == e.device_id && *role == e.role
        });
        if let Some((.., id)) = known {
            return Ok(*id);
        }
        let user = e.user_id.map(|u| u.to_string());
        let device = e.device_id.map(|d| d.to_string());
        let found = conn
            .prepare_cached(ACTOR_ROW)?
            .query_row(params![user, e.role, device], |r| r.get(0))
            .optional()?;
        let id = match found {
            Some(id) => id,
            None => {
                conn.prepare_cached(
                    "INSERT INTO audit_actors (user_id, role, device_id) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![user, e.role, device])?;
                conn.last_insert_rowid()
            }
        };
        self.known
            .push((e.user_id, e.role.clone(), e.device_id, id));
        Ok(id)
    }
}

/// Appends `entries` in a transaction of their own.
pub(super) fn append(conn: &mut Connection, entries: &[ServerAudit]) -> StorageResult<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    append_in(&tx, entries)?;
    tx.commit()?;
    Ok(())
}

/// Chains a device's own entries after its mark, and moves the mark, in one transaction.
pub(super) fn receive_from_device(
    conn: &mut Connection,
    device: DeviceId,
    batch: &[DeviceAudit],
) -> StorageResult<i64> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let id = device.to_string();
    let mark: i64 = tx
        .prepare_cached("SELECT audit_through FROM devices WHERE id = ?1")?
        .query_row([&id], |r| r.get(0))
        .optional()?
        .ok_or_else(|| StorageError::NotFound("no such device".into()))?;
    let (new, after) = take_after(mark, batch);
    append_in(&tx, &new)?;
    if after != mark {
        tx.prepare_cached("UPDATE devices SET audit_through = ?2 WHERE id = ?1")?
            .execute(params![id, after])?;
    }
    tx.commit()?;
    Ok(after)
}

/// Entries `filter` admits, newest first.
pub(super) fn search(
    conn: &Connection,
    filter: &AuditFilter,
    limit: u32,
) -> StorageResult<Vec<ChainedAudit>> {
    let (sql, values) = search_sql(filter, limit);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(values), raw_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(parse).collect()
}

/// The statement `search` runs for `filter`, and its values.
pub(super) fn search_sql(filter: &AuditFilter, limit: u32) -> (String, Vec<Value>) {
    let mut clauses = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    let mut add = |clause: &str, value: Value| {
        values.push(value);
        clauses.push(clause.replace('?', &format!("?{}", values.len())));
    };
    if let Some(user) = filter.user_id {
        // By the user's actors (one per device and role), through the entries' actor index.
        add(
            "e.actor IN (SELECT id FROM audit_actors WHERE user_id = ?)",
            Value::Text(user.to_string()),
        );
    }
    if let Some(record) = &filter.record_id {
        add("e.record_id = ?", LoggedRecordId::stored(record));
    }
    if let Some(action) = filter.action {
        // By the events of that operation (few), through the entries' event column.
        add(
            "e.event IN (SELECT id FROM audit_events WHERE operation = ?)",
            Value::Text(action.as_str().to_owned()),
        );
    }
    if let Some(from) = filter.from_ms {
        add("e.at_ms >= ?", Value::Integer(from));
    }
    if let Some(to) = filter.to_ms {
        add("e.at_ms < ?", Value::Integer(to));
    }
    values.push(Value::Integer(i64::from(limit)));
    let filter_sql = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    let sql = format!(
        "SELECT {COLUMNS_BEFORE_DETAIL}, {DETAIL_SQL}, {COLUMNS_AFTER_DETAIL}
         FROM {ENTRIES} {filter_sql} ORDER BY e.seq DESC LIMIT ?{}",
        values.len()
    );
    (sql, values)
}

/// `page`'s statement.
pub(super) const PAGE: &str = "SELECT seq, at_ms, user_id, role, device_id, operation,
    record_kind, record_id, justification, recipient, detail, prev_hash, hash
    FROM audit_chain WHERE seq > ?1 ORDER BY seq LIMIT ?2";

/// Entries after `after`, in seq order. Read through `audit_chain` — the view of entries and
/// actors since version 12, the table itself from version 5 to 11 — so that `admin verify`
/// walks the chain of a backup made by an older build too (the view's join is flattened: a
/// range of `audit_entries` by seq, each actor by its key).
pub(crate) fn page(conn: &Connection, after: u64, limit: u32) -> StorageResult<Vec<ChainedAudit>> {
    let after = i64::try_from(after).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare_cached(PAGE)?;
    let rows = stmt
        .query_map(params![after, limit], raw_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(parse).collect()
}

/// The version-2 `audit_log`, copied into the chain in its order and then dropped (migration
/// 0005's Rust step), into the empty `audit_chain` table that migration made.
pub(super) fn adopt_legacy(conn: &Connection) -> StorageResult<()> {
    let legacy = {
        let mut stmt = conn.prepare(
            "SELECT at_ms, user_id, role, device_id, action, subject, detail FROM audit_log
             ORDER BY seq",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, Option<String>>(6)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows
    };
    let entries = legacy
        .into_iter()
        .map(|(at_ms, user, role, device, action, subject, detail)| {
            Ok(ServerAudit {
                at_ms,
                user_id: parse_opt(user, "user")?,
                role,
                device_id: parse_opt(device, "device")?,
                action: action.parse().map_err(|_| corrupt("action"))?,
                subject,
                record_id: None,
                justification: None,
                recipient: None,
                detail,
            })
        })
        .collect::<StorageResult<Vec<_>>>()?;
    insert_spelled_out(conn, &chain(None, &entries))?;
    conn.execute_batch(
        "DROP TRIGGER audit_log_no_update;
         DROP TRIGGER audit_log_no_delete;
         DROP TABLE audit_log;",
    )?;
    Ok(())
}

/// Writes chained rows into migration 0005's `audit_chain` table, each entry's actor spelled
/// out (version 12 numbers them): migration 0005's step, and the tests' stores of before 12.
pub(super) fn insert_spelled_out(conn: &Connection, rows: &[ChainedAudit]) -> StorageResult<()> {
    let mut insert = conn.prepare(
        "INSERT INTO audit_chain (seq, at_ms, user_id, role, device_id, operation, record_kind,
           record_id, justification, recipient, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    for row in rows {
        let e = &row.entry;
        insert.execute(params![
            i64::try_from(row.seq).map_err(|_| corrupt("seq"))?,
            e.at_ms,
            e.user_id.map(|u| u.to_string()),
            e.role,
            e.device_id.map(|d| d.to_string()),
            e.action.as_str(),
            e.subject,
            e.record_id,
            e.justification,
            e.recipient,
            e.detail,
            &row.prev_hash[..],
            &row.hash[..],
        ])?;
    }
    Ok(())
}

type RawRow = (
    i64,
    i64,
    Option<String>,
    String,
    Option<String>,
    String,
    String,
    Option<LoggedRecordId>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<Vec<u8>>,
    Vec<u8>,
);

fn raw_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
        r.get(11)?,
        r.get(12)?,
    ))
}

fn corrupt(what: &str) -> StorageError {
    StorageError::Corrupt(format!("an audit entry's {what}"))
}

fn to_seq(seq: i64) -> StorageResult<u64> {
    u64::try_from(seq).map_err(|_| corrupt("seq"))
}

fn parse_opt<T: std::str::FromStr>(text: Option<String>, what: &str) -> StorageResult<Option<T>> {
    text.map(|t| t.parse().map_err(|_| corrupt(what)))
        .transpose()
}

fn parse(row: RawRow) -> StorageResult<ChainedAudit> {
    let (seq, at_ms, user, role, device, action, kind, record, why, to, detail, prev, hash) = row;
    Ok(ChainedAudit {
        seq: to_seq(seq)?,
        entry: ServerAudit {
            at_ms,
            user_id: parse_opt(user, "user")?,
            role,
            device_id: parse_opt(device, "device")?,
            action: action.parse().map_err(|_| corrupt("operation"))?,
            subject: kind,
            record_id: record.map(|id| id.0),
            justification: why,
            recipient: to,
            detail,
        },
        prev_hash: prev.map_or(Ok(GENESIS), |prev| hash32(&prev))?,
        hash: hash32(&hash)?,
    })
}
