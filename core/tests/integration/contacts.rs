//! Engagement contacts: consent, personal data kept apart, follow-ups, repeat locations.

use crate::common;

use beatbook_core::ids::ContactId;
use beatbook_core::model::*;
use beatbook_core::store::AuditAction;
use beatbook_core::validation::Rule;
use beatbook_core::Error;
use chrono::{DateTime, Duration, TimeZone, Utc};
use common::Fixture;

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 14, 30, 0)
        .single()
        .expect("time")
}

pub fn contact(place: GeoPoint) -> NewContact {
    NewContact {
        method: ContactMethod::DoorKnock,
        people_count: 2,
        issues: vec![
            CrimeCategory::AntiSocialBehaviour,
            CrimeCategory::CriminalDamageArson,
        ],
        issues_text: Some("Motorbikes on the playing field every evening".into()),
        ..common::plain_contact(at(), place)
    }
}

fn here() -> GeoPoint {
    GeoPoint::new(52.405, -1.545)
}

#[test]
fn personal_details_without_consent_write_nothing() {
    let f = Fixture::at(at());
    let pcso = f.actor(Role::Pcso, "Sam");
    let mut c = contact(here());
    c.personal = Some(PersonalDetails {
        phone: Some("07700 900123".into()),
        ..Default::default()
    });
    let err = f.store.record_contact(&pcso, c).expect_err("no consent");
    assert_eq!(
        err.validation().map(|v| v.rule.clone()),
        Some(Rule::ConsentRequired)
    );
    for table in [
        "contacts",
        "contact_personal",
        "follow_ups",
        "audit_log",
        "search_index_docsize",
    ] {
        assert_eq!(f.count(table), 0, "{table} written");
    }
}

#[test]
fn bad_coordinates_lsoa_and_ethnicity_codes_are_refused() {
    let f = Fixture::at(at());
    let pcso = f.actor(Role::Pcso, "Sam");
    let err = f
        .store
        .record_contact(&pcso, contact(GeoPoint::new(52.0, 181.0)))
        .expect_err("lon");
    assert_eq!(
        err.validation().map(|v| v.field.as_str()),
        Some("place.lon")
    );
    // Codes arrive as text from the apps; unknown ones never become records.
    assert!(LsoaCode::parse("E0112345").is_err());
    assert!(EthnicityCode::parse_field("ethnicity", "X1").is_err());
    let json = serde_json::json!({"lsoa_code": "Z01000001"});
    assert!(serde_json::from_value::<std::collections::HashMap<String, LsoaCode>>(json).is_err());
    assert_eq!(f.count("contacts"), 0);
}

#[test]
fn personal_details_are_kept_apart_and_reading_them_is_an_audited_consultation() {
    let f = Fixture::at(at());
    let pcso = f.actor(Role::Pcso, "Sam");
    let volunteer = f.actor(Role::Volunteer, "Val");
    let mut c = contact(here());
    c.consent_to_recontact = true;
    c.personal = Some(PersonalDetails {
        name: Some("Jo Bloggs-Example".into()),
        phone: Some("07700 900456".into()),
        ..Default::default()
    });
    c.ethnicity = Some(EthnicityCode::W2);
    let recorded = f.store.record_contact(&pcso, c).expect("record");
    let contact = f.store.contact(recorded.contact.id).expect("reload");
    assert!(contact.has_personal_details && contact.has_ethnicity);
    assert_eq!(contact, recorded.contact);
    let json = serde_json::to_string(&contact).expect("json");
    assert!(
        !json.contains("Bloggs") && !json.contains("900456"),
        "personal data on the plain record"
    );

    assert!(matches!(
        f.store
            .contact_personal_details(&volunteer, contact.id, "curious"),
        Err(Error::Denied(_))
    ));
    let err = f
        .store
        .contact_personal_details(&pcso, contact.id, " ")
        .expect_err("needs a reason");
    assert_eq!(
        err.validation().map(|v| v.field.as_str()),
        Some("justification")
    );

    let personal = f
        .store
        .contact_personal_details(&pcso, contact.id, "Calling back about the motorbikes")
        .expect("read");
    assert_eq!(
        personal.details.and_then(|d| d.name).as_deref(),
        Some("Jo Bloggs-Example")
    );
    assert_eq!(personal.ethnicity, Some(EthnicityCode::W2));
    let entries = f
        .store
        .audit_entries(Some(&contact.id.to_string()))
        .expect("audit");
    let consult = entries
        .iter()
        .find(|e| e.action == AuditAction::Consultation)
        .expect("consultation logged");
    assert_eq!(
        consult.justification.as_deref(),
        Some("Calling back about the motorbikes")
    );
    assert_eq!(consult.user_id, pcso.user_id);
    assert_eq!(consult.device_id, pcso.device_id);
}

