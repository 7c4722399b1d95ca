//! Storage behind a trait, so that the protocol (what may be pushed, how it merges, what each
//! role may pull) never depends on which database holds the data. Two backends keep the same
//! contract: the embedded SQLite store ([`SqliteStorage`], the default and the demo) and
//! PostgreSQL ([`PostgresStorage`], for forces that outgrow one machine: several stateless
//! server instances on one database). [`StorageLocation`] opens one from the operator's
//! `--database` value; nothing else names a backend. Both run the same conformance suite
//! (`conformance/`).
//!
//! The trait is blocking: the HTTP layer calls it from `tokio::task::spawn_blocking`. It offers
//! one transactional primitive for every change to a synced record, [`SyncStorage::write_records`]:
//! the storage opens one transaction for a batch of changes (a push's ops), and for each change
//! answers a repeated op id itself, loads the record and hands it to a `decide` callback (the
//! protocol's rules and merge, in `crate::apply`), then writes what was decided — the record, any
//! conflict records, table rows of reference data — with fresh feed positions; then it commits
//! once. Nothing about roles or merge lives in a storage.
//!
//! # Contract every implementation keeps
//!
//! - **A batch is serialised from its start.** No two batches (from this process or another
//!   one on the same database) overlap: a batch takes the feed's write lock *before* its first
//!   read (the duplicate check, the record load), and holds it to its commit. So `decide` sees
//!   every change committed before the batch, a read-merge-write never works from a stale record
//!   (two devices editing different fields of one record both keep their field), and two
//!   concurrent retries of one batch cannot both pass the duplicate check. SQLite gets this from
//!   `BEGIN IMMEDIATE` on its one writer; PostgreSQL by `SELECT … FOR UPDATE` on the `feed` row
//!   as the batch's first statement (`postgres/records.rs`).
//! - **Feed order is commit order.** `seq`s are handed out from one counter, under that lock,
//!   inside the write transaction; so a batch's seqs are all above every committed seq and below
//!   every later batch's.
//! - **`head` is the highest seq committed and visible** in the reader's snapshot, never a seq
//!   handed out to a batch still in flight: a puller that jumps its cursor to `head` skips
//!   nothing (see `docs/sync-protocol.md#the-cursor`). A page and its `head` are read in one
//!   snapshot.
//! - **All of an op or none of it.** A rejected op writes nothing (a decision is made before
//!   any write); an accepted op's record, its conflicts and its op id are written together in
//!   the batch's transaction, so a retried op is `duplicate` exactly when its effect is in the
//!   store. One commit (one fsync) per batch rather than per op is what makes a 500-op push
//!   cheap; outcomes are returned only after the commit, so an op is never answered `accepted`
//!   before it is durable, and a failed batch answers none of its ops (the device resends
//!   them all).
//! - **Errors are backend-neutral.** A lock not granted in time, a serialisation failure, a
//!   database that cannot be reached now: [`StorageError::Busy`], with nothing committed (the
//!   HTTP layer answers `503` with `Retry-After`). Messages never hold record values.
//! - **Erased means gone.** An erased record keeps no field values; conflicts about it are
//!   erased with it.
//! - **Pages follow the filter.** [`SyncStorage::feed_page`] returns only rows the
//!   [`FeedFilter`] admits; the filter is built by `crate::scope`.
//! - **Pages are bounded by bytes as well as records** ([`SyncStorage::feed_page_within`]):
//!   rows are read one by one and reading stops at the budget, so a page of large records
//!   never sits whole in memory.

pub mod audit_chain;
pub(crate) mod compact;
pub mod device_audits;
pub(crate) mod echo;
pub mod epoch;
pub mod location;
pub mod packed_values;
pub(crate) mod page_budget;
pub mod postgres;
pub(crate) mod report_rows;
pub mod retention_index;
pub mod sqlite;
pub mod stored_ahead;
pub mod stored_feed;
pub(crate) mod triangle_corners;

#[cfg(test)]
pub(crate) mod conformance;

pub use audit_chain::{AuditFilter, ChainedAudit};
pub use location::{StorageLocation, StoreOptions};
pub use postgres::PostgresStorage;
pub use sqlite::SqliteStorage;
pub use stored_feed::{ServedRecord, StoredFeedPage, StoredFeedRow};

