//! The decisions for single ops, without a database.

use super::*;
use crate::storage::CurrentRecord;
use beatbook_core::ids::{TeamId, UserId};
use beatbook_core::model::Role;
use beatbook_core::sync::protocol::{Erasure, FieldChange};
use serde_json::json;

pub(super) fn ctx(role: Role) -> PushContext {
    let user_id = UserId::new();
    PushContext {
        principal: Principal {
            device_id: DeviceId::new(),
            user_id,
            role,
            team_id: Some(TeamId::new()),
        },
        now: Utc::now(),
        max_skew_ms: 300_000,
        earliest_record_time: beatbook_core::model::time_sense::default_floor(),
        server_node: DeviceId::new(),
        team_members: [user_id, UserId::new()].into_iter().collect(),
        device_users: Default::default(),
    }
}

/// A user of `ctx`'s team other than its author.
pub(super) fn colleague(ctx: &PushContext) -> UserId {
    *ctx.team_members
        .iter()
        .find(|u| **u != ctx.principal.user_id)
        .expect("the test team has two members")
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

fn review_fields(ctx: &PushContext, items: usize) -> serde_json::Value {
    let items: Vec<_> = (0..items)
        .map(
            |_| json!({"kind": "contact", "id": Uuid::now_v7(), "version": "2026-11-20T09:00:00Z"}),
        )
        .collect();
    json!({
        "id": "0193a1b2-c3d4-7000-8000-0000000000aa",
        "reviewer": ctx.principal.user_id,
        "member": colleague(ctx),
        "reviewed_at": "2026-11-21T09:00:00Z",
        "items": items,
    })
}

pub(super) fn rejected_code(decision: Decision) -> Option<RejectCode> {
    match decision {
        Decision::Reject { code, .. } => Some(code),
        _ => None,
    }
}

#[test]
fn only_supervisors_push_reviews_as_themselves_with_1_to_200_items() {
    let pcso = ctx(Role::Pcso);
    let o = op(&pcso, RecordKind::Review, review_fields(&pcso, 1));
    assert_eq!(code(precheck(&pcso, &o)), Some("forbidden"));

    let sup = ctx(Role::Supervisor);
    let o = op(&sup, RecordKind::Review, review_fields(&sup, 2));
    assert!(matches!(
        decide(&sup, &o, &CurrentRecord::default()),
        Decision::Write { .. }
    ));
    // Claiming another reviewer.
    let mut fields = review_fields(&sup, 1);
    fields["reviewer"] = json!(UserId::new());
    let o = op(&sup, RecordKind::Review, fields);
    assert_eq!(
        rejected_code(decide(&sup, &o, &CurrentRecord::default())),
        Some(RejectCode::Forbidden)
    );
    // No items, too many items, an item that is not a record id.
    for bad in [
        review_fields(&sup, 0),
        review_fields(&sup, beatbook_core::model::MAX_REVIEW_ITEMS + 1),
    ] {
        let o = op(&sup, RecordKind::Review, bad);
        assert_eq!(
            rejected_code(decide(&sup, &o, &CurrentRecord::default())),
            Some(RejectCode::InvalidRecord)
        );
    }
    let mut fields = review_fields(&sup, 1);
    fields["items"][0]["id"] = json!("Ada Lovelace");
    let o = op(&sup, RecordKind::Review, fields);
    assert_eq!(
        rejected_code(decide(&sup, &o, &CurrentRecord::default())),
        Some(RejectCode::InvalidRecord)
    );
}

/// A follow-up of `owner`, as stored, in `ctx`'s team.
fn stored_follow_up(ctx: &PushContext, owner: UserId) -> CurrentRecord {
    use beatbook_core::ids::FollowUpId;
    use beatbook_core::model::{FollowUp, FollowUpStatus};
    let follow_up = FollowUp {
        id: "0193a1b2-c3d4-7000-8000-0000000000aa"
            .parse::<FollowUpId>()
            .expect("id"),
        contact_id: None,
        promise: "Ring back about the lighting".into(),
        owner: Some(owner),
        referred_by: None,
        created_at: ctx.now,
        due_at: ctx.now + chrono::Duration::hours(72),
        status: FollowUpStatus::Open,
        answered_at: None,
        outcome: None,
        correction_reason: None,
    };
    CurrentRecord {
        exists: true,
        meta: RecordMeta {
            team_id: ctx.principal.team_id,
            owner: Some(owner),
            subject: None,
            members: Vec::new(),
        },
        state: crate::reference::state_of(&follow_up, Hlc::new(1, DeviceId::new())).expect("state"),
        companion: None,
        reviewed: None,
    }
}

#[test]
fn only_a_supervisor_reassigns_a_follow_up() {
    let pcso = ctx(Role::Pcso);
    let current = stored_follow_up(&pcso, pcso.principal.user_id);
    // The owner handing their own promise to someone else: refused.
    let o = op(&pcso, RecordKind::FollowUp, json!({"owner": UserId::new()}));
    assert_eq!(
        rejected_code(decide(&pcso, &o, &current)),
        Some(RejectCode::Forbidden)
    );
    // Answering it (not touching the owner) is fine.
    let o = op(
        &pcso,
        RecordKind::FollowUp,
        json!({"status": "answered", "answered_at": pcso.now, "outcome": "Rang back"}),
    );
    assert!(matches!(
        decide(&pcso, &o, &current),
        Decision::Write { .. }
    ));

    let mut sup = ctx(Role::Supervisor);
    sup.principal.team_id = pcso.principal.team_id;
    sup.team_members = pcso.team_members.clone();
    sup.team_members.insert(sup.principal.user_id);
    let o = op(
        &sup,
        RecordKind::FollowUp,
        json!({"owner": colleague(&pcso)}),
    );
    assert!(matches!(decide(&sup, &o, &current), Decision::Write { .. }));
}

#[test]
fn owners_participants_and_reviewed_members_must_be_of_the_authors_team() {
    let mut sup = ctx(Role::Supervisor);
    let pcso = ctx(Role::Pcso);
    sup.principal.team_id = pcso.principal.team_id;
    sup.team_members = pcso.team_members.clone();
    sup.team_members.insert(sup.principal.user_id);
    let outsider = UserId::new();
    let refused = |ctx: &PushContext, kind, fields, current: &CurrentRecord| {
        rejected_code(decide(ctx, &op(ctx, kind, fields), current))
    };

    // A supervisor handing a team promise to someone outside the team.
    let current = stored_follow_up(&pcso, pcso.principal.user_id);
    assert_eq!(
        refused(
            &sup,
            RecordKind::FollowUp,
            json!({"owner": outsider}),
            &current
        ),
        Some(RejectCode::Forbidden)
    );
    // A review of someone else's team member.
    let mut fields = review_fields(&sup, 1);
    fields["member"] = json!(outsider);
    assert_eq!(
        refused(&sup, RecordKind::Review, fields, &CurrentRecord::default()),
        Some(RejectCode::Forbidden)
    );
    // A patrol naming an outsider among its participants, and a problem owned by one.
    let new = CurrentRecord::default();
    let participants = json!([colleague(&pcso), outsider]);
    assert_eq!(
        refused(
            &pcso,
            RecordKind::Patrol,
            json!({"participants": participants}),
            &new
        ),
        Some(RejectCode::Forbidden)
    );
    assert_eq!(
        refused(&pcso, RecordKind::Problem, json!({"owner": outsider}), &new),
        Some(RejectCode::Forbidden)
    );
    assert_eq!(
        refused(
            &pcso,
            RecordKind::Problem,
            json!({"owner": "not a user id"}),
            &new
        ),
        Some(RejectCode::Forbidden)
    );
    let action = |owner: serde_json::Value| {
        json!({"responses": [{"id": Uuid::now_v7(), "description": "Lighting survey", "owner": owner,
            "partner": null, "due": null, "status": "planned"}]})
    };
    assert_eq!(
        refused(&pcso, RecordKind::Problem, action(json!(outsider)), &new),
        Some(RejectCode::Forbidden)
    );
    for fine in [json!(colleague(&pcso)), json!(null)] {
        assert_eq!(
            refused(&pcso, RecordKind::Problem, action(fine), &new),
            None
        );
    }
    // Colleagues are fine; partial records are accepted as still being created.
    let participants = json!([colleague(&pcso)]);
    assert_eq!(
        refused(
            &pcso,
            RecordKind::Patrol,
            json!({"participants": participants}),
            &new
        ),
        None
    );
    assert_eq!(
        refused(
            &pcso,
            RecordKind::Problem,
            json!({"owner": colleague(&pcso)}),
            &new
        ),
        None
    );
}

#[test]
fn a_redaction_erases_the_conflicts_holding_the_dropped_personal_values() {
    let pcso = ctx(Role::Pcso);
    let held = |value: serde_json::Value| {
        let mut current = CurrentRecord {
            exists: true,
            ..Default::default()
        };
        current.meta.team_id = pcso.principal.team_id;
        // The contact it belongs to, with consent to recontact.
        let mut contact = beatbook_core::sync::merge::RecordState::default();
        contact.fields.insert(
            "consent_to_recontact".into(),
            beatbook_core::sync::protocol::FieldState {
                value: json!(true),
                hlc: Hlc::new(1, DeviceId::new()),
            },
        );
        current.companion = Some(contact);
        current.state.fields.insert(
            "details".into(),
            beatbook_core::sync::protocol::FieldState {
                value,
                hlc: Hlc::new(1, DeviceId::new()),
            },
        );
        current
    };
    let redaction = op(
        &pcso,
        RecordKind::ContactPersonal,
        json!({"details": null, "ethnicity": null}),
    );
    let scrubs = |decision: Decision| match decision {
        Decision::Write {
            scrub_conflicts, ..
        } => scrub_conflicts,
        other => panic!("expected a write, got {other:?}"),
    };
    let current = held(json!({"name": "Pat Example"}));
    assert_eq!(
        scrubs(decide(&pcso, &redaction, &current)),
        crate::storage::ConflictScrub::All
    );
    // An ordinary edit that keeps personal values leaves the conflict log alone.
    let edit = op(
        &pcso,
        RecordKind::ContactPersonal,
        json!({"details": {"name": "Pat Example", "phone": "07700 900123"}}),
    );
    assert_eq!(
        scrubs(decide(&pcso, &edit, &current)),
        crate::storage::ConflictScrub::Keep
    );
}

#[test]
fn times_ahead_of_the_server_or_before_its_floor_are_refused_per_op() {
    let pcso = ctx(Role::Pcso);
    let at = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Micros, true);
    let note = |observed_at: String| {
        op(
            &pcso,
            RecordKind::Note,
            json!({"text": "Partial so far", "observed_at": observed_at}),
        )
    };
    let decide_new = |o: &Op| decide(&pcso, o, &CurrentRecord::default());
    assert_eq!(
        rejected_code(decide_new(&note(at(pcso.now - chrono::Duration::hours(2))))),
        None
    );
    let ahead = note(at(pcso.now + chrono::Duration::days(2)));
    match decide_new(&ahead) {
        Decision::Reject { code, message } => {
            assert_eq!(code, RejectCode::InvalidRecord);
            assert!(message.contains("observed_at"), "{message}");
            assert!(message.contains("future"), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let ancient = note("1901-05-01T09:00:00Z".into());
    assert_eq!(
        rejected_code(decide_new(&ancient)),
        Some(RejectCode::InvalidRecord)
    );
    // The floor is the server's setting.
    let mut archive = pcso.clone();
    archive.earliest_record_time = "1900-01-01T00:00:00Z".parse().expect("floor");
    assert_eq!(
        rejected_code(decide(&archive, &ancient, &CurrentRecord::default())),
        None
    );
}