#[test]
fn volunteers_cannot_record_personal_details() {
    let f = Fixture::at(at());
    let volunteer = f.actor(Role::Volunteer, "Val");
    let mut c = contact(here());
    c.consent_to_recontact = true;
    c.personal = Some(PersonalDetails {
        name: Some("Someone".into()),
        ..Default::default()
    });
    let err = f
        .store
        .record_contact(&volunteer, c)
        .expect_err("volunteer");
    assert!(matches!(
        err.validation().map(|v| &v.rule),
        Some(Rule::RoleNotAllowed { .. })
    ));
    assert!(
        f.store.record_contact(&volunteer, contact(here())).is_ok(),
        "a contact without personal data is fine"
    );
}

#[test]
fn a_promise_becomes_a_follow_up_due_in_72_hours_by_default() {
    let f = Fixture::at(at());
    let pcso = f.actor(Role::Pcso, "Sam");
    let mut c = contact(here());
    c.promised = Some("Ask the council about the gate".into());
    let recorded = f.store.record_contact(&pcso, c).expect("record");
    let follow_up = recorded.follow_up.expect("follow-up made");
    assert_eq!(follow_up.due_at, at() + Duration::hours(72));
    assert_eq!(follow_up.owner, Some(pcso.user_id));
    assert_eq!(follow_up.contact_id, Some(recorded.contact.id));
    assert_eq!(recorded.contact.follow_up_id, Some(follow_up.id));
    assert_eq!(f.store.follow_up(follow_up.id).expect("reload"), follow_up);
}

#[test]
fn open_follow_ups_list_overdue_first_and_answering_closes_them() {
    let f = Fixture::at(at());
    let pcso = f.actor(Role::Pcso, "Sam");
    let other = f.actor(Role::Officer, "Other");
    let mut ids = Vec::new();
    for hours in [100, 10, 50] {
        let mut c = contact(here());
        c.promised = Some(format!("Promise due in {hours}h"));
        c.follow_up_due = Some(at() + Duration::hours(hours));
        ids.push(
            f.store
                .record_contact(&pcso, c)
                .expect("record")
                .follow_up
                .expect("fu")
                .id,
        );
    }
    let now = at() + Duration::hours(60); // the 10h and 50h ones are overdue
    let open = f.store.open_follow_ups(pcso.user_id, now).expect("open");
    let dues: Vec<_> = open
        .iter()
        .map(|fu| (fu.due_at - at()).num_hours())
        .collect();
    assert_eq!(dues, vec![10, 50, 100]);
    assert!(open[0].is_overdue(now) && open[1].is_overdue(now) && !open[2].is_overdue(now));

    assert!(matches!(
        f.store.answer_follow_up(&other, ids[1], "Done", now),
        Err(Error::Denied(_))
    ));
    let answered = f
        .store
        .answer_follow_up(&pcso, ids[1], "Rang back, gate fixed", now)
        .expect("answer");
    assert_eq!(answered.status, FollowUpStatus::Answered);
    assert_eq!(
        f.store
            .open_follow_ups(pcso.user_id, now)
            .expect("open")
            .len(),
        2
    );
    assert!(
        f.store
            .answer_follow_up(&pcso, ids[1], "again", now)
            .is_err(),
        "cannot answer twice"
    );
}

#[test]
fn a_contact_near_earlier_ones_in_28_days_is_flagged_with_them_listed() {
    let f = Fixture::at(at());
    let pcso = f.actor(Role::Pcso, "Sam");
    let first = f
        .store
        .record_contact(&pcso, contact(here()))
        .expect("first");
    assert!(!first.contact.repeat_location);

    let mut old = contact(GeoPoint::new(52.4051, -1.545));
    old.occurred_at = at() - Duration::days(40);
    f.store
        .record_contact(&pcso, old)
        .expect("old, outside the window");
    let far = contact(GeoPoint::new(52.415, -1.545)); // about 1.1 km away
    f.store.record_contact(&pcso, far).expect("far");

    let mut second = contact(GeoPoint::new(52.4052, -1.5451)); // about 25 m away
    second.occurred_at = at() + Duration::days(3);
    f.clock.set(second.occurred_at);
    let second = f.store.record_contact(&pcso, second).expect("second");
    assert!(second.contact.repeat_location);
    let earlier: Vec<_> = second.nearby.iter().map(|n| n.contact_id).collect();
    assert_eq!(earlier, vec![first.contact.id]);
    assert!(second.nearby[0].distance_m > 15.0 && second.nearby[0].distance_m < 35.0);
    assert_eq!(
        f.store.nearby_contacts(second.contact.id).expect("links"),
        second.nearby
    );
    let actions: Vec<_> = f
        .store
        .audit_entries(Some(&second.contact.id.to_string()))
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(actions.contains(&AuditAction::Combination));
}

