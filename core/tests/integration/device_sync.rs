//! The device side of sync against an in-memory server using the shared merge: local changes
//! are captured as ops, pulled records are materialised, devices converge, conflicts are
//! logged, and erasure and redaction reach every copy.

use crate::common;

use beatbook_core::ids::{DeviceId, TeamId, UserId};
use beatbook_core::model::*;
use beatbook_core::store::AuditAction;
use beatbook_core::sync::conflict::Resolution;
use beatbook_core::sync::RecordKind;
use beatbook_core::{Store, StoreKey};
use chrono::{Duration, TimeZone, Utc};
use common::fake_server::FakeServer;
use tempfile::TempDir;

struct Device {
    _dir: TempDir,
    store: Store,
    actor: Actor,
}

fn team_of(roles: &[(Role, &str)]) -> (Team, Vec<User>) {
    let team = Team {
        id: TeamId::new(),
        name: "Northvale NPT".into(),
        lap_code: Some("LAP-NV".into()),
    };
    let users = roles
        .iter()
        .map(|(role, name)| User {
            id: UserId::new(),
            display_name: (*name).into(),
            role: *role,
            team_id: Some(team.id),
        })
        .collect();
    (team, users)
}

fn device(team: &Team, users: &[User], me: usize) -> Device {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open_with_clock(
        dir.path().join("d.db"),
        &StoreKey::from_bytes([3; 32]),
        // After the scenario's patrol has ended: recorded times are not in the future.
        beatbook_core::ManualClock::shared(start() + Duration::hours(3)),
    )
    .expect("open");
    store.upsert_team(team).expect("team");
    for u in users {
        store.upsert_user(u).expect("user");
    }
    let actor = Actor {
        user_id: users[me].id,
        role: users[me].role,
        device_id: DeviceId::new(),
    };
    Device {
        _dir: dir,
        store,
        actor,
    }
}

fn start() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 9, 0, 0)
        .single()
        .expect("time")
}

fn patrol() -> NewPatrol {
    NewPatrol {
        kind: PatrolKind::Foot,
        area: AreaRef::Lap("LAP-NV".into()),
        purpose: "Reassurance patrol on the estate".into(),
        operation_name: None,
        participants: vec![],
        started_at: start(),
    }
}

fn closure(summary: &str) -> PatrolClosure {
    PatrolClosure {
        ended_at: start() + Duration::hours(2),
        observations: Some(summary.into()),
        assessment: Some(ValueAssessment {
            purpose_met: PurposeMet::Yes,
            value_rating: 4,
            summary: summary.into(),
        }),
    }
}

