//! The device's side of sync, as store operations: enrolment details, the outbox of local
//! changes, applying the server's answers and pulled pages, sync status, conflicts, and wipe.
//! The HTTP client (`crate::sync::client`) drives these; they do no I/O beyond the store.

mod applying;
pub(crate) mod capture;
mod clock;
pub(super) mod conflicts;
pub mod epoch;
mod held_retry;
mod incoming;
pub(crate) mod materialize;
mod push_answers;
mod queued;
mod received_log;
pub(crate) mod record_json;
pub(crate) mod record_key;
mod restamp;
pub(crate) mod skipped;
mod snapshot;
pub(crate) mod sync_records;

pub use incoming::{PageApplied, UnreadableRecord};
pub use push_answers::PlacedAnswer;
pub(crate) use queued::QueuedOp;

use super::sql_time::{t, SqlTime};
use super::Store;
use crate::error::{Error, Result};
use crate::ids::{DeviceId, UserId};
use crate::model::Actor;
use crate::sync::merge;
use crate::sync::protocol::{
    EnrolResponse, Erasure, Op, OpResult, PullResponse, RecordKind, RejectCode,
};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Where this device syncs to, and how it proves who it is.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    pub server_url: String,
    pub device_id: DeviceId,
    pub user_id: UserId,
    /// The device's secret bearer token.
    pub token: String,
    /// How the device trusts the server, as given at enrolment.
    pub trust: ServerTrust,
}

/// How a device trusts its sync server beyond the operating system's CAs, given at enrolment
/// and used by every later sync (`sync::client::SyncOptions`). Neither part is secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerTrust {
    /// The force's private CA certificate(s), PEM.
    pub private_ca_pem: Option<String>,
    /// Pinned keys of the server's certificate: base64 SHA-256 of its SubjectPublicKeyInfo.
    pub pinned_server_keys: Vec<String>,
}

impl ServerTrust {
    fn pins_column(&self) -> Result<Option<String>> {
        if self.pinned_server_keys.is_empty() {
            return Ok(None);
        }
        serde_json::to_string(&self.pinned_server_keys)
            .map(Some)
            .map_err(|e| Error::Corrupt {
                kind: "server pins",
                reason: e.to_string(),
            })
    }

    fn from_columns(ca: Option<String>, pins: Option<String>) -> Result<ServerTrust> {
        let pinned_server_keys = match pins {
            None => Vec::new(),
            Some(text) => serde_json::from_str(&text).map_err(|e| Error::Corrupt {
                kind: "server pins",
                reason: e.to_string(),
            })?,
        };
        Ok(ServerTrust {
            private_ca_pem: ca,
            pinned_server_keys,
        })
    }
}

impl std::fmt::Debug for Enrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enrolment")
            .field("server_url", &self.server_url)
            .field("device_id", &self.device_id)
            .field("user_id", &self.user_id)
            .field("token", &"<redacted>")
            .field("trust", &self.trust)
            .finish()
    }
}

/// What the server's answers to one push did to the outbox.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushTally {
    pub accepted: u64,
    pub duplicate: u64,
    pub rejected: u64,
    /// Ops refused because this device's clock is ahead; they stay queued to be re-stamped.
    pub clock_ahead: u64,
}

/// A refused op, kept so that nothing is dropped silently.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejection {
    pub op_id: String,
    pub kind: String,
    pub record_id: String,
    /// The protocol's code (`RejectCode`), as the server sent it.
    pub code: RejectCode,
    pub message: String,
    pub rejected_at: DateTime<Utc>,
}

/// Sync status for a status line or settings screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncStatus {
    pub enrolled: bool,
    pub pending_changes: u64,
    pub rejected_changes: u64,
    pub open_conflicts: u64,
    /// Pulled records not shown yet, kept (never dropped) until a later change makes them
    /// whole: those waiting for the rest of the record (its creation has not arrived) and
    /// those counted in `unreadable_records`.
    pub held_records: u64,
    /// Of `held_records`, those this build cannot write for another reason than missing
    /// fields: a value it cannot read (a newer app's) or one the stored-value rules or tables
    /// refuse. Shown apart: waiting resolves itself, unreadable needs an update or a fix.
    #[serde(default)]
    pub unreadable_records: u64,
    /// Pulled records of kinds this build does not know, set aside (never their values): an
    /// app update that knows them pulls them again (`Store::resume_skipped_kinds`).
    #[serde(default)]
    pub skipped_records: u64,
    pub cursor: u64,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