use beatbook_core::audit::AuditAction;
use beatbook_core::ids::{DeviceId, TeamId, UserId};
use beatbook_core::model::{Lap, Role, Team, User};
use beatbook_core::sync::merge::RecordState;
use beatbook_core::sync::protocol::RejectCode;
use beatbook_core::sync::RecordKind;
use uuid::Uuid;

/// A storage failure. Messages name tables and rules, never record values (a driver's message
/// is shown with its quoted parts redacted: `beatbook_core::error::redact_quoted`). Backend-neutral:
/// each backend maps its driver's errors into these (`sqlite/errors.rs`, `postgres/errors.rs`).
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database is busy (a lock not granted in time, a serialisation failure) or cannot be
    /// reached now (no pooled connection in time, the server restarting). Nothing was committed
    /// for the call; the same call may simply be made again. Answered `503` with `Retry-After`.
    #[error("the database is busy or unavailable: {0}")]
    Busy(String),
    /// Any other failure of the database.
    #[error("database error: {}", beatbook_core::error::redact_quoted(.0))]
    Database(String),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("stored data is not readable: {}", beatbook_core::error::redact_quoted(.0))]
    Corrupt(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    /// The embedded store's key is missing, malformed, or not this store's (or the store is
    /// not encrypted yet): refused at start with the fix in the message.
    #[error(transparent)]
    Key(#[from] sqlite::key::StoreKeyError),
}

pub type StorageResult<T> = Result<T, StorageError>;

/// SQL list of kind codes, for `kind IN (…)` (static codes from the protocol, never user
/// input; inlined so that each backend's planner sees constants).
pub(crate) fn kind_list(kinds: &[RecordKind]) -> String {
    kinds
        .iter()
        .map(|k| format!("'{}'", k.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Ids one [`SyncStorage::each_named_record`] call may name: one statement's array parameter on
/// PostgreSQL (a key probe each on SQLite), so a call's request stays small.
pub const NAMED_RECORDS_MAX: usize = 500;

/// An authenticated device and who holds it (role and team as they are now, not at enrolment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub device_id: DeviceId,
    pub user_id: UserId,
    pub role: Role,
    pub team_id: Option<TeamId>,
}

/// What a bearer token's hash is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenCheck {
    Unknown,
    /// Revoked: the device may only hand in its s.62 log (`POST /v1/sync/audit`), as who it was.
    Revoked(Principal),
    Active(Principal),
}

/// Why an enrolment code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrolRefusal {
    Invalid,
    Expired,
    Used,
}

/// A device being enrolled.
#[derive(Debug, Clone)]
pub struct NewDevice {
    pub id: DeviceId,
    pub name: String,
    pub token_hash: [u8; 32],
}

/// A team's members and who each of their devices belongs to: who an op may name (owner,
/// participant, reviewed member) and who wrote a value whose clock names only its device.
/// Read by index, so what a push pays for it follows its team, not the force.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeamRoster {
    pub members: std::collections::BTreeSet<UserId>,
    pub device_users: std::collections::BTreeMap<DeviceId, UserId>,
}

/// Which conflicts about a written record are erased with the write: a conflict record holds
/// copies of the winning and losing values of the field it is about.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ConflictScrub {
    /// None: the values they quote are still the record's to keep.
    #[default]
    Keep,
    /// Every conflict about the record: it is being erased, or its personal values are gone
    /// (a redaction).
    All,
    /// The conflicts about one field, whose value was erased while the record stays (a
    /// contact's promise, erased with its follow-up).
    Field(&'static str),
}

/// The field a stored conflict record is about, from its values' JSON (read only to scrub
/// the conflicts about one field).
pub(crate) fn conflict_field(values_json: &str) -> StorageResult<String> {
    #[derive(serde::Deserialize)]
    struct About {
        field: String,
    }
    serde_json::from_str::<About>(values_json)
        .map(|about| about.field)
        .map_err(|e| StorageError::Corrupt(format!("a conflict record's values: {e}")))
}

/// A device, for administrators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    pub id: DeviceId,
    pub user_id: UserId,
    pub user_name: String,
    pub name: String,
    pub created_at_ms: i64,
    pub last_seen_at_ms: Option<i64>,
    pub revoked_at_ms: Option<i64>,
}

