//! Erasure of patrols, problems and follow-ups (issue 12: "Only contacts can be erased;
//! patrols, problems, steps and follow-ups cannot"): supervisors only, with a reason; the
//! record and what hangs off it go, every erasure is queued for the server and logged, and a
//! device receiving a problem's tombstone drops its steps and stage requests with it.

use crate::common;

use beatbook_core::model::*;
use beatbook_core::store::AuditAction;
use beatbook_core::sync::protocol::{Change, FieldState, PullResponse, RecordKind};
use beatbook_core::Error;
use chrono::Duration;
use common::{key, Fixture};

const PURPOSE: &str = "Reassurance after Vexmoor shed burglaries";
const STEP: &str = "Quillbrook Lane sheds checked twice nightly";

fn patrol(f: &Fixture, pcso: &Actor) -> Patrol {
    f.store
        .start_patrol(
            pcso,
            NewPatrol {
                kind: PatrolKind::Foot,
                area: AreaRef::Lap("LAP-NV".into()),
                purpose: PURPOSE.into(),
                operation_name: None,
                participants: vec![],
                started_at: f.now() - Duration::hours(1),
            },
        )
        .expect("patrol")
}

fn problem(f: &Fixture, pcso: &Actor) -> Problem {
    let problem = f
        .store
        .open_problem(
            pcso,
            NewProblem {
                title: "Shed burglaries, Elm Row".into(),
                area: AreaRef::Lap("LAP-NV".into()),
                category: CrimeCategory::Burglary,
                owner: None,
                scanning_summary: "Four sheds broken into since October".into(),
            },
        )
        .expect("problem");
    f.store
        .add_problem_step(pcso, problem.id, STEP)
        .expect("step");
    f.store
        .request_stage_move(pcso, problem.id, SaraStage::Analysis, None)
        .expect("stage request");
    problem
}

fn erased_ops(f: &Fixture, kind: RecordKind) -> usize {
    f.store
        .pending_ops(10_000)
        .expect("ops")
        .iter()
        .filter(|op| op.kind == kind && op.erase.is_some())
        .count()
}

fn erasure_logged(f: &Fixture, kind: &str, id: &str) -> bool {
    f.store
        .audit_entries(Some(id))
        .expect("audit")
        .iter()
        .any(|e| e.action == AuditAction::Erasure && e.record_kind == kind)
}

#[test]
fn a_patrol_is_erased_with_its_track_and_the_notes_made_on_it_stay() {
    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "Sam");
    let sergeant = f.actor(Role::Supervisor, "Kim");
    let patrol = patrol(&f, &pcso);
    let note = f
        .store
        .add_note(
            &pcso,
            NewNote {
                observed_at: f.now() - Duration::minutes(30),
                text: "Gate forced".into(),
                category: NoteCategory::Observation,
                place: None,
                patrol_id: Some(patrol.id),
                problem_id: None,
            },
        )
        .expect("note");
    assert!(matches!(
        f.store.erase_patrol(&pcso, patrol.id, "Recorded in error"),
        Err(Error::Invalid(_))
    ));
    assert!(f.store.erase_patrol(&sergeant, patrol.id, " ").is_err());
    f.store
        .erase_patrol(&sergeant, patrol.id, "Recorded in error")
        .expect("erase");
    assert!(matches!(
        f.store.patrol(patrol.id),
        Err(Error::NotFound { .. })
    ));
    assert!(f.store.note(note.id).is_ok(), "a note made on it stays");
    assert_eq!(erased_ops(&f, RecordKind::Patrol), 1);
    assert!(erasure_logged(&f, "patrol", &patrol.id.to_string()));
    assert!(f.store.search("Vexmoor", 10).expect("search").is_empty());
    assert!(!common::all_text(&f.dir.path().join("beatbook.db"), &key()).contains("Vexmoor"));
    assert!(
        f.store.integrity_check().expect("check").is_empty(),
        "foreign keys are back on and the file is sound"
    );
}

#[test]
fn a_problem_is_erased_with_its_steps_and_stage_requests() {
    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "Sam");
    let sergeant = f.actor(Role::Supervisor, "Kim");
    let problem = problem(&f, &pcso);
    f.store
        .erase_problem(&sergeant, problem.id, "Opened in error")
        .expect("erase");
    assert!(f.store.problem(problem.id).is_err());
    assert_eq!(f.count("problem_steps"), 0);
    assert_eq!(f.count("stage_requests"), 0);
    assert_eq!(erased_ops(&f, RecordKind::Problem), 1);
    assert_eq!(
        erased_ops(&f, RecordKind::ProblemStep),
        2,
        "the scanning summary and the step"
    );
    assert_eq!(erased_ops(&f, RecordKind::StageRequest), 1);
    assert!(erasure_logged(&f, "problem", &problem.id.to_string()));
    assert!(!common::all_text(&f.dir.path().join("beatbook.db"), &key()).contains("Quillbrook"));
}

