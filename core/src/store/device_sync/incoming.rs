//! Applying a pulled page: load, plan, apply.
//!
//! 1. **Load** what this device holds of exactly the page's records, set-wise — one query per
//!    table for all of the page's ids: their field clocks (`sync_records`), erased markers
//!    (`sync_erased`) and held copies (`sync_held`).
//! 2. **Plan**: [`pull_plan::plan_page`], a pure function of the page and that state (the
//!    merge decides on clocks alone which pulled fields win), says per record: skip it and why,
//!    erase it, or write it — which pulled values go in, and whether this device's own values
//!    for the fields it keeps must be read.
//! 3. **Apply** the plan in the page's transaction: erase, or build the merged record (the
//!    pulled values, plus this device's own for the fields it keeps — from the held copy or the
//!    record's table, read only when the plan says so) and write it to its table, or hold it
//!    back when it cannot be written ([`Materialized`]); then store every changed record's
//!    clocks in one loop over one prepared statement.

use super::materialize::{self, Materialized, PulledValues, RecordValues};
use super::outbox_forget_record;
use super::received_log;
use super::record_json::{self, Fields};
use super::sync_records::{self, HeldReason};
use crate::error::{Error, Result};
use crate::store::search_batch::SearchBatch;
use crate::sync::protocol::{Change, RecordKind};
use crate::sync::pull_plan::{self, LocalRecord, PageKey, RecordPlan, WritePlan};
use crate::sync::RecordClocks;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What applying one pulled page did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageApplied {
    /// Records that changed something here (written, held or erased).
    pub changed: usize,
    /// Records erased here by this page (their text is then scrubbed from the search index's
    /// old segments and the WAL, as on the erasing device).
    pub erased: usize,
    /// Contacts whose personal details this page redacted (their row deleted): scrubbed as an
    /// erasure is, or the old page image with the values stays in the database file until some
    /// later checkpoint (the raw-page scan, `tests/tests/e2e/raw_scan.rs`, found it there).
    #[serde(default)]
    pub redacted: usize,
    /// Whether this page changed the retention schedule or a decision to retain: the device
    /// then applies the schedule again (`Store::apply_retention`).
    #[serde(default)]
    pub retention_changed: bool,
    /// Records held back until fields they require arrive (counted in sync status).
    pub waiting: usize,
    /// Records this build cannot write, with the reason (counted in sync status as
    /// `unreadable_records`; kept, never dropped, and written once a later change fixes them).
    pub unreadable: Vec<UnreadableRecord>,
}

/// A pulled record that cannot be written here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnreadableRecord {
    pub kind: RecordKind,
    pub record_id: String,
    /// Names the kind and the field or rule; never a value.
    pub reason: String,
}

/// What this device holds of the page's records, loaded set-wise, by the page's own ids.
struct PageState<'a> {
    records: BTreeMap<PageKey<'a>, LocalRecord>,
    held: BTreeMap<PageKey<'a>, Fields>,
}

/// How a page's records are kept apart when one cannot be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Isolation {
    /// The page in one savepoint: the first record that cannot be written abandons the whole
    /// attempt (its rows are rolled back with the rest), and the page is applied again record
    /// by record.
    Page,
    /// A savepoint per record: one that cannot be written leaves nothing behind and is held.
    Record,
}

/// Why a [`Isolation::Page`] attempt stopped: a record must be held, so the page is applied
/// again with a savepoint per record.
enum Attempt {
    Applied(PageApplied),
    NeedsRecordSavepoints,
}

