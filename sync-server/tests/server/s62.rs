//! The server's s.62 log through the real server: a contact's personal details recorded by a
//! PCSO and pulled by a supervisor leave a collection and a disclosure entry; the server
//! refuses personal data without consent per op; and `admin audit` (the binary) verifies the
//! chain, names an entry edited in the file, prints the head and logs its own export.

use crate::common::{contact, new_id, statuses, Harness};
use beatbook_core::audit::AuditAction;
use beatbook_core::sync::protocol::{OpStatus, RecordKind};
use beatbook_server::storage::{ServerAudit, SqliteStorage, SyncStorage};
use serde_json::json;
use std::path::Path;

#[test]
fn personal_details_recorded_and_pulled_leave_collection_and_disclosure_entries() {
    let h = Harness::start();
    let pcso = h.enrol(&h.pcso);
    let sup = h.enrol(&h.supervisor);
    let id = new_id();
    let ops = vec![
        pcso.op(RecordKind::Contact, &id, contact(&id, h.pcso.id)),
        pcso.op(
            RecordKind::ContactPersonal,
            &id,
            json!({"details": {"name": "Quentin Zephyrine", "phone": null, "email": null, "address": null}, "ethnicity": "W1"}),
        ),
    ];
    assert_eq!(statuses(&h.push(&pcso, &ops)), ["accepted", "accepted"]);
    let _ = h.pull_all(&sup);

    let log = h.storage().audit_log(50).expect("log");
    let about = |action: AuditAction| -> Vec<&ServerAudit> {
        log.iter()
            .filter(|e| e.action == action && e.record_id.as_deref() == Some(id.as_str()))
            .collect()
    };
    let collected = about(AuditAction::Collection);
    assert_eq!(collected.len(), 1, "{log:?}");
    assert_eq!(collected[0].subject, "contact_personal");
    assert_eq!(collected[0].user_id, Some(h.pcso.id));
    assert_eq!(collected[0].device_id, Some(pcso.id));
    assert_eq!(collected[0].role, "pcso");
    let disclosed: Vec<_> = about(AuditAction::Disclosure)
        .into_iter()
        .filter(|e| e.user_id == Some(h.supervisor.id))
        .collect();
    assert_eq!(disclosed.len(), 1, "{log:?}");
    assert_eq!(disclosed[0].device_id, Some(sup.id));
    assert_eq!(
        disclosed[0].recipient.as_deref(),
        Some(format!("device:{}", sup.id).as_str())
    );
    // Metadata only.
    let text = format!("{log:?}");
    assert!(
        !text.contains("Zephyrine") && !text.contains("W1"),
        "{text}"
    );
    let verified = beatbook_server::storage::audit_chain::verify(h.storage(), None)
        .expect("read")
        .expect("intact");
    assert_eq!(verified.entries as usize, log.len());
}

