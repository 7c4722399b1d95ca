//! Retention on a real server whose clock the test moves (`--test-clock-offset-file`): a
//! contact's personal details past the schedule's date are not served to a device enrolled
//! afterwards even before the sweep, and once `admin retention sweep` (run at the server's
//! clock) redacts them, devices pull the redaction; the sweep prints what it disposed of; and
//! the administrator's erasure of the contact reaches every device.

use beatbook_e2e::records::{contact_with_personal, named};
use beatbook_e2e::server::ServerProcess;
use chrono::Utc;
use std::time::Duration;

#[test]
fn personal_details_past_their_date_are_never_served_and_the_sweep_redacts_them() {
    let server = ServerProcess::start_with_test_clock(&[]);
    let mut devices = server
        .enrol_team(&server.url, &[("PCSO Avery", "pcso")])
        .into_iter();
    let pcso = devices.next().expect("pcso");
    let contact = pcso
        .store
        .record_contact(
            &pcso.actor,
            contact_with_personal(
                Utc::now() - chrono::Duration::minutes(30),
                named("Ottoline Brackwater"),
            ),
        )
        .expect("contact")
        .contact;
    pcso.sync();
    server.admin(&[
        "retention",
        "set",
        "--kind",
        "contact_personal",
        "--days",
        "180",
    ]);
    assert!(server
        .admin(&["retention", "show"])
        .contains("review 180 days"));
    // Not yet due: the sweep disposes of nothing.
    assert!(server
        .admin(&["retention", "sweep"])
        .contains("contact_personal  0"));

    server.set_clock_offset(Duration::from_secs(200 * 86_400));
    // Enrolled after the date, before any sweep: the contact, without its personal details.
    let late_user = server
        .admin(&[
            "create-user",
            "--name",
            "Sergeant Sol",
            "--role",
            "supervisor",
            "--team",
            "Northvale NPT",
        ])
        .trim()
        .to_owned();
    let code = server.admin(&["enrol-code", "--user", &late_user]);
    let late = beatbook_e2e::device::Device::enrol(&server.url, code.trim());
    late.sync();
    assert!(
        late.store.contact(contact.id).is_ok(),
        "the contact is served"
    );
    let before_sweep = late
        .store
        .contact_personal_details(&late.actor, contact.id, "retention test")
        .expect("read");
    assert_eq!(before_sweep.details, None, "expired details were served");

    let swept = server.admin(&["retention", "sweep"]);
    assert!(swept.contains("contact_personal  1"), "{swept}");
    pcso.sync();
    let pcso_copy = pcso
        .store
        .contact_personal_details(&pcso.actor, contact.id, "retention test")
        .expect("read");
    assert_eq!(pcso_copy.details, None, "the redaction reached the PCSO");
    let log = server.admin(&["audit", "--operation", "erasure", "--limit", "50"]);
    assert!(
        log.contains("retention_schedule") && log.contains(&contact.id.to_string()),
        "{log}"
    );
    assert!(!log.contains("Ottoline"));

    // The administrator erases the contact itself, with a reason: every device drops it.
    let erased = server.admin(&[
        "erase",
        "--kind",
        "contact",
        "--id",
        &contact.id.to_string(),
        "--reason",
        "Recorded against the wrong address",
        "--as",
        "Avery Admin",
    ]);
    assert!(erased.contains("erased contact"), "{erased}");
    pcso.sync();
    late.sync();
    assert!(
        pcso.store.contact(contact.id).is_err(),
        "erased on the PCSO's device"
    );
    assert!(
        late.store.contact(contact.id).is_err(),
        "erased on the late device"
    );
    let log = server.admin(&["audit", "--operation", "erasure", "--limit", "50"]);
    assert!(log.contains("Recorded against the wrong address"), "{log}");
}