#[test]
fn every_local_write_is_queued_and_arrives_identical_on_another_device() {
    let (team, users) = team_of(&[(Role::Pcso, "Sam"), (Role::Officer, "Kim")]);
    let (a, b) = (device(&team, &users, 0), device(&team, &users, 1));
    let mut server = FakeServer::default();

    let p = a.store.start_patrol(&a.actor, patrol()).expect("patrol");
    let note = a
        .store
        .add_note(
            &a.actor,
            NewNote {
                observed_at: start(),
                text: "Broken fence by the rec".into(),
                category: NoteCategory::Environmental,
                place: None,
                patrol_id: Some(p.id),
                problem_id: None,
            },
        )
        .expect("note");
    let mut c = common::plain_contact(start(), GeoPoint::new(52.41, -1.5));
    c.consent_to_recontact = true;
    c.personal = Some(PersonalDetails {
        name: Some("Pat Example".into()),
        ..Default::default()
    });
    c.promised = Some("Call back on Friday".into());
    c.ethnicity = Some(EthnicityCode::B2);
    let contact = a
        .store
        .record_contact(&a.actor, c)
        .expect("contact")
        .contact;
    let problem = a
        .store
        .open_problem(
            &a.actor,
            NewProblem {
                title: "Fence damage".into(),
                area: AreaRef::Lap("LAP-NV".into()),
                category: CrimeCategory::CriminalDamageArson,
                owner: None,
                scanning_summary: "Three reports this month".into(),
            },
        )
        .expect("problem");
    let closed = a
        .store
        .close_patrol(&a.actor, p.id, closure("Quiet"))
        .expect("close");
    assert!(
        a.store.pending_count().expect("count") >= 6,
        "every write queued an op"
    );

    server.sync(&a.store);
    assert_eq!(a.store.pending_count().expect("count"), 0);
    server.sync(&b.store);

    assert_eq!(b.store.patrol(p.id).expect("patrol on b"), closed);
    assert_eq!(b.store.note(note.id).expect("note on b"), note);
    let on_b = b.store.contact(contact.id).expect("contact on b");
    assert_eq!(on_b.issues_text, contact.issues_text);
    assert!(on_b.has_personal_details && on_b.has_ethnicity);
    let personal = b
        .store
        .contact_personal_details(&b.actor, contact.id, "follow-up call")
        .expect("personal on b");
    assert_eq!(
        personal.details.and_then(|d| d.name).as_deref(),
        Some("Pat Example")
    );
    assert_eq!(personal.ethnicity, Some(EthnicityCode::B2));
    assert_eq!(
        b.store
            .follow_up(contact.follow_up_id.expect("fu"))
            .expect("fu on b")
            .promise,
        "Call back on Friday"
    );
    assert_eq!(b.store.problem(problem.id).expect("problem on b"), problem);
    assert_eq!(b.store.problem_steps(problem.id).expect("steps").len(), 1);
    assert_eq!(
        b.store.search("fence", 10).expect("search on b").len(),
        2,
        "synced records are searchable"
    );
    assert_eq!(
        b.store.pending_count().expect("b queued nothing"),
        0,
        "applying pulled records queues no ops"
    );
    // Both devices hold the same field clocks and values, and every field is named by the
    // compact sync state's vocabulary (a name outside it still works, but takes more room).
    let kinds = [
        RecordKind::Patrol,
        RecordKind::Note,
        RecordKind::Contact,
        RecordKind::ContactPersonal,
        RecordKind::FollowUp,
        RecordKind::Problem,
        RecordKind::ProblemStep,
    ];
    let on_a = a.store.synced_records(&kinds).expect("a's sync state");
    assert_eq!(on_a.len(), 7, "one of each kind: {:?}", on_a.keys());
    assert_eq!(
        b.store.synced_records(&kinds).expect("b's sync state"),
        on_a
    );
    for ((kind, _), state) in &on_a {
        for name in state.fields.keys() {
            assert!(
                beatbook_core::sync::record_clocks::FIELD_NAMES.contains(&name.as_str()),
                "{kind}.{name} is not in the vocabulary"
            );
        }
    }
}