#[test]
fn personal_data_without_consent_is_refused_per_op() {
    let h = Harness::start();
    let pcso = h.enrol(&h.pcso);
    let (no_consent, vulnerable, fine) = (new_id(), new_id(), new_id());
    let mut refused_contact = contact(&no_consent, h.pcso.id);
    refused_contact["consent_to_recontact"] = json!(false);
    let mut vulnerable_contact = contact(&vulnerable, h.pcso.id);
    vulnerable_contact["consent_to_recontact"] = json!(false);
    vulnerable_contact["vulnerable"] = json!(true);
    let ops = vec![
        pcso.op(RecordKind::Contact, &no_consent, refused_contact),
        pcso.op(
            RecordKind::ContactPersonal,
            &no_consent,
            json!({"details": {"name": "Ada Example", "phone": null, "email": null, "address": null}, "ethnicity": null}),
        ),
        pcso.op(
            RecordKind::ContactPersonal,
            &no_consent,
            json!({"details": null, "ethnicity": "A4"}),
        ),
        pcso.op(RecordKind::Contact, &vulnerable, vulnerable_contact),
        pcso.op(RecordKind::Contact, &fine, contact(&fine, h.pcso.id)),
        pcso.op(
            RecordKind::ContactPersonal,
            &fine,
            json!({"details": null, "ethnicity": "A4"}),
        ),
    ];
    let response = h.push(&pcso, &ops);
    assert_eq!(
        statuses(&response),
        [
            "accepted",
            "personal_data_forbidden",
            "personal_data_forbidden",
            "personal_data_forbidden",
            "accepted",
            "accepted"
        ]
    );
    for (result, field) in
        response.results[1..4]
            .iter()
            .zip(["personal", "ethnicity", "vulnerable"])
    {
        let OpStatus::Rejected { message, .. } = &result.status else {
            panic!("refused")
        };
        assert!(
            message.contains(field) && message.contains("consent"),
            "{message}"
        );
        assert!(
            !message.contains("Ada") && !message.contains("A4"),
            "{message}"
        );
    }
    // Consent cannot be withdrawn under details still held.
    let mut withdraw = pcso.op(RecordKind::Contact, &fine, json!({}));
    withdraw.fields.insert(
        "consent_to_recontact".into(),
        beatbook_core::sync::protocol::FieldChange {
            value: json!(false),
            base: Some(ops[4].hlc),
        },
    );
    assert_eq!(
        statuses(&h.push(&pcso, &[withdraw])),
        ["personal_data_forbidden"]
    );
}

