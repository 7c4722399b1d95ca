//! What the server writes to its s.62 log (DPA 2018 s.62: collection, alteration,
//! consultation, disclosure, combination, erasure) for the records that flow through sync.
//! Pure functions: the entries for an accepted op (appended by the storage in the push's own
//! transaction, `Decision::Write::audit`) and for a pull page (appended before the page is
//! sent). The web pages, reports and the admin commands log their consultations and
//! disclosures where they happen. Where the log is kept and how it resists editing:
//! `storage::audit_chain`; the table of what is logged where: `docs/security.md`.
//!
//! Records that hold or name people: a contact's personal record (name, phone, email,
//! address, ethnicity), a problem (its analysis triangle names offender and victim), and a
//! conflict about either (it holds copies of their values). Other kinds (a contact's
//! engagement facts, patrols, notes) hold no personal data by the app's own rules; their
//! erasure is still logged, since an erasure is the one change that must always be
//! accountable. Entries are metadata only: kinds, ids, field *names*, never a value.

use crate::storage::device_audits::DeviceAudit;
use crate::storage::{Principal, ServedRecord, ServerAudit};
use beatbook_core::audit::AuditAction;
use beatbook_core::sync::audit_wire::DeviceAuditEntry;
use beatbook_core::sync::merge::RecordState;
use beatbook_core::sync::protocol::Op;
use beatbook_core::sync::RecordKind;

/// Most characters of an erasure's reason kept in the log.
const MAX_REASON_CHARS: usize = 500;

/// Whether a record of `kind` (for a conflict: about `subject`) holds or names people.
pub fn names_people(kind: RecordKind, subject: Option<RecordKind>) -> bool {
    match kind {
        RecordKind::ContactPersonal | RecordKind::Problem => true,
        RecordKind::Conflict => subject.is_some_and(|s| names_people(s, None)),
        _ => false,
    }
}

/// The entries for an accepted op that erases its record.
pub fn erasure(principal: &Principal, op: &Op, now_ms: i64) -> Vec<ServerAudit> {
    let reason = op
        .erase
        .as_ref()
        .map(|e| e.reason.chars().take(MAX_REASON_CHARS).collect::<String>());
    vec![ServerAudit {
        record_id: Some(op.record_id.clone()),
        justification: reason,
        detail: Some("erased by sync".into()),
        ..ServerAudit::new(now_ms, AuditAction::Erasure, op.kind.as_str()).by(principal)
    }]
}

/// The entries for an accepted op that changes a record: collection when it creates a record
/// that holds or names people, alteration when it changes one, erasure when it leaves a
/// personal record with no value (a redaction). `subject`: what a conflict is about.
pub fn change(
    principal: &Principal,
    op: &Op,
    existed: bool,
    subject: Option<RecordKind>,
    state: &RecordState,
    changed: &[String],
    now_ms: i64,
) -> Vec<ServerAudit> {
    if !names_people(op.kind, subject) || changed.is_empty() {
        return Vec::new();
    }
    let redacted = op.kind.is_personal() && state.fields.values().all(|f| f.value.is_null());
    let (action, detail) = if redacted {
        (
            AuditAction::Erasure,
            "redaction: every personal value removed".to_owned(),
        )
    } else if existed {
        (
            AuditAction::Alteration,
            format!("fields: {}", changed.join(", ")),
        )
    } else {
        (
            AuditAction::Collection,
            format!("fields: {}", changed.join(", ")),
        )
    };
    vec![ServerAudit {
        record_id: Some(op.record_id.clone()),
        detail: Some(detail),
        ..ServerAudit::new(now_ms, action, op.kind.as_str()).by(principal)
    }]
}

/// The disclosure entries for a pull page: one per served record that holds or names people
/// (and is not erased), naming the receiving device.
pub fn disclosures<'a, R: ServedRecord + 'a>(
    principal: &Principal,
    served: impl IntoIterator<Item = &'a R>,
    now_ms: i64,
) -> Vec<ServerAudit> {
    let recipient = format!("device:{}", principal.device_id);
    served
        .into_iter()
        .filter(|row| !row.erased() && names_people(row.kind(), row.subject_kind()))
        .map(|row| ServerAudit {
            record_id: Some(row.record_id().to_owned()),
            recipient: Some(recipient.clone()),
            detail: Some(format!("pull, seq {}", row.seq())),
            ..ServerAudit::new(now_ms, AuditAction::Disclosure, row.kind().as_str()).by(principal)
        })
        .collect()
}

