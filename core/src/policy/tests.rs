//! The policy's rules, one by one, on hand-made writes.

use super::*;
use crate::ids::{DeviceId, UserId};
use crate::sync::protocol::{Erasure, FieldChange};
use crate::sync::{Hlc, RecordKind};
use serde_json::{json, Value};
use std::collections::BTreeMap;

type Fields = BTreeMap<String, Value>;

fn fields(value: Value) -> Fields {
    match value {
        Value::Object(map) => map.into_iter().collect(),
        _ => Fields::new(),
    }
}

fn op(who: &Who, kind: RecordKind, sets: Value) -> Op {
    let device = DeviceId::new();
    Op {
        op_id: uuid::Uuid::now_v7(),
        kind,
        record_id: "r1".into(),
        hlc: Hlc::new(1, device),
        author: who.user,
        device,
        fields: fields(sets)
            .into_iter()
            .map(|(k, value)| (k, FieldChange { value, base: None }))
            .collect(),
        erase: None,
    }
}

/// Decides `sets` on a record that was `before` (`None`: made by the op); after = before + sets.
fn decide(
    who: &Who,
    kind: RecordKind,
    before: Option<Value>,
    sets: Value,
) -> Result<(), DenialCode> {
    let op = op(who, kind, sets);
    let before = before.map(fields);
    let mut after = before.clone().unwrap_or_default();
    after.extend(op.fields.iter().map(|(k, c)| (k.clone(), c.value.clone())));
    let write = Write {
        op: &op,
        before: before.as_ref().map(|b| b as &dyn FieldView),
        after: &after,
    };
    check(who, &write).map_err(|d| d.code)
}

fn who(role: Role) -> Who {
    Who {
        user: UserId::new(),
        role,
    }
}

fn id(who: &Who) -> Value {
    json!(who.user.to_string())
}

#[test]
fn kinds_by_role() {
    let volunteer = who(Role::Volunteer);
    let pcso = who(Role::Pcso);
    assert_eq!(
        decide(&pcso, RecordKind::User, None, json!({})),
        Err(DenialCode::ReferenceData)
    );
    assert_eq!(
        decide(
            &pcso,
            RecordKind::Review,
            None,
            json!({"reviewer": id(&pcso)})
        ),
        Err(DenialCode::ReviewsBySupervisors)
    );
    assert_eq!(
        decide(&volunteer, RecordKind::ContactPersonal, None, json!({})),
        Err(DenialCode::PersonalData)
    );
    assert_eq!(
        DenialCode::PersonalData.reject_code(),
        RejectCode::PersonalDataForbidden
    );
    assert_eq!(
        decide(&volunteer, RecordKind::Problem, None, json!({})),
        Err(DenialCode::NotForVolunteers)
    );
    assert_eq!(decide(&pcso, RecordKind::Problem, None, json!({})), Ok(()));
}

#[test]
fn erasure_is_for_supervisors() {
    for (role, expected) in [
        (Role::Officer, Err(DenialCode::ErasureBySupervisors)),
        (Role::Supervisor, Ok(())),
    ] {
        let w = who(role);
        let mut op = op(&w, RecordKind::Note, json!({}));
        op.erase = Some(Erasure {
            reason: "test".into(),
        });
        let empty = Fields::new();
        let write = Write {
            op: &op,
            before: None,
            after: &empty,
        };
        assert_eq!(check(&w, &write).map_err(|d| d.code), expected, "{role:?}");
    }
}

#[test]
fn the_creator_field_names_the_author_and_never_changes() {
    let pcso = who(Role::Pcso);
    let other = who(Role::Pcso);
    assert_eq!(
        decide(&pcso, RecordKind::Note, None, json!({"author": id(&other)})),
        Err(DenialCode::CreatorFixed)
    );
    assert_eq!(
        decide(&pcso, RecordKind::Note, None, json!({"author": id(&pcso)})),
        Ok(())
    );
    let supervisor = who(Role::Supervisor);
    assert_eq!(
        decide(
            &supervisor,
            RecordKind::Patrol,
            Some(json!({"recorded_by": id(&pcso), "kind": "foot"})),
            json!({"recorded_by": id(&supervisor)})
        ),
        Err(DenialCode::CreatorFixed)
    );
}

