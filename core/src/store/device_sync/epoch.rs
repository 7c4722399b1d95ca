//! Re-syncing with a server restored from a backup (`docs/sync-protocol.md`, "Server epochs").
//!
//! Every push and pull answer of a server names its store's *epoch*, made anew whenever the
//! store is restored from a backup. A restored store lacks every change made after the backup
//! — among them changes this device pushed and the server answered `accepted` (so they left
//! the outbox) — and its feed hands out again the seqs those changes had: this device's cursor
//! counts a history the server no longer has. So on seeing a new epoch the device
//! [begins a replay](Store::begin_replay): its cursor goes back to 0 and it pulls everything
//! again, noting (in `sync_replay`) each record's field clocks as the restored server holds
//! them. When the pull is through, [`Store::finish_replay`] compares them with its own: every
//! field this device wrote last whose clock the server lacks is queued again as an op — with
//! the server's clock for that field as its `base`, so the server sees the edit as the
//! sequential edit it was, not a conflict — ahead of anything queued meanwhile. A re-sent op
//! the server already has changes nothing (equal clocks, equal values). A supervisor's device
//! also re-sends the erasures (tombstones) the restored server lacks.
//!
//! Other devices' changes since the backup come back when those devices re-sync: each re-sends
//! its own.

use super::capture;
use super::clock;
use super::record_json;
use super::record_key::StoredKind;
use super::sync_records;
use super::Store;
use crate::error::{Error, Result};
use crate::logged_record_id::LoggedRecordId;
use crate::model::Actor;
use crate::sync::protocol::{Erasure, FieldChange, Op, PullResponse, RecordKind};
use crate::sync::{Hlc, RecordClocks};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

/// The reason an erasure re-sent after a restore carries (the original reason stayed on the
/// server that lost it).
pub const REPLAYED_ERASURE_REASON: &str =
    "erasure re-sent after the server was restored from a backup";

/// What a server's epoch means to this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpochSeen {
    /// The server did not say (a server that predates epochs).
    NotSaid,
    /// The first epoch this device has seen (or the one it was waiting for during a replay):
    /// remembered.
    First,
    /// The epoch this device synced with.
    Same,
    /// Another epoch: the server was restored; a replay has begun (cursor back to 0).
    Changed,
}

impl Store {
    /// The epoch of the server this device last synced with.
    pub fn server_epoch(&self) -> Result<Option<Uuid>> {
        self.read(|conn| {
            let text: Option<String> = conn.query_row(
                "SELECT server_epoch FROM sync_state WHERE id = 1",
                [],
                |r| r.get(0),
            )?;
            text.map(|t| {
                Uuid::parse_str(&t).map_err(|_| Error::Corrupt {
                    kind: "server epoch",
                    reason: "not a UUID".into(),
                })
            })
            .transpose()
        })
    }

    /// Notes the epoch a server answer named; on a new one, [begins a replay](Store::begin_replay).
    pub fn note_server_epoch(&self, epoch: Option<Uuid>) -> Result<EpochSeen> {
        let Some(epoch) = epoch else {
            return Ok(EpochSeen::NotSaid);
        };
        let known = self.server_epoch()?;
        match known {
            Some(known) if known == epoch => Ok(EpochSeen::Same),
            Some(_) => {
                self.begin_replay(Some(epoch))?;
                Ok(EpochSeen::Changed)
            }
            None => {
                self.write_as(None, |tx| {
                    tx.execute(
                        "UPDATE sync_state SET server_epoch = ?1 WHERE id = 1",
                        [epoch.to_string()],
                    )?;
                    Ok(())
                })?;
                Ok(EpochSeen::First)
            }
        }
    }

    /// Starts re-syncing with a restored server: the cursor goes back to 0, and the next full
    /// pull notes what the server holds. `epoch`: the server's new epoch, when known (a push
    /// refused `epoch_changed` does not say it; the next pull page does).
    pub fn begin_replay(&self, epoch: Option<Uuid>) -> Result<()> {
        self.write_as(None, |tx| {
            tx.execute(
                "UPDATE sync_state SET cursor = 0, replaying = 1, server_epoch = ?1 WHERE id = 1",
                [epoch.map(|e| e.to_string())],
            )?;
            tx.execute("DELETE FROM sync_replay", [])?;
            Ok(())
        })
    }

