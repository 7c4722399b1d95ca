//! Correcting contacts, follow-ups and notes: the reason, who may, time sense, nothing
//! half-written, the audit trail, the promise corrected in both places, and an amending note
//! superseding the original in lists while the original stays readable.

use crate::common;

use beatbook_core::model::*;
use beatbook_core::store::AuditAction;
use beatbook_core::validation::Rule;
use beatbook_core::Error;
use chrono::Duration;
use common::Fixture;

fn here() -> GeoPoint {
    GeoPoint::new(52.41, -1.5)
}

fn promise(f: &Fixture, actor: &Actor, text: &str) -> (Contact, FollowUp) {
    let mut c = common::plain_contact(f.now() - Duration::hours(1), here());
    c.promised = Some(text.into());
    let recorded = f.store.record_contact(actor, c).expect("contact");
    (
        recorded.contact,
        recorded.follow_up.expect("a promise makes a follow-up"),
    )
}

#[test]
fn a_contact_is_corrected_with_its_reason_and_its_promise_in_both_places() {
    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "Sam");
    let (contact, follow_up) = promise(&f, &pcso, "Ring about the lighting");
    let outbox = f.count("outbox");
    let when = f.now() - Duration::hours(3);
    let amended = f
        .store
        .amend_contact(
            &pcso,
            contact.id,
            ContactAmendment {
                occurred_at: Some(when),
                method: Some(ContactMethod::Phone),
                people_count: Some(3),
                promised: Some("Ring about the street lighting on Elm Row".into()),
                ..ContactAmendment::default()
            },
            "It was a phone call, earlier",
        )
        .expect("amend");
    assert_eq!(f.store.contact(contact.id).expect("read"), amended);
    assert_eq!(
        (amended.occurred_at, amended.method, amended.people_count),
        (when, ContactMethod::Phone, 3)
    );
    assert_eq!(
        amended.correction_reason.as_deref(),
        Some("It was a phone call, earlier")
    );
    let follow_up = f.store.follow_up(follow_up.id).expect("follow-up");
    assert_eq!(
        follow_up.promise,
        "Ring about the street lighting on Elm Row"
    );
    // Both records changed: an op each, ready to sync.
    assert_eq!(f.count("outbox"), outbox + 2);
    let entries = f
        .store
        .audit_entries(Some(&contact.id.to_string()))
        .expect("audit");
    let entry = entries.last().expect("entry");
    assert_eq!(entry.action, AuditAction::Alteration);
    assert_eq!(
        entry.detail.as_deref(),
        Some("corrected: occurred_at, method, people_count, promised")
    );
    assert_eq!(
        entry.justification.as_deref(),
        Some("It was a phone call, earlier")
    );
}

#[test]
fn refused_contact_corrections_write_nothing() {
    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "Sam");
    let other = f.actor(Role::Pcso, "Alex");
    let (contact, _) = promise(&f, &pcso, "Ring back");
    let plain = f
        .store
        .record_contact(&pcso, common::plain_contact(f.now(), here()))
        .expect("plain")
        .contact;
    let before = (f.count("contacts"), f.count("audit_log"), f.count("outbox"));
    let amend = |actor: &Actor, id, amendment: ContactAmendment, reason: &str| {
        f.store
            .amend_contact(actor, id, amendment, reason)
            .expect_err("refused")
    };
    let count = |n| ContactAmendment {
        people_count: Some(n),
        ..ContactAmendment::default()
    };
    assert!(matches!(
        amend(&other, contact.id, count(2), "Two of them"),
        Error::Denied(_)
    ));
    let err = amend(&pcso, contact.id, count(2), "");
    assert_eq!(err.validation().map(|v| v.field.as_str()), Some("reason"));
    let err = amend(&pcso, contact.id, count(0), "Nobody");
    assert_eq!(
        err.validation().map(|v| v.field.as_str()),
        Some("people_count")
    );
    let err = amend(
        &pcso,
        contact.id,
        ContactAmendment {
            occurred_at: Some(f.now() + Duration::days(1)),
            ..ContactAmendment::default()
        },
        "Tomorrow",
    );
    assert!(matches!(
        err.validation().map(|v| (v.field.as_str(), &v.rule)),
        Some(("occurred_at", Rule::TimeNotAllowed { .. }))
    ));
    let err = amend(
        &pcso,
        plain.id,
        ContactAmendment {
            promised: Some("A new promise".into()),
            ..ContactAmendment::default()
        },
        "Forgot the promise",
    );
    assert_eq!(err.validation().map(|v| v.field.as_str()), Some("promised"));
    assert_eq!(
        (f.count("contacts"), f.count("audit_log"), f.count("outbox")),
        before
    );
    assert_eq!(f.store.contact(contact.id).expect("read").people_count, 1);
}