fn admin(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let out = crate::common::server_command()
        .args(["admin", "--data"])
        .arg(dir)
        .arg("audit")
        .args(args)
        .output()
        .expect("the admin command runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn admin_audit_verifies_names_an_edited_entry_and_logs_its_own_export() {
    let dir = crate::common::private_tempdir();
    {
        let storage = SqliteStorage::open(dir.path(), &crate::common::store_key()).expect("open");
        let entries: Vec<_> = (1..=4)
            .map(|i| ServerAudit {
                record_id: Some(format!("c{i}")),
                ..ServerAudit::new(i, AuditAction::Consultation, "contact_personal")
            })
            .collect();
        storage.append_audits(&entries).expect("append");
    }
    let (ok, out, err) = admin(dir.path(), &["verify"]);
    assert!(ok, "{err}");
    assert!(out.contains("intact: 4 entries"), "{out}");
    let (ok, head, err) = admin(dir.path(), &["head"]);
    assert!(ok, "{err}");
    assert!(
        head.starts_with("4 ") && head.trim().len() == 2 + 64,
        "{head}"
    );

    let (ok, listed, err) = admin(dir.path(), &["--record", "c2"]);
    assert!(ok, "{err}");
    assert_eq!(listed.lines().count(), 1, "{listed}");
    assert!(
        listed.contains("consultation") && listed.contains("c2"),
        "{listed}"
    );

    let file = dir.path().join("export.jsonl");
    let (ok, _, err) = admin(
        dir.path(),
        &[
            "export",
            "--out",
            file.to_str().expect("path"),
            "--recipient",
            "DPO, Example Constabulary",
            "--justification",
            "Annual audit of the s.62 log",
        ],
    );
    assert!(ok, "{err}");
    let exported = std::fs::read_to_string(&file).expect("export");
    assert_eq!(exported.lines().count(), 4);
    let storage = SqliteStorage::open(dir.path(), &crate::common::store_key()).expect("open");
    let newest = storage.audit_log(1).expect("log").remove(0);
    assert_eq!(
        (newest.action, newest.subject.as_str()),
        (AuditAction::Disclosure, "audit_log")
    );
    assert_eq!(
        newest.recipient.as_deref(),
        Some("DPO, Example Constabulary")
    );
    drop(storage);

    // Edited in the file, triggers dropped first.
    let conn = beatbook_server::storage::sqlite::keyed::open(
        &dir.path().join(beatbook_server::storage::sqlite::DB_FILE),
        &crate::common::store_key(),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE,
    )
    .expect("file");
    conn.execute_batch(
        "DROP TRIGGER audit_entries_no_update;
         INSERT OR IGNORE INTO audit_actors (user_id, role, device_id) VALUES (NULL, 'admin', NULL);
         UPDATE audit_entries SET justification = 'nothing',
           actor = (SELECT id FROM audit_actors
                    WHERE user_id IS NULL AND role = 'admin' AND device_id IS NULL)
         WHERE seq = 2;",
    )
    .expect("edited");
    drop(conn);
    let (ok, _, err) = admin(dir.path(), &["verify"]);
    assert!(!ok);
    assert!(err.contains("entry 2 was edited"), "{err}");
    let (ok, _, err) = admin(dir.path(), &["verify", "--head", head.trim()]);
    assert!(!ok && err.contains("entry 2"), "{err}");
}

#[test]
fn subject_access_finds_every_record_naming_the_person_and_logs_search_and_export() {
    use beatbook_server::subject_access_cli::{run, SubjectAccessArgs};
    use std::os::unix::fs::PermissionsExt;
    let h = Harness::start();
    let pcso = h.enrol(&h.pcso);
    let (contact_id, named_note, other_note) = (new_id(), new_id(), new_id());
    let ops = vec![
        pcso.op(RecordKind::Contact, &contact_id, contact(&contact_id, h.pcso.id)),
        pcso.op(
            RecordKind::ContactPersonal,
            &contact_id,
            json!({"details": {"name": "Quentin Zephyrine", "phone": "07700 900123", "email": null, "address": null}, "ethnicity": null}),
        ),
        pcso.op(
            RecordKind::Note,
            &named_note,
            crate::common::note(&named_note, h.pcso.id, "Spoke to quentin  ZEPHYRINE about the lane"),
        ),
        pcso.op(
            RecordKind::Note,
            &other_note,
            crate::common::note(&other_note, h.pcso.id, "Street light out"),
        ),
    ];
    assert_eq!(
        statuses(&h.push(&pcso, &ops)),
        ["accepted", "accepted", "accepted", "accepted"]
    );
    let dir = crate::common::private_tempdir();
    let out = dir.path().join("sar.json");
    let args = SubjectAccessArgs {
        name: Some("Zephyrine quentin".into()),
        phone: Some("07700900123".into()),
        email: None,
        address: None,
        words: vec![],
        justification: "SAR 2026/041".into(),
        recipient: "Data subject, via the DPO".into(),
        out: out.clone(),
        csv: false,
    };
    run(h.storage(), args.clone()).expect("subject access runs");

    let text = std::fs::read_to_string(&out).expect("written");
    let found: serde_json::Value = serde_json::from_str(&text).expect("json");
    let mut ids: Vec<&str> = found
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|f| f["record_id"].as_str())
        .collect();
    ids.sort_unstable();
    let mut expected = vec![contact_id.as_str(), named_note.as_str()];
    expected.sort_unstable();
    assert_eq!(
        ids, expected,
        "the personal record and the note naming them, nothing else"
    );
    let mode = std::fs::metadata(&out).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    let log = h.storage().audit_log(50).expect("log");
    let searched: Vec<_> = log
        .iter()
        .filter(|e| e.subject == "subject_access" && e.action == AuditAction::Consultation)
        .collect();
    assert_eq!(searched.len(), 1, "{log:?}");
    assert_eq!(searched[0].justification.as_deref(), Some("SAR 2026/041"));
    let disclosed: Vec<&str> = log
        .iter()
        .filter(|e| {
            e.action == AuditAction::Disclosure
                && e.recipient.as_deref() == Some("Data subject, via the DPO")
        })
        .filter_map(|e| e.record_id.as_deref())
        .collect();
    assert_eq!(disclosed.len(), 2, "{log:?}");
    // The log never holds the search terms.
    let logged = format!("{log:?}");
    assert!(
        !logged.contains("Zephyrine") && !logged.contains("07700"),
        "{logged}"
    );
    // An existing file is never overwritten, and then nothing is searched or logged.
    assert!(run(h.storage(), args).is_err());
    assert_eq!(h.storage().audit_log(50).expect("log").len(), log.len());
}