/// Merges a pulled page into the device (inside the page's transaction, capture paused and
/// foreign keys off: [`super::applying`]).
///
/// Why a savepoint for the page and not per record, first: a savepoint makes SQLite copy every
/// page a record touches to the statement journal, and makes FTS5 write its pending terms out
/// as a new segment of the search index — per record, that was a third of a pulled page's
/// apply time (a new device's first sync of 27,000 records, `docs/performance.md` §7). Nearly
/// every page writes all its records; a page with one to hold back is rolled back and applied
/// again record by record, with the same result.
pub(super) fn apply_page(
    conn: &Connection,
    changes: &[Change],
    now: DateTime<Utc>,
) -> Result<PageApplied> {
    conn.prepare_cached("SAVEPOINT pulled_page")?.execute([])?;
    let attempt = SearchBatch::open(conn).and_then(|batch| {
        let attempt = apply_page_with(conn, changes, now, Isolation::Page)?;
        if matches!(attempt, Attempt::Applied(_)) {
            batch.finish()?;
        }
        Ok(attempt)
    });
    if !matches!(attempt, Ok(Attempt::Applied(_))) {
        conn.prepare_cached("ROLLBACK TO pulled_page")?
            .execute([])?;
    }
    conn.prepare_cached("RELEASE pulled_page")?.execute([])?;
    match attempt? {
        Attempt::Applied(applied) => Ok(applied),
        Attempt::NeedsRecordSavepoints => {
            match apply_page_with(conn, changes, now, Isolation::Record)? {
                Attempt::Applied(applied) => Ok(applied),
                // Record by record, a record that cannot be written is held, never abandoned.
                Attempt::NeedsRecordSavepoints => Err(Error::Corrupt {
                    kind: "pulled page",
                    reason: "applied record by record, it still asked to be".into(),
                }),
            }
        }
    }
}

fn apply_page_with(
    conn: &Connection,
    changes: &[Change],
    now: DateTime<Utc>,
    isolation: Isolation,
) -> Result<Attempt> {
    let PageState { records, mut held } = load(conn, changes)?;
    let receiver = received_log::receiver(conn)?;
    let plan = pull_plan::plan_page(changes, &records);
    let in_page: std::collections::BTreeSet<(RecordKind, &str)> = changes
        .iter()
        .map(|c| (c.kind, c.record_id.as_str()))
        .collect();
    let mut applied = PageApplied {
        changed: plan.changed(),
        ..PageApplied::default()
    };
    for (change, record) in changes.iter().zip(&plan.records) {
        let (kind, id) = (change.kind, change.record_id.as_str());
        match record {
            RecordPlan::Skip(_) => {}
            RecordPlan::Erase => {
                applied.erased += 1;
                applied.retention_changed |= is_retention(kind);
                // What hangs off it goes with it, even if its own erasure is not in the page
                // (the server's disposal of a problem names the problem only).
                for (child_kind, child_id) in materialize::children(conn, kind, id)? {
                    if in_page.contains(&(child_kind, child_id.as_str())) {
                        continue; // its own change in this page erases it
                    }
                    materialize::erase(conn, child_kind, &child_id)?;
                    forget_erased(conn, child_kind, &child_id)?;
                    received_log::log_arrival(
                        conn,
                        receiver.as_ref(),
                        child_kind,
                        &child_id,
                        true,
                        now,
                    )?;
                }
                materialize::erase(conn, kind, id)?;
                forget_erased(conn, kind, id)?;
                received_log::log_arrival(conn, receiver.as_ref(), kind, id, true, now)?;
                held.remove(&(kind, id));
            }
            RecordPlan::Write(write) => {
                let key: PageKey<'_> = (kind, id);
                // A pulled copy that is the whole record is written from the page itself;
                // anything merged with this device's values is built as an object first.
                let taken_whole = !write.reads_local() && write.take.len() == change.fields.len();
                let in_place = match isolation {
                    Isolation::Page if taken_whole => {
                        let pulled = PulledValues(&change.fields);
                        materialize::materialize_pulled(conn, kind, id, &pulled).transpose()?
                    }
                    _ => None,
                };
                let (outcome, object) = match in_place {
                    Some(outcome) => (outcome, None),
                    None => {
                        let object = merged_values(conn, change, write, held.get(&key))?;
                        let outcome = match isolation {
                            Isolation::Page => {
                                materialize::materialize(conn, kind, id, &object, now)?
                            }
                            Isolation::Record => write_record(conn, kind, id, &object, now)?,
                        };
                        (outcome, Some(object))
                    }
                };
                if isolation == Isolation::Page && outcome != Materialized::Written {
                    return Ok(Attempt::NeedsRecordSavepoints);
                }
                match outcome {
                    Materialized::Written => {
                        applied.retention_changed |= is_retention(kind);
                        if held.remove(&key).is_some() {
                            sync_records::release(conn, kind, id)?;
                        }
                        let redaction = match &object {
                            Some(object) => removes_personal_details(kind, object),
                            None => removes_personal_details(kind, &PulledValues(&change.fields)),
                        };
                        if redaction {
                            applied.redacted += 1;
                        }
                        received_log::log_arrival(
                            conn,
                            receiver.as_ref(),
                            kind,
                            id,
                            redaction,
                            now,
                        )?;
                    }
                    Materialized::Incomplete => {
                        let object = match object {
                            Some(object) => object,
                            None => merged_values(conn, change, write, held.get(&key))?,
                        };
                        sync_records::hold(conn, kind, id, HeldReason::Incomplete, &object, now)?;
                        held.insert(key, object);
                        applied.waiting += 1;
                    }
                    Materialized::Unreadable { reason } => {
                        let object = match object {
                            Some(object) => object,
                            None => merged_values(conn, change, write, held.get(&key))?,
                        };
                        sync_records::hold(conn, kind, id, HeldReason::Unreadable, &object, now)?;
                        held.insert(key, object);
                        applied.unreadable.push(UnreadableRecord {
                            kind,
                            record_id: id.to_owned(),
                            reason,
                        });
                    }
                }
            }
        }
    }
    sync_records::save_all_clocks(conn, &plan.clocks)?;
    Ok(Attempt::Applied(applied))
}

