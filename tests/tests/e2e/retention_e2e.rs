//! Retention with a controlled clock through the real server (issue "Lawful by design", item
//! 4): every device runs on a `ManualClock` and the server on its test clock; the
//! administrator's schedule reaches every device; a supervisor retains one contact at review;
//! then time moves 200 days on. A PCSO's device that never syncs again drops its expired copy
//! offline; the server's sweep disposes of the same records; the devices that sync receive the
//! disposal; the retained contact keeps its details everywhere; and a device enrolled afterwards
//! receives nothing past its date.

use beatbook_core::clock::{Clock, ManualClock};
use beatbook_core::ids::{ContactId, NoteId};
use beatbook_core::model::*;
use beatbook_core::retention::RetainedKind;
use beatbook_e2e::device::Device;
use beatbook_e2e::records::{contact_with_personal, named};
use beatbook_e2e::server::ServerProcess;
use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;

const MOVE_ON_DAYS: i64 = 200;

/// A team of one user per `(name, role)`, each device on its own manual clock.
fn enrol_on_clocks(
    server: &ServerProcess,
    team: &str,
    people: &[(&str, &str)],
    start: DateTime<Utc>,
) -> Vec<(Device, Arc<ManualClock>)> {
    people
        .iter()
        .map(|(name, role)| {
            let user = server
                .admin(&[
                    "create-user",
                    "--name",
                    name,
                    "--role",
                    role,
                    "--team",
                    team,
                ])
                .trim()
                .to_owned();
            let code = server.admin(&["enrol-code", "--user", &user]);
            let clock = ManualClock::shared(start);
            let device = Device::enrol_with_clock(&server.url, code.trim(), clock.clone());
            (device, clock)
        })
        .collect()
}

fn details(device: &Device, id: ContactId) -> Option<PersonalDetails> {
    device
        .store
        .contact_personal_details(&device.actor, id, "retention test")
        .expect("read personal details")
        .details
}

/// The count `admin retention sweep` printed for `kind`.
fn disposed(report: &str, kind: &str) -> Option<u64> {
    report.lines().find_map(|line| {
        let mut words = line.split_whitespace();
        (words.next() == Some(kind))
            .then(|| words.next()?.parse().ok())
            .flatten()
    })
}

fn holds_note(device: &Device, id: NoteId) -> bool {
    device.store.note(id).is_ok()
}

