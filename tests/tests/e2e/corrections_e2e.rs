//! Corrections through the real `beatbook-server`: a patrol, a contact and a note corrected on
//! one PCSO's device, a patrol cancelled, and a follow-up given away by the supervisor's
//! amendment — the server accepts each from whoever the rules allow, and the other devices show
//! the corrected values with their reasons, the cancelled patrol as cancelled, and the amending
//! note in place of the original in their lists (the original still readable there).

use beatbook_core::model::*;
use beatbook_e2e::device::Device;
use beatbook_e2e::inspect;
use beatbook_e2e::server::ServerProcess;
use chrono::{Duration, Utc};

fn team(server: &ServerProcess) -> (Device, Device, Device) {
    let mut devices = server
        .enrol_team(
            &server.url,
            &[
                ("PCSO Avery", "pcso"),
                ("PCSO Blake", "pcso"),
                ("Sergeant Sol", "supervisor"),
            ],
        )
        .into_iter();
    let mut next = || devices.next().expect("device");
    (next(), next(), next())
}

fn patrol(purpose: &str) -> NewPatrol {
    NewPatrol {
        kind: PatrolKind::Foot,
        area: AreaRef::Lap("LAP-NV".into()),
        purpose: purpose.into(),
        operation_name: None,
        participants: vec![],
        started_at: Utc::now() - Duration::hours(1),
    }
}

fn promise() -> NewContact {
    NewContact {
        occurred_at: Utc::now() - Duration::minutes(30),
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
        consent_to_recontact: false,
        personal: None,
        ethnicity: None,
        repeat_caller: false,
        vulnerable: false,
        problem_id: None,
        patrol_id: None,
    }
}

#[test]
fn corrections_made_on_one_device_arrive_on_the_others_with_their_reasons() {
    let server = ServerProcess::start(&[]);
    let (avery, blake, sergeant) = team(&server);
    let a = &avery.actor;
    let shift = avery
        .store
        .start_patrol(a, patrol("Reassurance"))
        .expect("patrol");
    let mistake = avery
        .store
        .start_patrol(a, patrol("Started twice by mistake"))
        .expect("second patrol");
    let note = avery
        .store
        .add_note(
            a,
            NewNote {
                observed_at: Utc::now() - Duration::minutes(20),
                text: "Gate open at no. 12".into(),
                category: NoteCategory::Observation,
                place: None,
                patrol_id: Some(shift.id),
                problem_id: None,
            },
        )
        .expect("note");
    let recorded = avery.store.record_contact(a, promise()).expect("contact");
    let follow_up = recorded.follow_up.expect("follow-up");
    for d in [&avery, &blake, &sergeant] {
        d.sync();
    }
    assert_eq!(
        blake.store.patrol_notes(shift.id).expect("notes").len(),
        1,
        "the original arrived first"
    );

    // Avery corrects the patrol, the contact and the note, and cancels the mistake.
    let started = Utc::now() - Duration::hours(2);
    avery
        .store
        .amend_patrol(
            a,
            shift.id,
            PatrolAmendment {
                started_at: Some(started),
                purpose: Some("Reassurance on Elm Row".into()),
                ..PatrolAmendment::default()
            },
            "Started before I opened the app",
        )
        .expect("amend patrol");
    avery
        .store
        .cancel_patrol(a, mistake.id, "Started twice by mistake")
        .expect("cancel");
    avery
        .store
        .amend_contact(
            a,
            recorded.contact.id,
            ContactAmendment {
                method: Some(ContactMethod::Phone),
                people_count: Some(2),
                ..ContactAmendment::default()
            },
            "It was a phone call with two residents",
        )
        .expect("amend contact");
    let amending = avery
        .store
        .amend_note(
            a,
            note.id,
            NoteAmendment {
                text: "Gate open at no. 14".into(),
                observed_at: None,
            },
            "Wrong house number",
        )
        .expect("amend note");
    // The sergeant gives the promise to Blake by amending it.
    sergeant
        .store
        .amend_follow_up(
            &sergeant.actor,
            follow_up.id,
            FollowUpAmendment {
                owner: Some(blake.actor.user_id),
                due_at: Some(Utc::now() + Duration::days(5)),
                promise: None,
            },
            "Blake covers Elm Row this week",
        )
        .expect("amend follow-up");
    for _ in 0..2 {
        for d in [&avery, &sergeant, &blake] {
            d.sync();
        }
    }

    for d in [&avery, &blake, &sergeant] {
        let status = d.store.sync_status().expect("status");
        assert_eq!(
            status.rejected_changes, 0,
            "the server refused a correction"
        );
        assert_eq!(d.store.pending_count().expect("pending"), 0);
    }
    for d in [&blake, &sergeant] {
        let patrol = d.store.patrol(shift.id).expect("patrol");
        assert_eq!(patrol.purpose, "Reassurance on Elm Row");
        assert_eq!(
            patrol.started_at,
            avery.store.patrol(shift.id).expect("own").started_at
        );
        assert_eq!(
            patrol.correction_reason.as_deref(),
            Some("Started before I opened the app")
        );
        let cancelled = d.store.patrol(mistake.id).expect("cancelled patrol");
        assert!(cancelled.is_cancelled());
        assert_eq!(
            cancelled.correction_reason.as_deref(),
            Some("Started twice by mistake")
        );
        let contact = d.store.contact(recorded.contact.id).expect("contact");
        assert_eq!(
            (contact.method, contact.people_count),
            (ContactMethod::Phone, 2)
        );
        assert_eq!(
            contact.correction_reason.as_deref(),
            Some("It was a phone call with two residents")
        );
        // The amending note in the original's place; the original still readable.
        let listed: Vec<_> = d
            .store
            .patrol_notes(shift.id)
            .expect("notes")
            .into_iter()
            .map(|n| (n.id, n.text))
            .collect();
        assert_eq!(
            listed,
            vec![(amending.id, "Gate open at no. 14".to_owned())]
        );
        assert_eq!(
            d.store.note(note.id).expect("original").text,
            "Gate open at no. 12"
        );
        assert_eq!(d.store.note_history(note.id).expect("history").len(), 2);
    }
    // The promise is Blake's now, everywhere.
    let owed = blake
        .store
        .open_follow_ups(blake.actor.user_id, Utc::now())
        .expect("owed");
    assert_eq!(
        owed.iter().map(|f| f.id).collect::<Vec<_>>(),
        vec![follow_up.id]
    );
    assert_eq!(
        owed[0].correction_reason.as_deref(),
        Some("Blake covers Elm Row this week")
    );
    assert!(avery
        .store
        .open_follow_ups(a.user_id, Utc::now())
        .expect("avery's")
        .is_empty());
}

