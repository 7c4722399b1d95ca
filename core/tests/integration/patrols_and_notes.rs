//! Patrols and notes: rules, nothing half-written, audit entries.

use crate::common;

use beatbook_core::model::*;
use beatbook_core::store::AuditAction;
use beatbook_core::validation::Rule;
use beatbook_core::Error;
use chrono::{Duration, TimeZone, Utc};
use common::Fixture;

fn start() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0)
        .single()
        .expect("time")
}

fn foot_patrol() -> NewPatrol {
    NewPatrol {
        kind: PatrolKind::Foot,
        area: AreaRef::Lap("LAP-N".into()),
        purpose: "Reassurance after shed burglaries on Elm Row".into(),
        operation_name: None,
        participants: vec![],
        started_at: start(),
    }
}

fn assessment() -> ValueAssessment {
    ValueAssessment {
        purpose_met: PurposeMet::Yes,
        value_rating: 4,
        summary: "Spoke to residents, two sheds found insecure".into(),
    }
}

#[test]
fn a_patrol_without_purpose_writes_nothing() {
    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "Sam");
    let before = (
        f.count("patrols"),
        f.count("audit_log"),
        f.count("search_index_docsize"),
    );
    let mut p = foot_patrol();
    p.purpose = " ".into();
    let err = f.store.start_patrol(&pcso, p).expect_err("no purpose");
    assert_eq!(
        err.validation().map(|v| (v.field.as_str(), &v.rule)),
        Some(("purpose", &Rule::Required))
    );
    assert_eq!(
        (
            f.count("patrols"),
            f.count("audit_log"),
            f.count("search_index_docsize")
        ),
        before
    );
}

#[test]
fn a_patrol_closes_only_with_an_assessment_and_an_end_after_its_start() {
    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "Sam");
    let patrol = f.store.start_patrol(&pcso, foot_patrol()).expect("start");
    assert!(patrol.is_open());

    let no_assessment = PatrolClosure {
        ended_at: start() + Duration::hours(2),
        observations: None,
        assessment: None,
    };
    let err = f
        .store
        .close_patrol(&pcso, patrol.id, no_assessment)
        .expect_err("needs assessment");
    assert_eq!(
        err.validation().map(|v| v.rule.clone()),
        Some(Rule::AssessmentRequired)
    );

    let backwards = PatrolClosure {
        ended_at: start() - Duration::minutes(5),
        observations: None,
        assessment: Some(assessment()),
    };
    let err = f
        .store
        .close_patrol(&pcso, patrol.id, backwards)
        .expect_err("end before start");
    assert_eq!(
        err.validation().map(|v| v.rule.clone()),
        Some(Rule::EndBeforeStart)
    );
    assert!(
        f.store.patrol(patrol.id).expect("reload").is_open(),
        "a refused close changed the patrol"
    );

    let closed = f
        .store
        .close_patrol(
            &pcso,
            patrol.id,
            PatrolClosure {
                ended_at: start() + Duration::hours(2),
                observations: Some("Quiet".into()),
                assessment: Some(assessment()),
            },
        )
        .expect("close");
    assert_eq!(closed.hours(), Some(2.0));
    assert_eq!(f.store.patrol(patrol.id).expect("reload"), closed);
    let actions: Vec<_> = f
        .store
        .audit_entries(Some(&patrol.id.to_string()))
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        vec![AuditAction::Collection, AuditAction::Alteration]
    );
}

#[test]
fn volunteers_record_only_cip_patrols_and_others_cannot_close_someone_elses() {
    let f = Fixture::new();
    let volunteer = f.actor(Role::Volunteer, "Val");
    let other = f.actor(Role::Pcso, "Other");
    let err = f
        .store
        .start_patrol(&volunteer, foot_patrol())
        .expect_err("foot patrol");
    assert!(matches!(
        err.validation().map(|v| &v.rule),
        Some(Rule::RoleNotAllowed { .. })
    ));
    let mut cip = foot_patrol();
    cip.kind = PatrolKind::CipTargeted;
    let patrol = f.store.start_patrol(&volunteer, cip).expect("cip patrol");
    let closure = PatrolClosure {
        ended_at: start() + Duration::hours(1),
        observations: None,
        assessment: Some(assessment()),
    };
    assert!(matches!(
        f.store.close_patrol(&other, patrol.id, closure),
        Err(Error::Denied(_))
    ));
}

#[test]
fn track_points_are_validated_and_kept_in_order() {
    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "Sam");
    let patrol = f.store.start_patrol(&pcso, foot_patrol()).expect("start");
    let bad = [TrackPoint {
        at: start(),
        point: GeoPoint::new(95.0, 0.0),
    }];
    let err = f
        .store
        .add_track_points(&pcso, patrol.id, &bad)
        .expect_err("bad point");
    assert_eq!(
        err.validation().map(|v| v.field.as_str()),
        Some("points.point.lat")
    );
    assert_eq!(f.count("track_points"), 0);
    let points: Vec<_> = (0..3)
        .rev()
        .map(|i| TrackPoint {
            at: start() + Duration::minutes(i),
            point: GeoPoint::new(52.41 + i as f64 * 0.001, -1.5),
        })
        .collect();
    assert_eq!(
        f.store
            .add_track_points(&pcso, patrol.id, &points)
            .expect("add"),
        3
    );
    assert_eq!(
        f.store
            .add_track_points(&pcso, patrol.id, &points)
            .expect("again"),
        0,
        "duplicates kept once"
    );
    let track = f.store.track(patrol.id).expect("track");
    assert_eq!(track.len(), 3);
    assert!(track.windows(2).all(|w| w[0].at < w[1].at));
}