#[test]
fn a_follow_up_is_erased_and_its_contact_stays() {
    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "Sam");
    let sergeant = f.actor(Role::Supervisor, "Kim");
    let recorded = f
        .store
        .record_contact(
            &pcso,
            NewContact {
                promised: Some("Crime prevention visit to Quillbrook Lane".into()),
                ..common::plain_contact(f.now() - Duration::hours(1), GeoPoint::new(52.41, -1.5))
            },
        )
        .expect("contact");
    let follow_up = recorded.follow_up.expect("a promise makes a follow-up");
    assert!(f
        .store
        .erase_follow_up(&pcso, follow_up.id, "Promise recorded in error")
        .is_err());
    f.store
        .erase_follow_up(&sergeant, follow_up.id, "Promise recorded in error")
        .expect("erase");
    assert_eq!(f.count("follow_ups"), 0);
    let contact = f
        .store
        .contact(recorded.contact.id)
        .expect("the contact stays");
    assert_eq!(
        contact.promised, None,
        "the contact's copy of the promise goes"
    );
    assert_eq!(contact.follow_up_id, None, "no link to an erased follow-up");
    assert_eq!(erased_ops(&f, RecordKind::FollowUp), 1);
    assert!(erasure_logged(&f, "follow_up", &follow_up.id.to_string()));
    let contact_op = f
        .store
        .pending_ops(10_000)
        .expect("ops")
        .into_iter()
        .rfind(|op| op.kind == RecordKind::Contact && op.erase.is_none())
        .expect("the contact's alteration is queued for the server");
    assert_eq!(
        contact_op.fields.get("promised").map(|c| c.value.clone()),
        Some(serde_json::Value::Null),
        "other devices drop the promise too"
    );
    assert!(f.store.search("Quillbrook", 10).expect("search").is_empty());
    assert!(!common::all_text(&f.dir.path().join("beatbook.db"), &key()).contains("Quillbrook"));
    // The contact can still be corrected: nothing points at the erased follow-up.
    f.store
        .amend_contact(
            &sergeant,
            contact.id,
            ContactAmendment {
                people_count: Some(3),
                ..Default::default()
            },
            "Three people, not one",
        )
        .expect("correct the contact after its follow-up is erased");
}

/// What `f` has queued, as a page the server would send another device.
fn as_page(f: &Fixture, only: impl Fn(&beatbook_core::sync::protocol::Op) -> bool) -> PullResponse {
    let changes: Vec<Change> = f
        .store
        .pending_ops(10_000)
        .expect("ops")
        .into_iter()
        .filter(|op| only(op))
        .enumerate()
        .map(|(i, op)| Change {
            seq: i as u64 + 1,
            kind: op.kind,
            record_id: op.record_id,
            erased: op.erase.is_some(),
            fields: op
                .fields
                .into_iter()
                .map(|(name, c)| {
                    (
                        name,
                        FieldState {
                            value: c.value,
                            hlc: op.hlc,
                        },
                    )
                })
                .collect(),
        })
        .collect();
    PullResponse {
        next_cursor: changes.len() as u64,
        changes,
        has_more: false,
        server_time: f.now(),
        epoch: None,
    }
}

#[test]
fn a_device_receiving_a_problems_tombstone_alone_drops_its_steps_and_requests() {
    let author = Fixture::new();
    let pcso = author.actor(Role::Pcso, "Sam");
    let problem = problem(&author, &pcso);
    let receiver = Fixture::new();
    receiver
        .store
        .apply_pull_page(&as_page(&author, |_| true))
        .expect("receive the problem");
    assert_eq!(receiver.count("problem_steps"), 2);
    let sergeant = author.actor(Role::Supervisor, "Kim");
    author
        .store
        .erase_problem(&sergeant, problem.id, "Disposal at review")
        .expect("erase");
    // The server's disposal names the problem only.
    let page = as_page(&author, |op| {
        op.kind == RecordKind::Problem && op.erase.is_some()
    });
    assert_eq!(page.changes.len(), 1);
    let applied = receiver.store.apply_pull_page(&page).expect("tombstone");
    assert_eq!(applied.erased, 1);
    assert!(receiver.store.problem(problem.id).is_err());
    assert_eq!(receiver.count("problem_steps"), 0);
    assert_eq!(receiver.count("stage_requests"), 0);
    let synced = receiver
        .store
        .synced_records(&[RecordKind::ProblemStep, RecordKind::StageRequest])
        .expect("sync state");
    assert!(synced.is_empty(), "their sync state goes too: {synced:?}");
    assert!(
        !common::all_text(&receiver.dir.path().join("beatbook.db"), &key()).contains("Quillbrook")
    );
}
