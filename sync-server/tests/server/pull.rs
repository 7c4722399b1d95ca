//! Pulling: paging with cursors, and what each role receives.

use crate::common::{contact, new_id, note, patrol, statuses, Harness};
use beatbook_core::sync::compact_wire::EitherPullResponse;
use beatbook_core::sync::protocol::{FieldChange, PullResponse, RecordKind};
use serde_json::json;
use std::collections::BTreeSet;

#[test]
fn paging_with_cursors_returns_each_record_once_in_seq_order() {
    let h = Harness::start();
    let device = h.enrol(&h.pcso);
    let ids: Vec<String> = (0..23).map(|_| new_id()).collect();
    let ops: Vec<_> = ids
        .iter()
        .map(|id| device.op(RecordKind::Note, id, note(id, h.pcso.id, "Paging note")))
        .collect();
    assert!(statuses(&h.push(&device, &ops))
        .iter()
        .all(|s| s == "accepted"));

    let (mut cursor, mut seen, mut seqs, mut pages) = (0, Vec::new(), Vec::new(), 0);
    loop {
        let page = h.pull(&device, cursor, 7);
        pages += 1;
        assert!(page.changes.len() <= 7);
        for change in &page.changes {
            seqs.push(change.seq);
            seen.push((change.kind, change.record_id.clone()));
        }
        assert!(page.next_cursor >= cursor);
        cursor = page.next_cursor;
        if !page.has_more {
            break;
        }
        assert!(pages < 50, "paging never ended");
    }
    assert!(pages >= 4, "23+ records in pages of 7 took {pages} pages");
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "not in seq order: {seqs:?}"
    );
    let unique: BTreeSet<_> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "a record came twice");
    for id in &ids {
        assert!(unique.contains(&(RecordKind::Note, id.clone())));
    }
    // Reference data comes too: the team and its users.
    assert!(unique.contains(&(RecordKind::Team, h.team.id.to_string())));
    assert!(unique.contains(&(RecordKind::User, h.pcso.id.to_string())));

    // Nothing new: an empty page that keeps the cursor.
    let page = h.pull(&device, cursor, 7);
    assert!(page.changes.is_empty() && !page.has_more);
    assert_eq!(page.next_cursor, cursor);

    // An edit moves the record past the cursor: it comes once more, with the new value.
    let mut edit = device.op(RecordKind::Note, &ids[0], json!({}));
    edit.fields.insert(
        "text".into(),
        FieldChange {
            value: json!("ignored: notes are written once"),
            base: None,
        },
    );
    assert_eq!(statuses(&h.push(&device, &[edit])), ["accepted"]);
    assert_eq!(
        h.pull(&device, cursor, 7).changes.len(),
        0,
        "an append-only note changed"
    );
}

