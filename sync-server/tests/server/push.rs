//! Pushing ops: acceptance, duplicates, per-op rejections, clocks, roles, conflicts, erasure.

use crate::common::{contact, new_id, note, patrol, statuses, Harness};
use beatbook_core::sync::protocol::{Erasure, FieldChange, OpStatus, RecordKind};
use beatbook_core::sync::Hlc;
use serde_json::json;

#[test]
fn an_accepted_push_reaches_pull_and_a_repeat_changes_nothing() {
    let h = Harness::start();
    let device = h.enrol(&h.pcso);
    let id = new_id();
    let ops = vec![device.op(
        RecordKind::Note,
        &id,
        note(&id, h.pcso.id, "Gate left open"),
    )];
    assert_eq!(statuses(&h.push(&device, &ops)), ["accepted"]);
    let head = h.storage().feed_head().expect("head");

    assert_eq!(statuses(&h.push(&device, &ops)), ["duplicate"]);
    assert_eq!(
        h.storage().feed_head().expect("head"),
        head,
        "a duplicate moved the feed"
    );

    let (_, changes) = h.pull_all(&device);
    let notes: Vec<_> = changes.iter().filter(|c| c.record_id == id).collect();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].fields["text"].value, json!("Gate left open"));
    assert_eq!(notes[0].fields["text"].hlc, ops[0].hlc);
}

#[test]
fn one_bad_op_does_not_block_the_others() {
    let h = Harness::start();
    let device = h.enrol(&h.pcso);
    let good = new_id();
    let mut wrong_author = device.op(RecordKind::Note, &new_id(), json!({}));
    wrong_author.author = h.officer.id;
    let bad_id = new_id();
    let mut invalid = note(&bad_id, h.pcso.id, "x");
    invalid["category"] = json!("not-a-category");
    let invalid = device.op(RecordKind::Note, &bad_id, invalid);
    let mut unknown_kind =
        serde_json::to_value(device.op(RecordKind::Note, &new_id(), json!({}))).expect("op json");
    unknown_kind["kind"] = json!("spaceship");
    let ops = json!({"protocol": 1, "ops": [
        wrong_author,
        invalid,
        unknown_kind,
        device.op(RecordKind::Note, &good, note(&good, h.pcso.id, "Lights out on Elm Row")),
    ]});
    let (status, text) = h.post_json("/v1/sync/push", Some(&device.token), &ops);
    assert_eq!(status, reqwest::StatusCode::OK, "{text}");
    let response: beatbook_core::sync::protocol::PushResponse =
        serde_json::from_str(&text).expect("PushResponse");
    assert_eq!(
        statuses(&response),
        [
            "author_mismatch",
            "invalid_record",
            "unknown_kind",
            "accepted"
        ]
    );
    if let OpStatus::Rejected { message, .. } = &response.results[1].status {
        assert!(message.contains("category"), "{message}");
        assert!(
            !message.contains("not-a-category"),
            "values must not be echoed: {message}"
        );
    }
    let (_, changes) = h.pull_all(&device);
    assert!(changes.iter().any(|c| c.record_id == good));
    assert!(!changes.iter().any(|c| c.record_id == bad_id));
}

#[test]
fn the_compact_answer_names_only_the_ops_not_accepted_and_expands_to_the_full_one() {
    use beatbook_core::sync::compact_push::{CompactPushResponse, EitherPushResponse};
    let h = Harness::start();
    let device = h.enrol(&h.pcso);
    let ids: Vec<String> = (0..4).map(|_| new_id()).collect();
    let mut ops: Vec<_> = ids
        .iter()
        .map(|id| device.op(RecordKind::Note, id, note(id, h.pcso.id, "Bins out early")))
        .collect();
    ops[2].author = h.officer.id;
    // The first op again: a duplicate within the same push.
    ops.push(ops[0].clone());
    let body = json!({"protocol": 1, "ops": ops});
    let (status, text) = h.post_json("/v1/sync/push?answer=compact", Some(&device.token), &body);
    assert_eq!(status, reqwest::StatusCode::OK, "{text}");
    let compact: CompactPushResponse = serde_json::from_str(&text).expect("compact answer");
    assert_eq!(compact.answered, 5);
    let named: Vec<u32> = compact.exceptions.iter().map(|e| e.index).collect();
    assert_eq!(named, [2, 4], "{text}");
    assert!(
        !text.contains(&ops[1].op_id.to_string()),
        "no accepted op's id: {text}"
    );
    let sent: Vec<_> = ops.iter().map(|op| op.op_id).collect();
    let full = EitherPushResponse::Compact(compact)
        .into_full(&sent)
        .expect("fits the request");
    assert_eq!(
        statuses(&full),
        [
            "accepted",
            "accepted",
            "author_mismatch",
            "accepted",
            "duplicate"
        ]
    );

    let (status, text) = h.post_json(
        "/v1/sync/push?answer=everything",
        Some(&device.token),
        &body,
    );
    assert_eq!(status, reqwest::StatusCode::BAD_REQUEST, "{text}");
    assert!(text.contains("answer must be compact"), "{text}");
}