#[test]
fn patrols_are_changed_by_their_own_officers_or_a_supervisor() {
    let recorder = who(Role::Pcso);
    let participant = who(Role::Officer);
    let stranger = who(Role::Officer);
    let patrol =
        json!({"recorded_by": id(&recorder), "participants": [id(&participant)], "kind": "foot"});
    let edit = json!({"observations": "quiet"});
    for (w, expected) in [
        (&recorder, Ok(())),
        (&participant, Ok(())),
        (&stranger, Err(DenialCode::NotOnPatrol)),
        (&who(Role::Supervisor), Ok(())),
    ] {
        assert_eq!(
            decide(w, RecordKind::Patrol, Some(patrol.clone()), edit.clone()),
            expected
        );
    }
    let volunteer = who(Role::Volunteer);
    assert_eq!(
        decide(
            &volunteer,
            RecordKind::Patrol,
            None,
            json!({"recorded_by": id(&volunteer), "kind": "foot"})
        ),
        Err(DenialCode::CipPatrolsOnly)
    );
    assert_eq!(
        decide(
            &volunteer,
            RecordKind::Patrol,
            None,
            json!({"recorded_by": id(&volunteer), "kind": "cip_targeted"})
        ),
        Ok(())
    );
}

#[test]
fn volunteers_change_only_contacts_they_recorded() {
    let volunteer = who(Role::Volunteer);
    let pcso = who(Role::Pcso);
    let theirs = json!({"recorded_by": id(&pcso)});
    assert_eq!(
        decide(
            &volunteer,
            RecordKind::Contact,
            Some(theirs.clone()),
            json!({"issues_text": "x"})
        ),
        Err(DenialCode::NotRecorder)
    );
    assert_eq!(
        decide(
            &who(Role::Officer),
            RecordKind::Contact,
            Some(theirs),
            json!({"issues_text": "x"})
        ),
        Ok(())
    );
    let own = json!({"recorded_by": id(&volunteer)});
    assert_eq!(
        decide(
            &volunteer,
            RecordKind::Contact,
            Some(own),
            json!({"issues_text": "x"})
        ),
        Ok(())
    );
}

#[test]
fn a_volunteers_promise_is_a_referral_and_nothing_else() {
    let volunteer = who(Role::Volunteer);
    let referral = json!({"owner": null, "referred_by": id(&volunteer), "status": "open", "promise": "call back"});
    assert_eq!(
        decide(&volunteer, RecordKind::FollowUp, None, referral.clone()),
        Ok(())
    );
    // Owned by themselves (what a device made before referrals): refused.
    let owned = json!({"owner": id(&volunteer), "referred_by": null, "status": "open"});
    assert_eq!(
        decide(&volunteer, RecordKind::FollowUp, None, owned),
        Err(DenialCode::VolunteersRefer)
    );
    // Naming someone else as referrer.
    let pcso = who(Role::Pcso);
    let forged = json!({"owner": null, "referred_by": id(&pcso), "status": "open"});
    assert_eq!(
        decide(&volunteer, RecordKind::FollowUp, None, forged),
        Err(DenialCode::CreatorFixed)
    );
    // Changing it afterwards.
    assert_eq!(
        decide(
            &volunteer,
            RecordKind::FollowUp,
            Some(referral.clone()),
            json!({"status": "cancelled"})
        ),
        Err(DenialCode::VolunteersRefer)
    );
    // A supervisor assigns it; the referrer stays.
    let supervisor = who(Role::Supervisor);
    assert_eq!(
        decide(
            &supervisor,
            RecordKind::FollowUp,
            Some(referral.clone()),
            json!({"owner": id(&pcso)})
        ),
        Ok(())
    );
    assert_eq!(
        decide(
            &supervisor,
            RecordKind::FollowUp,
            Some(referral.clone()),
            json!({"referred_by": id(&supervisor)})
        ),
        Err(DenialCode::CreatorFixed)
    );
    // A PCSO may not take it for themselves.
    assert_eq!(
        decide(
            &pcso,
            RecordKind::FollowUp,
            Some(referral),
            json!({"owner": id(&pcso)})
        ),
        Err(DenialCode::AssignBySupervisors)
    );
}

