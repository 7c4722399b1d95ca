//! The supervisor at base against the real `beatbook-server` binary: a PCSO works offline and
//! syncs; the supervisor syncs, reviews the work, sends a SARA stage move back with a reason
//! and reassigns a promise; the PCSO syncs and sees the decision. Reviews reach supervisors
//! only, and the server refuses a PCSO's reassignment even if a device sends one.

use beatbook_core::model::*;
use beatbook_core::store::StageDecision;
use beatbook_core::sync::protocol::{FieldChange, Op, PushRequest, PROTOCOL_VERSION};
use beatbook_core::sync::{Hlc, RecordKind};
use beatbook_e2e::device::Device;
use beatbook_e2e::http::{pull_from_start, push};
use beatbook_e2e::server::ServerProcess;
use beatbook_e2e::workload;
use chrono::{Duration, Utc};

struct Team {
    server: ServerProcess,
    url: String,
    owner: Device,
    other: Device,
    sergeant: Device,
}

fn team() -> Team {
    let server = ServerProcess::start(&[]);
    let url = server.url.clone();
    let mut devices = server
        .enrol_team(
            &url,
            &[
                ("PCSO Avery", "pcso"),
                ("PCSO Blake", "pcso"),
                ("Sergeant Sol", "supervisor"),
            ],
        )
        .into_iter();
    let mut next = || devices.next().expect("device");
    let (owner, other, sergeant) = (next(), next(), next());
    Team {
        server,
        url,
        owner,
        other,
        sergeant,
    }
}

fn problem() -> NewProblem {
    NewProblem {
        title: "Garage burglaries".into(),
        area: AreaRef::Lap("LAP-NV".into()),
        category: CrimeCategory::Burglary,
        owner: None,
        scanning_summary: "Five break-ins since May".into(),
    }
}

fn contact_with_promise() -> NewContact {
    workload::door_knock_with_promise(Utc::now() - Duration::hours(2), 1)
}

