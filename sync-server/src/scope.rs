//! What each role receives when it pulls (the scopes table in `docs/sync-protocol.md`), and who
//! a record is "about" for the narrower volunteer scope.
//!
//! Withholding happens when a page is built, so a withheld record never reaches the wire: the
//! storage applies the [`FeedFilter`] built here in its query, and [`may_receive`] checks every
//! row again before it is serialised (a second, independent guard on the personal-data rule).

use crate::storage::{FeedFilter, Principal, ServedRecord};
use beatbook_core::ids::UserId;
use beatbook_core::model::Role;
use beatbook_core::sync::merge::RecordState;
use beatbook_core::sync::RecordKind;

/// Kinds stored without a team and received by everyone.
const GLOBAL_KINDS: &[RecordKind] = &[
    RecordKind::PriorityArea,
    RecordKind::AreaBoundaries,
    RecordKind::RetentionSchedule,
];
/// Kinds every role of the team receives: the team's record, its users, and its decisions to
/// retain records (ids and dates only: a volunteer's device needs them too, so that it does
/// not drop a retained patrol or note of its own).
const TEAM_REFERENCE_KINDS: &[RecordKind] = &[
    RecordKind::User,
    RecordKind::Team,
    RecordKind::RetentionReview,
];
/// Kinds a volunteer receives only when they are one of the record's members.
const VOLUNTEER_MEMBER_KINDS: &[RecordKind] =
    &[RecordKind::Patrol, RecordKind::Note, RecordKind::Conflict];
/// Kinds a volunteer never receives, whatever the filter says.
const NEVER_FOR_VOLUNTEERS: &[RecordKind] = &[
    RecordKind::Contact,
    RecordKind::ContactPersonal,
    RecordKind::FollowUp,
];

/// Kinds only supervisors receive: their reviews of the team's work are for supervisors (a
/// supervisor's other devices and fellow supervisors), not a record the team works from.
const SUPERVISORS_ONLY: &[RecordKind] = &[RecordKind::Review];

/// The feed filter for a device's holder.
pub fn feed_filter(principal: &Principal) -> FeedFilter {
    let team_kinds = if principal.role == Role::Volunteer {
        TEAM_REFERENCE_KINDS.to_vec()
    } else {
        RecordKind::ALL
            .iter()
            .copied()
            .filter(|k| !GLOBAL_KINDS.contains(k))
            .filter(|k| principal.role.is_supervisor() || !SUPERVISORS_ONLY.contains(k))
            .collect()
    };
    let member_kinds = if principal.role == Role::Volunteer {
        VOLUNTEER_MEMBER_KINDS.to_vec()
    } else {
        Vec::new()
    };
    FeedFilter {
        team_id: principal.team_id,
        team_kinds,
        member_kinds,
        member: principal.user_id,
        global_kinds: GLOBAL_KINDS.to_vec(),
        echoes_of: Some(principal.device_id),
        // Set by the pull, which knows the schedule and the server's now.
        retention: None,
    }
}

/// The second guard: a row that breaks the personal-data rule is never sent to a volunteer,
/// even if a filter were wrong.
pub fn may_receive(principal: &Principal, row: &impl ServedRecord) -> bool {
    if SUPERVISORS_ONLY.contains(&row.kind()) && !principal.role.is_supervisor() {
        return false;
    }
    if principal.role != Role::Volunteer {
        return true;
    }
    if NEVER_FOR_VOLUNTEERS.contains(&row.kind()) {
        return false;
    }
    if row.kind() == RecordKind::Conflict {
        // Only conflicts about patrols reach volunteers (never ones holding personal values).
        return row.subject_kind() == Some(RecordKind::Patrol);
    }
    true
}

