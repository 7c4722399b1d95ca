//! The supervisors' "Due for review" decisions on the web pages (MoPI review, issue 12 item 4):
//! what of the team is due for review at the server's clock ([`due`]), and the two decisions
//! a device's `beatbook retention retain | dispose` makes, taken in the browser instead:
//!
//! - [`retain`]: a `retention_review` record (`RetentionReview`, validated, id
//!   `RetentionReview::record_id_for`) authored by the supervisor from the browser's device and
//!   applied through the push path ([`super::decide::apply_ops`]), so the team's devices pull it;
//!   logged in the s.62 log as an alteration of the record's retention, with the reason (as the
//!   device logs it), in the same transaction as the decision.
//! - [`dispose`]: the server's disposal path ([`crate::retention::dispose`]) with the supervisor
//!   as the actor: a contact's personal details redacted, any other kind erased with its
//!   children, each record logged as an erasure naming the supervisor, with the reason.
//!
//! Both act only on a record that is on the team's list now: a record disposed of, retained
//! since, or of another team is refused with a message, and nothing is written.

use super::decide::{self, changes};
use crate::http::HttpConfig;
use crate::retention::{self, Actor, DisposeError, DueRecord};
use crate::storage::{Principal, ServerAudit, StorageResult, SyncStorage};
use beatbook_core::audit::AuditAction;
use beatbook_core::ids::TeamId;
use beatbook_core::retention::{RetainedKind, RetentionReview};
use beatbook_core::sync::RecordKind;
use chrono::{DateTime, Utc};

/// The longest reason for a disposal (the administrator's erasure allows as many).
pub const MAX_DISPOSAL_REASON_CHARS: usize = crate::retention::erase::MAX_REASON_CHARS;

/// `team`'s records due for review (or past their date, not yet swept) at `now`, soonest first.
pub fn due(
    storage: &dyn SyncStorage,
    team: TeamId,
    now: DateTime<Utc>,
) -> StorageResult<Vec<DueRecord>> {
    retention::due_for_review(storage, Some(team), now).map_err(|e| e.into_storage())
}

/// The record on `team`'s list now, if it is there.
fn listed(
    storage: &dyn SyncStorage,
    team: TeamId,
    kind: RetainedKind,
    record_id: &str,
    now: DateTime<Utc>,
) -> StorageResult<Option<DueRecord>> {
    Ok(due(storage, team, now)?
        .into_iter()
        .find(|d| d.kind == kind && d.record_id == record_id))
}

const GONE: &str = "This record is no longer on your team's list: it was disposed of, retained or \
     changed since the page was shown.";

/// Keeps the listed record until `review_on`, for `reason`. `Ok(Err(why))` when refused (not
/// listed, the date or reason not allowed, a rule of the push path); nothing is written then.
#[allow(clippy::too_many_arguments)]
pub fn retain(
    storage: &dyn SyncStorage,
    principal: &Principal,
    team: TeamId,
    kind: RetainedKind,
    record_id: &str,
    review_on: DateTime<Utc>,
    reason: &str,
    now: DateTime<Utc>,
    config: &HttpConfig,
) -> StorageResult<Result<(), String>> {
    if listed(storage, team, kind, record_id, now)?.is_none() {
        return Ok(Err(GONE.into()));
    }
    let review = RetentionReview {
        record_kind: kind,
        record_id: record_id.to_owned(),
        team_id: team,
        review_on,
        reason: reason.trim().to_owned(),
        decided_by: principal.user_id,
        decided_at: now,
    };
    if let Err(e) = review.validate() {
        return Ok(Err(format!("The decision was refused: {e}.")));
    }
    let id = review.id();
    // The decision replaces an earlier one (its fields based on their clocks); the stamp follows
    // the reviewed record's clocks too.
    let mut seen = Vec::new();
    let earlier = storage
        .record(RecordKind::RetentionReview, &id)?
        .filter(|r| !r.state.erased);
    if let Some(reviewed) = storage.record(kind.record_kind(), record_id)? {
        seen.push((kind.record_kind(), reviewed.state));
    }
    let fields = changes(earlier.as_ref().map(|r| &r.state), &review)?;
    if let Some(earlier) = earlier {
        seen.push((RecordKind::RetentionReview, earlier.state));
    }
    let planned = vec![(RecordKind::RetentionReview, id, fields)];
    let logged_as = ServerAudit {
        record_id: Some(record_id.to_owned()),
        justification: Some(review.reason.clone()),
        detail: Some(format!(
            "retained at review until {}, web pages",
            review.review_on.format("%Y-%m-%d")
        )),
        ..ServerAudit::new(
            now.timestamp_millis(),
            AuditAction::Alteration,
            kind.as_str(),
        )
        .by(principal)
    };
    let applied = decide::apply_ops(
        storage,
        principal,
        team,
        planned,
        &seen,
        now,
        config,
        Some(logged_as),
    )?;
    if let Err(why) = applied {
        return Ok(Err(why));
    }
    Ok(Ok(()))
}

/// Disposes of the listed record now, for `reason`: redacts a contact's personal details,
/// erases any other kind with its children. `Ok(Err(why))` when refused; nothing is written.
pub fn dispose(
    storage: &dyn SyncStorage,
    principal: &Principal,
    team: TeamId,
    kind: RetainedKind,
    record_id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> StorageResult<Result<(), String>> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_DISPOSAL_REASON_CHARS {
        return Ok(Err(format!(
            "Say why it is disposed of (at most {MAX_DISPOSAL_REASON_CHARS} characters)."
        )));
    }
    if listed(storage, team, kind, record_id, now)?.is_none() {
        return Ok(Err(GONE.into()));
    }
    let actor = Actor::Supervisor {
        principal: principal.clone(),
        reason: reason.to_owned(),
    };
    match retention::dispose::dispose(storage, kind.record_kind(), record_id, &actor, now) {
        Ok(_) => Ok(Ok(())),
        Err(DisposeError::Storage(e)) => Err(e),
        Err(DisposeError::NotFound(..) | DisposeError::NoTeam(_) | DisposeError::OtherTeam(_)) => {
            Ok(Err(GONE.into()))
        }
        Err(e @ DisposeError::Refused { .. }) => {
            tracing::warn!(kind = %kind, error = %e, "a web disposal was refused");
            Ok(Err(format!("The server refused the disposal: {e}.")))
        }
    }
}