#[test]
fn erasing_a_follow_up_erases_the_conflicts_that_quote_its_promise_on_the_server_and_every_device()
{
    // Avery and the sergeant correct the promise at once: the server keeps both texts in a
    // conflict record. Erasing the follow-up takes the promise off the contact, and the
    // conflicts quoting it must go too — on the server and on every device that received them.
    let server = ServerProcess::start(&[]);
    let (avery, blake, sergeant) = team(&server);
    let recorded = avery
        .store
        .record_contact(&avery.actor, promise())
        .expect("contact");
    let contact = recorded.contact.id;
    let follow_up = recorded.follow_up.expect("follow-up").id;
    avery.sync();
    sergeant.sync();
    let correct = |device: &Device, text: &str| {
        device
            .store
            .amend_contact(
                &device.actor,
                contact,
                ContactAmendment {
                    promised: Some(text.into()),
                    ..Default::default()
                },
                "The promise as agreed",
            )
            .expect("correct the promise");
    };
    correct(&avery, "Crime prevention visit on Quorndale Tuesday");
    correct(&sergeant, "Crime prevention visit with a Quorndale leaflet");
    avery.sync();
    sergeant.sync();
    avery.sync();
    blake.sync();
    let quoted = |store: &beatbook_core::Store| {
        store
            .conflicts(false)
            .expect("conflicts")
            .into_iter()
            .filter(|c| c.record_id == contact.to_string() && c.field == "promised")
            .count()
    };
    let server_quotes = || {
        let db = inspect::server_db(server.data.path());
        let conflicts = inspect::server_fields(&db, &["conflict"]);
        conflicts
            .values()
            .filter(|(value, _)| value.to_string().contains("Quorndale"))
            .count()
    };
    // The control: the conflict is there to be erased, on the server and the devices.
    assert!(server_quotes() > 0, "the server recorded the conflict");
    assert_eq!(quoted(&avery.store), 1);
    assert_eq!(quoted(&blake.store), 1);

    sergeant
        .store
        .erase_follow_up(
            &sergeant.actor,
            follow_up,
            "Asked for the promise to be erased",
        )
        .expect("erase the follow-up");
    sergeant.sync();
    avery.sync();
    blake.sync();
    assert_eq!(
        server_quotes(),
        0,
        "no live conflict on the server quotes it"
    );
    for device in [&avery, &blake, &sergeant] {
        assert_eq!(quoted(&device.store), 0, "{}", device.actor.user_id);
        assert_eq!(
            device
                .store
                .contact(contact)
                .expect("the contact stays")
                .promised,
            None
        );
    }
}