/// Whether a record of `kind` is one the retention schedule is applied from.
fn is_retention(kind: RecordKind) -> bool {
    matches!(
        kind,
        RecordKind::RetentionSchedule | RecordKind::RetentionReview
    )
}

/// Whether writing this record deleted a contact's personal details (a redaction: its
/// `details` are null, so `contacts::write_personal` deletes the row).
fn removes_personal_details(kind: RecordKind, object: &impl RecordValues) -> bool {
    kind == RecordKind::ContactPersonal
        && object
            .field("details")
            .is_none_or(serde_json::Value::is_null)
}

/// The page's records as `{kind: {id: place, …}, …}` (a record's place in the page), the one
/// parameter of the set-wise loads. Nested objects, so that SQL reads each kind and id as a
/// `json_each` key, with no `json_extract` of a pair per record (that was 7% of applying a
/// new phone's pulled pages, whose loads find nothing).
fn page_keys(changes: &[Change]) -> Result<String> {
    let mut keys: BTreeMap<RecordKind, BTreeMap<&str, usize>> = BTreeMap::new();
    for (place, change) in changes.iter().enumerate() {
        keys.entry(change.kind)
            .or_default()
            .insert(change.record_id.as_str(), place);
    }
    serde_json::to_string(&keys).map_err(|e| Error::Corrupt {
        kind: "pull page",
        reason: e.to_string(),
    })
}

