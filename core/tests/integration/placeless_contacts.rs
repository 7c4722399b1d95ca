//! Contacts without a place (issue 13, item 6): a phone call, an online exchange or a letter is
//! recorded with an LSOA or LAP code as the person gave it, or no area at all; a face-to-face
//! contact still needs its place. Such contacts are at no location: they never flag or get
//! flagged as a repeat location, and reports and exports take them by their area.

use crate::common::{plain_contact, Fixture, ON_REPEAT_INDEX};
use beatbook_core::model::*;
use beatbook_core::reports::{Period, ReportArea, ReportQuery};
use beatbook_core::store::ExportPeriod;
use beatbook_core::validation::Rule;
use beatbook_core::Error;
use chrono::Duration;

const ELM_ROW: (f64, f64) = (52.42, -1.50);

fn elm_row() -> GeoPoint {
    GeoPoint::new(ELM_ROW.0, ELM_ROW.1)
}

/// A contact of `method` with no place and the areas given.
fn by(f: &Fixture, method: ContactMethod, lsoa: Option<&str>, lap: Option<&str>) -> NewContact {
    NewContact {
        method,
        lsoa_code: lsoa.map(|typed| LsoaCode::parse_typed("lsoa_code", typed).expect("shape")),
        lap_code: lap.map(str::to_owned),
        place: None,
        ..plain_contact(f.now(), elm_row())
    }
}

