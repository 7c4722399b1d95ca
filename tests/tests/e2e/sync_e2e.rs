//! Devices and the real `beatbook-server` binary on loopback: convergence across roles and
//! orders, conflicts, scopes on the raw wire, revocation wipe, idempotent pushes, restarts.

use beatbook_core::model::*;
use beatbook_core::sync::client::{sync_or_wipe, CancelFlag, NoProgress, SyncOutcome};
use beatbook_core::sync::protocol::{PushRequest, PROTOCOL_VERSION};
use beatbook_e2e::device::Device;
use beatbook_e2e::http::{pull_from_start, push};
use beatbook_e2e::server::ServerProcess;
use chrono::{Duration, Utc};

struct Force {
    server: ServerProcess,
    pcso_a: Device,
    pcso_b: Device,
    volunteer: Device,
    supervisor: Device,
}

fn force() -> Force {
    let server = ServerProcess::start(&[]);
    let mut devices = server
        .enrol_team(
            &server.url,
            &[
                ("PCSO Avery", "pcso"),
                ("PCSO Blake", "pcso"),
                ("Volunteer Vic", "cip_volunteer"),
                ("Sergeant Sol", "supervisor"),
            ],
        )
        .into_iter();
    let mut next = || devices.next().expect("device");
    let (pcso_a, pcso_b, volunteer, supervisor) = (next(), next(), next(), next());
    Force {
        server,
        pcso_a,
        pcso_b,
        volunteer,
        supervisor,
    }
}

fn patrol(kind: PatrolKind, purpose: &str) -> NewPatrol {
    NewPatrol {
        kind,
        area: AreaRef::Lap("LAP-NV".into()),
        purpose: purpose.into(),
        operation_name: None,
        participants: vec![],
        started_at: Utc::now() - Duration::hours(1),
    }
}

fn contact_with_personal() -> NewContact {
    NewContact {
        occurred_at: Utc::now(),
        place: Some(GeoPoint::new(52.44, -1.51)),
        lsoa_code: None,
        lap_code: None,
        method: ContactMethod::DoorKnock,
        audience: Audience::Resident,
        people_count: 1,
        issues: vec![CrimeCategory::Burglary],
        issues_text: Some("Shed broken into".into()),
        promised: Some("Crime prevention visit".into()),
        follow_up_due: None,
        follow_up_owner: None,
        consent_to_recontact: true,
        personal: Some(PersonalDetails {
            name: Some("Quentin Zephyrine".into()),
            phone: Some("07700 900321".into()),
            ..Default::default()
        }),
        ethnicity: Some(EthnicityCode::W1),
        repeat_caller: false,
        vulnerable: false,
        problem_id: None,
        patrol_id: None,
    }
}

fn problem() -> NewProblem {
    NewProblem {
        title: "Garage burglaries".into(),
        area: AreaRef::Lap("LAP-NV".into()),
        category: CrimeCategory::Burglary,
        owner: None,
        scanning_summary: "Five break-ins since May".into(),
    }
}

/// What two team devices must agree on.
fn team_view(store: &beatbook_core::Store) -> String {
    let day = Utc::now() - Duration::days(2);
    let later = Utc::now() + Duration::days(2);
    let problems = store.problems().expect("problems");
    let steps: Vec<_> = problems
        .iter()
        .map(|p| store.problem_steps(p.id).expect("steps"))
        .collect();
    let mut patrols = store.patrols_between(day, later).expect("patrols");
    patrols.sort_by_key(|p| p.id);
    let contacts = store.contacts_between(day, later).expect("contacts");
    serde_json::to_string(&(problems, steps, patrols, contacts)).expect("json")
}

