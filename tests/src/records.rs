//! Records the end-to-end tests make again and again, written once: a door-knock contact with a
//! resident's personal details (consent given), at a given time, naming a given person.

use beatbook_core::model::*;
use chrono::{DateTime, Utc};

/// A door-knock contact at `occurred_at` about a burglary, with `personal` (consent to
/// recontact given).
pub fn contact_with_personal(occurred_at: DateTime<Utc>, personal: PersonalDetails) -> NewContact {
    NewContact {
        occurred_at,
        place: Some(GeoPoint::new(52.44, -1.51)),
        lsoa_code: None,
        lap_code: None,
        method: ContactMethod::DoorKnock,
        audience: Audience::Resident,
        people_count: 1,
        issues: vec![CrimeCategory::Burglary],
        issues_text: Some("Shed broken into".into()),
        promised: None,
        follow_up_due: None,
        follow_up_owner: None,
        consent_to_recontact: true,
        personal: Some(personal),
        ethnicity: None,
        repeat_caller: false,
        vulnerable: false,
        problem_id: None,
        patrol_id: None,
    }
}

/// Personal details holding only a name.
pub fn named(name: &str) -> PersonalDetails {
    PersonalDetails {
        name: Some(name.into()),
        ..Default::default()
    }
}