fn rule_of(err: Error) -> (String, Rule) {
    match err {
        Error::Invalid(v) => (v.field, v.rule),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn a_phone_contact_is_recorded_with_no_area_an_lsoa_or_a_lap() {
    let f = Fixture::with_areas();
    let pcso = f.actor(Role::Pcso, "PCSO Sam");

    let none = f
        .store
        .record_contact(&pcso, by(&f, ContactMethod::Phone, None, None))
        .expect("no area at all");
    assert_eq!(none.contact.place, None);
    assert_eq!(
        (none.contact.lsoa_code, none.contact.lap_code),
        (None, None)
    );
    assert_eq!(
        f.store.contact(none.contact.id).expect("read back").place,
        None
    );

    // Typed in lower case; its LAP comes from the loaded areas.
    let lsoa = f
        .store
        .record_contact(
            &pcso,
            by(&f, ContactMethod::Letter, Some("e01990002"), None),
        )
        .expect("an LSOA");
    let stored = f.store.contact(lsoa.contact.id).expect("read back");
    assert_eq!(
        stored.lsoa_code.map(String::from).as_deref(),
        Some("E01990002")
    );
    assert_eq!(stored.lap_code.as_deref(), Some("LAP-NV"));
    assert_eq!(stored.place, None);

    let lap = f
        .store
        .record_contact(&pcso, by(&f, ContactMethod::Online, None, Some(" lap-sm ")))
        .expect("a LAP");
    let stored = f.store.contact(lap.contact.id).expect("read back");
    assert_eq!(stored.lap_code.as_deref(), Some("LAP-SM"));
    assert_eq!(stored.lsoa_code, None);
    assert_eq!(f.count("contacts"), 3);
}

#[test]
fn unknown_or_contradicting_areas_are_refused_and_nothing_is_written() {
    let f = Fixture::with_areas();
    let pcso = f.actor(Role::Pcso, "PCSO Sam");
    let unknown = f
        .store
        .record_contact(&pcso, by(&f, ContactMethod::Phone, Some("E01999999"), None))
        .expect_err("not a loaded LSOA");
    assert!(matches!(
        rule_of(unknown),
        (field, Rule::UnknownArea { kind: "LSOA", .. }) if field == "lsoa_code"
    ));
    let typo = f
        .store
        .record_contact(&pcso, by(&f, ContactMethod::Phone, None, Some("LAP-MV")))
        .expect_err("not a loaded LAP");
    match rule_of(typo) {
        (field, Rule::UnknownArea { kind, closest }) => {
            assert_eq!((field.as_str(), kind), ("lap_code", "LAP"));
            assert!(closest.starts_with("LAP-NV"), "{closest}");
        }
        other => panic!("{other:?}"),
    }
    // E01990002 is in Northvale, not Southmere: one of the two is wrong.
    let both = f
        .store
        .record_contact(
            &pcso,
            by(&f, ContactMethod::Phone, Some("E01990002"), Some("LAP-SM")),
        )
        .expect_err("the LSOA is in another LAP");
    assert!(matches!(rule_of(both), (field, Rule::MustBeEmpty { .. }) if field == "lap_code"));
    assert_eq!(f.count("contacts"), 0);
}

#[test]
fn a_face_to_face_contact_without_a_place_is_refused_naming_the_place() {
    let f = Fixture::with_areas();
    let pcso = f.actor(Role::Pcso, "PCSO Sam");
    for method in [ContactMethod::DoorKnock, ContactMethod::FootPatrol] {
        let err = f
            .store
            .record_contact(&pcso, by(&f, method, Some("E01990002"), None))
            .expect_err("face to face needs a place");
        assert_eq!(
            rule_of(err),
            (
                "place".to_owned(),
                Rule::PlaceRequired {
                    method: method.as_str()
                }
            )
        );
    }
    assert_eq!(f.count("contacts"), 0);
}

#[test]
fn contacts_without_a_place_never_take_part_in_the_repeat_location_check() {
    let f = Fixture::with_areas();
    let pcso = f.actor(Role::Pcso, "PCSO Sam");
    let first = f
        .store
        .record_contact(&pcso, plain_contact(f.now(), elm_row()))
        .expect("first visit");
    let call = f
        .store
        .record_contact(&pcso, by(&f, ContactMethod::Phone, Some("E01990002"), None))
        .expect("a call about the same street");
    assert!(!call.contact.repeat_location);
    assert!(call.nearby.is_empty());
    let second = f
        .store
        .record_contact(
            &pcso,
            plain_contact(f.now() + Duration::minutes(5), elm_row()),
        )
        .expect("second visit");
    assert!(second.contact.repeat_location);
    let nearby: Vec<_> = second.nearby.iter().map(|n| n.contact_id).collect();
    assert_eq!(nearby, vec![first.contact.id], "the call is at no location");
    // The repeat-location index holds the two visits only.
    assert_eq!(f.count(ON_REPEAT_INDEX), 2);
}

#[test]
fn reports_count_contacts_without_a_place_by_their_area_or_as_no_area() {
    let f = Fixture::with_areas();
    let pcso = f.actor(Role::Pcso, "PCSO Sam");
    for new in [
        by(&f, ContactMethod::Phone, Some("E01990002"), None),
        by(&f, ContactMethod::Online, None, Some("LAP-SM")),
        by(&f, ContactMethod::Letter, None, None),
    ] {
        f.store.record_contact(&pcso, new).expect("recorded");
    }
    let query = |area| ReportQuery {
        period: Period::new(f.now() - Duration::days(1), f.now() + Duration::days(1))
            .expect("period"),
        area,
        as_of: f.now() + Duration::hours(1),
    };
    let all = f.store.report(&query(ReportArea::All)).expect("report");
    assert_eq!(all.engagement.contacts, 3);
    let by_lsoa: Vec<(String, u64)> = all
        .engagement
        .by_lsoa
        .iter()
        .map(|g| (g.key.clone(), g.contacts))
        .collect();
    assert_eq!(
        by_lsoa,
        vec![("unknown".to_owned(), 2), ("E01990002".to_owned(), 1)]
    );
    let southmere = f
        .store
        .report(&query(ReportArea::Lap("LAP-SM".into())))
        .expect("report");
    assert_eq!(southmere.engagement.contacts, 1, "the LAP given counts");
    let northvale = f
        .store
        .report(&query(ReportArea::Lap("LAP-NV".into())))
        .expect("report");
    assert_eq!(northvale.engagement.contacts, 1, "the LSOA's LAP counts");
}

#[test]
fn the_csv_export_leaves_the_coordinates_of_a_contact_without_a_place_empty() {
    let f = Fixture::with_areas();
    let sergeant = f.actor(Role::Supervisor, "Sgt Kim");
    f.store
        .record_contact(
            &sergeant,
            by(&f, ContactMethod::Phone, Some("E01990002"), None),
        )
        .expect("recorded");
    let mut csv = Vec::new();
    let period = ExportPeriod {
        from: f.now() - Duration::days(1),
        to: f.now() + Duration::days(1),
    };
    let written = f
        .store
        .export_contacts_csv(&sergeant, period, "Ward panel figures", &mut csv)
        .expect("export");
    assert_eq!(written, 1);
    let text = String::from_utf8(csv).expect("utf-8");
    let row: Vec<&str> = text.lines().nth(1).expect("one row").split(',').collect();
    assert_eq!(
        (row[2], row[3], row[4], row[5]),
        ("", "", "E01990002", "LAP-NV")
    );
}

#[test]
fn a_contact_an_older_build_held_as_unreadable_is_written_once_this_build_retries_it() {
    // A build from before places were optional could not read `place: null`: it held the
    // contact as unreadable, with its values. After the app update the next sync writes it.
    let f = Fixture::with_areas();
    let recorder = f.actor(Role::Pcso, "PCSO Sam");
    let id = beatbook_core::ids::ContactId::new();
    let contact = Contact {
        id,
        occurred_at: f.now(),
        place: None,
        lsoa_code: Some(LsoaCode::parse("E01990002").expect("code")),
        lap_code: Some("LAP-NV".into()),
        method: ContactMethod::Phone,
        audience: Audience::Resident,
        people_count: 1,
        issues: vec![],
        issues_text: None,
        promised: None,
        follow_up_id: None,
        consent_to_recontact: false,
        has_personal_details: false,
        has_ethnicity: false,
        repeat_caller: false,
        vulnerable: false,
        repeat_location: false,
        problem_id: None,
        patrol_id: None,
        recorded_by: recorder.user_id,
        redacted_at: None,
        created_at: f.now(),
        updated_at: f.now(),
        correction_reason: None,
    };
    let mut fields = serde_json::to_value(&contact).expect("json");
    fields
        .as_object_mut()
        .map(|o| o.remove("has_personal_details"));
    let held = |reason: &str, record_id: String, fields: &serde_json::Value| {
        let conn = crate::common::keyed_connection(
            f.dir.path().join("beatbook.db"),
            &crate::common::key(),
        );
        conn.execute(
            "INSERT INTO sync_held (kind, record_id, reason, held_at, fields)
             VALUES ('contact', ?1, ?2, '2026-01-01T00:00:00.000000Z', ?3)",
            rusqlite::params![record_id, reason, fields.to_string()],
        )
        .expect("held by the older build");
    };
    held("unreadable", id.to_string(), &fields);
    // One this build cannot read either (a face-to-face contact without its place) stays held.
    let other = beatbook_core::ids::ContactId::new();
    let mut unreadable = fields.clone();
    unreadable["id"] = serde_json::json!(other.to_string());
    unreadable["method"] = serde_json::json!("door_knock");
    held("unreadable", other.to_string(), &unreadable);
    assert_eq!(f.store.sync_status().expect("status").unreadable_records, 2);

    assert_eq!(f.store.retry_unreadable_records().expect("retry"), 1);
    let written = f.store.contact(id).expect("written");
    assert_eq!(
        (written.place, written.method),
        (None, ContactMethod::Phone)
    );
    assert!(f.store.contact(other).is_err(), "still not readable");
    let status = f.store.sync_status().expect("status");
    assert_eq!((status.held_records, status.unreadable_records), (1, 1));
}
