//! SARA problems: opening, append-only steps, stage moves approved by a supervisor, and the
//! rules that keep a move honest (no skipping, evidence first, one request at a time).

use crate::common;

use beatbook_core::model::{
    ActionStatus, Actor, AnalysisTriangle, AreaRef, Assessment, CrimeCategory, Measure, NewProblem,
    Problem, RepeatType, Role, SaraStage, StageRequestStatus,
};
use beatbook_core::store::{AuditAction, SearchKind, StageDecision};
use beatbook_core::validation::Rule;
use beatbook_core::Error;
use common::Fixture;

const TABLES: [&str; 4] = ["problems", "problem_steps", "stage_requests", "audit_log"];

fn new_problem() -> NewProblem {
    NewProblem {
        title: "Graffiti on the Marlowe underpass".into(),
        area: AreaRef::Lap("LAP-N".into()),
        category: CrimeCategory::CriminalDamageArson,
        owner: None,
        scanning_summary: "Six reports of tagging since March, raised at the beat surgery.".into(),
    }
}

fn assessment() -> Assessment {
    Assessment {
        process: "Lighting fixed and patrols done as planned.".into(),
        impact: "Reports fell from six to one.".into(),
        measures: vec![Measure {
            name: "reports per month".into(),
            before: 6.0,
            after: 1.0,
        }],
    }
}

fn counts(f: &Fixture) -> Vec<i64> {
    TABLES.iter().map(|t| f.count(t)).collect()
}

/// The rule of a validation error, failing the test on any other outcome.
fn rule<T: std::fmt::Debug>(result: Result<T, Error>, field: &str) -> Rule {
    match result {
        Err(Error::Invalid(v)) => {
            assert_eq!(v.field, field, "field of {v:?}");
            v.rule
        }
        other => panic!("expected a validation error on {field}, got {other:?}"),
    }
}

struct Team {
    f: Fixture,
    owner: Actor,
    sup: Actor,
}

fn team() -> Team {
    let f = Fixture::new();
    let owner = f.actor(Role::Pcso, "PCSO Adeyemi");
    let sup = f.actor(Role::Supervisor, "Sgt Hollis");
    Team { f, owner, sup }
}

impl Team {
    fn open(&self) -> Problem {
        self.f
            .store
            .open_problem(&self.owner, new_problem())
            .expect("open problem")
    }

    /// Owner asks, supervisor approves.
    fn advance(&self, problem: &Problem, to: SaraStage) -> Problem {
        let request = self
            .f
            .store
            .request_stage_move(&self.owner, problem.id, to, None)
            .expect("request");
        self.f
            .store
            .decide_stage_request(&self.sup, request.id, StageDecision::Approve)
            .expect("approve");
        self.f.store.problem(problem.id).expect("problem")
    }

    /// A problem at the Assessment stage, with an Analysis step and one response action.
    fn at_assessment(&self) -> Problem {
        let p = self.open();
        let p = self.advance(&p, SaraStage::Analysis);
        self.f
            .store
            .add_problem_step(
                &self.owner,
                p.id,
                "Tagging happens Friday nights, lights out.",
            )
            .expect("step");
        let p = self.advance(&p, SaraStage::Response);
        self.f
            .store
            .add_response_action(&self.owner, p.id, "Fix the lights", None, None, None)
            .expect("action");
        self.advance(&p, SaraStage::Assessment)
    }
}