#[test]
fn a_concurrent_edit_of_one_field_keeps_both_values_and_devices_converge() {
    let (team, users) = team_of(&[(Role::Pcso, "Sam"), (Role::Supervisor, "Sarge")]);
    let (a, b) = (device(&team, &users, 0), device(&team, &users, 1));
    let mut server = FakeServer::default();
    let problem = a
        .store
        .open_problem(
            &a.actor,
            NewProblem {
                title: "Bikes".into(),
                area: AreaRef::Lap("LAP-NV".into()),
                category: CrimeCategory::AntiSocialBehaviour,
                owner: None,
                scanning_summary: "Reports".into(),
            },
        )
        .expect("problem");
    server.sync(&a.store);
    server.sync(&b.store);

    // Both edit the triangle's offender offline.
    let tri = |who: &str| AnalysisTriangle {
        offender: Some(who.into()),
        ..Default::default()
    };
    a.store
        .update_analysis(&a.actor, problem.id, tri("Group on scramblers"), vec![])
        .expect("a edits");
    b.store
        .update_analysis(
            &b.actor,
            problem.id,
            tri("Two riders from out of area"),
            vec![],
        )
        .expect("b edits");
    server.sync(&a.store);
    server.sync(&b.store);
    server.sync(&a.store);

    let on_a = a.store.problem(problem.id).expect("a");
    let on_b = b.store.problem(problem.id).expect("b");
    assert_eq!(on_a.triangle, on_b.triangle, "devices converge");
    let winner = on_a.triangle.offender.clone().expect("offender");
    let conflicts = a.store.conflicts(true).expect("conflicts");
    assert_eq!(
        conflicts.len(),
        1,
        "the losing value is in the conflict log"
    );
    assert_eq!(b.store.conflicts(true).expect("b conflicts").len(), 1);
    // The conflict is about the offender corner alone (`triangle_offender`), not the triangle.
    assert_eq!(conflicts[0].field, "triangle_offender");
    let loser = conflicts[0].loser_value.as_str().expect("loser").to_owned();
    assert_ne!(winner, loser);
    assert!([winner.as_str(), loser.as_str()].contains(&"Group on scramblers"));
    assert!([winner.as_str(), loser.as_str()].contains(&"Two riders from out of area"));

    // Keeping the loser writes it back as a later change, which then wins everywhere.
    b.store
        .resolve_conflict(&b.actor, &conflicts[0].id, Resolution::KeepLoser)
        .expect("resolve");
    let logged = b
        .store
        .audit_entries(Some(&problem.id.to_string()))
        .expect("log");
    assert!(
        logged.iter().any(|e| e.action == AuditAction::Alteration
            && e.user_id == b.actor.user_id
            && e.detail
                .as_deref()
                .is_some_and(|d| d.contains("resolved, keep_loser"))),
        "resolving is logged as an alteration: {logged:?}"
    );
    server.sync(&b.store);
    server.sync(&a.store);
    assert_eq!(
        a.store
            .problem(problem.id)
            .expect("a")
            .triangle
            .offender
            .as_deref(),
        Some(loser.as_str())
    );
    assert!(
        a.store.conflicts(true).expect("open").is_empty(),
        "resolution reached the other device"
    );
}

#[test]
fn erasure_and_redaction_reach_every_device_and_erased_records_stay_gone() {
    let (team, users) = team_of(&[(Role::Pcso, "Sam"), (Role::Supervisor, "Sarge")]);
    let (a, b) = (device(&team, &users, 0), device(&team, &users, 1));
    let mut server = FakeServer::default();
    let mut with_personal = common::plain_contact(start(), GeoPoint::new(52.41, -1.5));
    with_personal.consent_to_recontact = true;
    with_personal.personal = Some(PersonalDetails {
        phone: Some("07700 900999".into()),
        ..Default::default()
    });
    let redact_me = a
        .store
        .record_contact(&a.actor, with_personal.clone())
        .expect("c1")
        .contact;
    let erase_me = a
        .store
        .record_contact(&a.actor, with_personal)
        .expect("c2")
        .contact;
    server.sync(&a.store);
    server.sync(&b.store);
    assert!(b.store.contact(erase_me.id).is_ok());

    a.store
        .redact_contact(&a.actor, redact_me.id, "Consent withdrawn")
        .expect("redact");
    b.store
        .erase_contact(&b.actor, erase_me.id, "Recorded in error")
        .expect("erase");
    server.sync(&a.store);
    server.sync(&b.store);
    server.sync(&a.store);

    for d in [&a, &b] {
        assert!(matches!(
            d.store.contact(erase_me.id),
            Err(beatbook_core::Error::NotFound { .. })
        ));
        let redacted = d.store.contact(redact_me.id).expect("kept");
        assert!(
            !redacted.has_personal_details,
            "redaction reached this device"
        );
    }
    let pending = a.store.pending_ops(1000).expect("pending");
    assert!(
        pending
            .iter()
            .all(|op| op.record_id != erase_me.id.to_string()),
        "nothing queued about an erased record"
    );
}

/// Every text value in every table of a device's store (FTS shadow tables included).
fn all_text_of(d: &Device) -> String {
    common::all_text(&d._dir.path().join("d.db"), &StoreKey::from_bytes([3; 32]))
}