impl Store {
    /// This device's enrolment, once enrolled.
    pub fn enrolment(&self) -> Result<Option<Enrolment>> {
        self.read(|conn| {
            let row = conn
                .query_row(
                    "SELECT server_url, device_id, user_id, token, server_ca_pem, server_pins
                     FROM device_profile WHERE id = 1 AND token IS NOT NULL",
                    [],
                    |r| {
                        Ok((
                            Enrolment {
                                server_url: r.get(0)?,
                                device_id: r.get(1)?,
                                user_id: r.get(2)?,
                                token: r.get(3)?,
                                trust: ServerTrust::default(),
                            },
                            r.get::<_, Option<String>>(4)?,
                            r.get::<_, Option<String>>(5)?,
                        ))
                    },
                )
                .optional()?;
            row.map(|(enrolment, ca, pins)| {
                Ok(Enrolment {
                    trust: ServerTrust::from_columns(ca, pins)?,
                    ..enrolment
                })
            })
            .transpose()
        })
    }

    /// Records a successful enrolment: this store now belongs to the enrolled user and device,
    /// which trusts the server as `trust` says from now on. A store that already has an owner
    /// is refused (enrol into a new store).
    pub fn save_enrolment(
        &self,
        server_url: &str,
        enrolled: &EnrolResponse,
        trust: &ServerTrust,
    ) -> Result<Actor> {
        let user = &enrolled.user;
        let now = self.now();
        let pins = trust.pins_column()?;
        self.write_as(None, |tx| {
            let owner: Option<String> = tx.query_row("SELECT user_id FROM device_profile WHERE id = 1", [], |r| r.get(0)).optional()?;
            if owner.is_some() {
                return Err(Error::Denied(crate::policy::Denial::new(crate::policy::DenialCode::StoreEnrolledElsewhere)));
            }
            if let Some(team) = user.team_id {
                tx.execute("INSERT OR IGNORE INTO teams (id, name) VALUES (?1, 'Team (syncing)')", [team])?;
            }
            crate::store::reference::write_user(
                tx,
                &crate::model::User {
                    id: user.id,
                    display_name: user.display_name.clone(),
                    role: user.role,
                    team_id: user.team_id,
                },
            )?;
            tx.execute(
                "INSERT INTO device_profile (id, device_id, user_id, server_url, token, server_ca_pem, server_pins)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)",
                params![enrolled.device_id, user.id, server_url, enrolled.token, trust.private_ca_pem, pins],
            )?;
            set_offset(tx, enrolled.server_time, now)?;
            Ok(())
        })?;
        Ok(Actor {
            user_id: user.id,
            role: user.role,
            device_id: enrolled.device_id,
        })
    }

    /// Up to `limit` changes waiting to be pushed, oldest first.
    pub fn pending_ops(&self, limit: usize) -> Result<Vec<Op>> {
        Ok(self
            .pending_ops_from(i64::MIN, limit)?
            .into_iter()
            .map(|(_, op)| op)
            .collect())
    }

    /// Up to `limit` changes waiting to be pushed whose place in the outbox is `from` or later,
    /// oldest first, each with its place: a pipelined push reads the next batch while the
    /// answer to the one before is still on its way, so it moves past the ops already sent
    /// instead of waiting for them to leave the outbox. Places can be zero or negative (a
    /// re-sync queues what a restored server lacks *ahead* of the outbox): the oldest op is
    /// found from `i64::MIN`.
    pub fn pending_ops_from(&self, from: i64, limit: usize) -> Result<Vec<(i64, Op)>> {
        self.read(|conn| {
            queued::read_outbox(conn, from, limit, |place, text| {
                Ok((place, serde_json::from_str(&text).map_err(queued::corrupt)?))
            })
        })
    }

    /// How many changes wait to be pushed.
    pub fn pending_count(&self) -> Result<u64> {
        self.read(|conn| Ok(conn.query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?))
    }