#[test]
fn a_follow_up_is_corrected_by_its_owner_and_given_away_only_by_a_supervisor() {
    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "Sam");
    let beat = f.actor(Role::Officer, "PC Jones");
    let sergeant = f.actor(Role::Supervisor, "Sgt Patel");
    let (contact, follow_up) = promise(&f, &pcso, "Visit about the sheds");
    let due = f.now() + Duration::days(5);
    let amended = f
        .store
        .amend_follow_up(
            &pcso,
            follow_up.id,
            FollowUpAmendment {
                due_at: Some(due),
                promise: Some("Visit about the sheds with crime prevention".into()),
                owner: None,
            },
            "Agreed a later visit",
        )
        .expect("the owner corrects it");
    assert_eq!(amended.due_at, due);
    assert_eq!(
        f.store
            .contact(contact.id)
            .expect("contact")
            .promised
            .as_deref(),
        Some("Visit about the sheds with crime prevention")
    );
    let before = (f.count("audit_log"), f.count("outbox"));
    let give = FollowUpAmendment {
        owner: Some(beat.user_id),
        ..FollowUpAmendment::default()
    };
    assert!(matches!(
        f.store
            .amend_follow_up(&pcso, follow_up.id, give.clone(), "PC Jones knows them"),
        Err(Error::Denied(_))
    ));
    let too_far = f
        .store
        .amend_follow_up(
            &pcso,
            follow_up.id,
            FollowUpAmendment {
                due_at: Some(f.now() + Duration::days(400)),
                ..FollowUpAmendment::default()
            },
            "Next year",
        )
        .expect_err("due within a year");
    assert!(matches!(
        too_far.validation().map(|v| (v.field.as_str(), &v.rule)),
        Some(("due_at", Rule::TimeNotAllowed { .. }))
    ));
    assert_eq!((f.count("audit_log"), f.count("outbox")), before);
    let given = f
        .store
        .amend_follow_up(&sergeant, follow_up.id, give, "PC Jones knows them")
        .expect("a supervisor may");
    assert_eq!(given.owner, Some(beat.user_id));
    assert_eq!(
        given.correction_reason.as_deref(),
        Some("PC Jones knows them")
    );
    f.store
        .answer_follow_up(&beat, follow_up.id, "Visited", f.now())
        .expect("answer");
    let closed = f
        .store
        .amend_follow_up(
            &beat,
            follow_up.id,
            FollowUpAmendment {
                promise: Some("x".into()),
                ..FollowUpAmendment::default()
            },
            "late",
        )
        .expect_err("closed");
    assert_eq!(
        closed.validation().map(|v| v.field.as_str()),
        Some("status")
    );
}

#[test]
fn an_amending_note_supersedes_the_original_in_lists_and_the_original_stays_readable() {
    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "Sam");
    let other = f.actor(Role::Pcso, "Alex");
    let patrol = f
        .store
        .start_patrol(
            &pcso,
            NewPatrol {
                kind: PatrolKind::Foot,
                area: AreaRef::Lap("LAP-N".into()),
                purpose: "Reassurance".into(),
                operation_name: None,
                participants: vec![],
                started_at: f.now() - Duration::hours(1),
            },
        )
        .expect("patrol");
    let original = f
        .store
        .add_note(
            &pcso,
            NewNote {
                observed_at: f.now() - Duration::minutes(30),
                text: "Gate open at no. 12".into(),
                category: NoteCategory::Observation,
                place: None,
                patrol_id: Some(patrol.id),
                problem_id: None,
            },
        )
        .expect("note");
    let before = (f.count("notes"), f.count("audit_log"));
    let refuse = |actor: &Actor, text: &str, reason: &str| {
        f.store
            .amend_note(
                actor,
                original.id,
                NoteAmendment {
                    text: text.into(),
                    observed_at: None,
                },
                reason,
            )
            .expect_err("refused")
    };
    assert!(matches!(
        refuse(&other, "Gate open at no. 14", "Wrong house"),
        Error::Denied(_)
    ));
    let err = refuse(&pcso, "Gate open at no. 14", " ");
    assert_eq!(err.validation().map(|v| v.field.as_str()), Some("reason"));
    let err = refuse(&pcso, "", "Wrong house");
    assert_eq!(err.validation().map(|v| v.field.as_str()), Some("text"));
    assert_eq!((f.count("notes"), f.count("audit_log")), before);

    let amending = f
        .store
        .amend_note(
            &pcso,
            original.id,
            NoteAmendment {
                text: "Gate open at no. 14".into(),
                observed_at: None,
            },
            "Wrong house number",
        )
        .expect("amend");
    assert_eq!(amending.amends, Some(original.id));
    assert_eq!(
        (amending.patrol_id, amending.observed_at, amending.category),
        (original.patrol_id, original.observed_at, original.category)
    );
    let listed: Vec<_> = f
        .store
        .patrol_notes(patrol.id)
        .expect("list")
        .into_iter()
        .map(|n| n.text)
        .collect();
    assert_eq!(listed, vec!["Gate open at no. 14".to_owned()]);
    // Search finds the newest note too, not the text it corrected.
    let found: Vec<_> = f
        .store
        .search("gate open", 10)
        .expect("search")
        .into_iter()
        .map(|hit| hit.record_id)
        .collect();
    assert_eq!(found, vec![amending.id.to_string()]);
    let mine = f
        .store
        .notes_by(pcso.user_id, f.now() - Duration::days(1), f.now())
        .expect("mine");
    assert_eq!(
        mine.iter().map(|n| n.id).collect::<Vec<_>>(),
        vec![amending.id]
    );
    // The original stays readable, and the chain tells the story.
    assert_eq!(f.store.note(original.id).expect("original"), original);
    assert_eq!(
        f.store.note_amended_by(original.id).expect("by"),
        Some(amending.id)
    );
    let history: Vec<_> = f
        .store
        .note_history(amending.id)
        .expect("history")
        .into_iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(history, vec![original.id, amending.id]);
    // Only the newest note of a chain is amended.
    let err = refuse(&pcso, "Gate open at no. 16", "Again");
    assert!(matches!(
        err.validation().map(|v| &v.rule),
        Some(Rule::InvalidState { .. })
    ));
    let entry = f
        .store
        .audit_entries(Some(&original.id.to_string()))
        .expect("audit")
        .pop()
        .expect("entry");
    assert_eq!(entry.action, AuditAction::Alteration);
    assert_eq!(entry.justification.as_deref(), Some("Wrong house number"));
    assert_eq!(
        entry.detail,
        Some(format!("corrected by note {}", amending.id))
    );
}