/// Who and what a record belongs to (kept beside its fields, never sent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordMeta {
    /// The creating author's team; `None` for force-wide reference data.
    pub team_id: Option<TeamId>,
    /// The creating author; `None` for records the server makes.
    pub owner: Option<UserId>,
    /// For a conflict: the record it is about.
    pub subject: Option<(RecordKind, String)>,
    /// Users a record is specifically about (recorder and participants of a patrol, a note's
    /// author), for scopes narrower than a team.
    pub members: Vec<UserId>,
}

/// A record as stored now. `exists` is false for a record never written (empty state).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CurrentRecord {
    pub exists: bool,
    pub meta: RecordMeta,
    pub state: RecordState,
    /// The state of its companion record (see [`companion_kind`]), when one is stored:
    /// loaded in the same transaction, so the consent rule judges a contact and its personal
    /// record together.
    pub companion: Option<RecordState>,
    /// For a `retention_review`: the record it decides about (its kind and id are the review's
    /// record id, `kind:id`), when that is stored and not erased — so the decision is judged
    /// against the record's team in the same transaction.
    pub reviewed: Option<RecordMeta>,
}

/// The record a `retention_review` with id `record_id` is about (`kind:id`), if the id names a
/// governed kind.
pub fn reviewed_record(kind: RecordKind, record_id: &str) -> Option<(RecordKind, String)> {
    if kind != RecordKind::RetentionReview {
        return None;
    }
    let (reviewed, id) = record_id.split_once(':')?;
    let reviewed = reviewed
        .parse::<beatbook_core::retention::RetainedKind>()
        .ok()?;
    Some((reviewed.record_kind(), id.to_owned()))
}

/// The kind of a record's companion, which shares its id: a contact's personal record, or a
/// personal record's contact. (A data-model fact the storage only loads; what is done with
/// it is `crate::consent`'s.)
pub fn companion_kind(kind: RecordKind) -> Option<RecordKind> {
    match kind {
        RecordKind::Contact => Some(RecordKind::ContactPersonal),
        RecordKind::ContactPersonal => Some(RecordKind::Contact),
        _ => None,
    }
}

/// A record to write: its address, metadata and whole new state.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordRow {
    pub kind: RecordKind,
    pub record_id: String,
    pub meta: RecordMeta,
    pub state: RecordState,
}

/// Table rows of reference data written with a reference record, in the same transaction.
#[derive(Debug, Clone, PartialEq)]
pub enum ReferenceRow {
    Lap(Lap),
    Team(Team),
    User(User),
}

/// What a `decide` callback concluded about a change.
// A decision is made once per op and moved straight into the write; boxing the large variant
// would add an allocation per op for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Refuse the op: nothing is written, the op id is not remembered.
    Reject { code: RejectCode, message: String },
    /// Accept the op without changing the record (every field lost to a later value).
    Unchanged,
    /// Write `record`, then each of `extra` (conflict records), each with its own seq.
    Write {
        record: RecordRow,
        extra: Vec<RecordRow>,
        reference_rows: Vec<ReferenceRow>,
        /// Which conflicts about the record go with the write (a conflict holds copies of the
        /// values it is about).
        scrub_conflicts: ConflictScrub,
        /// What the change is under s.62 (collection, alteration, erasure of records that hold
        /// or name people: `crate::s62`), appended to the server's log in the batch's
        /// transaction, so there is never a change without its entry. Empty for the rest.
        audit: Vec<ServerAudit>,
    },
}

/// The address of a change and, for a device's op, its id and sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteTarget {
    pub op_id: Option<Uuid>,
    pub device_id: Option<DeviceId>,
    pub kind: RecordKind,
    pub record_id: String,
    pub now_ms: i64,
    /// The sending device's pull cursor, when it said: a change it makes to a record it held
    /// as stored is not sent back to it (`docs/sync-protocol.md#no-echo`).
    pub pulled_through: Option<u64>,
}

/// One change of a batch: where it goes, and the rules that decide what it does.
pub struct PendingWrite<'a> {
    pub target: WriteTarget,
    pub decide: &'a mut dyn FnMut(&CurrentRecord) -> Decision,
    /// The op being written and its stored form worked out on a helper thread, for a backend
    /// that packs values ([`SyncStorage::packs_values`]; `stored_ahead`). `None`: work it out
    /// in the writer.
    pub ahead: Option<stored_ahead::Ahead<'a>>,
}

