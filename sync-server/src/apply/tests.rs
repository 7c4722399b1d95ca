//! The decisions for single ops, without a database.

use super::*;
use crate::storage::CurrentRecord;
use beatbook_core::ids::{TeamId, UserId};
use beatbook_core::model::Role;
use beatbook_core::sync::protocol::{Erasure, FieldChange};
use serde_json::json;

fn ctx(role: Role) -> PushContext {
    PushContext {
        principal: Principal {
            device_id: DeviceId::new(),
            user_id: UserId::new(),
            role,
            team_id: Some(TeamId::new()),
        },
        now: Utc::now(),
        max_skew_ms: 300_000,
        server_node: DeviceId::new(),
    }
}

fn op(ctx: &PushContext, kind: RecordKind, fields: serde_json::Value) -> Op {
    let serde_json::Value::Object(map) = fields else {
        panic!("fields must be an object")
    };
    Op {
        op_id: Uuid::now_v7(),
        kind,
        record_id: "0193a1b2-c3d4-7000-8000-0000000000aa".into(),
        hlc: Hlc::new(ctx.now_ms(), ctx.principal.device_id),
        author: ctx.principal.user_id,
        device: ctx.principal.device_id,
        fields: map
            .into_iter()
            .map(|(k, value)| (k, FieldChange { value, base: None }))
            .collect(),
        erase: None,
    }
}

fn code(result: Result<(), Rejection>) -> Option<&'static str> {
    result.err().map(|r| r.code.as_str())
}

#[test]
fn prechecks_follow_the_protocol() {
    let officer = ctx(Role::Officer);
    let mut o = op(&officer, RecordKind::Note, json!({}));
    assert_eq!(code(precheck(&officer, &o)), None);
    o.hlc.wall_ms += 301_000;
    assert_eq!(code(precheck(&officer, &o)), Some("clock_ahead"));
    let mut o = op(&officer, RecordKind::Note, json!({}));
    o.device = DeviceId::new();
    assert_eq!(code(precheck(&officer, &o)), Some("author_mismatch"));
    let o = op(&officer, RecordKind::Team, json!({}));
    assert_eq!(code(precheck(&officer, &o)), Some("forbidden"));
    let mut o = op(&officer, RecordKind::Note, json!({}));
    o.erase = Some(Erasure {
        reason: "retention".into(),
    });
    assert_eq!(code(precheck(&officer, &o)), Some("forbidden"));

    let volunteer = ctx(Role::Volunteer);
    let o = op(&volunteer, RecordKind::ContactPersonal, json!({}));
    assert_eq!(
        code(precheck(&volunteer, &o)),
        Some("personal_data_forbidden")
    );
    let o = op(&volunteer, RecordKind::Problem, json!({}));
    assert_eq!(code(precheck(&volunteer, &o)), Some("forbidden"));
}

#[test]
fn a_new_record_belongs_to_its_author_and_their_team() {
    let pcso = ctx(Role::Pcso);
    let o = op(&pcso, RecordKind::Note, json!({"text": "Partial so far"}));
    match decide(&pcso, &o, &CurrentRecord::default()) {
        Decision::Write { record, extra, .. } => {
            assert_eq!(record.meta.team_id, pcso.principal.team_id);
            assert_eq!(record.meta.owner, Some(pcso.principal.user_id));
            assert!(extra.is_empty());
        }
        other => panic!("expected a write, got {other:?}"),
    }
    // Claiming someone else as the author is refused.
    let o = op(&pcso, RecordKind::Note, json!({"author": UserId::new()}));
    assert!(matches!(
        decide(&pcso, &o, &CurrentRecord::default()),
        Decision::Reject {
            code: RejectCode::Forbidden,
            ..
        }
    ));
}

#[test]
fn devices_may_only_resolve_conflicts_not_make_them() {
    let pcso = ctx(Role::Pcso);
    let o = op(
        &pcso,
        RecordKind::Conflict,
        json!({"resolution": "keep_winner"}),
    );
    assert!(matches!(
        decide(&pcso, &o, &CurrentRecord::default()),
        Decision::Reject {
            code: RejectCode::Forbidden,
            ..
        }
    ));
}