/// Who a record is specifically about: a patrol's recorder and participants, a note's author.
/// For a conflict, `subject_members` (the members of the record it is about, when that is a
/// patrol). Other kinds have no members: they are received by team, or not at all.
pub fn members_of(
    kind: RecordKind,
    state: &RecordState,
    subject: Option<(RecordKind, &[UserId])>,
) -> Vec<UserId> {
    let user_at = |field: &str| {
        state
            .fields
            .get(field)
            .and_then(|f| serde_json::from_value::<UserId>(f.value.clone()).ok())
    };
    let mut members: Vec<UserId> = match kind {
        RecordKind::Patrol => {
            let mut list: Vec<UserId> = state
                .fields
                .get("participants")
                .and_then(|f| serde_json::from_value::<Vec<UserId>>(f.value.clone()).ok())
                .unwrap_or_default();
            list.extend(user_at("recorded_by"));
            list
        }
        RecordKind::Note => user_at("author").into_iter().collect(),
        RecordKind::Conflict => match subject {
            Some((RecordKind::Patrol, members)) => members.to_vec(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    members.sort();
    members.dedup();
    members
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::FeedRow;
    use beatbook_core::ids::{DeviceId, TeamId};
    use beatbook_core::sync::protocol::FieldState;
    use beatbook_core::sync::Hlc;

    fn principal(role: Role) -> Principal {
        Principal {
            device_id: DeviceId::new(),
            user_id: UserId::new(),
            role,
            team_id: Some(TeamId::new()),
        }
    }

    fn row(kind: RecordKind, subject_kind: Option<RecordKind>) -> FeedRow {
        FeedRow {
            seq: 1,
            kind,
            record_id: "r".into(),
            subject_kind,
            state: RecordState::default(),
        }
    }

    #[test]
    fn volunteers_never_receive_personal_kinds_or_their_conflicts() {
        let volunteer = principal(Role::Volunteer);
        let filter = feed_filter(&volunteer);
        for kind in NEVER_FOR_VOLUNTEERS {
            assert!(!filter.team_kinds.contains(kind) && !filter.member_kinds.contains(kind));
            assert!(!may_receive(&volunteer, &row(*kind, None)));
        }
        assert!(!may_receive(
            &volunteer,
            &row(RecordKind::Conflict, Some(RecordKind::ContactPersonal))
        ));
        assert!(may_receive(
            &volunteer,
            &row(RecordKind::Conflict, Some(RecordKind::Patrol))
        ));
        let officer = principal(Role::Pcso);
        assert!(feed_filter(&officer)
            .team_kinds
            .contains(&RecordKind::ContactPersonal));
        assert!(may_receive(
            &officer,
            &row(RecordKind::ContactPersonal, None)
        ));
    }

    #[test]
    fn every_role_receives_the_schedule_and_its_teams_decisions_to_retain() {
        for role in [Role::Officer, Role::Pcso, Role::Volunteer, Role::Supervisor] {
            let p = principal(role);
            let filter = feed_filter(&p);
            assert!(
                filter.global_kinds.contains(&RecordKind::RetentionSchedule),
                "{role}"
            );
            assert!(
                filter.team_kinds.contains(&RecordKind::RetentionReview),
                "{role}"
            );
            assert!(may_receive(&p, &row(RecordKind::RetentionReview, None)));
        }
    }

    #[test]
    fn reviews_reach_supervisors_only() {
        let supervisor = principal(Role::Supervisor);
        assert!(feed_filter(&supervisor)
            .team_kinds
            .contains(&RecordKind::Review));
        assert!(may_receive(&supervisor, &row(RecordKind::Review, None)));
        for role in [Role::Officer, Role::Pcso, Role::Volunteer] {
            let p = principal(role);
            let filter = feed_filter(&p);
            assert!(!filter.team_kinds.contains(&RecordKind::Review), "{role}");
            assert!(!filter.member_kinds.contains(&RecordKind::Review), "{role}");
            assert!(!may_receive(&p, &row(RecordKind::Review, None)), "{role}");
        }
    }

    #[test]
    fn patrol_members_are_the_recorder_and_participants() {
        let (a, b) = (UserId::new(), UserId::new());
        let hlc = Hlc::new(1, DeviceId::new());
        let mut state = RecordState::default();
        state.fields.insert(
            "recorded_by".into(),
            FieldState {
                value: serde_json::json!(a),
                hlc,
            },
        );
        state.fields.insert(
            "participants".into(),
            FieldState {
                value: serde_json::json!([b, a]),
                hlc,
            },
        );
        let mut expected = vec![a, b];
        expected.sort();
        assert_eq!(members_of(RecordKind::Patrol, &state, None), expected);
        assert_eq!(
            members_of(
                RecordKind::Conflict,
                &RecordState::default(),
                Some((RecordKind::Patrol, &expected))
            ),
            expected
        );
        assert!(members_of(
            RecordKind::Conflict,
            &RecordState::default(),
            Some((RecordKind::Contact, &expected))
        )
        .is_empty());
    }
}