#[test]
fn two_pcsos_a_volunteer_and_a_supervisor_converge_in_any_order() {
    let f = force();
    let p = f
        .pcso_a
        .store
        .start_patrol(
            &f.pcso_a.actor,
            patrol(PatrolKind::Foot, "Reassurance on Elm Road"),
        )
        .expect("patrol");
    f.pcso_a
        .store
        .record_contact(&f.pcso_a.actor, contact_with_personal())
        .expect("contact");
    let prob = f
        .pcso_b
        .store
        .open_problem(&f.pcso_b.actor, problem())
        .expect("problem");
    let v = f
        .volunteer
        .store
        .start_patrol(
            &f.volunteer.actor,
            patrol(PatrolKind::CipTargeted, "Park watch"),
        )
        .expect("cip patrol");
    f.supervisor
        .store
        .add_note(
            &f.supervisor.actor,
            NewNote {
                observed_at: Utc::now(),
                text: "Briefing: focus on Elm Road".into(),
                category: NoteCategory::Community,
                place: None,
                patrol_id: None,
                problem_id: None,
            },
        )
        .expect("note");

    // Varied orders: B, volunteer, A, supervisor, then B edits what A made, then everyone again.
    for d in [&f.pcso_b, &f.volunteer, &f.pcso_a, &f.supervisor] {
        d.sync();
    }
    f.pcso_b.sync();
    f.pcso_b
        .store
        .add_problem_step(&f.pcso_b.actor, prob.id, "Analysis: rear lane unlit")
        .expect("step");
    f.pcso_a
        .store
        .close_patrol(
            &f.pcso_a.actor,
            p.id,
            PatrolClosure {
                ended_at: Utc::now(),
                observations: Some("Quiet".into()),
                assessment: Some(ValueAssessment {
                    purpose_met: PurposeMet::Yes,
                    value_rating: 4,
                    summary: "Visible".into(),
                }),
            },
        )
        .expect("close");
    for _ in 0..2 {
        for d in [&f.supervisor, &f.pcso_a, &f.volunteer, &f.pcso_b] {
            d.sync();
        }
    }

    let a = team_view(&f.pcso_a.store);
    assert_eq!(team_view(&f.pcso_b.store), a, "the two PCSOs differ");
    assert_eq!(team_view(&f.supervisor.store), a, "the supervisor differs");
    assert!(a.contains("Garage burglaries") && a.contains("Reassurance on Elm Road"));
    // The volunteer sees their own patrol, not the team's contacts or others' patrols.
    let vol = &f.volunteer.store;
    assert!(vol.patrol(v.id).is_ok());
    assert!(
        vol.patrol(p.id).is_err(),
        "a volunteer received someone else's patrol"
    );
    assert!(vol
        .contacts_between(
            Utc::now() - Duration::days(2),
            Utc::now() + Duration::days(1)
        )
        .expect("contacts")
        .is_empty());
    assert!(
        f.supervisor.store.patrol(v.id).is_ok(),
        "the team sees the volunteer's patrol"
    );
    for d in [&f.pcso_a, &f.pcso_b, &f.volunteer, &f.supervisor] {
        assert_eq!(d.store.pending_count().expect("pending"), 0);
        assert_eq!(d.store.sync_status().expect("status").rejected_changes, 0);
    }
}