#[test]
fn the_schedule_disposes_on_the_server_and_every_device_and_a_later_device_receives_nothing_expired(
) {
    let server = ServerProcess::start_with_test_clock(&[]);
    let team = server
        .admin(&["create-team", "--name", "Northvale NPT"])
        .trim()
        .to_owned();
    let start = Utc::now();
    let mut team_devices = enrol_on_clocks(
        &server,
        &team,
        &[
            ("PCSO Avery", "pcso"),
            ("Sergeant Sol", "supervisor"),
            ("PCSO Blake", "pcso"),
        ],
        start,
    )
    .into_iter();
    let (Some((pcso, pcso_clock)), Some((sergeant, sergeant_clock)), Some((blake, blake_clock))) = (
        team_devices.next(),
        team_devices.next(),
        team_devices.next(),
    ) else {
        panic!("three devices");
    };

    let expiring = pcso
        .store
        .record_contact(
            &pcso.actor,
            contact_with_personal(start - Duration::minutes(30), named("Ottoline Brackwater")),
        )
        .expect("contact")
        .contact
        .id;
    let retained = pcso
        .store
        .record_contact(
            &pcso.actor,
            contact_with_personal(start - Duration::minutes(30), named("Peregrine Flint")),
        )
        .expect("contact")
        .contact
        .id;
    let note = pcso
        .store
        .add_note(
            &pcso.actor,
            NewNote {
                observed_at: start - Duration::minutes(5),
                text: "Gate at the allotments forced again".into(),
                category: NoteCategory::Observation,
                place: None,
                patrol_id: None,
                problem_id: None,
            },
        )
        .expect("note")
        .id;
    server.admin(&[
        "retention",
        "set",
        "--kind",
        "contact_personal",
        "--days",
        "180",
    ]);
    server.admin(&["retention", "set", "--kind", "note", "--days", "180"]);
    pcso.sync();
    sergeant.sync();
    blake.sync();
    for device in [&pcso, &sergeant, &blake] {
        let schedule = device.store.retention_schedule().expect("schedule");
        assert_eq!(
            schedule.period_days(RetainedKind::ContactPersonal),
            Some(180),
            "the schedule reached every device"
        );
        assert!(details(device, expiring).is_some());
        assert!(holds_note(device, note));
    }

    // Within the notice, the sergeant reviews and keeps one contact's details for a year more.
    for clock in [&pcso_clock, &sergeant_clock, &blake_clock] {
        clock.advance(Duration::days(160));
    }
    server.set_clock_offset(std::time::Duration::from_secs(160 * 86_400));
    let due = sergeant.store.retention_due(&sergeant.actor).expect("due");
    let due_ids: Vec<&str> = due.iter().map(|d| d.record_id.as_str()).collect();
    assert!(
        due_ids.contains(&expiring.to_string().as_str()),
        "{due_ids:?}"
    );
    assert!(due_ids.contains(&note.to_string().as_str()), "{due_ids:?}");
    sergeant
        .store
        .retain(
            &sergeant.actor,
            RetainedKind::ContactPersonal,
            &retained.to_string(),
            sergeant_clock.now() + Duration::days(365),
            "Linked to an open vulnerability referral",
        )
        .expect("retain");
    sergeant.sync();
    blake.sync();
    // The PCSO's device syncs once more (so it holds the decision), then never again.
    pcso.sync();

    // The date passes.
    for clock in [&pcso_clock, &sergeant_clock, &blake_clock] {
        clock.advance(Duration::days(MOVE_ON_DAYS - 160));
    }
    server.set_clock_offset(std::time::Duration::from_secs(
        u64::try_from(MOVE_ON_DAYS).expect("days") * 86_400,
    ));

    // Offline: the PCSO's device drops its copy without syncing.
    let applied = pcso.store.apply_retention().expect("apply retention");
    assert_eq!((applied.redacted, applied.erased), (1, 1), "{applied:?}");
    assert_eq!(
        details(&pcso, expiring),
        None,
        "expired details dropped offline"
    );
    assert!(!holds_note(&pcso, note), "expired note dropped offline");
    assert!(
        details(&pcso, retained).is_some(),
        "the retained contact keeps its details"
    );
    assert!(
        pcso.store.contact(expiring).is_ok(),
        "the contact itself stays"
    );

    // The server disposes of the same records.
    let swept = server.admin(&["retention", "sweep"]);
    assert_eq!(disposed(&swept, "contact_personal"), Some(1), "{swept}");
    assert_eq!(disposed(&swept, "note"), Some(1), "{swept}");
    assert_eq!(disposed(&swept, "contact"), Some(0), "{swept}");
    let log = server.admin(&["audit", "--operation", "erasure", "--limit", "50"]);
    assert!(log.contains(&expiring.to_string()), "{log}");
    assert!(log.contains(&note.to_string()), "{log}");
    assert!(
        !log.contains("Ottoline") && !log.contains("allotments"),
        "{log}"
    );

    // The devices that sync receive the disposal.
    for device in [&sergeant, &blake] {
        device.sync();
        assert_eq!(details(device, expiring), None);
        assert!(!holds_note(device, note));
        assert!(details(device, retained).is_some());
    }

    // A device enrolled now receives nothing past its date.
    let later_clock_start = start + Duration::days(MOVE_ON_DAYS);
    let mut later = enrol_on_clocks(
        &server,
        &team,
        &[("Sergeant Quinn", "supervisor")],
        later_clock_start,
    );
    let (late, _) = later.pop().expect("late device");
    late.sync();
    assert!(
        late.store.contact(expiring).is_ok(),
        "the contact is served"
    );
    assert_eq!(
        details(&late, expiring),
        None,
        "expired details were served"
    );
    assert!(!holds_note(&late, note), "an expired note was served");
    assert_eq!(
        details(&late, retained).and_then(|d| d.name),
        Some("Peregrine Flint".into()),
        "the retained details are served"
    );
}