    /// Applies the server's answers to a push batch, each with its op's place in the outbox
    /// (as [`Store::pending_ops_from`] gave it): accepted and duplicate ops leave the outbox,
    /// rejected ones move to the rejection list, clock-ahead ones stay to be re-stamped.
    pub fn apply_push_answers(
        &self,
        answers: &[PlacedAnswer<'_>],
        server_time: DateTime<Utc>,
    ) -> Result<PushTally> {
        self.answer_push(server_time, |tx, now| {
            let placed = answers.iter().map(|a| (Some((a.place, a.stamp)), a.status));
            push_answers::apply(tx, placed, now)
        })
    }

    /// [`Store::apply_push_answers`] for answers that name their ops by id only: each op's
    /// place is read from the head of the outbox first.
    pub fn apply_push_results(
        &self,
        results: &[OpResult],
        server_time: DateTime<Utc>,
    ) -> Result<PushTally> {
        self.answer_push(server_time, |tx, now| {
            push_answers::apply_by_op_id(tx, results, now)
        })
    }

    /// One transaction for a push's answers: `apply` clears the outbox, then the clock offset
    /// the answer tells is kept and the pages the ops left free are handed back.
    fn answer_push(
        &self,
        server_time: DateTime<Utc>,
        apply: impl FnOnce(&Connection, DateTime<Utc>) -> Result<PushTally>,
    ) -> Result<PushTally> {
        let now = self.now();
        self.write_as(None, |tx| {
            let tally = apply(tx, now)?;
            set_offset(tx, server_time, now)?;
            reclaim_free_pages(tx)?;
            Ok(tally)
        })
    }

    /// Where pulling resumes.
    pub fn pull_cursor(&self) -> Result<u64> {
        self.read(|conn| {
            Ok(
                conn.query_row("SELECT cursor FROM sync_state WHERE id = 1", [], |r| {
                    r.get(0)
                })?,
            )
        })
    }

    /// Merges one pulled page and advances the cursor, in one transaction: an interrupted pull
    /// resumes from the last page applied, and a page applied twice changes nothing.
    /// Returns what changed: how many records, and those held back (see `incoming`).
    pub fn apply_pull_page(&self, page: &PullResponse) -> Result<PageApplied> {
        self.apply_pulled(page, &[])
    }

    /// [`Store::apply_pull_page`] for a page some of whose records were of kinds this build does
    /// not know: those are noted (`skipped`) in the same transaction as the cursor moves past
    /// them.
    pub fn apply_pulled(
        &self,
        page: &PullResponse,
        skipped: &[crate::sync::unknown_kinds::SkippedChange],
    ) -> Result<PageApplied> {
        let now = self.now();
        let mut applying = applying::ApplyingPulled::start(self)?;
        let result = (|| -> Result<PageApplied> {
            let tx = applying
                .conn()
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            // The HLC moves past every stamp seen; the server vouched for them all.
            if let Some(seen) = page
                .changes
                .iter()
                .filter_map(|c| merge::max_hlc(&c.fields))
                .max()
            {
                clock::observe(&tx, seen)?;
                sync_records::note_seen(&tx, seen)?;
            }
            let applied = incoming::apply_page(&tx, &page.changes, now)?;
            skipped::note(&tx, skipped)?;
            epoch::note_pulled(&tx, page)?;
            tx.prepare_cached("UPDATE sync_state SET cursor = max(cursor, ?1) WHERE id = 1")?
                .execute([page.next_cursor as i64])?;
            set_offset(&tx, page.server_time, now)?;
            tx.commit()?;
            Ok(applied)
        })();
        // Releases the writer: the scrub below takes it.
        drop(applying);
        self.forget_area_index();
        let applied = result?;
        if applied.erased > 0 || applied.redacted > 0 {
            // As on the erasing device: no old index segment, WAL frame or stale page image in
            // the database file keeps the text.
            self.scrub_after_erasure()?;
        }
        Ok(applied)
    }

    /// Notes the end of a sync attempt for [`Store::sync_status`].
    pub fn record_sync_attempt(&self, error: Option<&str>) -> Result<()> {
        let now = self.now();
        self.write_as(None, |tx| {
            match error {
                None => tx.execute(
                    "UPDATE sync_state SET last_attempt_at = ?1, last_success_at = ?1, last_error = NULL WHERE id = 1",
                    [t(now)],
                )?,
                Some(message) => tx.execute(
                    "UPDATE sync_state SET last_attempt_at = ?1, last_error = ?2 WHERE id = 1",
                    params![t(now), message],
                )?,
            };
            Ok(())
        })
    }

    pub fn sync_status(&self) -> Result<SyncStatus> {
        let enrolled = self.enrolment()?.is_some();
        self.read(|conn| {
            let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, u64>(0));
            let (held_records, unreadable_records) = conn.query_row(
                "SELECT count(*), count(CASE WHEN reason = 'unreadable' THEN 1 END) FROM sync_held",
                [],
                |r| Ok((r.get::<_, u64>(0)?, r.get::<_, u64>(1)?)),
            )?;
            let (cursor, last_attempt_at, last_success_at, last_error) = conn.query_row(
                "SELECT cursor, last_attempt_at, last_success_at, last_error FROM sync_state WHERE id = 1",
                [],
                |r| Ok((r.get::<_, u64>(0)?, r.get::<_, Option<SqlTime>>(1)?, r.get::<_, Option<SqlTime>>(2)?, r.get::<_, Option<String>>(3)?)),
            )?;
            Ok(SyncStatus {
                enrolled,
                pending_changes: count("SELECT count(*) FROM outbox")?,
                rejected_changes: count("SELECT count(*) FROM sync_rejections")?,
                open_conflicts: count("SELECT count(*) FROM conflicts WHERE resolved = 0")?,
                held_records,
                unreadable_records,
                skipped_records: skipped::count(conn)?,
                cursor,
                last_attempt_at: last_attempt_at.map(|s| s.0),
                last_success_at: last_success_at.map(|s| s.0),
                last_error,
            })
        })
    }