/// An entry of a device's own log, handed in (`POST /v1/sync/audit`), as the server's chain
/// keeps it: who and from where are the token's (never what the entry claims); when is the
/// device's clock, as the device logged it; the detail says it is the device's entry and its
/// number there, and whether it arrived after the device was revoked.
pub fn from_device(principal: &Principal, entry: &DeviceAuditEntry, revoked: bool) -> DeviceAudit {
    let mut detail = format!("device log entry {}", entry.seq);
    if revoked {
        detail.push_str(", handed in after the device was revoked");
    }
    if let Some(own) = &entry.detail {
        detail.push_str(": ");
        detail.push_str(own);
    }
    DeviceAudit {
        device_seq: entry.seq,
        entry: ServerAudit {
            record_id: entry.record_id.clone(),
            justification: entry.justification.clone(),
            detail: Some(detail),
            ..ServerAudit::new(
                entry.at.timestamp_millis(),
                entry.action,
                entry.record_kind.clone(),
            )
            .by(principal)
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::FeedRow;
    use beatbook_core::ids::{DeviceId, TeamId, UserId};
    use beatbook_core::model::Role;
    use beatbook_core::sync::protocol::FieldState;
    use beatbook_core::sync::Hlc;

    fn principal() -> Principal {
        Principal {
            device_id: DeviceId::new(),
            user_id: UserId::new(),
            role: Role::Officer,
            team_id: Some(TeamId::new()),
        }
    }

    fn row(kind: RecordKind, subject: Option<RecordKind>, erased: bool) -> FeedRow {
        FeedRow {
            seq: 7,
            kind,
            record_id: "r1".into(),
            subject_kind: subject,
            state: RecordState {
                fields: Default::default(),
                erased,
            },
        }
    }

    #[test]
    fn a_pull_logs_one_disclosure_per_served_record_that_names_people() {
        let p = principal();
        let rows = [
            row(RecordKind::ContactPersonal, None, false),
            row(RecordKind::Contact, None, false),
            row(RecordKind::Problem, None, false),
            row(
                RecordKind::Conflict,
                Some(RecordKind::ContactPersonal),
                false,
            ),
            row(RecordKind::Conflict, Some(RecordKind::Patrol), false),
            row(RecordKind::ContactPersonal, None, true),
        ];
        let log = disclosures(&p, &rows, 5);
        let kinds: Vec<&str> = log.iter().map(|e| e.subject.as_str()).collect();
        assert_eq!(kinds, ["contact_personal", "problem", "conflict"]);
        for e in &log {
            assert_eq!(e.action, AuditAction::Disclosure);
            assert_eq!(e.user_id, Some(p.user_id));
            assert_eq!(e.device_id, Some(p.device_id));
            assert_eq!(e.recipient, Some(format!("device:{}", p.device_id)));
            assert_eq!(e.record_id.as_deref(), Some("r1"));
        }
    }

    #[test]
    fn a_redaction_is_logged_as_an_erasure_without_values() {
        let p = principal();
        let op: Op = serde_json::from_value(serde_json::json!({
            "op_id": uuid::Uuid::now_v7(), "kind": "contact_personal", "record_id": "c1",
            "hlc": Hlc::new(1, p.device_id), "author": p.user_id, "device": p.device_id,
        }))
        .expect("op");
        let mut state = RecordState::default();
        state.fields.insert(
            "details".into(),
            FieldState {
                value: serde_json::Value::Null,
                hlc: Hlc::new(1, p.device_id),
            },
        );
        let log = change(&p, &op, true, None, &state, &["details".into()], 1);
        assert_eq!(log[0].action, AuditAction::Erasure);
        state.fields.insert(
            "details".into(),
            FieldState {
                value: serde_json::json!({"name": "Ada Example"}),
                hlc: Hlc::new(1, p.device_id),
            },
        );
        let log = change(&p, &op, false, None, &state, &["details".into()], 1);
        assert_eq!(log[0].action, AuditAction::Collection);
        assert_eq!(log[0].detail.as_deref(), Some("fields: details"));
        let note = Op {
            kind: RecordKind::Note,
            ..op
        };
        assert!(change(&p, &note, false, None, &state, &["text".into()], 1).is_empty());
    }
}