impl std::fmt::Debug for PendingWrite<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingWrite")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

/// What a write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOutcome {
    /// The op id was applied before; nothing changed.
    Duplicate,
    Rejected {
        code: RejectCode,
        message: String,
    },
    /// Applied. `seq` is the record's new feed position (`None` when unchanged).
    Applied {
        seq: Option<u64>,
        conflicts: usize,
    },
}

/// Which records a device may receive: built by `crate::scope`, applied by the storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedFilter {
    pub team_id: Option<TeamId>,
    /// Kinds received for every record of the team.
    pub team_kinds: Vec<RecordKind>,
    /// Kinds received, within the team, only where `member` is one of the record's members.
    pub member_kinds: Vec<RecordKind>,
    pub member: UserId,
    /// Force-wide kinds (stored without a team) received by everyone.
    pub global_kinds: Vec<RecordKind>,
    /// The pulling device: records whose latest change is its own echo-free push are left out.
    pub echoes_of: Option<DeviceId>,
    /// Governed records expired at the server's now are left out (the sweep may not have
    /// disposed of them yet): `retention_index::Cutoffs`. Erasures and redactions are served.
    pub retention: Option<retention_index::Cutoffs>,
}

/// One record in the feed.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedRow {
    pub seq: u64,
    pub kind: RecordKind,
    pub record_id: String,
    pub subject_kind: Option<RecordKind>,
    pub state: RecordState,
}

/// One page of the feed, read in one snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedPage {
    pub rows: Vec<FeedRow>,
    /// More admitted rows follow the last one returned.
    pub has_more: bool,
    /// The highest seq committed, as of the page's snapshot (every seq at or below it that
    /// the filter admits and that is still a record's latest change is in this page or an
    /// earlier one).
    pub head: u64,
}

/// One entry of the server's s.62 log (DPA 2018): who collected, altered, consulted,
/// disclosed or erased what through the server, when, from which device. Metadata only: ids,
/// field names, counts, never a record's values. Stored as a hash chain (`audit_chain`).
/// `role` is a user's role, or `admin` for the administration command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerAudit {
    pub at_ms: i64,
    pub user_id: Option<UserId>,
    pub role: String,
    pub device_id: Option<DeviceId>,
    pub action: AuditAction,
    /// What kind of thing it was about: a record kind (`contact_personal`, `problem`), or
    /// `report`, `audit_log`, `review`.
    pub subject: String,
    /// The record's id, when the entry is about one record.
    pub record_id: Option<String>,
    /// Why, where the law asks for a reason (a consultation, a disclosure, an erasure).
    pub justification: Option<String>,
    /// Who received it, for a disclosure (`device:ID`, or what an administrator named).
    pub recipient: Option<String>,
    /// Which fields or figures (e.g. a report's period and area); never record values.
    pub detail: Option<String>,
}

impl ServerAudit {
    /// An entry with only who, when and what set.
    pub fn new(at_ms: i64, action: AuditAction, subject: impl Into<String>) -> Self {
        Self {
            at_ms,
            user_id: None,
            role: "admin".into(),
            device_id: None,
            action,
            subject: subject.into(),
            record_id: None,
            justification: None,
            recipient: None,
            detail: None,
        }
    }

    /// Done by `principal` (user, role, device).
    pub fn by(mut self, principal: &Principal) -> Self {
        self.user_id = Some(principal.user_id);
        self.role = principal.role.as_str().to_owned();
        self.device_id = Some(principal.device_id);
        self
    }
}

/// A live record for reports: its kind and current fields.
pub type ReportRecord = (RecordKind, RecordState);

/// Everything the server keeps.
pub trait SyncStorage: Send + Sync + std::fmt::Debug {
    /// The server's node id for hybrid clocks on records it writes itself.
    fn server_node(&self) -> StorageResult<DeviceId>;

    /// The store's epoch (`epoch.rs`), read when the store was opened: new whenever the store
    /// was restored from a backup, so devices can tell (`docs/sync-protocol.md#server-epochs`).
    fn epoch(&self) -> StorageResult<Uuid>;

    // --- Reference data and administration ---

