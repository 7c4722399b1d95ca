//! Reference data, enrolment and authentication.

use crate::storage::{
    EnrolRefusal, NewDevice, ReferenceRow, StorageError, SyncStorage, TokenCheck,
};
use beatbook_core::ids::{DeviceId, TeamId, UserId};
use beatbook_core::model::{Lap, Role, Team, User};
use std::sync::Arc;

pub(crate) fn team(name: &str, lap: Option<&str>) -> Team {
    Team {
        id: TeamId::new(),
        name: name.into(),
        lap_code: lap.map(Into::into),
    }
}

pub(crate) fn user(name: &str, role: Role, team: Option<TeamId>) -> User {
    User {
        id: UserId::new(),
        display_name: name.into(),
        role,
        team_id: team,
    }
}

pub(crate) fn reference_rows_are_read_back(storage: &Arc<dyn SyncStorage>) {
    let lap = Lap {
        code: "LAP-NV".into(),
        name: "Northvale".into(),
    };
    let north = team("Northvale NPT", Some("LAP-NV"));
    let south = team("Southmere NPT", None);
    let sam = user("PCSO Sam", Role::Pcso, Some(north.id));
    let ali = user("PC Ali", Role::Officer, Some(south.id));
    storage
        .upsert_reference_rows(
            &[
                ReferenceRow::Lap(lap),
                ReferenceRow::Team(north.clone()),
                ReferenceRow::Team(south.clone()),
            ],
            1,
        )
        .expect("teams");
    storage
        .upsert_reference_rows(
            &[
                ReferenceRow::User(sam.clone()),
                ReferenceRow::User(ali.clone()),
            ],
            2,
        )
        .expect("users");
    assert_eq!(storage.teams().expect("teams"), vec![north.clone(), south]);
    assert_eq!(storage.user(sam.id).expect("user"), Some(sam.clone()));
    assert_eq!(storage.user(UserId::new()).expect("user"), None);
    assert_eq!(
        storage.team_member_ids(north.id).expect("members"),
        vec![sam.id]
    );
    // An upsert changes the row in place.
    let moved = User {
        team_id: Some(north.id),
        role: Role::Supervisor,
        ..ali.clone()
    };
    storage
        .upsert_reference_rows(&[ReferenceRow::User(moved.clone())], 3)
        .expect("move");
    let users = storage.users().expect("users");
    assert_eq!(users.len(), 2);
    assert!(users.contains(&moved));
    let mut members = storage.team_member_ids(north.id).expect("members");
    members.sort();
    let mut expected = vec![sam.id, ali.id];
    expected.sort();
    assert_eq!(members, expected);
    // A user in a team that does not exist is refused, and nothing of its batch is kept.
    let orphan = user("PC Nowhere", Role::Officer, Some(TeamId::new()));
    let fine = user("PC Fine", Role::Officer, None);
    assert!(storage
        .upsert_reference_rows(
            &[ReferenceRow::User(fine.clone()), ReferenceRow::User(orphan)],
            4
        )
        .is_err());
    assert_eq!(storage.user(fine.id).expect("user"), None);
    // The server's node id is stable.
    assert_eq!(
        storage.server_node().expect("node"),
        storage.server_node().expect("node")
    );
}