    /// Whether a replay is under way (a full pull from the restored server not yet through).
    pub fn replaying(&self) -> Result<bool> {
        self.read(|conn| {
            Ok(
                conn.query_row("SELECT replaying FROM sync_state WHERE id = 1", [], |r| {
                    r.get(0)
                })?,
            )
        })
    }

    /// Ends a replay once the full pull is through: queues this device's own changes the
    /// restored server lacks, ahead of the outbox, and forgets the replay's notes. Returns how
    /// many ops were queued. Does nothing when no replay is under way.
    pub fn finish_replay(&self) -> Result<u64> {
        let now = self.now();
        self.write_as(None, |tx| {
            let replaying: bool =
                tx.query_row("SELECT replaying FROM sync_state WHERE id = 1", [], |r| {
                    r.get(0)
                })?;
            if !replaying {
                return Ok(0);
            }
            let actor = actor(tx)?;
            let queued = queued_stamps(tx)?;
            // Ahead of whatever was queued meanwhile (those edits were made over these): placed
            // downwards from the outbox's first place, the erasures last in place order, so
            // the own changes, streamed in reverse, end up in key order before them.
            let mut place: i64 =
                tx.query_row("SELECT coalesce(min(seq), 1) FROM outbox", [], |r| r.get(0))?;
            let mut count = 0;
            if actor.role.is_supervisor() {
                for op in erasures_missing(tx, &actor, now, &queued)?.iter().rev() {
                    enqueue_below(tx, &mut place, op)?;
                    count += 1;
                }
            }
            count += queue_own_changes_missing(tx, &actor, &queued, &mut place)?;
            tx.execute("UPDATE sync_state SET replaying = 0 WHERE id = 1", [])?;
            tx.execute("DELETE FROM sync_replay", [])?;
            Ok(count)
        })
    }
}

/// During a replay, notes each pulled record's clocks as the server holds them (called in the
/// transaction that applies the page).
pub(super) fn note_pulled(conn: &Connection, page: &PullResponse) -> Result<()> {
    let replaying: bool = conn
        .prepare_cached("SELECT replaying FROM sync_state WHERE id = 1")?
        .query_row([], |r| r.get(0))?;
    if !replaying {
        return Ok(());
    }
    let mut stmt = conn.prepare_cached(
        "INSERT INTO sync_replay (kind, record_id, clocks, erased) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (kind, record_id) DO UPDATE SET clocks = excluded.clocks, erased = excluded.erased",
    )?;
    for change in &page.changes {
        let clocks: RecordClocks = change
            .fields
            .iter()
            .map(|(name, state)| (name.clone(), state.hlc))
            .collect();
        stmt.execute(params![
            change.kind,
            change.record_id,
            clocks.encode_v2(),
            change.erased
        ])?;
    }
    Ok(())
}

fn actor(conn: &Connection) -> Result<Actor> {
    super::received_log::receiver(conn)?.ok_or(Error::Denied(crate::policy::Denial::new(
        crate::policy::DenialCode::StoreNotEnrolled,
    )))
}

