//! Disposing of one record, with its children, through the path a supervisor's push takes
//! (as `web::decide` does for a stage decision): ops made by the server — authored by the
//! server's own user (its node id) from its own node, stamped after every clock the record
//! holds — and applied with [`apply::decide`] (the protocol's checks, the policy for a
//! supervisor, the merge, validation) in one `write_records` batch. So devices pull the result
//! as they pull any erasure: an erased record's tombstone, or a personal record with every
//! value null (a redaction).
//!
//! What is disposed of: the record (a `contact_personal`: redacted; any other kind: erased) and
//! its children, erased (a contact: its personal record and follow-ups; a problem: its steps and
//! stage requests). Children go first and the record last; once one op is refused the rest are
//! refused too, so a record is never erased leaving children the next pass could not find.
//!
//! Each record written gets one s.62 entry (operation erasure), written in the batch's
//! transaction in place of the entries the push path would name a user in: who is the
//! retention schedule (`role` "retention_schedule", no user or device), the administrator
//! (`role` "admin") or a supervisor at review on the web pages (their user and browser device:
//! then the ops are theirs too, authored by them from that device, as `web::decide`'s are);
//! the justification is the reason; never a value.

use crate::apply::{self, PushContext};
use crate::storage::{
    CurrentRecord, Principal, ServerAudit, StorageError, SyncStorage, TeamRoster, WriteOutcome,
};
use beatbook_core::audit::AuditAction;
use beatbook_core::ids::{TeamId, UserId};
use beatbook_core::model::{ContactPersonalData, Role};
use beatbook_core::retention::{Disposal, RetainedKind};
use beatbook_core::sync::protocol::{Erasure, FieldChange, Op};
use beatbook_core::sync::{Hlc, RecordKind};
use chrono::{DateTime, SecondsFormat, Utc};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The `role` the s.62 log names for a disposal under the schedule.
pub const SCHEDULE_ROLE: &str = "retention_schedule";

/// Who disposes, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// The schedule: the record's review date passed without a decision to retain.
    Schedule { review_on: DateTime<Utc> },
    /// An administrator, with their reason.
    Admin {
        name: Option<String>,
        reason: String,
    },
    /// A supervisor at review (the web pages), with their reason: the ops are authored by
    /// them from their browser's device, and only their team's records can be disposed of.
    Supervisor {
        principal: Principal,
        reason: String,
    },
}

impl Actor {
    fn justification(&self) -> String {
        match self {
            Actor::Schedule { review_on } => format!(
                "retention schedule: review date {} passed without a decision to retain",
                review_on.to_rfc3339_opts(SecondsFormat::Secs, true)
            ),
            Actor::Admin { reason, .. } | Actor::Supervisor { reason, .. } => reason.clone(),
        }
    }

    fn entry(&self, at_ms: i64, kind: RecordKind, id: &str, redaction: bool) -> ServerAudit {
        let what = if redaction {
            "redaction: every personal value removed"
        } else {
            "erased"
        };
        let base = ServerAudit {
            record_id: Some(id.to_owned()),
            justification: Some(self.justification()),
            ..ServerAudit::new(at_ms, AuditAction::Erasure, kind.as_str())
        };
        match self {
            Actor::Schedule { .. } => ServerAudit {
                role: SCHEDULE_ROLE.to_owned(),
                detail: Some(format!("{what}, disposed under the retention schedule")),
                ..base
            },
            Actor::Admin { name, .. } => ServerAudit {
                role: "admin".to_owned(),
                detail: Some(match name {
                    Some(name) => format!("{what} by the administrator ({name})"),
                    None => format!("{what} by the administrator"),
                }),
                ..base
            },
            Actor::Supervisor { principal, .. } => ServerAudit {
                detail: Some(format!("{what} at review by a supervisor, web pages")),
                ..base.by(principal)
            },
        }
    }
}

/// What a disposal wrote: each record and whether it was redacted (else erased).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Disposed {
    pub records: Vec<(RecordKind, String, bool)>,
}

/// Why a disposal did not happen.
#[derive(Debug, thiserror::Error)]
pub enum DisposeError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("no {0} {1} is held on the server (never stored, or already erased)")]
    NotFound(RecordKind, String),
    #[error("the {0} belongs to no team, so it cannot be disposed of here")]
    NoTeam(RecordKind),
    #[error("the {0} belongs to another team")]
    OtherTeam(RecordKind),
    #[error("the server refused the disposal ({code}): {message}")]
    Refused { code: &'static str, message: String },
}

/// One planned op: kind, id, erase (else redact), the record as stored.
struct Planned {
    kind: RecordKind,
    record_id: String,
    redact: bool,
    current: CurrentRecord,
}

/// The children disposed of with a record of `kind` (its companion personal record first).
fn children(
    storage: &dyn SyncStorage,
    kind: RecordKind,
    id: &str,
) -> Result<Vec<(RecordKind, String)>, StorageError> {
    let mut found = Vec::new();
    if kind == RecordKind::Contact {
        found.push((RecordKind::ContactPersonal, id.to_owned()));
    }
    if let Some(parent) = RetainedKind::of_record_kind(kind) {
        for child in storage.retention_children(parent, id)? {
            // Conflicts go with their record by the storage's cascade.
            if child.0 != RecordKind::Conflict && !found.contains(&child) {
                found.push(child);
            }
        }
    }
    Ok(found)
}

/// What disposing of a team's records needs to know besides the records: the team's users and
/// their devices (for the push's rules and conflict authors). Read once per team and kept for a
/// sweep pass, so a pass of thousands of disposals reads each team's roster once.
#[derive(Debug, Default)]
pub struct TeamContexts {
    teams: BTreeMap<TeamId, TeamRoster>,
}