#[test]
fn a_follow_up_is_closed_by_its_owner_or_a_supervisor() {
    let owner = who(Role::Pcso);
    let other = who(Role::Officer);
    let open = json!({"owner": id(&owner), "status": "open", "referred_by": null});
    let answer = json!({"status": "answered", "outcome": "called"});
    assert_eq!(
        decide(
            &owner,
            RecordKind::FollowUp,
            Some(open.clone()),
            answer.clone()
        ),
        Ok(())
    );
    assert_eq!(
        decide(
            &other,
            RecordKind::FollowUp,
            Some(open.clone()),
            answer.clone()
        ),
        Err(DenialCode::NotFollowUpOwner)
    );
    assert_eq!(
        decide(
            &who(Role::Supervisor),
            RecordKind::FollowUp,
            Some(open.clone()),
            answer
        ),
        Ok(())
    );
    // Setting a field to the value it already holds changes nothing.
    assert_eq!(
        decide(
            &other,
            RecordKind::FollowUp,
            Some(open),
            json!({"owner": id(&owner)})
        ),
        Ok(())
    );
}

#[test]
fn stage_requests_are_decided_by_supervisors() {
    let pcso = who(Role::Pcso);
    let ask = json!({"requested_by": id(&pcso), "status": "pending", "decided_by": null});
    assert_eq!(
        decide(&pcso, RecordKind::StageRequest, None, ask.clone()),
        Ok(())
    );
    assert_eq!(
        decide(
            &pcso,
            RecordKind::StageRequest,
            Some(ask.clone()),
            json!({"status": "approved"})
        ),
        Err(DenialCode::StageDecisionBySupervisors)
    );
    let supervisor = who(Role::Supervisor);
    assert_eq!(
        decide(
            &supervisor,
            RecordKind::StageRequest,
            Some(ask),
            json!({"status": "approved", "decided_by": id(&supervisor)})
        ),
        Ok(())
    );
}

#[test]
fn conflicts_are_resolved_not_made_and_by_their_parties_if_volunteers() {
    let volunteer = who(Role::Volunteer);
    let pcso = who(Role::Pcso);
    let theirs = json!({"winner_author": id(&pcso), "loser_author": null, "resolution": null});
    let resolve = |w: &Who| json!({"resolution": "keep_winner", "resolved_by": id(w), "resolved_at": "2026-01-01T00:00:00Z"});
    assert_eq!(
        decide(&pcso, RecordKind::Conflict, None, resolve(&pcso)),
        Err(DenialCode::ConflictsByServer)
    );
    assert_eq!(
        decide(
            &pcso,
            RecordKind::Conflict,
            Some(theirs.clone()),
            resolve(&pcso)
        ),
        Ok(())
    );
    assert_eq!(
        decide(
            &pcso,
            RecordKind::Conflict,
            Some(theirs.clone()),
            json!({"field": "x"})
        ),
        Err(DenialCode::ConflictResolutionOnly)
    );
    assert_eq!(
        decide(
            &pcso,
            RecordKind::Conflict,
            Some(theirs.clone()),
            resolve(&volunteer)
        ),
        Err(DenialCode::CreatorFixed)
    );
    assert_eq!(
        decide(
            &volunteer,
            RecordKind::Conflict,
            Some(theirs),
            resolve(&volunteer)
        ),
        Err(DenialCode::NotPartyToConflict)
    );
    let own = json!({"winner_author": id(&pcso), "loser_author": id(&volunteer)});
    assert_eq!(
        decide(
            &volunteer,
            RecordKind::Conflict,
            Some(own),
            resolve(&volunteer)
        ),
        Ok(())
    );
}

#[test]
fn codes_are_stable_snake_case_and_messages_name_no_values() {
    for code in DenialCode::ALL {
        let text = code.as_str();
        assert!(
            text.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "{text}"
        );
        assert_eq!(serde_json::to_value(code).expect("json"), json!(text));
        assert_eq!(text.parse::<DenialCode>().ok(), Some(*code));
        assert!(!code.message().is_empty());
    }
    let shown = Denial::on_field(DenialCode::CreatorFixed, "author").to_string();
    assert!(
        shown.contains("`author`") && shown.contains("[creator_fixed]"),
        "{shown}"
    );
}

use crate::sync::protocol::RejectCode;