/// The server's clocks for a record, and whether it has it erased; `None` if it did not send it.
fn server_state(
    conn: &Connection,
    kind: RecordKind,
    id: &str,
) -> Result<Option<(RecordClocks, bool)>> {
    let row: Option<(Vec<u8>, bool)> = conn
        .prepare_cached(
            "SELECT clocks, erased FROM sync_replay WHERE kind = ?1 AND record_id = ?2",
        )?
        .query_row(params![kind, id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    row.map(|(bytes, erased)| {
        RecordClocks::decode(&bytes)
            .map(|clocks| (clocks, erased))
            .map_err(|e| Error::Corrupt {
                kind: "replay state",
                reason: e.to_string(),
            })
    })
    .transpose()
}

/// Queues one op per (record, clock) for the fields this device wrote last and the server
/// lacks, each at the place below `place` (which it moves down): records are read from the sync
/// state one at a time in reverse key order, so the ops end up in key order, each record's in
/// stamp order, and nothing but one record's values is held however large the store.
fn queue_own_changes_missing(
    conn: &Connection,
    actor: &Actor,
    queued: &QueuedStamps,
    place: &mut i64,
) -> Result<u64> {
    let mut stmt = conn.prepare(
        "SELECT kind, record_id, clocks FROM sync_records ORDER BY record_id DESC, kind DESC",
    )?;
    let mut rows = stmt.query([])?;
    let mut count = 0;
    while let Some(row) = rows.next()? {
        let kind = row.get::<_, StoredKind>(0)?.0;
        let id = row.get::<_, LoggedRecordId>(1)?.0;
        let clocks: Vec<u8> = row.get(2)?;
        let local = RecordClocks::decode(&clocks).map_err(|e| Error::Corrupt {
            kind: "sync state",
            reason: e.to_string(),
        })?;
        for op in own_changes_of(conn, actor, queued, kind, &id, &local)?
            .iter()
            .rev()
        {
            enqueue_below(conn, place, op)?;
            count += 1;
        }
    }
    Ok(count)
}

/// Queues `op` at the place just below `place`, and moves `place` there.
fn enqueue_below(conn: &Connection, place: &mut i64, op: &Op) -> Result<()> {
    *place -= 1;
    capture::enqueue_at(conn, *place, op)
}

/// The ops for one record (by clock, oldest first): its fields this device wrote last whose
/// clock the restored server lacks and no queued op carries.
fn own_changes_of(
    conn: &Connection,
    actor: &Actor,
    queued: &QueuedStamps,
    kind: RecordKind,
    id: &str,
    local: &RecordClocks,
) -> Result<Vec<Op>> {
    let (server, erased) = server_state(conn, kind, id)?.unwrap_or_default();
    if erased {
        return Ok(Vec::new());
    }
    let queued = queued.get(&(kind, id.to_owned()));
    let mut by_stamp: BTreeMap<Hlc, Vec<&String>> = BTreeMap::new();
    for (name, &hlc) in &local.fields {
        let mine = hlc.node == actor.device_id;
        let server_has = server.fields.get(name) == Some(&hlc);
        if mine && !server_has && !queued.is_some_and(|stamps| stamps.contains(&hlc)) {
            by_stamp.entry(hlc).or_default().push(name);
        }
    }
    if by_stamp.is_empty() {
        return Ok(Vec::new());
    }
    let values = match sync_records::held_fields(conn, kind, id)? {
        Some(values) => Some(values),
        None => record_json::load(conn, kind, id)?,
    };
    let Some(values) = values else {
        return Ok(Vec::new());
    };
    Ok(by_stamp
        .into_iter()
        .map(|(hlc, names)| Op {
            op_id: Uuid::now_v7(),
            kind,
            record_id: id.to_owned(),
            hlc,
            author: actor.user_id,
            device: actor.device_id,
            fields: names
                .into_iter()
                .map(|name| {
                    let change = FieldChange {
                        value: values.get(name).cloned().unwrap_or(serde_json::Value::Null),
                        base: server.fields.get(name).copied(),
                    };
                    (name.clone(), change)
                })
                .collect(),
            erase: None,
        })
        .collect())
}

/// The stamps of the ops still queued, by record (they will reach the server anyway): read
/// once, since the outbox has no index by record.
type QueuedStamps = HashMap<(RecordKind, String), HashSet<Hlc>>;

fn queued_stamps(conn: &Connection) -> Result<QueuedStamps> {
    let mut queued = QueuedStamps::new();
    let mut stmt = conn.prepare("SELECT kind, record_id, json_extract(op, '$.hlc') FROM outbox")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let stamps = queued.entry((row.get(0)?, row.get(1)?)).or_default();
        if let Some(hlc) = row.get::<_, Option<Hlc>>(2)? {
            stamps.insert(hlc);
        }
    }
    Ok(queued)
}

/// An erasure op for every record erased here that the restored server did not send as erased.
fn erasures_missing(
    conn: &Connection,
    actor: &Actor,
    now: chrono::DateTime<chrono::Utc>,
    queued: &QueuedStamps,
) -> Result<Vec<Op>> {
    let erased: Vec<(RecordKind, String)> = conn
        .prepare(
            "SELECT e.kind, e.record_id FROM sync_erased e
             WHERE NOT EXISTS (SELECT 1 FROM sync_replay r
                               WHERE r.kind = e.kind AND r.record_id = e.record_id AND r.erased = 1)
             ORDER BY e.kind, e.record_id",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    erased
        .into_iter()
        // One already queued for the record reaches the server anyway.
        .filter(|key| !queued.contains_key(key))
        .map(|(kind, record_id)| {
            Ok(Op {
                op_id: Uuid::now_v7(),
                kind,
                record_id,
                hlc: clock::next(conn, actor.device_id, now)?,
                author: actor.user_id,
                device: actor.device_id,
                fields: Default::default(),
                erase: Some(Erasure {
                    reason: REPLAYED_ERASURE_REASON.to_owned(),
                }),
            })
        })
        .collect()
}
