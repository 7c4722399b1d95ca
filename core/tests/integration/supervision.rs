//! The supervisor at base: the follow-up board (every open promise, overdue first), reassigning
//! a promise, the share answered within 72 hours, and the approvals list with its evidence.

use crate::common;

use beatbook_core::model::*;
use beatbook_core::reports::Period;
use beatbook_core::store::{AuditAction, StageDecision};
use beatbook_core::validation::Rule;
use chrono::Duration;
use common::Fixture;

fn promise(f: &Fixture, actor: &Actor, text: &str, due_in_hours: i64) -> FollowUp {
    let now = f.now();
    let mut c = common::plain_contact(now, GeoPoint::new(52.41, -1.5));
    c.promised = Some(text.into());
    c.follow_up_due = Some(now + Duration::hours(due_in_hours));
    f.store
        .record_contact(actor, c)
        .expect("contact")
        .follow_up
        .expect("a promise makes a follow-up")
}

#[test]
fn the_board_lists_every_open_promise_overdue_first_with_owner_and_age() {
    let f = Fixture::new();
    let alex = f.actor(Role::Pcso, "PCSO Alex");
    let sam = f.actor(Role::Pcso, "PCSO Sam");
    // Due in 48 h, due in 24 h, and one answered (off the board). Seen from 30 h on, the
    // 24-hour one is 6 h overdue and comes first; the 48-hour one is 18 h from due.
    let later = promise(&f, &alex, "Ring about the lighting", 48);
    let sooner = promise(&f, &sam, "Visit about the sheds", 24);
    let done = promise(&f, &sam, "Post a leaflet", 24);
    f.store
        .answer_follow_up(&sam, done.id, "Leaflet posted", f.now())
        .expect("answer");
    let now = f.now() + Duration::hours(30);
    let board = f.store.follow_up_board(now).expect("board");
    let rows: Vec<_> = board
        .iter()
        .map(|r| {
            (
                r.follow_up.id,
                r.owner_name.as_deref().unwrap_or(""),
                r.overdue,
                r.age_hours,
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (sooner.id, "PCSO Sam", true, 30),
            (later.id, "PCSO Alex", false, 30)
        ]
    );
}

#[test]
fn only_a_supervisor_reassigns_an_open_follow_up_and_not_to_a_volunteer() {
    let f = Fixture::new();
    let sup = f.actor(Role::Supervisor, "Sgt Kim");
    let alex = f.actor(Role::Pcso, "PCSO Alex");
    let sam = f.actor(Role::Pcso, "PCSO Sam");
    let jo = f.actor(Role::Volunteer, "Volunteer Jo");
    let fu = promise(&f, &alex, "Ring about the lighting", 72);
    let before = (f.count("audit_log"), f.count("outbox"));

    let err = f
        .store
        .reassign_follow_up(&alex, fu.id, sam.user_id)
        .expect_err("pcso");
    assert_eq!(
        err.validation().map(|v| v.rule.clone()),
        Some(Rule::SupervisorOnly)
    );
    let err = f
        .store
        .reassign_follow_up(&sup, fu.id, jo.user_id)
        .expect_err("volunteer");
    assert!(matches!(
        err.validation().map(|v| v.rule.clone()),
        Some(Rule::RoleNotAllowed { .. })
    ));
    let err = f
        .store
        .reassign_follow_up(&sup, fu.id, beatbook_core::ids::UserId::new())
        .expect_err("unknown user");
    assert_eq!(
        err.validation().map(|v| v.rule.clone()),
        Some(Rule::UnknownReference { kind: "user" })
    );
    assert_eq!((f.count("audit_log"), f.count("outbox")), before);

    let moved = f
        .store
        .reassign_follow_up(&sup, fu.id, sam.user_id)
        .expect("reassign");
    assert_eq!(moved.owner, Some(sam.user_id));
    assert!(f
        .store
        .open_follow_ups(alex.user_id, f.now())
        .expect("alex")
        .is_empty());
    assert_eq!(
        f.store
            .open_follow_ups(sam.user_id, f.now())
            .expect("sam")
            .len(),
        1
    );
    let last = f
        .store
        .audit_entries(Some(&fu.id.to_string()))
        .expect("audit")
        .pop()
        .expect("an entry");
    assert_eq!(
        (last.action, last.detail.as_deref(), last.user_id),
        (AuditAction::Alteration, Some("owner"), sup.user_id)
    );
    // The change is queued for sync: one op setting only `owner`.
    let ops = f.store.pending_ops(100).expect("ops");
    let op = ops.last().expect("op");
    assert_eq!(op.record_id, fu.id.to_string());
    assert_eq!(op.fields.keys().collect::<Vec<_>>(), vec!["owner"]);

    // Answered promises stay with whoever answered them.
    f.store
        .answer_follow_up(&sam, fu.id, "Rang back", f.now())
        .expect("answer");
    let err = f
        .store
        .reassign_follow_up(&sup, fu.id, alex.user_id)
        .expect_err("closed");
    assert!(matches!(
        err.validation().map(|v| v.rule.clone()),
        Some(Rule::InvalidState { .. })
    ));
}

#[test]
fn the_share_answered_within_72_hours_counts_only_promises_that_can_be_judged() {
    let f = Fixture::new();
    let alex = f.actor(Role::Pcso, "PCSO Alex");
    let t0 = f.now();
    // Four promises made now:
    //   a: answered 10 h later           -> within 72 h
    //   b: answered 100 h later          -> later
    //   c: still open                    -> open past 72 h when judged at t0 + 200 h
    //   d: cancelled                     -> out of the denominator
    // share = within / (promised - cancelled - pending) = 1 / (4 - 1 - 0) = 1/3.
    let a = promise(&f, &alex, "a", 72);
    let b = promise(&f, &alex, "b", 72);
    let _c = promise(&f, &alex, "c", 72);
    let d = promise(&f, &alex, "d", 72);
    f.store
        .answer_follow_up(&alex, a.id, "done", a.created_at + Duration::hours(10))
        .expect("a");
    f.store
        .answer_follow_up(&alex, b.id, "done", b.created_at + Duration::hours(100))
        .expect("b");
    f.store
        .cancel_follow_up(&alex, d.id, "moved away")
        .expect("d");
    let period = Period::new(t0 - Duration::hours(1), t0 + Duration::hours(1)).expect("period");
    let figures = f
        .store
        .follow_up_promptness(&period, t0 + Duration::hours(200))
        .expect("figures");
    assert_eq!(
        (
            figures.promised,
            figures.answered_within_72h,
            figures.answered_later,
            figures.cancelled,
            figures.open_past_72h,
            figures.pending
        ),
        (4, 1, 1, 1, 1, 0)
    );
    assert!((figures.share_within_72h.expect("share") - 1.0 / 3.0).abs() < 1e-9);
    // Judged 20 h after the promises, c is only 20 h old: pending, so the share is 1/2.
    let early = f
        .store
        .follow_up_promptness(&period, t0 + Duration::hours(20))
        .expect("figures");
    assert_eq!(early.pending, 1);
    assert!((early.share_within_72h.expect("share") - 0.5).abs() < 1e-9);
}

#[test]
fn the_approvals_list_shows_each_pending_move_with_the_evidence_for_its_stage() {
    let f = Fixture::new();
    let sup = f.actor(Role::Supervisor, "Sgt Kim");
    let alex = f.actor(Role::Pcso, "PCSO Alex");
    let problem = f
        .store
        .open_problem(
            &alex,
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
        .add_problem_step(
            &alex,
            problem.id,
            "Residents say it happens on Friday nights",
        )
        .expect("step");
    let request = f
        .store
        .request_stage_move(
            &alex,
            problem.id,
            SaraStage::Analysis,
            Some("Scanned".into()),
        )
        .expect("request");

    let queue = f.store.approval_queue().expect("queue");
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].request.id, request.id);
    assert_eq!(queue[0].requested_by_name.as_deref(), Some("PCSO Alex"));
    let evidence: Vec<&str> = queue[0].evidence.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(
        evidence,
        vec![
            "Four sheds broken into since October",
            "Residents say it happens on Friday nights"
        ]
    );

    // Approved: the list empties, and the next request's evidence is the Analysis steps only
    // (not the Scanning steps, nor the approval note recorded at Scanning).
    f.store
        .decide_stage_request(&sup, request.id, StageDecision::Approve)
        .expect("approve");
    assert!(f.store.approval_queue().expect("queue").is_empty());
    f.store
        .add_problem_step(
            &alex,
            problem.id,
            "Rear gates unlit; one fence panel missing",
        )
        .expect("analysis step");
    f.store
        .request_stage_move(&alex, problem.id, SaraStage::Response, None)
        .expect("request response");
    let queue = f.store.approval_queue().expect("queue");
    let evidence: Vec<&str> = queue[0].evidence.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(evidence, vec!["Rear gates unlit; one fence panel missing"]);

    // Sending back needs a reason, checked before anything is written.
    let before = (f.count("stage_requests"), f.count("audit_log"));
    let err = f
        .store
        .decide_stage_request(
            &sup,
            queue[0].request.id,
            StageDecision::SendBack {
                reason: "  ".into(),
            },
        )
        .expect_err("no reason");
    assert_eq!(
        err.validation().map(|v| (v.field.clone(), v.rule.clone())),
        Some(("reason".into(), Rule::Required))
    );
    assert_eq!((f.count("stage_requests"), f.count("audit_log")), before);
}