#[test]
fn notes_are_tagged_with_their_lsoa_and_cannot_be_edited() {
    let f = Fixture::with_areas();
    let pcso = f.actor(Role::Pcso, "Sam");
    let place = f.store.lsoas().expect("lsoas");
    assert!(!place.is_empty(), "demo areas loaded");
    let note = f
        .store
        .add_note(
            &pcso,
            NewNote {
                observed_at: start(),
                text: "Fly-tipping behind the parade".into(),
                category: NoteCategory::Environmental,
                place: Some(GeoPoint::new(52.405, -1.545)),
                patrol_id: None,
                problem_id: None,
            },
        )
        .expect("note");
    assert!(
        note.lsoa_code.is_some(),
        "place inside the demo areas is tagged"
    );
    assert_eq!(f.store.note(note.id).expect("reload"), note);

    let conn = crate::common::keyed_connection(f.dir.path().join("beatbook.db"), &common::key());
    let err = conn
        .execute("UPDATE notes SET text = 'changed'", [])
        .expect_err("append-only");
    assert!(err.to_string().contains("append-only"), "{err}");
}

#[test]
fn places_recorded_before_boundaries_are_loaded_stay_untagged_and_later_ones_are_tagged() {
    // The store remembers that it holds no boundaries (so tagging each new place reads
    // nothing); loading them must replace that knowledge at once.
    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "Sam");
    let note_at = |minutes: i64| NewNote {
        observed_at: start() + chrono::Duration::minutes(minutes),
        text: "Fly-tipping behind the parade".into(),
        category: NoteCategory::Environmental,
        place: Some(GeoPoint::new(52.405, -1.545)),
        patrol_id: None,
        problem_id: None,
    };
    for minutes in [0, 1] {
        let before = f.store.add_note(&pcso, note_at(minutes)).expect("note");
        assert_eq!(before.lsoa_code, None, "no boundaries, no tag");
    }
    f.store
        .load_area_boundaries(common::DEMO_AREAS)
        .expect("load the demo areas");
    let after = f.store.add_note(&pcso, note_at(2)).expect("note");
    assert!(
        after.lsoa_code.is_some(),
        "tagged as soon as boundaries are loaded"
    );
}

#[test]
fn a_note_linked_to_an_unknown_patrol_is_refused() {
    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "Sam");
    let err = f
        .store
        .add_note(
            &pcso,
            NewNote {
                observed_at: start(),
                text: "Something".into(),
                category: NoteCategory::Observation,
                place: None,
                patrol_id: Some(beatbook_core::ids::PatrolId::new()),
                problem_id: None,
            },
        )
        .expect_err("unknown patrol");
    assert_eq!(
        err.validation().map(|v| v.field.as_str()),
        Some("patrol_id")
    );
    assert_eq!(f.count("notes"), 0);
}

#[test]
fn times_in_the_future_or_absurdly_far_back_are_refused_and_write_nothing() {
    // The store's clock stands at 12:00 on 27 November (common::epoch).
    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "Sam");
    let time_refused = |result: Result<Patrol, Error>, field: &str| match result {
        Err(Error::Invalid(e)) => {
            assert_eq!(e.field, field);
            assert!(matches!(e.rule, Rule::TimeNotAllowed { .. }), "{e}");
        }
        other => panic!("expected {field} refused, got {other:?}"),
    };
    // Christmas Day typed for today.
    let christmas = Utc
        .with_ymd_and_hms(2026, 12, 25, 9, 0, 0)
        .single()
        .expect("time");
    time_refused(
        f.store.start_patrol(
            &pcso,
            NewPatrol {
                started_at: christmas,
                ..foot_patrol()
            },
        ),
        "started_at",
    );
    let year_one = Utc
        .with_ymd_and_hms(1, 1, 1, 0, 0, 0)
        .single()
        .expect("time");
    time_refused(
        f.store.start_patrol(
            &pcso,
            NewPatrol {
                started_at: year_one,
                ..foot_patrol()
            },
        ),
        "started_at",
    );
    // A whole patrol recorded afterwards that lasts 30 hours: refused before its start is
    // written, so no open patrol is left behind.
    let long_start = f.now() - Duration::hours(31);
    time_refused(
        f.store.record_patrol(
            &pcso,
            NewPatrol {
                started_at: long_start,
                ..foot_patrol()
            },
            PatrolClosure {
                ended_at: long_start + Duration::hours(30),
                observations: None,
                assessment: Some(assessment()),
            },
        ),
        "ended_at",
    );
    assert_eq!(f.count("patrols"), 0, "nothing half-written");
    assert!(f.store.open_patrols(pcso.user_id).expect("open").is_empty());
    // A note observed tomorrow is refused too; one observed a minute ago is fine.
    let note = |observed_at| NewNote {
        observed_at,
        text: "Gate to the allotments forced".into(),
        category: NoteCategory::Observation,
        place: None,
        patrol_id: None,
        problem_id: None,
    };
    assert!(matches!(
        f.store.add_note(&pcso, note(f.now() + Duration::days(1))),
        Err(Error::Invalid(_))
    ));
    f.store
        .add_note(&pcso, note(f.now() - Duration::minutes(1)))
        .expect("a note from a minute ago");
    assert_eq!(f.count("notes"), 1);
}