    /// Ops the server refused, newest first.
    pub fn sync_rejections(&self) -> Result<Vec<Rejection>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT op_id, kind, record_id, code, message, rejected_at FROM sync_rejections ORDER BY rejected_at DESC",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(Rejection {
                    op_id: r.get(0)?,
                    kind: r.get(1)?,
                    record_id: r.get(2)?,
                    code: r.get(3)?,
                    message: r.get(4)?,
                    rejected_at: r.get::<_, SqlTime>(5)?.0,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Remote wipe: closes the store and deletes its files (database, WAL, shared memory).
    pub fn wipe(self) -> Result<()> {
        let path = self.path.clone();
        drop(self);
        wipe_files(&path)
    }
}

/// Deletes a store's files; missing files are fine.
pub fn wipe_files(path: &Path) -> Result<()> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::Io(e)),
        }
    }
    Ok(())
}

/// Free pages past which a store gives space back: 1 MiB of 4 KiB pages.
const RECLAIM_FREE_PAGES_OVER: i64 = 256;

/// Gives free pages back to the file system once there are many. Answered outbox ops leave
/// their pages free (each op carries its record's values: about half a recording device's file
/// after its first push of 5k contacts); a store made with `auto_vacuum = INCREMENTAL` (every
/// store since schema version 8) releases them here, one that predates it keeps them
/// (`incremental_vacuum` does nothing there) until a `VACUUM`.
fn reclaim_free_pages(conn: &Connection) -> Result<()> {
    let free: i64 = conn.query_row("PRAGMA freelist_count", [], |r| r.get(0))?;
    if free > RECLAIM_FREE_PAGES_OVER {
        // The pragma returns a row per step; stepping through them all does the work.
        let mut stmt = conn.prepare("PRAGMA incremental_vacuum")?;
        let mut rows = stmt.query([])?;
        while rows.next()?.is_some() {}
    }
    Ok(())
}

fn set_offset(
    conn: &Connection,
    server_time: DateTime<Utc>,
    device_time: DateTime<Utc>,
) -> Result<()> {
    let offset = (server_time - device_time).num_milliseconds();
    conn.prepare_cached("UPDATE sync_state SET clock_offset_ms = ?1 WHERE id = 1")?
        .execute([offset])?;
    Ok(())
}

/// Queues the erasure of a record erased on this device, and forgets everything queued or
/// synced about it (its personal values must not survive in the outbox or the field states).
pub(crate) fn erase_record(
    conn: &Connection,
    actor: &Actor,
    kind: RecordKind,
    id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    incoming::forget_erased(conn, kind, id)?;
    let op = Op {
        op_id: uuid::Uuid::now_v7(),
        kind,
        record_id: id.to_owned(),
        hlc: clock::next(conn, actor.device_id, now)?,
        author: actor.user_id,
        device: actor.device_id,
        fields: Default::default(),
        erase: Some(Erasure {
            reason: reason.to_owned(),
        }),
    };
    capture::permit(actor, None, &op, &Default::default())?;
    capture::enqueue(conn, &op)
}

pub(crate) use incoming::forget_erased;

/// Who this device is (its enrolled user), to log as; `None` for a store never enrolled.
pub(crate) fn device_user(conn: &Connection) -> Result<Option<Actor>> {
    received_log::receiver(conn)
}

/// Blanks one field in a record's queued, unsent ops, when its value is erased here but the
/// record stays: the ops keep their other fields and clocks, and the erasing write's own op
/// (later, and blank too) carries the change to the server, so the outcome there is the same.
pub(crate) fn outbox_blank_field(
    conn: &Connection,
    kind: RecordKind,
    id: &str,
    field: &str,
) -> Result<()> {
    let queued: Vec<(i64, String)> = conn
        .prepare_cached("SELECT seq, op FROM outbox WHERE kind = ?1 AND record_id = ?2")?
        .query_map(params![kind, id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (seq, text) in queued {
        let mut op: Op = serde_json::from_str(&text).map_err(|e| Error::Corrupt {
            kind: "outbox op",
            reason: e.to_string(),
        })?;
        let Some(change) = op.fields.get_mut(field).filter(|c| !c.value.is_null()) else {
            continue;
        };
        change.value = serde_json::Value::Null;
        let text = serde_json::to_string(&op).map_err(|e| Error::Corrupt {
            kind: "op",
            reason: e.to_string(),
        })?;
        conn.prepare_cached("UPDATE outbox SET op = ?2 WHERE seq = ?1")?
            .execute(params![seq, text])?;
    }
    Ok(())
}

/// Drops a record's queued, unsent ops (after an erasure, or a redaction that replaces its
/// personal values).
pub(crate) fn outbox_forget_record(conn: &Connection, kind: RecordKind, id: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM outbox WHERE kind = ?1 AND record_id = ?2")?
        .execute(params![kind, id])?;
    Ok(())
}
