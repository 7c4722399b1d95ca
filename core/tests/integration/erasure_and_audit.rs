//! Redaction, erasure and the append-only audit log.

use crate::common;

use beatbook_core::model::*;
use beatbook_core::store::{AuditAction, ExportPeriod};
use beatbook_core::validation::Rule;
use chrono::{Duration, TimeZone, Utc};
use common::{key, Fixture};

const SECRET_NAME: &str = "Quenby Marchetti-Oakfield";
const SECRET_PHONE: &str = "07700 900777";
const SECRET_RAISED: &str = "Zanzibarian scooters racing";

fn with_personal() -> NewContact {
    NewContact {
        audience: Audience::Business,
        issues: vec![CrimeCategory::Shoplifting],
        issues_text: Some(SECRET_RAISED.into()),
        promised: Some("Crime prevention visit".into()),
        consent_to_recontact: true,
        personal: Some(PersonalDetails {
            name: Some(SECRET_NAME.into()),
            phone: Some(SECRET_PHONE.into()),
            email: None,
            address: Some("1 Example Parade".into()),
        }),
        ethnicity: Some(EthnicityCode::A4),
        vulnerable: true,
        ..common::plain_contact(
            Utc.with_ymd_and_hms(2026, 11, 27, 11, 0, 0)
                .single()
                .expect("time"),
            GeoPoint::new(52.41, -1.5),
        )
    }
}

/// Every text value in every table (FTS shadow tables included), for "no trace left" checks.
fn all_text(f: &Fixture) -> String {
    common::all_text(&f.dir.path().join("beatbook.db"), &key())
}

#[test]
fn personal_fields_are_never_indexed_for_search() {
    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "Sam");
    f.store
        .record_contact(&pcso, with_personal())
        .expect("record");
    assert!(f.store.search("Marchetti", 10).expect("search").is_empty());
    assert!(f.store.search("900777", 10).expect("search").is_empty());
    assert_eq!(
        f.store.search("Zanzibarian", 10).expect("search").len(),
        1,
        "non-personal text is"
    );
}

#[test]
fn redaction_drops_personal_fields_and_leaves_no_trace() {
    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "Sam");
    let recorded = f
        .store
        .record_contact(&pcso, with_personal())
        .expect("record");
    assert!(all_text(&f).contains(SECRET_NAME));
    let redacted = f
        .store
        .redact_contact(&pcso, recorded.contact.id, "Person withdrew consent")
        .expect("redact");
    assert!(redacted.redacted_at.is_some());
    assert!(!redacted.has_personal_details && !redacted.has_ethnicity);
    let text = all_text(&f);
    assert!(
        !text.contains(SECRET_NAME) && !text.contains(SECRET_PHONE),
        "personal text survived redaction"
    );
    assert!(
        text.contains(SECRET_RAISED),
        "redaction keeps the non-personal contact"
    );
    let personal = f
        .store
        .contact_personal_details(&pcso, redacted.id, "check")
        .expect("read");
    assert_eq!(
        personal,
        ContactPersonalData {
            details: None,
            ethnicity: None
        }
    );
    let erasure = f
        .store
        .audit_entries(Some(&redacted.id.to_string()))
        .expect("audit")
        .into_iter()
        .find(|e| e.action == AuditAction::Erasure)
        .expect("erasure logged");
    assert_eq!(
        erasure.justification.as_deref(),
        Some("Person withdrew consent")
    );
}

#[test]
fn erasure_removes_the_record_everywhere_and_keeps_a_metadata_tombstone() {
    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "Sam");
    let supervisor = f.actor(Role::Supervisor, "Sarge");
    let recorded = f
        .store
        .record_contact(&pcso, with_personal())
        .expect("record");
    let id = recorded.contact.id;

    let err = f
        .store
        .erase_contact(&pcso, id, "Retention period ended")
        .expect_err("not a supervisor");
    assert_eq!(
        err.validation().map(|v| v.rule.clone()),
        Some(Rule::SupervisorOnly)
    );
    assert_eq!(f.count("contacts"), 1);

    f.store
        .erase_contact(&supervisor, id, "Retention period ended")
        .expect("erase");
    assert!(matches!(
        f.store.contact(id),
        Err(beatbook_core::Error::NotFound { .. })
    ));
    assert!(f
        .store
        .search("Zanzibarian", 10)
        .expect("search")
        .is_empty());
    let text = all_text(&f);
    for secret in [SECRET_NAME, SECRET_PHONE, SECRET_RAISED] {
        assert!(!text.contains(secret), "{secret} survived erasure");
    }
    assert_eq!(f.count("tombstones"), 1);
    assert_eq!(f.count("follow_ups"), 0);
    let entries = f.store.audit_entries(Some(&id.to_string())).expect("audit");
    let erasure = entries
        .iter()
        .find(|e| e.action == AuditAction::Erasure)
        .expect("logged");
    assert_eq!(erasure.user_id, supervisor.user_id);
    assert!(
        erasure.detail.is_none(),
        "an erasure entry holds metadata only"
    );
    assert!(
        entries.iter().any(|e| e.action == AuditAction::Collection),
        "earlier entries stay"
    );
}

#[test]
fn the_audit_log_refuses_updates_and_deletes() {
    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "Sam");
    f.store
        .record_contact(&pcso, with_personal())
        .expect("record");
    let n = f.count("audit_log");
    assert!(n > 0);
    let conn = crate::common::keyed_connection(f.dir.path().join("beatbook.db"), &key());
    let update = conn
        .execute("UPDATE audit_log SET justification = 'forged'", [])
        .expect_err("update");
    assert!(update.to_string().contains("append-only"), "{update}");
    let delete = conn
        .execute("DELETE FROM audit_log", [])
        .expect_err("delete");
    assert!(delete.to_string().contains("append-only"), "{delete}");
    assert_eq!(f.count("audit_log"), n);
}

#[test]
fn export_is_a_logged_disclosure_without_personal_fields() {
    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "Sam");
    let volunteer = f.actor(Role::Volunteer, "Val");
    f.store
        .record_contact(&pcso, with_personal())
        .expect("record");
    let from = Utc
        .with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
        .single()
        .expect("time");
    let period = ExportPeriod {
        from,
        to: from + Duration::days(30),
    };
    let mut out = Vec::new();
    assert!(f
        .store
        .export_contacts_csv(&volunteer, period, "report", &mut out)
        .is_err());
    let err = f
        .store
        .export_contacts_csv(&pcso, period, "", &mut out)
        .expect_err("needs a justification");
    assert_eq!(
        err.validation().map(|v| v.field.as_str()),
        Some("justification")
    );
    let n = f
        .store
        .export_contacts_csv(&pcso, period, "Monthly LAP meeting", &mut out)
        .expect("export");
    assert_eq!(n, 1);
    let csv = String::from_utf8(out).expect("utf8");
    assert_eq!(csv.lines().count(), 2);
    assert!(
        csv.contains(SECRET_RAISED) && !csv.contains(SECRET_NAME) && !csv.contains(SECRET_PHONE)
    );
    let disclosure = f
        .store
        .audit_entries(None)
        .expect("audit")
        .into_iter()
        .find(|e| e.action == AuditAction::Disclosure)
        .expect("disclosure logged");
    assert_eq!(
        disclosure.justification.as_deref(),
        Some("Monthly LAP meeting")
    );
    assert_eq!(disclosure.user_id, pcso.user_id);
}