#[test]
fn a_concurrent_edit_keeps_the_winner_in_the_record_and_the_loser_in_the_conflict_log() {
    let f = force();
    let prob = f
        .pcso_a
        .store
        .open_problem(&f.pcso_a.actor, problem())
        .expect("problem");
    f.pcso_a.sync();
    f.pcso_b.sync();
    let edit = |d: &Device, offender: &str| {
        let triangle = AnalysisTriangle {
            offender: Some(offender.into()),
            ..Default::default()
        };
        d.store
            .update_analysis(&d.actor, prob.id, triangle, vec![])
            .expect("edit");
    };
    edit(&f.pcso_a, "Local youths on bikes");
    edit(&f.pcso_b, "Adults from out of area");
    f.pcso_a.sync();
    f.pcso_b.sync();
    f.pcso_a.sync();

    let on_a = f.pcso_a.store.problem(prob.id).expect("a");
    let on_b = f.pcso_b.store.problem(prob.id).expect("b");
    assert_eq!(on_a.triangle, on_b.triangle);
    let conflicts = f.pcso_a.store.conflicts(true).expect("conflicts");
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    let c = &conflicts[0];
    assert_eq!(c.record_id, prob.id.to_string());
    let winner = on_a.triangle.offender.expect("winner");
    assert_eq!(
        c.field, TRIANGLE_OFFENDER,
        "the conflict is about one corner"
    );
    let loser = c.loser_value.as_str().expect("loser").to_owned();
    let mut both = [winner, loser];
    both.sort();
    assert_eq!(
        both,
        [
            "Adults from out of area".to_owned(),
            "Local youths on bikes".to_owned()
        ]
    );
    assert_eq!(f.pcso_b.store.conflicts(true).expect("b").len(), 1);
}

#[test]
fn a_device_never_downloads_back_what_it_just_pushed_but_receives_every_other_change() {
    let f = force();
    f.pcso_a.sync();
    let recorded: Vec<_> = (0..3)
        .map(|_| {
            f.pcso_a
                .store
                .open_problem(&f.pcso_a.actor, problem())
                .expect("problem")
        })
        .collect();
    let first = f.pcso_a.sync();
    assert!(first.accepted >= 3, "{first:?}");
    assert_eq!(first.pulled, 0, "its own records came back: {first:?}");
    f.pcso_b.sync();
    let triangle = AnalysisTriangle {
        offender: Some("Adults from out of area".into()),
        ..Default::default()
    };
    f.pcso_b
        .store
        .update_analysis(&f.pcso_b.actor, recorded[0].id, triangle.clone(), vec![])
        .expect("edit on b");
    assert_eq!(f.pcso_b.sync().pulled, 0);
    let second = f.pcso_a.sync();
    assert_eq!(second.pulled, 1, "B's edit reaches A: {second:?}");
    assert_eq!(
        f.pcso_a
            .store
            .problem(recorded[0].id)
            .expect("on a")
            .triangle,
        triangle
    );
}

#[test]
fn a_volunteer_never_receives_a_personal_field_on_the_wire() {
    let f = force();
    f.pcso_a
        .store
        .record_contact(&f.pcso_a.actor, contact_with_personal())
        .expect("contact");
    f.pcso_a.sync();
    // The officer's raw pull carries the personal record; the volunteer's does not.
    let officer = pull_from_start(&f.server.url, &f.pcso_b.token());
    assert_eq!(officer.status, 200);
    assert!(
        officer.body.contains("Quentin Zephyrine"),
        "officers receive consented details"
    );
    let volunteer = pull_from_start(&f.server.url, &f.volunteer.token());
    assert_eq!(volunteer.status, 200, "{}", volunteer.body);
    for secret in [
        "Quentin Zephyrine",
        "900321",
        "contact_personal",
        "\"ethnicity\"",
        "Shed broken into",
    ] {
        assert!(
            !volunteer.body.contains(secret),
            "volunteer received {secret}"
        );
    }
    // And a volunteer's push that touches personal data is refused per op.
    let forged = serde_json::json!({
        "protocol": PROTOCOL_VERSION,
        "ops": [{
            "op_id": uuid_v7(),
            "kind": "contact_personal",
            "record_id": uuid_v7(),
            "hlc": f.volunteer.store.pending_ops(1).ok().and_then(|o| o.first().map(|op| op.hlc.to_string())).unwrap_or_else(|| format!("{:016x}-00000000-{}", Utc::now().timestamp_millis(), f.volunteer.actor.device_id)),
            "author": f.volunteer.actor.user_id,
            "device": f.volunteer.actor.device_id,
            "fields": {"details": {"value": {"name": "X"}, "base": null}}
        }]
    });
    let answer = push(&f.server.url, &f.volunteer.token(), &forged.to_string());
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(
        answer.body.contains("personal_data_forbidden"),
        "{}",
        answer.body
    );
}

