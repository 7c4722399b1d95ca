//! Erasure reaches every copy (issue 12, item 5), proved on the files: distinctive personal
//! values go through real devices and the real server, are erased or redacted, and then the
//! server's store and three devices' stores — each database file and its WAL, every page and
//! frame decrypted with that store's own key (`beatbook_e2e::pagescan`) — hold none of them.
//! The same scan finds every value before the erasure, so it can fail.

use beatbook_core::model::*;
use beatbook_e2e::device::{self, Device};
use beatbook_e2e::pagescan::{decrypt_store, page_owner};
use beatbook_e2e::server::{self, ServerProcess};
use chrono::{Duration, Utc};
use std::path::PathBuf;

/// Values nobody else's test data holds: a name, a phone number, words of free text.
const ERASED_NAME: &str = "Quillon Farthingale";
const ERASED_PHONE: &str = "07700 900461";
const ERASED_WORD: &str = "zephyrmothwing";
const REDACTED_NAME: &str = "Ottoline Brackenridge";
const NOTE_WORD: &str = "quasarlumen";

const PLANTED: &[&str] = &[
    ERASED_NAME,
    ERASED_PHONE,
    ERASED_WORD,
    REDACTED_NAME,
    NOTE_WORD,
];

fn contact(name: &str, phone: Option<&str>, issues_text: Option<&str>) -> NewContact {
    NewContact {
        occurred_at: Utc::now() - Duration::minutes(30),
        place: Some(GeoPoint::new(52.44, -1.51)),
        lsoa_code: None,
        lap_code: None,
        method: ContactMethod::DoorKnock,
        audience: Audience::Resident,
        people_count: 1,
        issues: vec![CrimeCategory::Burglary],
        issues_text: issues_text.map(str::to_owned),
        promised: None,
        follow_up_due: None,
        follow_up_owner: None,
        consent_to_recontact: true,
        personal: Some(PersonalDetails {
            name: Some(name.into()),
            phone: phone.map(str::to_owned),
            ..Default::default()
        }),
        ethnicity: Some(EthnicityCode::W1),
        repeat_caller: false,
        vulnerable: false,
        problem_id: None,
        patrol_id: None,
    }
}

/// Each store's file and the key it is encrypted with.
fn stores(server: &ServerProcess, devices: &[&Device]) -> Vec<(String, PathBuf, String)> {
    let mut out = vec![(
        "server".to_owned(),
        server.data.path().join("beatbook-server.db"),
        server::store_key().to_hex(),
    )];
    for (i, d) in devices.iter().enumerate() {
        out.push((
            format!("device {i}"),
            d.path(),
            device::store_key().to_hex(),
        ));
    }
    out
}

/// `(store, value, where)` for every planted value found in a store.
fn scan(stores: &[(String, PathBuf, String)]) -> Vec<(String, &'static str, Vec<String>)> {
    let mut found = Vec::new();
    for (name, path, key) in stores {
        let decrypted = decrypt_store(path, key);
        for value in PLANTED {
            let hits = decrypted.find(value);
            if !hits.is_empty() {
                found.push((name.clone(), *value, hits));
            }
        }
    }
    found
}

#[test]
fn no_erased_or_redacted_value_survives_in_any_page_or_wal_frame_of_the_server_or_three_devices() {
    let server = ServerProcess::start(&[]);
    let devices = server.enrol_team(
        &server.url,
        &[
            ("PCSO Avery", "pcso"),
            ("PCSO Blake", "pcso"),
            ("Sergeant Sol", "supervisor"),
        ],
    );
    let (pcso, pcso_b, sergeant) = (&devices[0], &devices[1], &devices[2]);

    let erased = pcso
        .store
        .record_contact(
            &pcso.actor,
            contact(
                ERASED_NAME,
                Some(ERASED_PHONE),
                Some(&format!("Shed broken into, {ERASED_WORD} seen")),
            ),
        )
        .expect("contact")
        .contact;
    let redacted = pcso
        .store
        .record_contact(&pcso.actor, contact(REDACTED_NAME, None, None))
        .expect("contact")
        .contact;
    let note = pcso
        .store
        .add_note(
            &pcso.actor,
            NewNote {
                observed_at: Utc::now() - Duration::minutes(20),
                text: format!("Gate by the {NOTE_WORD} garages left open"),
                category: NoteCategory::Environmental,
                place: None,
                patrol_id: None,
                problem_id: None,
            },
        )
        .expect("note");
    for d in [pcso, pcso_b, sergeant] {
        d.sync();
    }

    // Control: every value is in every store's decrypted pages or WAL before the erasure.
    let all = stores(&server, &[pcso, pcso_b, sergeant]);
    let before = scan(&all);
    for (name, _, _) in &all {
        for value in PLANTED {
            assert!(
                before.iter().any(|(n, v, _)| n == name && v == value),
                "control: {value:?} not found in the {name}'s store before erasure; the scan \
                 could not fail. Found: {before:?}"
            );
        }
    }

    // The sergeant erases on its own store, so the PCSO's redaction later reaches it alone in
    // a pull page (no erasure beside it); the second PCSO receives all three together.
    sergeant.sync();
    sergeant
        .store
        .erase_contact(&sergeant.actor, erased.id, "Subject asked for erasure")
        .expect("erase the contact");
    sergeant
        .store
        .erase_note(&sergeant.actor, note.id, "Retention period ended")
        .expect("erase the note");
    pcso.store
        .redact_contact(&pcso.actor, redacted.id, "Consent withdrawn")
        .expect("redact");
    for d in [sergeant, pcso, pcso_b, sergeant, pcso] {
        d.sync();
    }

    let after = scan(&all);
    let explained: Vec<String> = after
        .iter()
        .map(|(name, value, hits)| {
            let (_, path, key) = all.iter().find(|(n, _, _)| n == name).expect("store");
            let owners: Vec<String> = hits
                .iter()
                .filter_map(|h| h.strip_prefix("page "))
                .filter_map(|n| n.parse().ok())
                .map(|n| format!("page {n}: {}", page_owner(path, key, n)))
                .collect();
            format!("{name}: {value:?} at {hits:?} {owners:?}")
        })
        .collect();
    assert!(
        after.is_empty(),
        "erased or redacted values survive in the files: {explained:#?}"
    );
}
