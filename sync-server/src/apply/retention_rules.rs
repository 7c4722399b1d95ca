//! The server's rules for a supervisor's decision to retain a record (`retention_review`),
//! beyond the core's (role: `policy`; fields and dates: `RetentionReview::validate`, run by
//! `validate::check_record`): the decision's fields name the record its id names (`kind:id`),
//! in the author's team, and that record is stored with that team and not erased. Needs the
//! reviewed record, which the storage loads in the push's transaction
//! (`CurrentRecord::reviewed`).

use super::Rejection;
use crate::storage::{CurrentRecord, Principal};
use beatbook_core::retention::{RetainedKind, RetentionReview};
use beatbook_core::sync::merge::RecordState;
use beatbook_core::sync::protocol::{Op, RejectCode};
use beatbook_core::sync::RecordKind;

fn refuse(code: RejectCode, message: &str) -> Rejection {
    Rejection {
        code,
        message: format!("retention_review: {message}"),
    }
}

/// Checks a `retention_review` op as merged into `state` (other kinds pass).
pub(super) fn check(
    principal: &Principal,
    op: &Op,
    current: &CurrentRecord,
    state: &RecordState,
) -> Result<(), Rejection> {
    if op.kind != RecordKind::RetentionReview {
        return Ok(());
    }
    let text = |field: &str| {
        state
            .fields
            .get(field)
            .and_then(|f| f.value.as_str())
            .map(str::to_owned)
    };
    let kind = text("record_kind").and_then(|k| k.parse::<RetainedKind>().ok());
    if let (Some(kind), Some(id)) = (kind, text("record_id")) {
        // The id form is the core's, so that device and server agree on it.
        if RetentionReview::record_id_for(kind, &id) != op.record_id {
            return Err(refuse(
                RejectCode::InvalidRecord,
                "fields `record_kind` and `record_id` must name the record its id names",
            ));
        }
    }
    if let Some(team) = text("team_id") {
        if principal.team_id.map(|t| t.to_string()) != Some(team) {
            return Err(refuse(
                RejectCode::Forbidden,
                "field `team_id` must be the author's team",
            ));
        }
    }
    let Some(reviewed) = &current.reviewed else {
        return Err(refuse(
            RejectCode::InvalidRecord,
            "the record it decides about is not on the server (or was erased)",
        ));
    };
    if reviewed.team_id != principal.team_id {
        return Err(refuse(
            RejectCode::Forbidden,
            "the record it decides about belongs to another team",
        ));
    }
    Ok(())
}