fn uuid_v7() -> String {
    beatbook_core::ids::NoteId::new().to_string()
}

#[test]
fn a_revoked_device_is_wiped_on_its_next_sync() {
    let f = force();
    f.pcso_a
        .store
        .record_contact(&f.pcso_a.actor, contact_with_personal())
        .expect("contact");
    f.pcso_a.sync();
    let Force { server, pcso_a, .. } = f;
    server.admin(&["revoke-device", &pcso_a.actor.device_id.to_string()]);
    let path = pcso_a.path();
    assert!(path.exists());
    let Device {
        dir: _dir,
        store,
        client,
        ..
    } = pcso_a;
    let outcome = sync_or_wipe(&client, store, &NoProgress, &CancelFlag::new()).expect("sync");
    assert_eq!(outcome, SyncOutcome::Wiped);
    assert!(!path.exists(), "the store file is gone");
    let wal = path.with_extension("db-wal");
    assert!(!wal.exists(), "the WAL is gone");
}

#[test]
fn a_duplicate_push_changes_nothing() {
    let f = force();
    f.pcso_a
        .store
        .open_problem(&f.pcso_a.actor, problem())
        .expect("problem");
    let ops = f.pcso_a.store.pending_ops(100).expect("ops");
    assert!(!ops.is_empty());
    let body = serde_json::to_string(&PushRequest {
        protocol: PROTOCOL_VERSION,
        ops: ops.clone(),
        pulled_through: None,
        epoch: None,
    })
    .expect("json");
    let first = push(&f.server.url, &f.pcso_a.token(), &body);
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(
        first.body.matches("\"accepted\"").count(),
        ops.len(),
        "{}",
        first.body
    );
    let feed_after_first = pull_from_start(&f.server.url, &f.pcso_b.token()).body;
    let second = push(&f.server.url, &f.pcso_a.token(), &body);
    assert_eq!(
        second.body.matches("\"duplicate\"").count(),
        ops.len(),
        "{}",
        second.body
    );
    let feed_after_second = pull_from_start(&f.server.url, &f.pcso_b.token()).body;
    let strip_time = |s: &str| s.split("\"server_time\"").next().unwrap_or("").to_owned();
    assert_eq!(
        strip_time(&feed_after_first),
        strip_time(&feed_after_second),
        "a repeat push changed the feed"
    );
    // The device's own sync then finds its ops already applied and clears its outbox.
    let report = f.pcso_a.sync();
    assert_eq!(
        f.pcso_a.store.pending_count().expect("pending"),
        0,
        "{report:?}"
    );
}

#[test]
fn a_server_restart_between_push_and_pull_loses_nothing() {
    let mut f = force();
    let prob = f
        .pcso_a
        .store
        .open_problem(&f.pcso_a.actor, problem())
        .expect("problem");
    f.pcso_a.sync();
    f.server.kill();
    f.pcso_a
        .store
        .add_problem_step(
            &f.pcso_a.actor,
            prob.id,
            "Recorded while the server was down",
        )
        .expect("step");
    assert!(
        f.pcso_a.try_sync().is_err(),
        "no server: the sync fails and says so"
    );
    assert!(f
        .pcso_a
        .store
        .sync_status()
        .expect("status")
        .last_error
        .is_some());
    assert!(
        f.pcso_a.store.pending_count().expect("pending") > 0,
        "nothing was dropped"
    );
    f.server.restart();
    f.pcso_a.sync();
    f.pcso_b.sync();
    assert_eq!(
        f.pcso_b.store.problem_steps(prob.id).expect("steps").len(),
        2
    );
    assert_eq!(
        f.pcso_a.store.sync_status().expect("status").last_error,
        None
    );
}