#[test]
fn happy_path_scanning_to_closed_with_supervisor_approvals() {
    let t = team();
    let s = &t.f.store;
    let p = t.open();
    assert_eq!(p.stage, SaraStage::Scanning);
    assert_eq!(p.owner, t.owner.user_id);
    assert_eq!(s.problem(p.id).expect("read back"), p);
    let steps = s.problem_steps(p.id).expect("steps");
    assert_eq!(steps.len(), 1);
    assert_eq!(steps[0].stage, SaraStage::Scanning);
    assert_eq!(steps[0].text, new_problem().scanning_summary);

    // Scanning → Analysis.
    let request = s
        .request_stage_move(
            &t.owner,
            p.id,
            SaraStage::Analysis,
            Some("Pattern is clear".into()),
        )
        .expect("request");
    assert_eq!(request.status, StageRequestStatus::Pending);
    assert_eq!(
        s.pending_stage_requests().expect("pending"),
        vec![request.clone()]
    );
    let decided = s
        .decide_stage_request(&t.sup, request.id, StageDecision::Approve)
        .expect("approve");
    assert_eq!(decided.status, StageRequestStatus::Approved);
    assert_eq!(decided.decided_by, Some(t.sup.user_id));
    assert_eq!(s.stage_requests(p.id).expect("requests"), vec![decided]);
    assert!(s.pending_stage_requests().expect("pending").is_empty());
    let p = s.problem(p.id).expect("problem");
    assert_eq!(p.stage, SaraStage::Analysis);

    // Analysis: a step and the triangle.
    let step = s
        .add_problem_step(
            &t.owner,
            p.id,
            "Offenders gather after the youth club shuts.",
        )
        .expect("step");
    assert_eq!(step.stage, SaraStage::Analysis);
    let triangle = AnalysisTriangle {
        location: Some("Marlowe underpass".into()),
        manager: Some("Council highways".into()),
        ..AnalysisTriangle::default()
    };
    let p = s
        .update_analysis(&t.owner, p.id, triangle.clone(), vec![RepeatType::Den])
        .expect("analysis");
    assert_eq!(p.triangle, triangle);
    assert_eq!(p.repeat_types, vec![RepeatType::Den]);
    let p = t.advance(&p, SaraStage::Response);
    assert_eq!(p.stage, SaraStage::Response);

    // Response: actions with owners and partners.
    let action = s
        .add_response_action(
            &t.owner,
            p.id,
            "Replace the underpass lighting",
            Some(t.owner.user_id),
            Some("Council highways".into()),
            Some(s.now() + chrono::Duration::days(14)),
        )
        .expect("action");
    assert_eq!(action.status, ActionStatus::Planned);
    let p = s
        .set_action_status(&t.owner, p.id, action.id, ActionStatus::Done)
        .expect("status");
    assert_eq!(p.responses.len(), 1);
    assert_eq!(p.responses[0].status, ActionStatus::Done);
    assert_eq!(s.problem(p.id).expect("read back"), p);
    let p = t.advance(&p, SaraStage::Assessment);

    // Assessment, then close.
    let p = s
        .record_assessment(&t.owner, p.id, assessment())
        .expect("assessment");
    assert_eq!(p.assessment, Some(assessment()));
    let p = t.advance(&p, SaraStage::Closed);
    assert_eq!(p.stage, SaraStage::Closed);
    assert_eq!(s.problem(p.id).expect("read back"), p);

    let requests = s.stage_requests(p.id).expect("requests");
    assert_eq!(requests.len(), 4);
    assert!(requests
        .iter()
        .all(|r| r.status == StageRequestStatus::Approved));
    let stages: Vec<_> = requests
        .iter()
        .map(|r| (r.from_stage, r.to_stage))
        .collect();
    assert_eq!(
        stages,
        vec![
            (SaraStage::Scanning, SaraStage::Analysis),
            (SaraStage::Analysis, SaraStage::Response),
            (SaraStage::Response, SaraStage::Assessment),
            (SaraStage::Assessment, SaraStage::Closed),
        ]
    );
    // Summary + analysis step + one approval note per move.
    let steps = s.problem_steps(p.id).expect("steps");
    assert_eq!(steps.len(), 6);
    assert!(steps
        .iter()
        .any(|st| st.text == "Move from Assessment to Closed approved."
            && st.stage == SaraStage::Assessment
            && st.author == t.sup.user_id));
    assert_eq!(
        s.problems_at(SaraStage::Closed).expect("closed"),
        vec![p.clone()]
    );
    assert!(s
        .problems_at(SaraStage::Scanning)
        .expect("scanning")
        .is_empty());
    assert_eq!(s.problems().expect("all"), vec![p]);
}