    fn teams(&self) -> StorageResult<Vec<Team>>;
    fn users(&self) -> StorageResult<Vec<User>>;
    fn user(&self, id: UserId) -> StorageResult<Option<User>>;
    /// The ids of the users in `team`: who a record of the team may name as owner, participant
    /// or reviewed member.
    fn team_member_ids(&self, team: TeamId) -> StorageResult<Vec<UserId>>;
    /// The team's members and their devices (revoked ones included: their values stay).
    fn team_roster(&self, team: TeamId) -> StorageResult<TeamRoster>;
    /// Writes reference table rows that have no feed record of their own (LAPs).
    fn upsert_reference_rows(&self, rows: &[ReferenceRow], now_ms: i64) -> StorageResult<()>;
    fn add_enrolment_code(
        &self,
        code_hash: [u8; 32],
        user: UserId,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> StorageResult<()>;
    fn devices(&self) -> StorageResult<Vec<DeviceInfo>>;
    /// Marks a device revoked; `false` if there is no such device.
    fn revoke_device(&self, id: DeviceId, now_ms: i64) -> StorageResult<bool>;

    // --- Enrolment and authentication ---

    /// Uses a code (one time) and registers the device, in one transaction.
    fn enrol(
        &self,
        code_hash: [u8; 32],
        device: &NewDevice,
        now_ms: i64,
    ) -> StorageResult<Result<User, EnrolRefusal>>;
    /// Looks a token hash up (and notes when the device was last seen).
    fn authenticate(&self, token_hash: [u8; 32], now_ms: i64) -> StorageResult<TokenCheck>;

    // --- Records and the feed ---

    /// Applies a batch of changes in one transaction, in order (see the module docs); one
    /// outcome per change. A later change of the batch sees the earlier ones' writes. The batch
    /// is serialised with every other batch from its first read to its commit.
    fn write_records(&self, writes: &mut [PendingWrite<'_>]) -> StorageResult<Vec<WriteOutcome>>;

    /// Whether this backend packs records' values as it writes them, and so can use their
    /// stored form worked out ahead ([`PendingWrite::ahead`]). PostgreSQL keeps plain JSON.
    fn packs_values(&self) -> bool {
        false
    }

    /// Applies one change: a batch of one.
    fn write_record(
        &self,
        target: &WriteTarget,
        decide: &mut dyn FnMut(&CurrentRecord) -> Decision,
    ) -> StorageResult<WriteOutcome> {
        let mut batch = [PendingWrite {
            target: target.clone(),
            decide,
            ahead: None,
        }];
        self.write_records(&mut batch)?
            .pop()
            .ok_or_else(|| StorageError::Invalid("a batch of one gave no outcome".into()))
    }
    /// Records with `seq > after` that `filter` admits, in seq order, at most `limit`.
    fn feed_page(&self, filter: &FeedFilter, after: u64, limit: u32) -> StorageResult<FeedPage> {
        self.feed_page_within(filter, after, limit, usize::MAX)
    }
    /// As [`SyncStorage::feed_page`], and the page also stops before the records' stored size
    /// (values, clocks and ids) passes `max_bytes` — but always holds at least one record, so a
    /// puller always advances. A page cut short says `has_more`. This bounds the memory one
    /// pull holds however large its records are.
    fn feed_page_within(
        &self,
        filter: &FeedFilter,
        after: u64,
        limit: u32,
        max_bytes: usize,
    ) -> StorageResult<FeedPage>;
    /// As [`SyncStorage::feed_page_within`], each record as stored: its values' JSON text and
    /// its clocks' bytes, not joined (`stored_feed`). Both backends' `feed_page_within` is
    /// this page joined ([`StoredFeedPage::join`]); the conformance suite holds its rows to the
    /// records written.
    fn feed_page_stored(
        &self,
        filter: &FeedFilter,
        after: u64,
        limit: u32,
        max_bytes: usize,
    ) -> StorageResult<StoredFeedPage>;
    /// The highest seq committed and visible now.
    fn feed_head(&self) -> StorageResult<u64>;

    // --- Reports and the server's s.62 log ---

    /// Every live (not erased) record a report reads: the kinds `kinds`, stored with `team`
    /// (or with any team when `None`), and force-wide ones stored without a team. One snapshot.
    fn report_records(
        &self,
        team: Option<TeamId>,
        kinds: &[RecordKind],
    ) -> StorageResult<Vec<ReportRecord>>;
    /// The same records as [`report_records`](Self::report_records), each handed to `visit` by
    /// its kind and its fields' values as it is read, so that a report over a team's whole
    /// history need not hold that history (`beatbook_core::reports::SyncedFacts`). One snapshot,
    /// streamed: PostgreSQL's one statement, SQLite's statements (a team's range, the
    /// force-wide one) in one read transaction.
    ///
    /// With `read_from_day` (`beatbook_core::reports::read_from_day` of a period's start), only
    /// the records a report of that period can read: those whose report reach
    /// (`beatbook_core::reports::report_until_day`, kept with each record) is that day or later
    /// — one range of the index by team and reach, not the team's history.
    /// Kinds no report reads have no reach, so none of them is given then.
    fn each_report_record(
        &self,
        team: Option<TeamId>,
        kinds: &[RecordKind],
        read_from_day: Option<i64>,
        visit: &mut dyn FnMut(RecordKind, serde_json::Map<String, serde_json::Value>),
    ) -> StorageResult<()>;
    /// The live records of `kind` among `ids`, stored with `team` (any team when `None`) or
    /// force-wide, each handed to `visit` as it is read; an id not found is passed over. How a
    /// report read by reach finds the older contacts its follow-ups were made at
    /// (`SyncedFacts::contacts_wanted`). At most [`NAMED_RECORDS_MAX`] ids a call.
    fn each_named_record(
        &self,
        team: Option<TeamId>,
        kind: RecordKind,
        ids: &[String],
        visit: &mut dyn FnMut(RecordKind, serde_json::Map<String, serde_json::Value>),
    ) -> StorageResult<()>;
    /// Appends entries to the server's log, in order, in one transaction: each carries the
    /// hash of the one before (`audit_chain`). Appends are serialised with every other.
    fn append_audits(&self, entries: &[ServerAudit]) -> StorageResult<()>;
    /// Appends one entry.
    fn append_audit(&self, entry: &ServerAudit) -> StorageResult<()> {
        self.append_audits(std::slice::from_ref(entry))
    }
    /// Chains entries of `device`'s own log onto the server's, in one transaction with the
    /// device's mark (the highest entry of its log held): repeats are skipped and a batch past
    /// a gap adds nothing (`device_audits::take_after`). Returns the mark afterwards; an unknown
    /// device is `NotFound`. A revoked device's log is taken too: it is how a lost phone's
    /// last actions reach the force's log.
    fn receive_device_audits(
        &self,
        device: DeviceId,
        batch: &[device_audits::DeviceAudit],
    ) -> StorageResult<i64>;
    /// Entries `filter` admits, newest first, at most `limit`.
    fn audit_search(&self, filter: &AuditFilter, limit: u32) -> StorageResult<Vec<ChainedAudit>>;
    /// Entries with `seq > after`, in seq order, at most `limit`, as stored (for verifying
    /// the chain: nothing is checked here).
    fn audit_chain_page(&self, after: u64, limit: u32) -> StorageResult<Vec<ChainedAudit>>;
    /// The newest `limit` entries, newest first.
    fn audit_log(&self, limit: u32) -> StorageResult<Vec<ServerAudit>> {
        Ok(self
            .audit_search(&AuditFilter::default(), limit)?
            .into_iter()
            .map(|c| c.entry)
            .collect())
    }

    // --- Retention (`retention_index`) ---

    /// The held governed records in `range` (review date at or before its bounds), at most
    /// `range.limit`: index ranges, never a scan of the records.
    fn retention_entries(
        &self,
        range: &retention_index::RetentionRange,
    ) -> StorageResult<Vec<retention_index::RetentionEntry>>;
    /// The held children of a governed record (a contact's follow-ups, a problem's steps and
    /// stage requests), by kind then id.
    fn retention_children(
        &self,
        parent: beatbook_core::retention::RetainedKind,
        parent_id: &str,
    ) -> StorageResult<Vec<(RecordKind, String)>>;
    /// One record as stored now (`None` if never written; an erased one is returned erased).
    fn record(&self, kind: RecordKind, record_id: &str) -> StorageResult<Option<CurrentRecord>>;

    // --- Operations ---

    /// Bytes the store takes on disk, for the metrics (`crate::metrics`): the database file
    /// and its write-ahead log (SQLite), or the database (PostgreSQL).
    fn size_bytes(&self) -> StorageResult<u64>;
}