#[test]
fn a_volunteer_never_receives_personal_kinds_or_others_patrols() {
    let h = Harness::start();
    let pcso = h.enrol(&h.pcso);
    let volunteer = h.enrol(&h.volunteer);
    let contact_id = new_id();
    let follow_up_id = new_id();
    let their_patrol = new_id();
    let other_patrol = new_id();
    let pcso_note = new_id();
    let ops = vec![
        pcso.op(RecordKind::Contact, &contact_id, contact(&contact_id, h.pcso.id)),
        pcso.op(
            RecordKind::ContactPersonal,
            &contact_id,
            json!({"details": {"name": "Zebedee Quux", "phone": null, "email": "zq@example.org", "address": null}, "ethnicity": "W1"}),
        ),
        pcso.op(
            RecordKind::FollowUp,
            &follow_up_id,
            json!({"id": follow_up_id, "contact_id": contact_id, "promise": "Ring back about the lighting",
                   "owner": h.pcso.id, "created_at": crate::common::now_text(),
                   "due_at": crate::common::now_text(), "status": "open",
                   "answered_at": null, "outcome": null}),
        ),
        pcso.op(
            RecordKind::Patrol,
            &their_patrol,
            patrol(&their_patrol, h.pcso.id, &[h.volunteer.id], "cip_targeted"),
        ),
        pcso.op(RecordKind::Patrol, &other_patrol, patrol(&other_patrol, h.pcso.id, &[], "foot")),
        pcso.op(RecordKind::Note, &pcso_note, note(&pcso_note, h.pcso.id, "Officer's note")),
    ];
    assert!(statuses(&h.push(&pcso, &ops))
        .iter()
        .all(|s| s == "accepted"));
    let own_note = new_id();
    let op = volunteer.op(
        RecordKind::Note,
        &own_note,
        note(&own_note, h.volunteer.id, "Volunteer's note"),
    );
    assert_eq!(statuses(&h.push(&volunteer, &[op])), ["accepted"]);

    // The officer's pull holds all of it (so the checks below could fail).
    let (officer_raw, _) = h.pull_all(&pcso);
    for needle in [
        "Zebedee",
        "contact_personal",
        "\"follow_up\"",
        "Ring back",
        &other_patrol,
    ] {
        assert!(officer_raw.contains(needle), "officer pull lacks {needle}");
    }

    let (raw, changes) = h.pull_all(&volunteer);
    for needle in [
        "Zebedee",
        "zq@example.org",
        "contact_personal",
        "\"contact\"",
        "\"follow_up\"",
        "Ring back",
        &contact_id,
        &other_patrol,
        &pcso_note,
    ] {
        assert!(!raw.contains(needle), "a volunteer received {needle}");
    }
    let ids: BTreeSet<_> = changes.iter().map(|c| c.record_id.clone()).collect();
    assert!(
        ids.contains(&their_patrol),
        "the volunteer's own patrol is missing"
    );
    assert!(
        ids.contains(&own_note),
        "the volunteer's own note is missing"
    );
    assert!(
        ids.contains(&h.volunteer.id.to_string()),
        "reference data is missing"
    );
}

#[test]
fn bad_pull_parameters_are_bad_requests() {
    let h = Harness::start();
    let device = h.enrol(&h.pcso);
    for query in ["cursor=-1", "cursor=abc", "limit=0"] {
        let (status, text) = h.get(&format!("/v1/sync/pull?{query}"), Some(&device.token));
        assert_eq!(status, reqwest::StatusCode::BAD_REQUEST, "{query}: {text}");
        assert_eq!(crate::common::error_code(&text), "bad_request");
    }
    // Above the maximum is served as the maximum.
    assert_eq!(h.pull_raw(&device, 0, 5000).0, reqwest::StatusCode::OK);
}

#[test]
fn the_compact_form_carries_the_same_records_in_fewer_bytes_and_is_asked_for() {
    let h = Harness::start();
    let device = h.enrol(&h.pcso);
    let ops: Vec<_> = (0..5)
        .map(|_| {
            let id = new_id();
            device.op(RecordKind::Note, &id, note(&id, h.pcso.id, "Compact note"))
        })
        .collect();
    assert!(statuses(&h.push(&device, &ops))
        .iter()
        .all(|s| s == "accepted"));
    let reader = h.enrol(&h.pcso);
    let (status, full) = h.pull_raw(&reader, 0, 100);
    assert_eq!(status, reqwest::StatusCode::OK);
    assert!(
        full.contains("\"fields\""),
        "the full form stays the default"
    );
    let (status, compact) = h.get(
        "/v1/sync/pull?cursor=0&limit=100&form=compact",
        Some(&reader.token),
    );
    assert_eq!(status, reqwest::StatusCode::OK);
    assert!(!compact.contains("\"fields\"") && compact.contains("\"values\""));
    assert!(
        compact.len() * 2 < full.len(),
        "{} vs {} bytes",
        compact.len(),
        full.len()
    );
    let read: EitherPullResponse = serde_json::from_str(&compact).expect("compact page");
    let mut from_compact = PullResponse::try_from(read).expect("valid");
    let from_full: PullResponse = serde_json::from_str(&full).expect("full page");
    from_compact.server_time = from_full.server_time;
    assert_eq!(from_compact, from_full);
    let (status, _) = h.get("/v1/sync/pull?form=tiny", Some(&reader.token));
    assert_eq!(status, reqwest::StatusCode::BAD_REQUEST);
}