#[test]
fn volunteers_cannot_open_problems_or_add_steps() {
    let t = team();
    let volunteer = t.f.actor(Role::Volunteer, "CiP volunteer");
    let before = counts(&t.f);
    let r = t.f.store.open_problem(&volunteer, new_problem());
    assert!(matches!(rule(r, "actor"), Rule::RoleNotAllowed { .. }));
    assert_eq!(counts(&t.f), before);

    let p = t.open();
    let before = counts(&t.f);
    let r =
        t.f.store
            .add_problem_step(&volunteer, p.id, "Seen them again");
    assert!(matches!(rule(r, "actor"), Rule::RoleNotAllowed { .. }));
    assert_eq!(counts(&t.f), before);
}

#[test]
fn volunteers_cannot_edit_problems() {
    let t = team();
    let volunteer = t.f.actor(Role::Volunteer, "CiP volunteer");
    let p = t.at_assessment();
    let action = p.responses[0].id;
    let before = counts(&t.f);
    let s = &t.f.store;
    let r = s.update_analysis(
        &volunteer,
        p.id,
        AnalysisTriangle::default(),
        vec![RepeatType::Duck],
    );
    assert!(matches!(rule(r, "actor"), Rule::RoleNotAllowed { .. }));
    let r = s.add_response_action(&volunteer, p.id, "Leaflet drop", None, None, None);
    assert!(matches!(rule(r, "actor"), Rule::RoleNotAllowed { .. }));
    let r = s.set_action_status(&volunteer, p.id, action, ActionStatus::Done);
    assert!(matches!(rule(r, "actor"), Rule::RoleNotAllowed { .. }));
    let r = s.record_assessment(&volunteer, p.id, assessment());
    assert!(matches!(rule(r, "actor"), Rule::RoleNotAllowed { .. }));
    let r = s.request_stage_move(&volunteer, p.id, SaraStage::Closed, None);
    assert!(matches!(r, Err(Error::Denied(_))), "{r:?}");
    assert_eq!(counts(&t.f), before);
    assert_eq!(s.problem(p.id).expect("problem"), p);
}

#[test]
fn invalid_new_problem_writes_nothing() {
    let t = team();
    let before = counts(&t.f);
    let blank_title = NewProblem {
        title: "  ".into(),
        ..new_problem()
    };
    assert_eq!(
        rule(t.f.store.open_problem(&t.owner, blank_title), "title"),
        Rule::Required
    );
    let no_summary = NewProblem {
        scanning_summary: String::new(),
        ..new_problem()
    };
    assert_eq!(
        rule(
            t.f.store.open_problem(&t.owner, no_summary),
            "scanning_summary"
        ),
        Rule::Required
    );
    assert_eq!(counts(&t.f), before);
}

#[test]
fn owner_defaults_to_opener_and_must_be_a_known_non_volunteer() {
    let t = team();
    let officer = t.f.actor(Role::Officer, "PC Dunn");
    let volunteer = t.f.actor(Role::Volunteer, "CiP volunteer");
    let before = counts(&t.f);
    let unknown = NewProblem {
        owner: Some(beatbook_core::ids::UserId::new()),
        ..new_problem()
    };
    assert_eq!(
        rule(t.f.store.open_problem(&t.owner, unknown), "owner"),
        Rule::UnknownReference { kind: "user" }
    );
    let to_volunteer = NewProblem {
        owner: Some(volunteer.user_id),
        ..new_problem()
    };
    assert!(matches!(
        rule(t.f.store.open_problem(&t.owner, to_volunteer), "owner"),
        Rule::RoleNotAllowed { .. }
    ));
    assert_eq!(counts(&t.f), before);

    let delegated = NewProblem {
        owner: Some(officer.user_id),
        ..new_problem()
    };
    let p = t.f.store.open_problem(&t.sup, delegated).expect("open");
    assert_eq!(p.owner, officer.user_id);
    assert_eq!(p.created_by, t.sup.user_id);
}

#[test]
fn skipping_a_stage_is_refused() {
    let t = team();
    let p = t.open();
    let before = counts(&t.f);
    let r =
        t.f.store
            .request_stage_move(&t.owner, p.id, SaraStage::Response, None);
    assert!(matches!(rule(r, "to"), Rule::StageSkipped { .. }));
    let r =
        t.f.store
            .request_stage_move(&t.owner, p.id, SaraStage::Scanning, None);
    assert!(matches!(rule(r, "to"), Rule::InvalidState { .. }));
    assert_eq!(counts(&t.f), before);
}