#[test]
fn a_stage_move_sent_back_at_base_reaches_the_owner_with_its_reason() {
    let t = team();
    let (owner, sergeant) = (&t.owner, &t.sergeant);

    // Offline: the PCSO opens a problem, records a contact with a promise, asks to move on.
    let p = owner
        .store
        .open_problem(&owner.actor, problem())
        .expect("problem");
    let recorded = owner
        .store
        .record_contact(&owner.actor, contact_with_promise())
        .expect("contact");
    let follow_up = recorded.follow_up.expect("promise");
    let request = owner
        .store
        .request_stage_move(
            &owner.actor,
            p.id,
            SaraStage::Analysis,
            Some("Scanned".into()),
        )
        .expect("request");
    owner.sync();

    // At base: the sergeant syncs and sees the PCSO's work and the request.
    sergeant.sync();
    let queue = sergeant
        .store
        .review_queue(&sergeant.actor, None)
        .expect("queue");
    assert_eq!(queue.len(), 1, "{queue:?}");
    assert_eq!(queue[0].member, owner.actor.user_id);
    assert_eq!(queue[0].name.as_deref(), Some("PCSO Avery"));
    assert_eq!(
        (
            queue[0].count(ReviewItemKind::Contact),
            queue[0].count(ReviewItemKind::ProblemStep)
        ),
        (1, 1)
    );
    let items: Vec<ReviewedItem> = queue[0].items.iter().map(|i| i.item.clone()).collect();
    sergeant
        .store
        .mark_reviewed(&sergeant.actor, owner.actor.user_id, &items)
        .expect("mark reviewed");

    let approvals = sergeant.store.approval_queue().expect("approvals");
    assert_eq!(approvals.len(), 1);
    assert_eq!(approvals[0].request.id, request.id);
    assert_eq!(approvals[0].evidence[0].text, "Five break-ins since May");
    sergeant
        .store
        .decide_stage_request(
            &sergeant.actor,
            request.id,
            StageDecision::SendBack {
                reason: "Add who the victims are".into(),
            },
        )
        .expect("send back");
    sergeant
        .store
        .reassign_follow_up(&sergeant.actor, follow_up.id, t.other.actor.user_id)
        .expect("reassign");
    let report = sergeant.sync();
    assert_eq!(report.rejected, 0, "{report:?}");

    // Back out: the owner syncs and sees the decision and its reason.
    owner.sync();
    let requests = owner.store.stage_requests(p.id).expect("requests");
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].status, StageRequestStatus::SentBack);
    assert_eq!(
        requests[0].decision_reason.as_deref(),
        Some("Add who the victims are")
    );
    assert_eq!(requests[0].decided_by, Some(sergeant.actor.user_id));
    assert_eq!(
        owner.store.problem(p.id).expect("problem").stage,
        SaraStage::Scanning
    );
    // The promise is now Blake's, on both PCSOs' devices.
    assert!(owner
        .store
        .open_follow_ups(owner.actor.user_id, Utc::now())
        .expect("owed")
        .is_empty());
    t.other.sync();
    assert_eq!(
        t.other
            .store
            .open_follow_ups(t.other.actor.user_id, Utc::now())
            .expect("owed")
            .len(),
        1
    );

    // Reviews go to supervisors only: never in a PCSO's feed, and the PCSO's store has none.
    let pcso_feed = pull_from_start(&t.url, &owner.token());
    assert_eq!(pcso_feed.status, 200);
    assert!(
        !pcso_feed.body.contains("\"kind\":\"review\""),
        "a review reached a PCSO"
    );
    assert!(owner.store.reviews(None).expect("reviews").is_empty());
    // The review is not sent back to the device that made it (no echo), but a supervisor's
    // other device receives it.
    let sergeant_feed = pull_from_start(&t.url, &sergeant.token());
    assert_eq!(sergeant_feed.status, 200);
    assert!(!sergeant_feed.body.contains("\"kind\":\"review\""));
    let code = t
        .server
        .admin(&["enrol-code", "--user", &sergeant.actor.user_id.to_string()]);
    let tablet = Device::enrol(&t.url, &code);
    let tablet_feed = pull_from_start(&t.url, &tablet.token());
    assert!(tablet_feed.body.contains("\"kind\":\"review\""));
    // The sergeant's queue stays empty after the round trip (their own review came back).
    sergeant.sync();
    assert!(sergeant
        .store
        .review_queue(&sergeant.actor, None)
        .expect("queue")
        .is_empty());
}

#[test]
fn the_server_refuses_a_pcso_reassigning_a_promise_on_the_wire() {
    let t = team();
    let owner = &t.owner;
    let follow_up = owner
        .store
        .record_contact(&owner.actor, contact_with_promise())
        .expect("contact")
        .follow_up
        .expect("promise");
    owner.sync();
    // A device that skipped the core's check sends `owner` itself.
    let op = Op {
        op_id: beatbook_core::ids::StepId::new().0,
        kind: RecordKind::FollowUp,
        record_id: follow_up.id.to_string(),
        hlc: Hlc::new(
            u64::try_from(Utc::now().timestamp_millis()).expect("time"),
            owner.actor.device_id,
        ),
        author: owner.actor.user_id,
        device: owner.actor.device_id,
        fields: [(
            "owner".to_owned(),
            FieldChange {
                value: serde_json::json!(t.other.actor.user_id),
                base: None,
            },
        )]
        .into_iter()
        .collect(),
        erase: None,
    };
    let body = serde_json::to_string(&PushRequest {
        protocol: PROTOCOL_VERSION,
        ops: vec![op],
        pulled_through: None,
        epoch: None,
    })
    .expect("json");
    let answer = push(&t.url, &owner.token(), &body);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(
        answer.body.contains("\"status\":\"rejected\"")
            && answer.body.contains("\"code\":\"forbidden\"")
            && answer.body.contains("[assign_by_supervisors]"),
        "{}",
        answer.body
    );
}