#[test]
fn a_contact_is_tagged_with_lsoa_and_lap_from_loaded_boundaries() {
    let f = Fixture::with_areas_at(at());
    let pcso = f.actor(Role::Pcso, "Sam");
    let recorded = f
        .store
        .record_contact(&pcso, contact(here()))
        .expect("record");
    let tag = f
        .store
        .tag_point(here())
        .expect("tag")
        .expect("inside demo areas");
    assert_eq!(recorded.contact.lsoa_code.as_ref(), Some(&tag.lsoa_code));
    assert_eq!(recorded.contact.lap_code.as_ref(), Some(&tag.lap_code));
}

#[test]
fn a_contact_on_the_repeat_location_index_follows_its_corrected_place_and_goes_with_its_erasure() {
    // SQLite keeps the index from the row (store version 28, generated keys): the nearby check
    // must find a contact where it now is, and never once it is erased.
    let f = Fixture::at(at());
    let pcso = f.actor(Role::Pcso, "Sam");
    let sergeant = f.actor(Role::Supervisor, "Ola");
    let moved = f
        .store
        .record_contact(&pcso, contact(here()))
        .expect("first")
        .contact;
    let elsewhere = GeoPoint::new(52.415, -1.545); // about 1.1 km north
    f.store
        .amend_contact(
            &pcso,
            moved.id,
            ContactAmendment {
                place: Some(elsewhere),
                ..Default::default()
            },
            "Recorded at the station, not at the door",
        )
        .expect("amend the place");
    let near_old = f
        .store
        .record_contact(&pcso, contact(GeoPoint::new(52.4052, -1.5451)))
        .expect("near the old place");
    assert!(near_old.nearby.is_empty(), "{:?}", near_old.nearby);
    let near_new = f
        .store
        .record_contact(&pcso, contact(GeoPoint::new(52.4152, -1.5451)))
        .expect("near the new place");
    let found: Vec<_> = near_new.nearby.iter().map(|n| n.contact_id).collect();
    assert_eq!(found, vec![moved.id]);
    assert_eq!(f.count(common::ON_REPEAT_INDEX), 3);
    assert_eq!(
        f.store.nearby_contacts(near_new.contact.id).expect("links"),
        near_new.nearby
    );

    f.store
        .erase_contact(&sergeant, moved.id, "Subject asked for erasure")
        .expect("erase");
    assert_eq!(f.count(common::ON_REPEAT_INDEX), 2);
    // The links of later contacts that found it go with it (by row number, store version 21:
    // no foreign key cascades them).
    assert!(f
        .store
        .nearby_contacts(near_new.contact.id)
        .expect("links")
        .is_empty());
    assert_eq!(f.count("contact_nearby"), 0);
    let after = f
        .store
        .record_contact(&pcso, contact(GeoPoint::new(52.4151, -1.5449)))
        .expect("after the erasure");
    let found: Vec<_> = after.nearby.iter().map(|n| n.contact_id).collect();
    assert_eq!(
        found,
        vec![near_new.contact.id],
        "the erased contact is not found"
    );
    // A contact's own links go with its erasure too.
    assert_eq!(f.count("contact_nearby"), 1);
    f.store
        .erase_contact(&sergeant, after.contact.id, "Recorded twice")
        .expect("erase the later one");
    assert_eq!(f.count("contact_nearby"), 0);
    assert!(f
        .store
        .nearby_contacts(after.contact.id)
        .expect("an erased contact has no links")
        .is_empty());
}