#[test]
fn response_needs_an_analysis_step() {
    let t = team();
    let p = t.open();
    let p = t.advance(&p, SaraStage::Analysis);
    let before = counts(&t.f);
    let r =
        t.f.store
            .request_stage_move(&t.owner, p.id, SaraStage::Response, None);
    assert_eq!(
        rule(r, "to"),
        Rule::StageEvidenceMissing {
            needed: "an Analysis step"
        }
    );
    assert_eq!(counts(&t.f), before);

    t.f.store
        .add_problem_step(&t.owner, p.id, "Peak is 10pm to 1am on Fridays")
        .expect("step");
    assert_eq!(
        t.advance(&p, SaraStage::Response).stage,
        SaraStage::Response
    );
}

#[test]
fn an_approval_note_is_not_analysis_evidence() {
    // Analysis → back to Scanning leaves an approval note at the Analysis stage; it must not
    // count as the analysis itself.
    let t = team();
    let p = t.open();
    let p = t.advance(&p, SaraStage::Analysis);
    let p = t.advance(&p, SaraStage::Scanning);
    let p = t.advance(&p, SaraStage::Analysis);
    let steps = t.f.store.problem_steps(p.id).expect("steps");
    assert!(steps.iter().any(|s| s.stage == SaraStage::Analysis));
    let r =
        t.f.store
            .request_stage_move(&t.owner, p.id, SaraStage::Response, None);
    assert!(matches!(rule(r, "to"), Rule::StageEvidenceMissing { .. }));
}

#[test]
fn closing_needs_an_assessment() {
    let t = team();
    let p = t.at_assessment();
    let before = counts(&t.f);
    let r =
        t.f.store
            .request_stage_move(&t.owner, p.id, SaraStage::Closed, None);
    assert_eq!(
        rule(r, "to"),
        Rule::StageEvidenceMissing {
            needed: "an assessment"
        }
    );
    assert_eq!(counts(&t.f), before);
    // Going back to an earlier stage needs no evidence.
    let back = t.advance(&p, SaraStage::Analysis);
    assert_eq!(back.stage, SaraStage::Analysis);
}

#[test]
fn only_a_supervisor_decides() {
    let t = team();
    let p = t.open();
    let officer = t.f.actor(Role::Officer, "PC Dunn");
    let request =
        t.f.store
            .request_stage_move(&t.owner, p.id, SaraStage::Analysis, None)
            .expect("request");
    let before = counts(&t.f);
    for actor in [&t.owner, &officer] {
        let r =
            t.f.store
                .decide_stage_request(actor, request.id, StageDecision::Approve);
        assert_eq!(rule(r, "actor"), Rule::SupervisorOnly);
    }
    assert_eq!(counts(&t.f), before);
    assert_eq!(
        t.f.store.problem(p.id).expect("problem").stage,
        SaraStage::Scanning
    );
    assert_eq!(
        t.f.store.pending_stage_requests().expect("pending"),
        vec![request]
    );
}

#[test]
fn only_the_owner_or_a_supervisor_asks_for_a_move() {
    let t = team();
    let p = t.open();
    let officer = t.f.actor(Role::Officer, "PC Dunn");
    let before = counts(&t.f);
    let r =
        t.f.store
            .request_stage_move(&officer, p.id, SaraStage::Analysis, None);
    assert!(matches!(r, Err(Error::Denied(_))), "{r:?}");
    assert_eq!(counts(&t.f), before);
    let request =
        t.f.store
            .request_stage_move(&t.sup, p.id, SaraStage::Analysis, None)
            .expect("supervisor may ask");
    assert_eq!(request.requested_by, t.sup.user_id);
}

#[test]
fn one_pending_request_at_a_time() {
    let t = team();
    let p = t.open();
    t.f.store
        .request_stage_move(&t.owner, p.id, SaraStage::Analysis, None)
        .expect("first");
    let before = counts(&t.f);
    let r =
        t.f.store
            .request_stage_move(&t.owner, p.id, SaraStage::Analysis, None);
    assert!(matches!(rule(r, "problem_id"), Rule::InvalidState { .. }));
    assert_eq!(counts(&t.f), before);
}

