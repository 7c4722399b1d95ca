//! The server's judgement of contacts without a place (issue 13, item 6): a phone, online or
//! letter contact may come with `place: null`; a face-to-face one may not; a contact whose
//! `place` has not arrived at all is still arriving, not placeless.

use super::{check_record, Completeness};
use beatbook_core::ids::{ContactId, DeviceId, UserId};
use beatbook_core::model::{Audience, Contact, ContactMethod, LsoaCode};
use beatbook_core::sync::merge::RecordState;
use beatbook_core::sync::protocol::FieldState;
use beatbook_core::sync::protocol::RejectCode;
use beatbook_core::sync::{Hlc, RecordKind};
use chrono::{TimeZone, Utc};
use serde_json::Value;

fn placeless(method: ContactMethod) -> (String, Value) {
    let at = Utc
        .with_ymd_and_hms(2026, 3, 1, 10, 0, 0)
        .single()
        .expect("time");
    let contact = Contact {
        id: ContactId::new(),
        occurred_at: at,
        place: None,
        lsoa_code: Some(LsoaCode::parse("E01990002").expect("code")),
        lap_code: Some("LAP-NV".into()),
        method,
        audience: Audience::Resident,
        people_count: 1,
        issues: vec![],
        issues_text: Some("Called about parking".into()),
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
        recorded_by: UserId::new(),
        redacted_at: None,
        created_at: at,
        updated_at: at,
        correction_reason: None,
    };
    let mut value = serde_json::to_value(&contact).expect("json");
    if let Some(fields) = value.as_object_mut() {
        // Derived on each device, never on the wire.
        fields.remove("has_personal_details");
        fields.remove("has_ethnicity");
    }
    (contact.id.to_string(), value)
}

fn state(fields: Value) -> RecordState {
    let hlc = Hlc::new(1, DeviceId::new());
    let Value::Object(map) = fields else {
        panic!("test state must be an object")
    };
    RecordState {
        fields: map
            .into_iter()
            .map(|(k, value)| (k, FieldState { value, hlc }))
            .collect(),
        erased: false,
    }
}

#[test]
fn a_phone_online_or_letter_contact_without_a_place_is_accepted() {
    for method in [
        ContactMethod::Phone,
        ContactMethod::Online,
        ContactMethod::Letter,
    ] {
        let (id, fields) = placeless(method);
        assert_eq!(fields["place"], Value::Null, "sent as null, not left out");
        assert_eq!(
            check_record(RecordKind::Contact, &id, &state(fields)),
            Ok(Completeness::Complete),
            "{method}"
        );
    }
}

#[test]
fn a_face_to_face_contact_without_a_place_is_refused_naming_the_place() {
    for method in [ContactMethod::DoorKnock, ContactMethod::BeatMeeting] {
        let (id, fields) = placeless(method);
        let err = check_record(RecordKind::Contact, &id, &state(fields)).expect_err("refused");
        assert_eq!(err.code, RejectCode::InvalidRecord);
        assert!(err.message.contains("place"), "{}", err.message);
        assert!(err.message.contains(method.as_str()), "{}", err.message);
    }
    // With its place it passes.
    let (id, mut fields) = placeless(ContactMethod::DoorKnock);
    fields["place"] = serde_json::json!({"lat": 52.42, "lon": -1.5});
    assert_eq!(
        check_record(RecordKind::Contact, &id, &state(fields)),
        Ok(Completeness::Complete)
    );
}

#[test]
fn a_contact_whose_place_has_not_arrived_is_still_arriving() {
    // `place` left out is not `place: null`: the record waits for the rest of its fields,
    // whatever its method, rather than being judged placeless.
    for method in [ContactMethod::Phone, ContactMethod::DoorKnock] {
        let (id, mut fields) = placeless(method);
        fields.as_object_mut().map(|o| o.remove("place"));
        assert_eq!(
            check_record(RecordKind::Contact, &id, &state(fields)),
            Ok(Completeness::Partial),
            "{method}"
        );
    }
}
