//! A volunteer's promise, through the real `beatbook-server`: recorded on the volunteer's
//! device as a referral (never a follow-up they owe), accepted by the server (the one policy
//! allows exactly this for volunteers), on the sergeant's follow-up board after a sync with no
//! owner, given to a PCSO by the sergeant, and owed by that PCSO after their sync.

use beatbook_core::policy::DenialCode;
use beatbook_e2e::server::ServerProcess;
use beatbook_e2e::workload;
use chrono::{Duration, Utc};

#[test]
fn a_volunteers_promise_reaches_the_sergeants_board_and_is_given_to_a_pcso() {
    let server = ServerProcess::start(&[]);
    let url = server.url.clone();
    let mut devices = server
        .enrol_team(
            &url,
            &[
                ("Volunteer Val", "cip_volunteer"),
                ("PCSO Avery", "pcso"),
                ("Sergeant Sol", "supervisor"),
            ],
        )
        .into_iter();
    let mut next = || devices.next().expect("device");
    let (volunteer, pcso, sergeant) = (next(), next(), next());

    let recorded = volunteer
        .store
        .record_contact(
            &volunteer.actor,
            workload::door_knock_with_promise(Utc::now() - Duration::hours(1), 1),
        )
        .expect("a volunteer records a contact with a promise");
    let referral = recorded.follow_up.expect("the promise");
    assert_eq!(referral.owner, None);
    assert_eq!(referral.referred_by, Some(volunteer.actor.user_id));
    // On the volunteer's device: referred, never owed.
    let now = Utc::now();
    assert!(volunteer
        .store
        .open_follow_ups(volunteer.actor.user_id, now)
        .expect("owed")
        .is_empty());
    let referred = volunteer
        .store
        .referred_by(volunteer.actor.user_id)
        .expect("referred");
    assert_eq!(
        referred.iter().map(|f| f.id).collect::<Vec<_>>(),
        vec![referral.id]
    );

    let pushed = volunteer.sync();
    assert_eq!(pushed.rejected, 0, "{pushed:?}");
    assert!(pushed.accepted >= 2, "contact and referral: {pushed:?}");

    sergeant.sync();
    let board = sergeant.store.follow_up_board(Utc::now()).expect("board");
    let row = board
        .iter()
        .find(|r| r.follow_up.id == referral.id)
        .expect("the referral is on the sergeant's board");
    assert_eq!(row.follow_up.owner, None);
    assert_eq!(row.referred_by_name.as_deref(), Some("Volunteer Val"));

    sergeant
        .store
        .reassign_follow_up(&sergeant.actor, referral.id, pcso.actor.user_id)
        .expect("the sergeant gives it to the PCSO");
    let given = sergeant.sync();
    assert_eq!(given.rejected, 0, "{given:?}");

    pcso.sync();
    let owed = pcso
        .store
        .open_follow_ups(pcso.actor.user_id, Utc::now())
        .expect("owed");
    let kept = owed
        .iter()
        .find(|f| f.id == referral.id)
        .expect("the PCSO owes the promise");
    assert_eq!(kept.referred_by, Some(volunteer.actor.user_id));

    // The volunteer never receives follow-ups back: theirs stays referred, and a change to it
    // is refused on the device before it is made (the server would refuse it the same way).
    volunteer.sync();
    let err = volunteer
        .store
        .cancel_follow_up(&volunteer.actor, referral.id, "no longer needed")
        .expect_err("volunteers do not keep promises");
    assert!(
        matches!(
            err.denial(),
            Some(DenialCode::VolunteersRefer | DenialCode::NotFollowUpOwner)
        ),
        "{err}"
    );
}