#[test]
fn send_back_needs_a_reason_and_leaves_the_stage() {
    let t = team();
    let p = t.open();
    let request =
        t.f.store
            .request_stage_move(&t.owner, p.id, SaraStage::Analysis, None)
            .expect("request");
    let before = counts(&t.f);
    let r = t.f.store.decide_stage_request(
        &t.sup,
        request.id,
        StageDecision::SendBack { reason: " ".into() },
    );
    assert_eq!(rule(r, "reason"), Rule::Required);
    assert_eq!(counts(&t.f), before);

    let decided =
        t.f.store
            .decide_stage_request(
                &t.sup,
                request.id,
                StageDecision::SendBack {
                    reason: "Only one incident so far: scan for longer".into(),
                },
            )
            .expect("send back");
    assert_eq!(decided.status, StageRequestStatus::SentBack);
    assert_eq!(
        decided.decision_reason.as_deref(),
        Some("Only one incident so far: scan for longer")
    );
    assert_eq!(
        t.f.store.stage_requests(p.id).expect("requests"),
        vec![decided.clone()]
    );
    assert_eq!(
        t.f.store.problem(p.id).expect("problem").stage,
        SaraStage::Scanning
    );
    assert_eq!(t.f.count("problem_steps"), before[1]);
    // The owner's day shows it sent back, until they ask again.
    let sent_back = |t: &Team| {
        t.f.store
            .requests_sent_back_to(t.owner.user_id)
            .expect("sent back")
    };
    assert_eq!(sent_back(&t), vec![decided]);

    // Decided once only; and the owner may ask again.
    let r =
        t.f.store
            .decide_stage_request(&t.sup, request.id, StageDecision::Approve);
    assert!(matches!(rule(r, "request_id"), Rule::InvalidState { .. }));
    assert_eq!(
        t.advance(&p, SaraStage::Analysis).stage,
        SaraStage::Analysis
    );
    assert!(
        sent_back(&t).is_empty(),
        "asked again: no longer waiting on them"
    );
}

#[test]
fn approval_rechecks_the_rules_against_the_problem_now() {
    let t = team();
    let p = t.open();
    // A request that could not have been made through the store (e.g. arrived by sync).
    let conn = raw_connection(&t.f);
    let id = beatbook_core::ids::StageRequestId::new();
    conn.execute(
        "INSERT INTO stage_requests (id, problem_id, from_stage, to_stage, requested_by,
           requested_at, status)
         VALUES (?1, ?2, 'scanning', 'response', ?3, '2026-01-01T00:00:00.000000Z', 'pending')",
        rusqlite::params![
            id.to_string(),
            p.id.to_string(),
            t.owner.user_id.to_string()
        ],
    )
    .expect("insert request");
    let before = counts(&t.f);
    let r =
        t.f.store
            .decide_stage_request(&t.sup, id, StageDecision::Approve);
    assert!(matches!(rule(r, "to"), Rule::StageSkipped { .. }));
    assert_eq!(counts(&t.f), before);
    assert_eq!(
        t.f.store.problem(p.id).expect("problem").stage,
        SaraStage::Scanning
    );
    assert_eq!(
        t.f.store.pending_stage_requests().expect("pending").len(),
        1
    );
}

#[test]
fn closed_problems_take_no_more_steps_or_edits() {
    let t = team();
    let p = t.at_assessment();
    t.f.store
        .record_assessment(&t.owner, p.id, assessment())
        .expect("assessment");
    let p = t.advance(&p, SaraStage::Closed);
    let before = counts(&t.f);
    let r = t.f.store.add_problem_step(&t.owner, p.id, "One more thing");
    assert!(matches!(rule(r, "problem_id"), Rule::InvalidState { .. }));
    let r = t.f.store.update_analysis(
        &t.owner,
        p.id,
        AnalysisTriangle::default(),
        vec![RepeatType::Wolf],
    );
    assert!(matches!(rule(r, "problem_id"), Rule::InvalidState { .. }));
    let r =
        t.f.store
            .request_stage_move(&t.owner, p.id, SaraStage::Assessment, None);
    assert!(matches!(rule(r, "problem_id"), Rule::InvalidState { .. }));
    assert_eq!(counts(&t.f), before);
}