impl TeamContexts {
    fn of(&mut self, storage: &dyn SyncStorage, team: TeamId) -> Result<&TeamRoster, StorageError> {
        use std::collections::btree_map::Entry;
        match self.teams.entry(team) {
            Entry::Occupied(kept) => Ok(kept.into_mut()),
            Entry::Vacant(slot) => Ok(slot.insert(storage.team_roster(team)?)),
        }
    }
}

/// Disposes of the record `kind`/`id` with its children: redacts a `contact_personal`, erases
/// any other kind. Returns what was written.
pub fn dispose(
    storage: &dyn SyncStorage,
    kind: RecordKind,
    id: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Disposed, DisposeError> {
    dispose_with(storage, &mut TeamContexts::default(), kind, id, actor, now)
}

/// As [`dispose`], with team contexts kept across calls (the sweep's).
pub fn dispose_with(
    storage: &dyn SyncStorage,
    teams: &mut TeamContexts,
    kind: RecordKind,
    id: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Disposed, DisposeError> {
    let redact_personal =
        RetainedKind::of_record_kind(kind).is_some_and(|k| k.disposal() == Disposal::Redact);
    let Some(current) = storage.record(kind, id)?.filter(|c| !c.state.erased) else {
        return Err(DisposeError::NotFound(kind, id.to_owned()));
    };
    if redact_personal && current.state.fields.values().all(|f| f.value.is_null()) {
        return Err(DisposeError::NotFound(kind, id.to_owned()));
    }
    let team = current.meta.team_id.ok_or(DisposeError::NoTeam(kind))?;
    if let Actor::Supervisor { principal, .. } = actor {
        if principal.team_id != Some(team) {
            return Err(DisposeError::OtherTeam(kind));
        }
    }
    let mut planned = Vec::new();
    for (child_kind, child_id) in children(storage, kind, id)? {
        if let Some(child) = storage
            .record(child_kind, &child_id)?
            .filter(|c| !c.state.erased)
        {
            planned.push(Planned {
                kind: child_kind,
                record_id: child_id,
                redact: false,
                current: child,
            });
        }
    }
    planned.push(Planned {
        kind,
        record_id: id.to_owned(),
        redact: redact_personal,
        current,
    });
    let context = teams.of(storage, team)?;
    apply_planned(storage, team, context, planned, actor, now)
}

/// The server as the author of its disposals: its own user id (its node id), its node as the
/// device, a supervisor of the record's team (erasure is a supervisor's).
fn server_principal(storage: &dyn SyncStorage, team: TeamId) -> Result<Principal, StorageError> {
    let node = storage.server_node()?;
    Ok(Principal {
        device_id: node,
        user_id: UserId(node.0),
        role: Role::Supervisor,
        team_id: Some(team),
    })
}

fn apply_planned(
    storage: &dyn SyncStorage,
    team: TeamId,
    roster: &TeamRoster,
    planned: Vec<Planned>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Disposed, DisposeError> {
    let principal = match actor {
        Actor::Supervisor { principal, .. } => principal.clone(),
        Actor::Schedule { .. } | Actor::Admin { .. } => server_principal(storage, team)?,
    };
    let server_node = storage.server_node()?;
    let wall_ms = apply::server_ops::stamp_after(now, planned.iter().map(|p| &p.current.state));
    let ops: Vec<(Op, bool)> = planned
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (fields, erase) = if p.redact {
                let nothing = ContactPersonalData {
                    details: None,
                    ethnicity: None,
                };
                let changes = crate::web::decide::changes(Some(&p.current.state), &nothing)?;
                (changes, None)
            } else {
                (
                    BTreeMap::<String, FieldChange>::new(),
                    Some(Erasure {
                        reason: actor.justification(),
                    }),
                )
            };
            Ok((
                Op {
                    op_id: Uuid::now_v7(),
                    kind: p.kind,
                    record_id: p.record_id.clone(),
                    hlc: Hlc {
                        wall_ms,
                        counter: u32::try_from(i).unwrap_or(u32::MAX),
                        node: principal.device_id,
                    },
                    author: principal.user_id,
                    device: principal.device_id,
                    fields,
                    erase,
                },
                p.redact,
            ))
        })
        .collect::<Result<_, StorageError>>()?;
    let ctx = PushContext {
        principal: principal.clone(),
        now,
        // The server's own op, stamped after every clock the record holds: however far that
        // is ahead of this clock (a device ahead within the push's limit, or this command run
        // on a host whose clock is behind the server's), the stamp is the server's own.
        max_skew_ms: wall_ms
            .saturating_sub(u64::try_from(now.timestamp_millis()).unwrap_or(0))
            .max(24 * 3_600_000),
        earliest_record_time: beatbook_core::model::time_sense::default_floor(),
        server_node,
        team_members: roster.members.clone(),
        device_users: roster.device_users.clone(),
    };
    let at_ms = now.timestamp_millis();
    let (ops, redacts): (Vec<Op>, Vec<bool>) = ops.into_iter().unzip();
    let outcomes = apply::server_ops::write_all_or_none(storage, &ctx, &ops, at_ms, |i| {
        let op = &ops[i];
        Some(vec![actor.entry(at_ms, op.kind, &op.record_id, redacts[i])])
    })?;
    let mut disposed = Disposed::default();
    for ((op, redact), outcome) in ops.iter().zip(&redacts).zip(outcomes) {
        match outcome {
            WriteOutcome::Rejected { code, message } => {
                return Err(DisposeError::Refused {
                    code: code.as_str(),
                    message,
                })
            }
            WriteOutcome::Applied { .. } | WriteOutcome::Duplicate => {
                disposed
                    .records
                    .push((op.kind, op.record_id.clone(), *redact));
            }
        }
    }
    Ok(disposed)
}
