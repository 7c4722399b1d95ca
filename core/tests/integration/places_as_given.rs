//! Places and areas as people give them (store/area_checks.rs): codes in any case, unknown
//! codes refused with the closest known ones, 0,0 and swapped coordinates caught — once areas
//! are loaded; nothing written when refused.

use crate::common::{plain_contact, Fixture};
use beatbook_core::model::*;
use beatbook_core::validation::Rule;
use beatbook_core::Error;

fn patrol_in(area: AreaRef, f: &Fixture) -> NewPatrol {
    NewPatrol {
        kind: PatrolKind::Foot,
        area,
        purpose: "Reassurance".into(),
        operation_name: None,
        participants: vec![],
        started_at: f.now(),
    }
}

fn rule_of(err: Error) -> Rule {
    match err {
        Error::Invalid(v) => v.rule,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn area_codes_are_taken_in_any_case_and_unknown_ones_name_the_closest() {
    let f = Fixture::with_areas();
    let pcso = f.actor(Role::Pcso, "PCSO Sam");
    let patrol = f
        .store
        .start_patrol(&pcso, patrol_in(AreaRef::Lap(" lap-nv ".into()), &f))
        .expect("lower case LAP");
    assert_eq!(patrol.area, AreaRef::Lap("LAP-NV".into()));
    let lsoa = LsoaCode::parse_typed("area", " e01990002").expect("lower case LSOA");
    let patrol = f
        .store
        .start_patrol(&pcso, patrol_in(AreaRef::Lsoa(lsoa), &f))
        .expect("known LSOA");
    assert_eq!(patrol.area.id_string(), "E01990002");

    let before = f.count("patrols");
    let err = f
        .store
        .start_patrol(&pcso, patrol_in(AreaRef::Lap("LAP-MV".into()), &f))
        .expect_err("typo");
    match rule_of(err) {
        Rule::UnknownArea { kind, closest } => {
            assert_eq!(kind, "LAP");
            assert!(closest.starts_with("LAP-NV (Northvale"), "{closest}");
        }
        other => panic!("{other:?}"),
    }
    let unknown_lsoa = LsoaCode::parse("E01999999").expect("well formed");
    assert!(matches!(
        rule_of(
            f.store
                .start_patrol(&pcso, patrol_in(AreaRef::Lsoa(unknown_lsoa), &f))
                .expect_err("not loaded")
        ),
        Rule::UnknownArea { kind: "LSOA", .. }
    ));
    assert_eq!(f.count("patrols"), before, "nothing written");
}

#[test]
fn before_areas_are_loaded_codes_are_taken_as_given() {
    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "PCSO Sam");
    let patrol = f
        .store
        .start_patrol(&pcso, patrol_in(AreaRef::Lap("LAP-ANY".into()), &f))
        .expect("nothing to check against");
    assert_eq!(patrol.area, AreaRef::Lap("LAP-ANY".into()));
}

#[test]
fn a_place_at_0_0_or_with_swapped_coordinates_is_refused() {
    let f = Fixture::with_areas();
    let pcso = f.actor(Role::Pcso, "PCSO Sam");
    let nowhere = plain_contact(f.now(), GeoPoint::new(0.0, 0.0));
    assert!(matches!(
        rule_of(f.store.record_contact(&pcso, nowhere).expect_err("0,0")),
        Rule::Format { .. }
    ));
    // Elm Row is at 52.42, -1.50; typed the other way round it is in the Indian Ocean.
    let swapped = plain_contact(f.now(), GeoPoint::new(-1.50, 52.42));
    match rule_of(f.store.record_contact(&pcso, swapped).expect_err("swapped")) {
        Rule::Format { expected } => assert!(expected.contains("swapped"), "{expected}"),
        other => panic!("{other:?}"),
    }
    let note = NewNote {
        observed_at: f.now(),
        text: "Gate forced".into(),
        category: NoteCategory::Community,
        place: Some(GeoPoint::new(-1.50, 52.42)),
        patrol_id: None,
        problem_id: None,
    };
    assert!(f.store.add_note(&pcso, note).is_err());
    assert_eq!(f.count("contacts"), 0);
    assert_eq!(f.count("notes"), 0);
    // A real place outside the force's areas is still a place: recorded, untagged.
    let elsewhere = plain_contact(f.now(), GeoPoint::new(51.50, -0.12));
    let recorded = f
        .store
        .record_contact(&pcso, elsewhere)
        .expect("outside the areas");
    assert_eq!(recorded.contact.lsoa_code, None);
    let home = plain_contact(f.now(), GeoPoint::new(52.42, -1.50));
    let recorded = f.store.record_contact(&pcso, home).expect("inside");
    assert!(recorded.contact.lsoa_code.is_some());
}