#[test]
fn an_op_from_a_fast_clock_is_refused_with_the_server_time() {
    let h = Harness::start();
    let device = h.enrol(&h.pcso);
    let id = new_id();
    let mut op = device.op(
        RecordKind::Note,
        &id,
        note(&id, h.pcso.id, "From the future"),
    );
    op.hlc = Hlc::new(op.hlc.wall_ms + 10 * 60 * 1000, device.id);
    let response = h.push(&device, &[op]);
    match &response.results[0].status {
        OpStatus::Rejected { code, message } => {
            assert_eq!(code.as_str(), "clock_ahead");
            assert!(message.contains("server time"), "{message}");
        }
        other => panic!("expected clock_ahead, got {other:?}"),
    }
    // Within the allowed skew is fine.
    let mut op = device.op(RecordKind::Note, &id, note(&id, h.pcso.id, "Slightly fast"));
    op.hlc = Hlc::new(op.hlc.wall_ms + 60 * 1000, device.id);
    assert_eq!(statuses(&h.push(&device, &[op])), ["accepted"]);
}

#[test]
fn roles_limit_what_may_be_pushed() {
    let h = Harness::start();
    let volunteer = h.enrol(&h.volunteer);
    let id = new_id();
    let ops = vec![
        volunteer.op(
            RecordKind::ContactPersonal,
            &id,
            json!({"details": {"name": "Ada Example", "phone": null, "email": null, "address": null}, "ethnicity": null}),
        ),
        volunteer.op(RecordKind::User, &new_id(), json!({"display_name": "Me"})),
        volunteer.op(RecordKind::FollowUp, &new_id(), json!({"promise": "x"})),
    ];
    assert_eq!(
        statuses(&h.push(&volunteer, &ops)),
        ["personal_data_forbidden", "forbidden", "forbidden"]
    );
    // A volunteer's patrol must be a CiP targeted one, recorded by them.
    let foot = new_id();
    let cip = new_id();
    let someone_elses = new_id();
    let ops = vec![
        volunteer.op(
            RecordKind::Patrol,
            &foot,
            patrol(&foot, h.volunteer.id, &[], "foot"),
        ),
        volunteer.op(
            RecordKind::Patrol,
            &cip,
            patrol(&cip, h.volunteer.id, &[], "cip_targeted"),
        ),
        volunteer.op(
            RecordKind::Patrol,
            &someone_elses,
            patrol(&someone_elses, h.pcso.id, &[], "cip_targeted"),
        ),
    ];
    assert_eq!(
        statuses(&h.push(&volunteer, &ops)),
        ["forbidden", "accepted", "forbidden"]
    );
}

#[test]
fn records_of_another_team_cannot_be_changed() {
    let h = Harness::start();
    let pcso = h.enrol(&h.pcso);
    let outsider = h.enrol(&h.outsider);
    let id = new_id();
    let create = pcso.op(RecordKind::Contact, &id, contact(&id, h.pcso.id));
    assert_eq!(statuses(&h.push(&pcso, &[create])), ["accepted"]);
    let edit = outsider.op(RecordKind::Contact, &id, json!({"people_count": 3}));
    assert_eq!(statuses(&h.push(&outsider, &[edit])), ["forbidden"]);
    let (raw, _) = h.pull_all(&outsider);
    assert!(!raw.contains(&id), "another team's record was sent");
}