#[test]
fn an_erasure_pulled_by_the_recording_device_takes_the_repeat_location_links_to_it() {
    // Links name contacts by row number (store version 21): no foreign key cascades them, so
    // the pulled erasure of an earlier contact must take the later contact's link to it, and
    // the later contact's own erasure its links.
    let (team, users) = team_of(&[(Role::Pcso, "Sam"), (Role::Supervisor, "Sarge")]);
    let (a, b) = (device(&team, &users, 0), device(&team, &users, 1));
    let mut server = FakeServer::default();
    let here = GeoPoint::new(52.41, -1.5);
    let earlier = a
        .store
        .record_contact(&a.actor, common::plain_contact(start(), here))
        .expect("earlier")
        .contact;
    let later = a
        .store
        .record_contact(
            &a.actor,
            common::plain_contact(start() + Duration::hours(1), GeoPoint::new(52.4101, -1.5)),
        )
        .expect("later");
    assert_eq!(
        later.nearby.len(),
        1,
        "the later contact found the earlier one"
    );
    server.sync(&a.store);
    server.sync(&b.store);

    b.store
        .erase_contact(&b.actor, earlier.id, "Recorded in error")
        .expect("erase");
    server.sync(&b.store);
    server.sync(&a.store);
    assert!(
        a.store.contact(earlier.id).is_err(),
        "erased on the recording device"
    );
    assert!(a
        .store
        .nearby_contacts(later.contact.id)
        .expect("links")
        .is_empty());
    let links = |d: &Device| -> i64 {
        common::count_rows(
            &d._dir.path().join("d.db"),
            &StoreKey::from_bytes([3; 32]),
            "contact_nearby",
        )
    };
    assert_eq!(links(&a), 0, "no link left naming a contact that is gone");
}

#[test]
fn an_erasure_pulled_by_a_receiving_device_leaves_no_trace_of_the_text_there() {
    const PLANTED: &str = "Xylophonist Quirkwell";
    let (team, users) = team_of(&[(Role::Pcso, "Sam"), (Role::Supervisor, "Sarge")]);
    let (a, b) = (device(&team, &users, 0), device(&team, &users, 1));
    let mut server = FakeServer::default();
    let mut contact = common::plain_contact(start(), GeoPoint::new(52.41, -1.5));
    contact.issues_text = Some(format!("{PLANTED} keeps parking on the verge"));
    contact.consent_to_recontact = true;
    contact.personal = Some(PersonalDetails {
        name: Some(PLANTED.into()),
        ..Default::default()
    });
    let recorded = a
        .store
        .record_contact(&a.actor, contact)
        .expect("recorded")
        .contact;
    server.sync(&a.store);
    server.sync(&b.store);
    assert!(all_text_of(&b).contains(PLANTED), "b holds a copy to erase");
    assert_eq!(b.store.search("xylophonist", 5).expect("search").len(), 1);

    b.store
        .erase_contact(&b.actor, recorded.id, "Recorded in error")
        .expect("erase");
    server.sync(&b.store);
    server.sync(&a.store);

    // The receiving device: the record, its search rows, old index segments and sync state
    // hold nothing of the erased text.
    assert!(a.store.search("xylophonist", 5).expect("search").is_empty());
    let left = all_text_of(&a);
    assert!(
        !left.contains(PLANTED),
        "erased text left on the receiving device"
    );
    // The search index keeps words in lower case.
    assert!(
        !left.to_lowercase().contains("xylophonist"),
        "erased words left on the receiving device (an old search index segment)"
    );
}

