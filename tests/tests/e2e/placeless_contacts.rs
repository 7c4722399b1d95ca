//! A phone contact without a place through the real server (issue 13, item 6): recorded on one
//! device with the LSOA the caller gave, synced, and read back on a second device without a
//! place; a face-to-face contact without a place, forged onto the wire, is refused by the
//! server naming the place.

use beatbook_core::ids::ContactId;
use beatbook_core::model::*;
use beatbook_core::sync::protocol::{PushRequest, PROTOCOL_VERSION};
use beatbook_core::sync::RecordKind;
use beatbook_e2e::http::push;
use beatbook_e2e::server::ServerProcess;
use chrono::Utc;

fn phone_call() -> NewContact {
    NewContact {
        occurred_at: Utc::now(),
        place: None,
        lsoa_code: Some(LsoaCode::parse("E01990002").expect("code")),
        lap_code: None,
        method: ContactMethod::Phone,
        audience: Audience::Resident,
        people_count: 1,
        issues: vec![CrimeCategory::AntiSocialBehaviour],
        issues_text: Some("Rang about bikes on the verge".into()),
        promised: Some("Ring back after the next patrol".into()),
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
fn a_phone_contact_without_a_place_reaches_a_second_device_and_a_placeless_door_knock_is_refused() {
    let server = ServerProcess::start(&[]);
    let mut devices = server
        .enrol_team(
            &server.url,
            &[("PCSO Avery", "pcso"), ("PCSO Blake", "pcso")],
        )
        .into_iter();
    let (avery, blake) = (
        devices.next().expect("device"),
        devices.next().expect("device"),
    );

    let recorded = avery
        .store
        .record_contact(&avery.actor, phone_call())
        .expect("a call needs no place");
    let id = recorded.contact.id;
    assert_eq!(recorded.contact.place, None);

    // The same op made into a door knock, as a modified app could send it.
    let ops = avery.store.pending_ops(100).expect("ops");
    let mut forged = ops
        .iter()
        .find(|op| op.kind == RecordKind::Contact)
        .expect("the contact's op")
        .clone();
    let forged_id = ContactId::new().to_string();
    forged.op_id =
        serde_json::from_value(serde_json::json!(ContactId::new().to_string())).expect("uuid");
    forged.record_id = forged_id.clone();
    for (name, value) in [
        ("id", serde_json::json!(forged_id)),
        ("method", serde_json::json!("door_knock")),
        ("follow_up_id", serde_json::Value::Null),
    ] {
        if let Some(field) = forged.fields.get_mut(name) {
            field.value = value;
        }
    }
    assert_eq!(forged.fields["place"].value, serde_json::Value::Null);

    let report = avery.sync();
    assert_eq!(report.rejected, 0, "{report:?}");
    blake.sync();
    let copy = blake.store.contact(id).expect("the call arrived");
    assert_eq!(copy.place, None);
    assert_eq!(copy.method, ContactMethod::Phone);
    assert_eq!(
        copy.lsoa_code.as_ref().map(LsoaCode::as_str),
        Some("E01990002")
    );
    assert_eq!(
        copy.issues_text.as_deref(),
        Some("Rang about bikes on the verge")
    );
    let status = blake.store.sync_status().expect("status");
    assert_eq!((status.held_records, status.unreadable_records), (0, 0));

    let body = serde_json::to_string(&PushRequest {
        protocol: PROTOCOL_VERSION,
        ops: vec![forged],
        pulled_through: None,
        epoch: None,
    })
    .expect("json");
    let answer = push(&server.url, &avery.token(), &body);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.body.contains("invalid_record"), "{}", answer.body);
    assert!(
        answer
            .body
            .contains("place: is required for a door_knock contact"),
        "{}",
        answer.body
    );
    blake.sync();
    assert!(
        blake.store.contact(forged_id.parse().expect("id")).is_err(),
        "the refused door knock reached nobody"
    );
}