#[test]
fn concurrent_edits_of_one_field_keep_the_loser_in_a_conflict_record() {
    let h = Harness::start();
    let recorder = h.enrol(&h.pcso);
    let partner = h.enrol(&h.pcso2);
    let id = new_id();
    let create = recorder.op(
        RecordKind::Patrol,
        &id,
        patrol(&id, h.pcso.id, &[h.pcso2.id], "foot"),
    );
    let base = create.hlc;
    assert_eq!(statuses(&h.push(&recorder, &[create])), ["accepted"]);

    // Both edit `purpose` having seen only the original value.
    let mut first = recorder.op(RecordKind::Patrol, &id, json!({}));
    first.fields.insert(
        "purpose".into(),
        FieldChange {
            value: json!("Recorder's purpose"),
            base: Some(base),
        },
    );
    let mut second = partner.op(RecordKind::Patrol, &id, json!({}));
    second.fields.insert(
        "purpose".into(),
        FieldChange {
            value: json!("Partner's purpose"),
            base: Some(base),
        },
    );
    let (winner, loser) = if first.hlc > second.hlc {
        ("Recorder's purpose", "Partner's purpose")
    } else {
        ("Partner's purpose", "Recorder's purpose")
    };
    assert_eq!(statuses(&h.push(&recorder, &[first])), ["accepted"]);
    assert_eq!(statuses(&h.push(&partner, &[second])), ["accepted"]);

    let (_, changes) = h.pull_all(&recorder);
    let record = changes
        .iter()
        .find(|c| c.record_id == id)
        .expect("patrol pulled");
    assert_eq!(record.fields["purpose"].value, json!(winner));
    let conflicts: Vec<_> = changes
        .iter()
        .filter(|c| c.kind == RecordKind::Conflict)
        .collect();
    assert_eq!(conflicts.len(), 1, "one conflict expected");
    let c = &conflicts[0].fields;
    assert_eq!(c["record_id"].value, json!(id));
    assert_eq!(c["field"].value, json!("purpose"));
    assert_eq!(c["winner_value"].value, json!(winner));
    assert_eq!(c["loser_value"].value, json!(loser));

    // A sequential edit (the author had seen the current value) makes no conflict.
    let mut seen = recorder.op(RecordKind::Patrol, &id, json!({}));
    seen.fields.insert(
        "purpose".into(),
        FieldChange {
            value: json!("Agreed purpose"),
            base: Some(record.fields["purpose"].hlc),
        },
    );
    assert_eq!(statuses(&h.push(&recorder, &[seen])), ["accepted"]);
    let (_, changes) = h.pull_all(&recorder);
    assert_eq!(
        changes
            .iter()
            .filter(|c| c.kind == RecordKind::Conflict)
            .count(),
        1
    );
}

#[test]
fn an_erasure_wins_over_a_later_edit_and_leaves_no_values() {
    let h = Harness::start();
    let pcso = h.enrol(&h.pcso);
    let supervisor = h.enrol(&h.supervisor);
    let id = new_id();
    let personal = json!({"details": {"name": "Zebedee Quux", "phone": "07700 900123", "email": null, "address": null}, "ethnicity": null});
    let ops = vec![
        pcso.op(RecordKind::Contact, &id, contact(&id, h.pcso.id)),
        pcso.op(RecordKind::ContactPersonal, &id, personal),
    ];
    assert_eq!(statuses(&h.push(&pcso, &ops)), ["accepted", "accepted"]);

    // Only a supervisor may erase.
    let mut by_pcso = pcso.op(RecordKind::ContactPersonal, &id, json!({}));
    by_pcso.erase = Some(Erasure {
        reason: "retention".into(),
    });
    assert_eq!(statuses(&h.push(&pcso, &[by_pcso])), ["forbidden"]);

    let mut erase = supervisor.op(RecordKind::ContactPersonal, &id, json!({}));
    erase.erase = Some(Erasure {
        reason: "subject asked".into(),
    });
    assert_eq!(statuses(&h.push(&supervisor, &[erase])), ["accepted"]);

    // A later edit (newer clock) from the device that had not heard yet.
    let late = pcso.op(
        RecordKind::ContactPersonal,
        &id,
        json!({"details": {"name": "Zebedee Quux", "phone": "07700 900999", "email": null, "address": null}}),
    );
    assert_eq!(statuses(&h.push(&pcso, &[late])), ["record_erased"]);

    let (raw, changes) = h.pull_all(&supervisor);
    let tomb = changes
        .iter()
        .find(|c| c.kind == RecordKind::ContactPersonal && c.record_id == id)
        .expect("tombstone pulled");
    assert!(tomb.erased && tomb.fields.is_empty());
    assert!(!raw.contains("Zebedee"), "an erased value was sent");
    let db = std::fs::read(h.dir.path().join(beatbook_server::storage::sqlite::DB_FILE))
        .expect("db file");
    let text = String::from_utf8_lossy(&db);
    assert!(
        !text.contains("Zebedee"),
        "an erased value survives in the database file"
    );
}