pub(crate) fn a_code_enrols_one_device_once_and_its_token_authenticates_it(
    storage: &Arc<dyn SyncStorage>,
) {
    let north = team("Northvale NPT", None);
    let sam = user("PCSO Sam", Role::Pcso, Some(north.id));
    storage
        .upsert_reference_rows(
            &[
                ReferenceRow::Team(north.clone()),
                ReferenceRow::User(sam.clone()),
            ],
            1,
        )
        .expect("reference");
    let (code, expired, token) = ([1u8; 32], [2u8; 32], [3u8; 32]);
    storage
        .add_enrolment_code(code, sam.id, 10, 1_000)
        .expect("code");
    storage
        .add_enrolment_code(expired, sam.id, 10, 20)
        .expect("code");
    assert!(matches!(
        storage.add_enrolment_code([4u8; 32], UserId::new(), 10, 1_000),
        Err(StorageError::NotFound(_))
    ));
    let device = NewDevice {
        id: DeviceId::new(),
        name: "Sam's phone".into(),
        token_hash: token,
    };
    assert_eq!(
        storage.enrol(code, &device, 100).expect("enrol"),
        Ok(sam.clone())
    );
    let second = NewDevice {
        id: DeviceId::new(),
        name: "another".into(),
        token_hash: [5u8; 32],
    };
    assert_eq!(
        storage.enrol(code, &second, 101).expect("enrol"),
        Err(EnrolRefusal::Used)
    );
    assert_eq!(
        storage.enrol(expired, &second, 101).expect("enrol"),
        Err(EnrolRefusal::Expired)
    );
    assert_eq!(
        storage.enrol([9u8; 32], &second, 101).expect("enrol"),
        Err(EnrolRefusal::Invalid)
    );

    let principal = match storage.authenticate(token, 200_000).expect("auth") {
        TokenCheck::Active(p) => p,
        other => panic!("not active: {other:?}"),
    };
    assert_eq!(principal.device_id, device.id);
    assert_eq!(principal.user_id, sam.id);
    assert_eq!(principal.role, Role::Pcso);
    assert_eq!(principal.team_id, Some(north.id));
    assert_eq!(
        storage.authenticate([7u8; 32], 1).expect("auth"),
        TokenCheck::Unknown
    );
    let devices = storage.devices().expect("devices");
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].user_name, "PCSO Sam");
    assert_eq!(devices[0].created_at_ms, 100);
    assert_eq!(devices[0].last_seen_at_ms, Some(200_000), "touched");

    assert!(storage.revoke_device(device.id, 300_000).expect("revoke"));
    assert!(!storage
        .revoke_device(DeviceId::new(), 300_000)
        .expect("revoke"));
    // Still known as who it was: a revoked device may hand in its log, nothing else.
    assert_eq!(
        storage.authenticate(token, 300_001).expect("auth"),
        TokenCheck::Revoked(principal)
    );
    assert_eq!(
        storage.devices().expect("devices")[0].revoked_at_ms,
        Some(300_000)
    );
}

pub(crate) fn a_teams_roster_holds_its_members_and_their_devices_only(
    storage: &Arc<dyn SyncStorage>,
) {
    let north = team("Northvale NPT", None);
    let south = team("Southmere NPT", None);
    let sam = user("PCSO Sam", Role::Pcso, Some(north.id));
    let kim = user("Sgt Kim", Role::Supervisor, Some(north.id));
    let ali = user("PC Ali", Role::Officer, Some(south.id));
    storage
        .upsert_reference_rows(
            &[
                ReferenceRow::Team(north.clone()),
                ReferenceRow::Team(south.clone()),
                ReferenceRow::User(sam.clone()),
                ReferenceRow::User(kim.clone()),
                ReferenceRow::User(ali.clone()),
            ],
            1,
        )
        .expect("reference");
    let enrol = |who: &User, n: u8| {
        storage
            .add_enrolment_code([n; 32], who.id, 10, 1_000)
            .expect("code");
        let device = NewDevice {
            id: DeviceId::new(),
            name: format!("{}'s phone", who.display_name),
            token_hash: [n + 100; 32],
        };
        assert_eq!(
            storage.enrol([n; 32], &device, 100).expect("enrol"),
            Ok(who.clone())
        );
        device.id
    };
    let (sam_phone, sam_tablet, ali_phone) = (enrol(&sam, 1), enrol(&sam, 2), enrol(&ali, 3));
    // A revoked device stays in the roster: the values it wrote still name it.
    assert!(storage.revoke_device(sam_tablet, 200).expect("revoke"));

    let roster = storage.team_roster(north.id).expect("roster");
    assert_eq!(
        roster.members,
        [sam.id, kim.id].into_iter().collect(),
        "the team's users, with or without a device"
    );
    assert_eq!(
        roster.device_users,
        [(sam_phone, sam.id), (sam_tablet, sam.id)]
            .into_iter()
            .collect(),
        "the team's devices only"
    );
    let south_roster = storage.team_roster(south.id).expect("roster");
    assert_eq!(
        south_roster.device_users,
        [(ali_phone, ali.id)].into_iter().collect()
    );
    assert_eq!(
        storage.team_roster(TeamId::new()).expect("an unknown team"),
        crate::storage::TeamRoster::default()
    );
}