#[test]
fn responses_and_assessments_wait_for_their_stage() {
    let t = team();
    let p = t.open();
    let before = counts(&t.f);
    let r =
        t.f.store
            .add_response_action(&t.owner, p.id, "Fix the lights", None, None, None);
    assert!(matches!(rule(r, "problem_id"), Rule::InvalidState { .. }));
    let r = t.f.store.record_assessment(&t.owner, p.id, assessment());
    assert!(matches!(rule(r, "problem_id"), Rule::InvalidState { .. }));
    assert_eq!(counts(&t.f), before);
    assert_eq!(t.f.store.problem(p.id).expect("problem"), p);
}

#[test]
fn response_actions_are_validated() {
    let t = team();
    let p = t.at_assessment();
    let before = counts(&t.f);
    let r =
        t.f.store
            .add_response_action(&t.owner, p.id, "  ", None, None, None);
    assert_eq!(rule(r, "action.description"), Rule::Required);
    let r = t.f.store.add_response_action(
        &t.owner,
        p.id,
        "Youth outreach",
        Some(beatbook_core::ids::UserId::new()),
        None,
        None,
    );
    assert_eq!(
        rule(r, "action.owner"),
        Rule::UnknownReference { kind: "user" }
    );
    let r = t.f.store.set_action_status(
        &t.owner,
        p.id,
        beatbook_core::ids::ActionId::new(),
        ActionStatus::Done,
    );
    assert!(matches!(
        rule(r, "action_id"),
        Rule::UnknownReference { .. }
    ));
    let bad = Assessment {
        impact: String::new(),
        ..assessment()
    };
    assert_eq!(
        rule(
            t.f.store.record_assessment(&t.owner, p.id, bad),
            "assessment.impact"
        ),
        Rule::Required
    );
    assert_eq!(counts(&t.f), before);
    assert_eq!(t.f.store.problem(p.id).expect("problem"), p);
}

#[test]
fn steps_are_append_only() {
    let t = team();
    let p = t.open();
    let conn = raw_connection(&t.f);
    let err = conn
        .execute(
            "UPDATE problem_steps SET text = 'rewritten' WHERE problem_id = ?1",
            [p.id.to_string()],
        )
        .expect_err("steps cannot be updated");
    assert!(
        err.to_string().contains("problem steps are append-only"),
        "{err}"
    );
    let steps = t.f.store.problem_steps(p.id).expect("steps");
    assert_eq!(steps[0].text, new_problem().scanning_summary);
}

#[test]
fn search_finds_problems_by_title_and_later_steps() {
    let t = team();
    let p = t.open();
    let hits = t.f.store.search("underpass", 10).expect("search");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].kind, SearchKind::Problem);
    assert_eq!(hits[0].record_id, p.id.to_string());
    assert!(t.f.store.search("scooters", 10).expect("search").is_empty());

    let p = t.advance(&p, SaraStage::Analysis);
    t.f.store
        .add_problem_step(&t.owner, p.id, "Offenders arrive on electric scooters")
        .expect("step");
    let hits = t.f.store.search("scooters", 10).expect("search");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].record_id, p.id.to_string());
    // The first step is still indexed alongside the new one.
    assert_eq!(t.f.store.search("tagging", 10).expect("search").len(), 1);
    // Triangle sides can name people: they are not indexed.
    t.f.store
        .update_analysis(
            &t.owner,
            p.id,
            AnalysisTriangle {
                offender: Some("Zebedee Quarrington".into()),
                ..AnalysisTriangle::default()
            },
            vec![RepeatType::Wolf],
        )
        .expect("analysis");
    assert!(t
        .f
        .store
        .search("Quarrington", 10)
        .expect("search")
        .is_empty());
}

