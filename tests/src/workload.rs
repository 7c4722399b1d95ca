//! The records the reliability harnesses write: contacts (some with a promise, which makes a
//! follow-up) and notes, each with its number in its text so a lost or doubled one is easy to
//! name.

use beatbook_core::model::*;
use beatbook_core::Store;
use chrono::{DateTime, Utc};

/// What [`record`] wrote: its kind (`contact` or `note`) and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub kind: &'static str,
    pub id: String,
}

/// Records the `i`th record of a workload on `store` as `actor`: a note every third, else a
/// contact (every fourth of those with a promise and so a follow-up).
pub fn record(store: &Store, actor: &Actor, i: u64) -> Result<Written, beatbook_core::Error> {
    if i % 3 == 2 {
        let note = store.add_note(actor, note(i))?;
        Ok(Written {
            kind: "note",
            id: note.id.to_string(),
        })
    } else {
        let recorded = store.record_contact(actor, contact(i))?;
        Ok(Written {
            kind: "contact",
            id: recorded.contact.id.to_string(),
        })
    }
}

pub fn note(i: u64) -> NewNote {
    NewNote {
        observed_at: Utc::now(),
        text: format!("Reliability note number {i}"),
        category: NoteCategory::Observation,
        place: None,
        patrol_id: None,
        problem_id: None,
    }
}

pub fn contact(i: u64) -> NewContact {
    NewContact {
        occurred_at: Utc::now(),
        place: Some(GeoPoint::new(52.4 + (i % 100) as f64 * 0.0001, -1.5)),
        lsoa_code: None,
        lap_code: None,
        method: ContactMethod::FootPatrol,
        audience: Audience::Resident,
        people_count: 1,
        issues: vec![CrimeCategory::AntiSocialBehaviour],
        issues_text: Some(format!("Reliability contact number {i}")),
        promised: (i % 4 == 0).then(|| "Call back".to_owned()),
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

/// A door-knock contact with a resident about burglary, with a promise (so a follow-up is due
/// 72 hours later): the supervisor and report tests' typical contact.
pub fn door_knock_with_promise(occurred_at: DateTime<Utc>, people_count: u32) -> NewContact {
    NewContact {
        occurred_at,
        place: Some(GeoPoint::new(52.44, -1.51)),
        lsoa_code: None,
        lap_code: None,
        method: ContactMethod::DoorKnock,
        audience: Audience::Resident,
        people_count,
        issues: vec![CrimeCategory::Burglary],
        issues_text: None,
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