#[test]
fn a_contact_corrected_to_another_place_is_checked_again_for_earlier_contacts_nearby() {
    // Recorded at the wrong place, a contact's repeat-location flag said what that place
    // found; corrected, it says what the right place finds, with its links and the audit.
    let f = Fixture::at(at());
    let pcso = f.actor(Role::Pcso, "Sam");
    let earlier = f
        .store
        .record_contact(&pcso, contact(here()))
        .expect("earlier")
        .contact;
    f.clock.set(at() + Duration::days(2));
    let mut later = contact(GeoPoint::new(52.415, -1.545)); // about 1.1 km away
    later.occurred_at = at() + Duration::days(2);
    let later = f.store.record_contact(&pcso, later).expect("later");
    assert!(!later.contact.repeat_location);

    let corrected = f
        .store
        .amend_contact(
            &pcso,
            later.contact.id,
            ContactAmendment {
                place: Some(GeoPoint::new(52.4052, -1.5451)), // about 25 m from the earlier
                ..Default::default()
            },
            "Typed the wrong street",
        )
        .expect("correct the place");
    assert!(corrected.repeat_location, "the corrected place is a repeat");
    let links = f.store.nearby_contacts(later.contact.id).expect("links");
    let linked: Vec<_> = links.iter().map(|n| n.contact_id).collect();
    assert_eq!(linked, vec![earlier.id], "linked once, not to itself");
    assert!(links[0].distance_m < 35.0);
    assert_eq!(f.store.contact(later.contact.id).expect("read"), corrected);
    assert!(f
        .store
        .audit_entries(Some(&later.contact.id.to_string()))
        .expect("audit")
        .iter()
        .any(|e| e.action == AuditAction::Combination));

    let moved_away = f
        .store
        .amend_contact(
            &pcso,
            later.contact.id,
            ContactAmendment {
                place: Some(GeoPoint::new(52.415, -1.545)),
                ..Default::default()
            },
            "It was the first street after all",
        )
        .expect("correct it back");
    assert!(!moved_away.repeat_location);
    assert!(f
        .store
        .nearby_contacts(later.contact.id)
        .expect("links")
        .is_empty());
    let unmoved = f
        .store
        .amend_contact(
            &pcso,
            earlier.id,
            ContactAmendment {
                people_count: Some(4),
                ..Default::default()
            },
            "Four, not one",
        )
        .expect("a correction that does not move it");
    assert_eq!(unmoved.repeat_location, earlier.repeat_location);
}

#[test]
fn the_repeat_location_check_finds_exactly_what_a_scan_of_every_contact_finds() {
    // The index of grid cells by week (store version 28) must find every earlier contact within
    // the radius and the 28 days, across weeks, rows and columns of cells, and nothing else: the
    // same answer as reading every contact. Contacts spread over a square a little larger than
    // a few cells, over 13 weeks, some exactly at the window's edge, at two radii.
    let start = at() - Duration::days(120);
    let f = Fixture::at(start);
    let pcso = f.actor(Role::Pcso, "Sam");
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move |below: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % below
    };
    let mut earlier: Vec<(ContactId, DateTime<Utc>, GeoPoint)> = Vec::new();
    let mut when = start;
    let mut flagged = 0;
    for i in 0..400 {
        let radius_m = if i < 200 { 100.0 } else { 250.0 };
        f.store.set_repeat_radius_m(radius_m).expect("radius");
        let on_edge = earlier
            .iter()
            .map(|(_, t, _)| *t + Duration::days(28))
            .find(|edge| *edge >= when);
        when = match on_edge {
            // Exactly 28 days after an earlier contact: on the window's edge, which is inside.
            Some(edge) if i % 25 == 24 => edge,
            _ => when + Duration::seconds(next(12 * 3600) as i64),
        };
        // Within about a kilometre of one place: a few hundred cells.
        let place = GeoPoint::new(
            52.405 + (next(20_001) as f64 - 10_000.0) / 1_000_000.0,
            -1.545 + (next(30_001) as f64 - 15_000.0) / 1_000_000.0,
        );
        f.clock.set(when);
        let recorded = f
            .store
            .record_contact(&pcso, common::plain_contact(when, place))
            .expect("record");
        let since = when - Duration::days(28);
        let mut expected: Vec<(f64, ContactId)> = earlier
            .iter()
            .filter(|(_, t, _)| *t >= since && *t <= when)
            .map(|(id, _, p)| (place.distance_m(p), *id))
            .filter(|(d, _)| *d <= radius_m)
            .collect();
        expected.sort_by(|a, b| a.0.total_cmp(&b.0));
        let found: Vec<ContactId> = recorded.nearby.iter().map(|n| n.contact_id).collect();
        let expected: Vec<ContactId> = expected.into_iter().map(|(_, id)| id).collect();
        assert_eq!(found, expected, "contact {i} at {when}");
        assert_eq!(recorded.contact.repeat_location, !expected.is_empty());
        flagged += usize::from(!expected.is_empty());
        earlier.push((recorded.contact.id, when, place));
    }
    // The scenario exercises both answers.
    assert!(flagged > 50 && flagged < 390, "{flagged} flagged");
}