#[test]
fn audit_records_collection_and_alterations_without_values() {
    let t = team();
    let p = t.open();
    let id = p.id.to_string();
    let entries = t.f.store.audit_entries(Some(&id)).expect("audit");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].action, AuditAction::Collection);
    assert_eq!(entries[0].record_kind, "problem");
    assert_eq!(entries[0].user_id, t.owner.user_id);

    let p = t.advance(&p, SaraStage::Analysis);
    t.f.store
        .update_analysis(
            &t.owner,
            p.id,
            AnalysisTriangle {
                offender: Some("Zebedee Quarrington".into()),
                guardian: Some("Parents".into()),
                ..AnalysisTriangle::default()
            },
            vec![],
        )
        .expect("analysis");
    let entries = t.f.store.audit_entries(Some(&id)).expect("audit");
    let last = entries.last().expect("an entry");
    assert_eq!(last.action, AuditAction::Alteration);
    assert_eq!(
        last.detail.as_deref(),
        Some("triangle.offender, triangle.guardian")
    );
    assert!(entries
        .iter()
        .all(|e| !e.detail.as_deref().unwrap_or("").contains("Quarrington")));
    // The approval is an alteration by the supervisor.
    assert!(entries
        .iter()
        .any(|e| e.action == AuditAction::Alteration && e.user_id == t.sup.user_id));

    // An edit that changes nothing writes nothing.
    let before = counts(&t.f);
    let same = t.f.store.problem(p.id).expect("problem");
    t.f.store
        .update_analysis(&t.owner, p.id, same.triangle, same.repeat_types)
        .expect("no-op");
    assert_eq!(counts(&t.f), before);
}

#[test]
fn unknown_records_are_not_found() {
    let t = team();
    let missing = beatbook_core::ids::ProblemId::new();
    assert!(matches!(
        t.f.store.problem(missing),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        t.f.store.problem_steps(missing),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        t.f.store.stage_requests(missing),
        Err(Error::NotFound { .. })
    ));
    let r = t.f.store.decide_stage_request(
        &t.sup,
        beatbook_core::ids::StageRequestId::new(),
        StageDecision::Approve,
    );
    assert!(matches!(r, Err(Error::NotFound { .. })));
}

#[test]
fn stage_decision_wire_form() {
    let approve = serde_json::to_string(&StageDecision::Approve).expect("json");
    assert_eq!(approve, r#"{"decision":"approve"}"#);
    let back: StageDecision =
        serde_json::from_str(r#"{"decision":"send_back","reason":"more data"}"#).expect("parse");
    assert_eq!(
        back,
        StageDecision::SendBack {
            reason: "more data".into()
        }
    );
}

/// A raw connection to the fixture's database, keyed like `Fixture::count`.
fn raw_connection(f: &Fixture) -> rusqlite::Connection {
    let conn = crate::common::keyed_connection(f.dir.path().join("beatbook.db"), &common::key());
    conn
}

/// Issue 12 item 2: a problem shown with an offender or victim corner (which can name people)
/// is a consultation, logged with the corners shown and never their values.
#[test]
fn showing_a_problem_that_names_people_logs_a_consultation_without_values() {
    let t = team();
    let p = t.open();
    let shown = t.f.store.show_problem(&t.sup, p.id).expect("show");
    assert_eq!(shown, t.f.store.problem(p.id).expect("problem"));
    let consultations = |t: &Team| {
        t.f.store
            .audit_entries(Some(&p.id.to_string()))
            .expect("audit")
            .into_iter()
            .filter(|e| e.action == AuditAction::Consultation)
            .collect::<Vec<_>>()
    };
    assert!(consultations(&t).is_empty(), "no corner names anyone yet");
    let triangle = AnalysisTriangle {
        offender: Some("Tyler Brennock-Vance".into()),
        location: Some("Marlowe underpass".into()),
        ..AnalysisTriangle::default()
    };
    t.f.store
        .update_analysis(&t.owner, p.id, triangle, vec![])
        .expect("analysis");
    t.f.store.show_problem(&t.sup, p.id).expect("show");
    let logged = consultations(&t);
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].record_kind, "problem");
    assert_eq!(logged[0].user_id, t.sup.user_id);
    let detail = logged[0].detail.as_deref().unwrap_or_default();
    assert!(
        detail.contains("offender") && !detail.contains("victim"),
        "{detail}"
    );
    assert!(!format!("{:?}", logged[0]).contains("Brennock"));
    // A plain read for the app's own logic logs nothing.
    t.f.store.problem(p.id).expect("problem");
    assert_eq!(consultations(&t).len(), 1);
}
