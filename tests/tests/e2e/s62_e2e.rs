//! The s.62 log through the real server (issue "Lawful by design", item 2): a contact with
//! personal details recorded by a PCSO and pulled by a supervisor leaves collection and
//! disclosure entries in the server's log, the PCSO's own device log reaches the server, and a
//! revoked device's entries — those made after its last sync included — survive its wipe.

use beatbook_core::model::*;
use beatbook_core::store::AuditAction;
use beatbook_core::sync::client::{sync_or_wipe, CancelFlag, NoProgress, SyncOutcome};
use beatbook_e2e::device::Device;
use beatbook_e2e::records::contact_with_personal;
use beatbook_e2e::server::ServerProcess;
use chrono::{Duration, Utc};

/// The server's log lines (`admin audit`), newest first.
fn server_log(server: &ServerProcess) -> Vec<String> {
    server
        .admin(&["audit", "--limit", "500"])
        .lines()
        .map(str::to_owned)
        .collect()
}

fn lines_with<'a>(log: &'a [String], parts: &[&str]) -> Vec<&'a String> {
    log.iter()
        .filter(|line| parts.iter().all(|p| line.contains(p)))
        .collect()
}

#[test]
fn collection_disclosure_and_a_revoked_devices_log_reach_the_servers_log() {
    let server = ServerProcess::start(&[]);
    let mut devices = server
        .enrol_team(
            &server.url,
            &[("PCSO Avery", "pcso"), ("Sergeant Sol", "supervisor")],
        )
        .into_iter();
    let (pcso, sergeant) = (
        devices.next().expect("pcso"),
        devices.next().expect("sergeant"),
    );
    let contact = pcso
        .store
        .record_contact(
            &pcso.actor,
            contact_with_personal(
                Utc::now() - Duration::minutes(30),
                PersonalDetails {
                    name: Some("Ottoline Brackwater".into()),
                    phone: Some("07700 900654".into()),
                    ..Default::default()
                },
            ),
        )
        .expect("contact")
        .contact;
    let contact_id = contact.id.to_string();
    let pcso_device = pcso.actor.device_id.to_string();
    let sergeant_device = sergeant.actor.device_id.to_string();

    let report = pcso.sync();
    assert!(report.audit_entries_sent >= 1, "{report:?}");
    assert_eq!(pcso.store.audit_entries_unacknowledged().expect("count"), 0);
    sergeant.sync();
    // The sergeant's device logs the personal record it received (collection by transfer),
    // and hands that entry to the server on its next sync.
    let received = sergeant
        .store
        .audit_entries(Some(&contact_id))
        .expect("log");
    assert!(
        received.iter().any(|e| e.action == AuditAction::Collection
            && e.record_kind == "contact_personal"
            && e.detail.as_deref() == Some("received by sync")),
        "{received:?}"
    );
    sergeant.sync();

    let log = server_log(&server);
    assert!(
        !lines_with(
            &log,
            &[
                "collection",
                &sergeant_device,
                &contact_id,
                "received by sync"
            ]
        )
        .is_empty(),
        "the sergeant's receipt is not in the server's log:\n{}",
        log.join("\n")
    );
    // The server's own entries: the personal record collected through the PCSO's push, and
    // disclosed to the sergeant's device by the pull.
    assert!(
        !lines_with(
            &log,
            &["collection", &pcso_device, "contact_personal", &contact_id]
        )
        .is_empty(),
        "no collection entry:\n{}",
        log.join("\n")
    );
    assert!(
        !lines_with(&log, &["disclosure", &sergeant_device, &contact_id]).is_empty(),
        "no disclosure entry:\n{}",
        log.join("\n")
    );
    // The PCSO's device log, handed in: its own collection entry for the contact.
    let handed_in = lines_with(&log, &["device log entry", &pcso_device, &contact_id]);
    assert!(
        !handed_in.is_empty(),
        "no device entry:\n{}",
        log.join("\n")
    );
    assert!(
        log.iter()
            .all(|l| !l.contains("Ottoline") && !l.contains("900654")),
        "a personal value reached the server's log"
    );

    // Offline after its last sync: the PCSO consults the personal details; then the device
    // is revoked (lost). Its next sync hands the log in, then wipes.
    pcso.store
        .contact_personal_details(&pcso.actor, contact.id, "Calling back about the shed")
        .expect("consult");
    server.admin(&["revoke-device", &pcso_device]);
    let Device {
        dir: _dir,
        store,
        client,
        ..
    } = pcso;
    let outcome = sync_or_wipe(&client, store, &NoProgress, &CancelFlag::new()).expect("sync");
    assert_eq!(outcome, SyncOutcome::Wiped);

    let log = server_log(&server);
    let after_revocation = lines_with(
        &log,
        &[
            "consultation",
            &pcso_device,
            &contact_id,
            "handed in after the device was revoked",
        ],
    );
    assert_eq!(after_revocation.len(), 1, "{}", log.join("\n"));
    assert!(after_revocation[0].contains("Calling back about the shed"));
    assert!(server
        .admin(&["audit", "verify"])
        .contains("the audit log is intact"));
}