#[test]
fn a_pulled_record_that_cannot_be_written_yet_is_held_and_counted_not_dropped() {
    let (team, users) = team_of(&[(Role::Pcso, "Sam"), (Role::Officer, "Kim")]);
    let (a, b) = (device(&team, &users, 0), device(&team, &users, 1));
    let mut server = FakeServer::default();
    let note = a
        .store
        .add_note(
            &a.actor,
            NewNote {
                observed_at: start(),
                text: "Graffiti on the underpass".into(),
                category: NoteCategory::Environmental,
                place: None,
                patrol_id: None,
                problem_id: None,
            },
        )
        .expect("note");
    server.sync(&a.store);
    let mut whole = server
        .pull(0, 100)
        .changes
        .into_iter()
        .find(|c| c.record_id == note.id.to_string())
        .expect("the note on the server");
    let page = |changes: Vec<beatbook_core::sync::protocol::Change>| {
        beatbook_core::sync::protocol::PullResponse {
            next_cursor: 0,
            has_more: false,
            server_time: a.store.now(),
            changes,
            epoch: None,
        }
    };

    // The text (a required field) arrives a page later than the rest.
    let text = whole.fields.remove("text").expect("text field");
    let applied = b
        .store
        .apply_pull_page(&page(vec![whole.clone()]))
        .expect("partial page");
    assert_eq!((applied.changed, applied.waiting), (1, 1));
    assert!(applied.unreadable.is_empty(), "waiting, not unreadable");
    let status = b.store.sync_status().expect("status");
    assert_eq!((status.held_records, status.unreadable_records), (1, 0));
    assert!(b.store.note(note.id).is_err(), "not shown while incomplete");

    let mut rest = whole.clone();
    rest.fields = [("text".to_owned(), text)].into_iter().collect();
    b.store.apply_pull_page(&page(vec![rest])).expect("rest");
    assert_eq!(b.store.sync_status().expect("status").held_records, 0);
    assert_eq!(
        b.store.note(note.id).expect("now shown").text,
        "Graffiti on the underpass"
    );

    // A value this build cannot read (a newer app's category) is held too, not dropped.
    let mut odd = whole;
    odd.record_id = beatbook_core::ids::NoteId::new().to_string();
    if let Some(id) = odd.fields.get_mut("id") {
        id.value = serde_json::json!(odd.record_id);
    }
    if let Some(category) = odd.fields.get_mut("category") {
        category.value = serde_json::json!("a-category-from-the-future");
    }
    odd.fields.insert(
        "text".into(),
        beatbook_core::sync::protocol::FieldState {
            value: serde_json::json!("Later note"),
            hlc: odd.fields["category"].hlc,
        },
    );
    let applied = b.store.apply_pull_page(&page(vec![odd])).expect("odd page");
    assert_eq!(applied.waiting, 0);
    assert_eq!(applied.unreadable.len(), 1, "reported as unreadable");
    assert!(
        applied.unreadable[0].reason.starts_with("note"),
        "{}",
        applied.unreadable[0].reason
    );
    assert!(
        !applied.unreadable[0]
            .reason
            .contains("a-category-from-the-future"),
        "the reason never quotes a value"
    );
    let status = b.store.sync_status().expect("status");
    assert_eq!((status.held_records, status.unreadable_records), (1, 1));
}

#[test]
fn a_page_with_one_record_to_hold_back_still_writes_every_other_record_once_and_indexes_it() {
    // A page is first applied in one savepoint; a record that must be held rolls that attempt
    // back and the page is applied again record by record. What was written before the held
    // record must land once, searchable, and nothing of the held one.
    let (team, users) = team_of(&[(Role::Pcso, "Sam"), (Role::Officer, "Kim")]);
    let (a, b) = (device(&team, &users, 0), device(&team, &users, 1));
    let mut server = FakeServer::default();
    let texts = [
        "Bins alight behind the precinct",
        "Moped riders on the towpath",
        "Needles found by the garages",
    ];
    let notes: Vec<_> = texts
        .iter()
        .map(|text| {
            a.store
                .add_note(
                    &a.actor,
                    NewNote {
                        observed_at: start(),
                        text: (*text).into(),
                        category: NoteCategory::Environmental,
                        place: None,
                        patrol_id: None,
                        problem_id: None,
                    },
                )
                .expect("note")
        })
        .collect();
    server.sync(&a.store);
    let mut changes = server.pull(0, 100).changes;
    let middle = notes[1].id.to_string();
    let late_text = changes
        .iter_mut()
        .find(|c| c.record_id == middle)
        .and_then(|c| c.fields.remove("text"))
        .expect("the middle note's text");
    let page = beatbook_core::sync::protocol::PullResponse {
        next_cursor: 0,
        has_more: false,
        server_time: a.store.now(),
        changes: changes.clone(),
        epoch: None,
    };
    let applied = b.store.apply_pull_page(&page).expect("page");
    assert_eq!(applied.waiting, 1, "{applied:?}");
    assert!(b.store.note(notes[1].id).is_err(), "held, not shown");
    for i in [0, 2] {
        assert_eq!(b.store.note(notes[i].id).expect("written").text, texts[i]);
    }
    for (word, expected) in [("precinct", 1), ("garages", 1), ("towpath", 0)] {
        let hits = b.store.search(word, 10).expect("search");
        assert_eq!(hits.len(), expected, "{word}: {hits:?}");
    }

    let mut rest = changes
        .into_iter()
        .find(|c| c.record_id == middle)
        .expect("middle");
    rest.fields = [("text".to_owned(), late_text)].into_iter().collect();
    let applied = b
        .store
        .apply_pull_page(&beatbook_core::sync::protocol::PullResponse {
            changes: vec![rest],
            ..page
        })
        .expect("the rest");
    assert_eq!(applied.waiting, 0);
    assert_eq!(
        b.store.note(notes[1].id).expect("now written").text,
        texts[1]
    );
    assert_eq!(b.store.search("towpath", 10).expect("search").len(), 1);
    assert_eq!(b.store.sync_status().expect("status").held_records, 0);
}