/// Loads the clocks, erased markers and held copies of the page's records: one query each.
/// Each row comes back with its place in the page, so the state is keyed by the page's own ids,
/// not by copies of them (a record the page names twice is found at its last place: the same
/// id).
fn load<'a>(conn: &Connection, changes: &'a [Change]) -> Result<PageState<'a>> {
    let keys = page_keys(changes)?;
    let page_key = |place: i64| -> Result<PageKey<'a>> {
        usize::try_from(place)
            .ok()
            .and_then(|place| changes.get(place))
            .map(|c| (c.kind, c.record_id.as_str()))
            .ok_or_else(|| Error::Corrupt {
                kind: "pull page",
                reason: "a loaded row names no place in the page".into(),
            })
    };
    let mut records: BTreeMap<PageKey<'a>, LocalRecord> = BTreeMap::new();
    // CROSS JOIN keeps the page's keys as the outer loops: each is one primary-key search.
    let mut clocks = conn.prepare_cached(
        "SELECT ids.value, s.clocks FROM json_each(?1) AS kinds
         CROSS JOIN json_each(kinds.value) AS ids
         CROSS JOIN sync_records AS s
           ON s.record_id = beatbook_logged_record_id(ids.key)
          AND s.kind = beatbook_sync_kind(kinds.key)",
    )?;
    let mut rows = clocks.query([&keys])?;
    while let Some(row) = rows.next()? {
        let key = page_key(row.get(0)?)?;
        let bytes: Vec<u8> = row.get(1)?;
        let decoded = RecordClocks::decode(&bytes).map_err(|e| Error::Corrupt {
            kind: "sync state",
            reason: e.to_string(),
        })?;
        records.entry(key).or_default().clocks = decoded;
    }
    let mut erased = conn.prepare_cached(
        "SELECT ids.value FROM json_each(?1) AS kinds
         CROSS JOIN json_each(kinds.value) AS ids
         CROSS JOIN sync_erased AS e ON e.kind = kinds.key AND e.record_id = ids.key",
    )?;
    let mut rows = erased.query([&keys])?;
    while let Some(row) = rows.next()? {
        let key = page_key(row.get(0)?)?;
        records.entry(key).or_default().erased = true;
    }
    let mut held = BTreeMap::new();
    let mut held_rows = conn.prepare_cached(
        "SELECT ids.value, h.fields FROM json_each(?1) AS kinds
         CROSS JOIN json_each(kinds.value) AS ids
         CROSS JOIN sync_held AS h ON h.kind = kinds.key AND h.record_id = ids.key",
    )?;
    let mut rows = held_rows.query([&keys])?;
    while let Some(row) = rows.next()? {
        let key = page_key(row.get(0)?)?;
        let text: String = row.get(1)?;
        let fields = sync_records::held_values(&text)?;
        held.insert(key, fields);
    }
    Ok(PageState { records, held })
}

/// The record's values after the merge: the pulled values the plan takes, over this device's
/// own — read from the held copy or the record's table only when the plan keeps some field.
fn merged_values(
    conn: &Connection,
    change: &Change,
    write: &WritePlan,
    held: Option<&Fields>,
) -> Result<Fields> {
    let mut object = match (write.reads_local(), held) {
        (false, _) => Fields::new(),
        (true, Some(held)) => held.clone(),
        (true, None) => {
            record_json::load(conn, change.kind, &change.record_id)?.unwrap_or_default()
        }
    };
    for name in &write.take {
        if let Some(pulled) = change.fields.get(*name) {
            object.insert((*name).to_owned(), pulled.value.clone());
        }
    }
    Ok(object)
}

/// Writes the merged record to its table, in a savepoint: anything but a clean write leaves
/// nothing of the record behind (it is held instead, with its values).
pub(super) fn write_record(
    conn: &Connection,
    kind: RecordKind,
    id: &str,
    object: &Fields,
    now: DateTime<Utc>,
) -> Result<Materialized> {
    conn.prepare_cached("SAVEPOINT materialize")?.execute([])?;
    let outcome = materialize::materialize(conn, kind, id, object, now);
    if !matches!(outcome, Ok(Materialized::Written)) {
        conn.prepare_cached("ROLLBACK TO materialize")?
            .execute([])?;
    }
    conn.prepare_cached("RELEASE materialize")?.execute([])?;
    outcome
}

/// Forgets an erased record's sync state and queued changes, and remembers that it was
/// erased so that later copies are ignored.
pub(crate) fn forget_erased(conn: &Connection, kind: RecordKind, id: &str) -> Result<()> {
    sync_records::forget(conn, kind, id)?;
    outbox_forget_record(conn, kind, id)?;
    conn.prepare_cached("INSERT OR IGNORE INTO sync_erased (kind, record_id) VALUES (?1, ?2)")?
        .execute(params![kind, id])?;
    Ok(())
}