#[test]
fn a_pulled_record_unwritable_for_another_reason_than_missing_fields_is_reported_not_failing_the_page(
) {
    use beatbook_core::sync::protocol::{Change, FieldState, PullResponse};
    use beatbook_core::sync::Hlc;
    let (team, users) = team_of(&[(Role::Pcso, "Sam")]);
    let d = device(&team, &users, 0);
    let stamp = Hlc::new(1_000, DeviceId::new());
    let change = |kind: RecordKind, id: &str, fields: &[(&str, serde_json::Value)]| Change {
        seq: 1,
        kind,
        record_id: id.to_owned(),
        fields: fields
            .iter()
            .map(|(name, value)| {
                (
                    (*name).to_owned(),
                    FieldState {
                        value: value.clone(),
                        hlc: stamp,
                    },
                )
            })
            .collect(),
        erased: false,
    };
    let page = |changes: Vec<Change>| PullResponse {
        next_cursor: 0,
        has_more: false,
        server_time: d.store.now(),
        changes,
        epoch: None,
    };
    let team_change = change(
        RecordKind::Team,
        &team.id.to_string(),
        &[
            ("id", serde_json::json!(team.id)),
            ("name", serde_json::json!("Northvale NPT (renamed)")),
            ("lap_code", serde_json::json!("LAP-NV")),
        ],
    );
    // Boundaries this build cannot read used to fail the whole page, for good: every later
    // sync stopped at it. Now the record is held as unreadable and the rest of the page lands.
    let applied = d
        .store
        .apply_pull_page(&page(vec![
            change(
                RecordKind::AreaBoundaries,
                "areas",
                &[("geojson", serde_json::json!("{\"type\": \"not geojson\"}"))],
            ),
            team_change,
        ]))
        .expect("the page applies");
    assert_eq!(applied.changed, 2);
    assert_eq!(applied.unreadable.len(), 1);
    assert_eq!(applied.unreadable[0].kind, RecordKind::AreaBoundaries);
    assert!(
        applied.unreadable[0]
            .reason
            .starts_with("area_boundaries: "),
        "{}",
        applied.unreadable[0].reason
    );
    let status = d.store.sync_status().expect("status");
    assert_eq!((status.held_records, status.unreadable_records), (1, 1));

    // Boundaries without their one field are still arriving: waiting, not unreadable.
    let applied = d
        .store
        .apply_pull_page(&page(vec![change(
            RecordKind::AreaBoundaries,
            "other",
            &[],
        )]))
        .expect("the page applies");
    assert_eq!(
        (applied.waiting, applied.unreadable.len()),
        (0, 0),
        "no field, nothing to write"
    );
    let applied = d
        .store
        .apply_pull_page(&page(vec![change(
            RecordKind::AreaBoundaries,
            "other",
            &[("geojson_v2", serde_json::json!("later"))],
        )]))
        .expect("the page applies");
    assert_eq!((applied.waiting, applied.unreadable.len()), (1, 0));
    let status = d.store.sync_status().expect("status");
    assert_eq!((status.held_records, status.unreadable_records), (2, 1));
}
