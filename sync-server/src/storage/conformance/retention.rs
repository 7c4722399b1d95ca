//! Retention (`storage::retention_index`, `crate::retention`) on every backend, at controlled
//! times: the index's ranges and children, the pull filter, the sweep (personal details
//! redacted at their date and not before; a retained record kept until its new date; a closed
//! problem erased with its steps, an open one never), the administrator's erasure of each
//! kind, and the s.62 entries they write.

use super::{filter, put};
use crate::admin;
use crate::retention::{self, schedule, Actor, DisposeError, ScheduleChange};
use crate::storage::retention_index::{Cutoffs, RetentionRange};
use crate::storage::{AuditFilter, RecordMeta, RecordRow, SyncStorage};
use beatbook_core::audit::AuditAction;
use beatbook_core::ids::{DeviceId, TeamId};
use beatbook_core::model::Role;
use beatbook_core::retention::{RetainedKind, RetentionSchedule};
use beatbook_core::sync::merge::RecordState;
use beatbook_core::sync::protocol::FieldState;
use beatbook_core::sync::{Hlc, RecordKind};
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{json, Value};
use std::sync::Arc;

fn at(day: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0)
        .single()
        .expect("a time")
        + Duration::days(day)
}

/// A team with a supervisor (the server disposes as a supervisor of the record's team).
fn team(storage: &dyn SyncStorage) -> TeamId {
    let team = admin::create_team(storage, "Northvale", None).expect("team");
    admin::create_user(storage, "Sam Sergeant", Role::Supervisor, team.id).expect("user");
    team.id
}

fn put_in(storage: &dyn SyncStorage, team: TeamId, kind: RecordKind, id: &str, fields: Value) {
    let Value::Object(map) = fields else {
        panic!("fields must be an object")
    };
    let hlc = Hlc::new(at(0).timestamp_millis() as u64, DeviceId::new());
    put(
        storage,
        RecordRow {
            kind,
            record_id: id.into(),
            meta: RecordMeta {
                team_id: Some(team),
                ..RecordMeta::default()
            },
            state: RecordState {
                fields: map
                    .into_iter()
                    .map(|(k, value)| (k, FieldState { value, hlc }))
                    .collect(),
                erased: false,
            },
        },
    );
}

/// A contact that happened on `day`, without personal details.
fn contact_alone(storage: &dyn SyncStorage, team: TeamId, id: &str, day: i64) {
    put_in(
        storage,
        team,
        RecordKind::Contact,
        id,
        json!({"id": id, "occurred_at": at(day)}),
    );
}

fn contact(storage: &dyn SyncStorage, team: TeamId, id: &str, day: i64) {
    contact_alone(storage, team, id, day);
    put_in(
        storage,
        team,
        RecordKind::ContactPersonal,
        id,
        json!({"details": {"name": "Ada Example"}, "ethnicity": null}),
    );
}

fn problem(storage: &dyn SyncStorage, team: TeamId, id: &str, stage: &str, day: i64) {
    put_in(
        storage,
        team,
        RecordKind::Problem,
        id,
        json!({"id": id, "stage": stage, "stage_changed_at": at(day)}),
    );
    put_in(
        storage,
        team,
        RecordKind::ProblemStep,
        &format!("{id}-step"),
        json!({"id": format!("{id}-step"), "problem_id": id}),
    );
    put_in(
        storage,
        team,
        RecordKind::StageRequest,
        &format!("{id}-request"),
        json!({"id": format!("{id}-request"), "problem_id": id}),
    );
}

fn set(storage: &dyn SyncStorage, kind: RetainedKind, days: u32) {
    schedule::change_schedule(storage, ScheduleChange::Set { kind, days }).expect("schedule");
}

fn state(storage: &dyn SyncStorage, kind: RecordKind, id: &str) -> RecordState {
    storage
        .record(kind, id)
        .expect("read")
        .expect("stored")
        .state
}

fn ids(storage: &dyn SyncStorage, range: &RetentionRange) -> Vec<String> {
    storage
        .retention_entries(range)
        .expect("entries")
        .into_iter()
        .map(|e| e.record_id)
        .collect()
}

fn erasures(storage: &dyn SyncStorage) -> Vec<crate::storage::ServerAudit> {
    storage
        .audit_search(
            &AuditFilter {
                action: Some(AuditAction::Erasure),
                ..AuditFilter::default()
            },
            100,
        )
        .expect("log")
        .into_iter()
        .map(|c| c.entry)
        .collect()
}

pub(crate) fn the_index_finds_expired_records_by_range_and_children_by_parent(
    storage: &Arc<dyn SyncStorage>,
) {
    let storage = storage.as_ref();
    let team = team(storage);
    contact(storage, team, "c-old", 0);
    contact(storage, team, "c-new", 50);
    put_in(
        storage,
        team,
        RecordKind::FollowUp,
        "f1",
        json!({"id": "f1", "contact_id": "c-old"}),
    );
    problem(storage, team, "p-open", "response", 0);
    let schedule = RetentionSchedule {
        review_after_days: [(RetainedKind::Contact, 10), (RetainedKind::Problem, 10)].into(),
        notice_days: 0,
    };
    let range = |kind, day| RetentionRange::through(&schedule, kind, at(day), 10);
    assert!(ids(storage, &range(RetainedKind::Contact, 9)).is_empty());
    assert_eq!(ids(storage, &range(RetainedKind::Contact, 10)), ["c-old"]);
    assert_eq!(
        ids(storage, &range(RetainedKind::Contact, 60)),
        ["c-old", "c-new"]
    );
    // The personal details take the contact's anchor; an open problem has none.
    let personal = RetentionRange {
        anchor_through_ms: Some(at(0).timestamp_millis()),
        ..range(RetainedKind::ContactPersonal, 10)
    };
    assert_eq!(ids(storage, &personal), ["c-old"]);
    assert!(ids(storage, &range(RetainedKind::Problem, 1000)).is_empty());
    // A team filter.
    let mut other_team = range(RetainedKind::Contact, 60);
    other_team.team = Some(TeamId::new());
    assert!(ids(storage, &other_team).is_empty());
    assert_eq!(
        storage
            .retention_children(RetainedKind::Contact, "c-old")
            .expect("children"),
        [
            (RecordKind::ContactPersonal, "c-old".to_owned()),
            (RecordKind::FollowUp, "f1".to_owned())
        ]
    );
    assert_eq!(
        storage
            .retention_children(RetainedKind::Problem, "p-open")
            .expect("children"),
        [
            (RecordKind::ProblemStep, "p-open-step".to_owned()),
            (RecordKind::StageRequest, "p-open-request".to_owned())
        ]
    );
    // A decision to retain moves the record to the retained range.
    put_in(
        storage,
        team,
        RecordKind::RetentionReview,
        "contact:c-old",
        json!({"record_kind": "contact", "record_id": "c-old", "review_on": at(30)}),
    );
    assert!(ids(storage, &range(RetainedKind::Contact, 10)).is_empty());
    assert_eq!(ids(storage, &range(RetainedKind::Contact, 30)), ["c-old"]);
    // Closing the problem gives it its anchor.
    problem(storage, team, "p-open", "closed", 5);
    assert_eq!(ids(storage, &range(RetainedKind::Problem, 15)), ["p-open"]);
}

/// A contact's personal details take its anchor whether they arrive after it or before it,
/// and follow it when its time is corrected.
pub(crate) fn personal_details_take_their_contacts_anchor_whenever_they_arrive(
    storage: &Arc<dyn SyncStorage>,
) {
    let storage = storage.as_ref();
    let team = team(storage);
    let details = || json!({"details": {"name": "Ada Example"}, "ethnicity": null});
    let contact_at = |id: &str, day: i64| contact_alone(storage, team, id, day);
    let schedule = RetentionSchedule {
        review_after_days: [(RetainedKind::ContactPersonal, 10)].into(),
        notice_days: 0,
    };
    let personal_due = |day| {
        ids(
            storage,
            &RetentionRange::through(&schedule, RetainedKind::ContactPersonal, at(day), 10),
        )
    };
    contact_at("after", 0);
    contact_at("never", 0);
    assert!(personal_due(100).is_empty(), "no personal details yet");
    put_in(
        storage,
        team,
        RecordKind::ContactPersonal,
        "after",
        details(),
    );
    put_in(
        storage,
        team,
        RecordKind::ContactPersonal,
        "before",
        details(),
    );
    assert_eq!(personal_due(10), ["after"]);
    contact_at("before", 5);
    assert_eq!(personal_due(10), ["after"]);
    assert_eq!(personal_due(15), ["after", "before"]);
    // The contact's time corrected: its personal details' date moves with it.
    contact_at("after", 20);
    assert_eq!(personal_due(15), ["before"]);
    assert_eq!(personal_due(30), ["before", "after"]);
}

pub(crate) fn a_pull_never_serves_a_record_past_its_date_but_serves_its_erasure(
    storage: &Arc<dyn SyncStorage>,
) {
    let storage = storage.as_ref();
    let team = team(storage);
    contact(storage, team, "c1", 0);
    contact(storage, team, "c2", 100);
    set(storage, RetainedKind::ContactPersonal, 180);
    let schedule = retention::current_schedule(storage).expect("schedule");
    let mut pull = filter();
    pull.global_kinds = Vec::new();
    pull.team_id = Some(team);
    pull.team_kinds = vec![RecordKind::Contact, RecordKind::ContactPersonal];
    let served = |now| {
        let mut f = pull.clone();
        f.retention = Some(Cutoffs::at(&schedule, now));
        storage
            .feed_page(&f, 0, 100)
            .expect("page")
            .rows
            .into_iter()
            .map(|r| (r.kind, r.record_id))
            .collect::<Vec<_>>()
    };
    let personal = |id: &str| (RecordKind::ContactPersonal, id.to_owned());
    let before = served(at(179));
    assert!(before.contains(&personal("c1")) && before.contains(&personal("c2")));
    // Past c1's date, before any sweep: its details are not served, its contact is.
    let after = served(at(180));
    assert!(!after.contains(&personal("c1")), "{after:?}");
    assert!(after.contains(&(RecordKind::Contact, "c1".to_owned())));
    assert!(after.contains(&personal("c2")));
    // Once swept, the redaction is served.
    let report = retention::sweep(storage, at(180)).expect("sweep");
    assert_eq!(
        report.disposed.get(&RetainedKind::ContactPersonal),
        Some(&1)
    );
    assert!(served(at(180)).contains(&personal("c1")));
    let redacted = state(storage, RecordKind::ContactPersonal, "c1");
    assert!(redacted.fields.values().all(|f| f.value.is_null()));
}

pub(crate) fn the_sweep_redacts_personal_details_at_their_date_and_logs_it(
    storage: &Arc<dyn SyncStorage>,
) {
    let storage = storage.as_ref();
    let team = team(storage);
    contact(storage, team, "c1", 0);
    set(storage, RetainedKind::ContactPersonal, 180);
    let early = retention::sweep(storage, at(180) - Duration::seconds(1)).expect("sweep");
    assert_eq!(early.total(), 0);
    assert_eq!(
        state(storage, RecordKind::ContactPersonal, "c1").fields["details"].value["name"],
        "Ada Example"
    );
    let report = retention::sweep(storage, at(180)).expect("sweep");
    assert_eq!(
        report.disposed.get(&RetainedKind::ContactPersonal),
        Some(&1)
    );
    let personal = state(storage, RecordKind::ContactPersonal, "c1");
    assert!(!personal.erased);
    assert!(personal.fields.values().all(|f| f.value.is_null()));
    assert!(!state(storage, RecordKind::Contact, "c1").erased);
    let log = erasures(storage);
    assert_eq!(log.len(), 1, "{log:?}");
    let entry = &log[0];
    assert_eq!(entry.role, retention::dispose::SCHEDULE_ROLE);
    assert_eq!(entry.user_id, None);
    assert_eq!(entry.subject, "contact_personal");
    assert_eq!(entry.record_id.as_deref(), Some("c1"));
    assert_eq!(
        entry.justification.as_deref(),
        Some("retention schedule: review date 2026-06-30T09:00:00Z passed without a decision to retain")
    );
    assert!(!format!("{entry:?}").contains("Ada"));
    // Idempotent.
    assert_eq!(
        retention::sweep(storage, at(400)).expect("sweep").total(),
        0
    );
    assert_eq!(erasures(storage).len(), 1);
}

pub(crate) fn a_retained_record_survives_until_its_new_date(storage: &Arc<dyn SyncStorage>) {
    let storage = storage.as_ref();
    let team = team(storage);
    put_in(
        storage,
        team,
        RecordKind::Note,
        "n1",
        json!({"id": "n1", "created_at": at(0)}),
    );
    set(storage, RetainedKind::Note, 30);
    put_in(
        storage,
        team,
        RecordKind::RetentionReview,
        "note:n1",
        json!({"record_kind": "note", "record_id": "n1", "review_on": at(90)}),
    );
    assert_eq!(retention::sweep(storage, at(60)).expect("sweep").total(), 0);
    assert!(!state(storage, RecordKind::Note, "n1").erased);
    let report = retention::sweep(storage, at(90)).expect("sweep");
    assert_eq!(report.disposed.get(&RetainedKind::Note), Some(&1));
    assert!(state(storage, RecordKind::Note, "n1").erased);
}

pub(crate) fn a_closed_problem_goes_with_its_steps_and_an_open_one_never(
    storage: &Arc<dyn SyncStorage>,
) {
    let storage = storage.as_ref();
    let team = team(storage);
    problem(storage, team, "closed", "closed", 0);
    problem(storage, team, "open", "response", 0);
    set(storage, RetainedKind::Problem, 365);
    let report = retention::sweep(storage, at(5000)).expect("sweep");
    assert_eq!(report.disposed.get(&RetainedKind::Problem), Some(&1));
    assert_eq!(report.children, 2);
    for (kind, id) in [
        (RecordKind::Problem, "closed"),
        (RecordKind::ProblemStep, "closed-step"),
        (RecordKind::StageRequest, "closed-request"),
    ] {
        assert!(state(storage, kind, id).erased, "{kind} {id}");
    }
    for (kind, id) in [
        (RecordKind::Problem, "open"),
        (RecordKind::ProblemStep, "open-step"),
    ] {
        assert!(!state(storage, kind, id).erased, "{kind} {id}");
    }
    assert_eq!(erasures(storage).len(), 3);
}

pub(crate) fn an_administrator_erases_any_kind_with_its_children_and_a_reason(
    storage: &Arc<dyn SyncStorage>,
) {
    let storage = storage.as_ref();
    let team = team(storage);
    let erase = |kind, id: &str| {
        retention::erase(
            storage,
            kind,
            id,
            "Court order 12/3",
            Some("Avery Admin"),
            at(1),
        )
    };
    // Unknown: a clear error, nothing written.
    let head = storage.feed_head().expect("head");
    assert!(matches!(
        erase(RecordKind::Note, "nope"),
        Err(retention::EraseError::Dispose(DisposeError::NotFound(..)))
    ));
    assert!(matches!(
        erase(RecordKind::Team, "x"),
        Err(retention::EraseError::Kind(RecordKind::Team))
    ));
    assert_eq!(storage.feed_head().expect("head"), head);
    contact(storage, team, "c1", 0);
    put_in(
        storage,
        team,
        RecordKind::FollowUp,
        "f1",
        json!({"id": "f1", "contact_id": "c1"}),
    );
    contact(storage, team, "c2", 0);
    put_in(
        storage,
        team,
        RecordKind::FollowUp,
        "f2",
        json!({"id": "f2", "contact_id": "c2"}),
    );
    put_in(storage, team, RecordKind::Note, "n1", json!({"id": "n1"}));
    put_in(
        storage,
        team,
        RecordKind::Patrol,
        "pa1",
        json!({"id": "pa1"}),
    );
    problem(storage, team, "p1", "analysis", 0);
    problem(storage, team, "p2", "analysis", 0);

    let done = erase(RecordKind::Contact, "c1").expect("contact");
    assert_eq!(done.records.len(), 3);
    for (kind, id) in [
        (RecordKind::Contact, "c1"),
        (RecordKind::ContactPersonal, "c1"),
        (RecordKind::FollowUp, "f1"),
    ] {
        assert!(state(storage, kind, id).erased, "{kind} {id}");
    }
    erase(RecordKind::ContactPersonal, "c2").expect("personal");
    let personal = state(storage, RecordKind::ContactPersonal, "c2");
    assert!(!personal.erased && personal.fields.values().all(|f| f.value.is_null()));
    assert!(matches!(
        erase(RecordKind::ContactPersonal, "c2"),
        Err(retention::EraseError::Dispose(DisposeError::NotFound(..)))
    ));
    erase(RecordKind::FollowUp, "f2").expect("follow-up");
    assert!(!state(storage, RecordKind::Contact, "c2").erased);
    erase(RecordKind::Note, "n1").expect("note");
    erase(RecordKind::Patrol, "pa1").expect("patrol");
    erase(RecordKind::ProblemStep, "p2-step").expect("step");
    assert!(!state(storage, RecordKind::Problem, "p2").erased);
    let done = erase(RecordKind::Problem, "p1").expect("problem");
    assert_eq!(done.records.len(), 3);
    assert!(state(storage, RecordKind::StageRequest, "p1-request").erased);
    assert!(matches!(
        erase(RecordKind::Note, "n1"),
        Err(retention::EraseError::Dispose(DisposeError::NotFound(..)))
    ));
    let log = erasures(storage);
    assert_eq!(log.len(), 3 + 1 + 1 + 1 + 1 + 1 + 3, "{log:?}");
    for entry in &log {
        assert_eq!(entry.role, "admin");
        assert_eq!(entry.justification.as_deref(), Some("Court order 12/3"));
        assert!(entry
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("Avery Admin")));
    }
    let _ = Actor::Schedule { review_on: at(0) };
}

pub(crate) fn the_schedule_is_validated_before_it_is_written(storage: &Arc<dyn SyncStorage>) {
    let storage = storage.as_ref();
    set(storage, RetainedKind::Contact, 365);
    let head = storage.feed_head().expect("head");
    for change in [
        ScheduleChange::Set {
            kind: RetainedKind::ContactPersonal,
            days: 400,
        },
        ScheduleChange::Set {
            kind: RetainedKind::Note,
            days: 0,
        },
        ScheduleChange::Notice { days: 366 },
    ] {
        let refused = schedule::change_schedule(storage, change).expect_err("refused");
        assert!(
            refused.to_string().contains("review_after_days")
                || refused.to_string().contains("notice_days"),
            "{refused}"
        );
    }
    assert_eq!(storage.feed_head().expect("head"), head);
    set(storage, RetainedKind::ContactPersonal, 180);
    schedule::change_schedule(
        storage,
        ScheduleChange::Unset {
            kind: RetainedKind::Contact,
        },
    )
    .expect("unset");
    let now = retention::current_schedule(storage).expect("schedule");
    assert_eq!(now.period_days(RetainedKind::ContactPersonal), Some(180));
    assert_eq!(now.period_days(RetainedKind::Contact), None);
}

pub(crate) fn a_pull_leaves_out_the_children_of_an_expired_record(storage: &Arc<dyn SyncStorage>) {
    let storage = storage.as_ref();
    let team = team(storage);
    contact(storage, team, "c1", 0);
    put_in(
        storage,
        team,
        RecordKind::FollowUp,
        "f1",
        json!({"id": "f1", "contact_id": "c1"}),
    );
    contact(storage, team, "c2", 50);
    // A conflict about c1's personal record holds copies of its values.
    let hlc = Hlc::new(at(0).timestamp_millis() as u64, DeviceId::new());
    put(
        storage,
        RecordRow {
            kind: RecordKind::Conflict,
            record_id: "k1".into(),
            meta: RecordMeta {
                team_id: Some(team),
                subject: Some((RecordKind::ContactPersonal, "c1".into())),
                ..RecordMeta::default()
            },
            state: RecordState {
                fields: [(
                    "loser_value".to_owned(),
                    FieldState {
                        value: json!({"name": "Ada Example"}),
                        hlc,
                    },
                )]
                .into(),
                erased: false,
            },
        },
    );
    set(storage, RetainedKind::Contact, 100);
    let schedule = retention::current_schedule(storage).expect("schedule");
    let mut pull = filter();
    pull.global_kinds = Vec::new();
    pull.team_id = Some(team);
    pull.team_kinds = vec![
        RecordKind::Contact,
        RecordKind::ContactPersonal,
        RecordKind::FollowUp,
        RecordKind::Conflict,
    ];
    let served = |now| {
        let mut f = pull.clone();
        f.retention = Some(Cutoffs::at(&schedule, now));
        storage
            .feed_page(&f, 0, 100)
            .expect("page")
            .rows
            .into_iter()
            .map(|r| format!("{} {}", r.kind, r.record_id))
            .collect::<Vec<_>>()
    };
    assert_eq!(served(at(99)).len(), 6);
    assert_eq!(
        served(at(100)),
        ["contact c2", "contact_personal c2"],
        "the expired contact, its personal record, its follow-up and the conflict about its \
         personal record are all left out"
    );
    // The sweep erases all three; their tombstones are served.
    let report = retention::sweep(storage, at(100)).expect("sweep");
    assert_eq!(report.disposed.get(&RetainedKind::Contact), Some(&1));
    assert_eq!(report.children, 2);
    assert_eq!(served(at(100)).len(), 6, "every tombstone is served");
    assert!(state(storage, RecordKind::FollowUp, "f1").erased);
    assert!(state(storage, RecordKind::Conflict, "k1").erased);
}

pub(crate) fn the_due_list_holds_what_is_within_the_notice_and_names_no_one(
    storage: &Arc<dyn SyncStorage>,
) {
    let storage = storage.as_ref();
    let team = team(storage);
    contact(storage, team, "c-due", 0);
    contact(storage, team, "c-later", 100);
    set(storage, RetainedKind::ContactPersonal, 180);
    schedule::change_schedule(storage, ScheduleChange::Notice { days: 30 }).expect("notice");
    assert!(retention::due_for_review(storage, Some(team), at(149))
        .expect("due")
        .is_empty());
    let due = retention::due_for_review(storage, Some(team), at(150)).expect("due");
    assert_eq!(due.len(), 1, "{due:?}");
    assert_eq!(due[0].record_id, "c-due");
    assert_eq!(due[0].review_on, at(180));
    assert!(!due[0].expired && !due[0].label().contains("Ada"));
    assert!(
        retention::due_for_review(storage, Some(TeamId::new()), at(150))
            .expect("due")
            .is_empty()
    );
    let past = retention::due_for_review(storage, None, at(181)).expect("due");
    assert!(past.iter().any(|d| d.record_id == "c-due" && d.expired));
}

pub(crate) fn the_sweep_works_through_a_backlog_in_batches(storage: &Arc<dyn SyncStorage>) {
    let storage = storage.as_ref();
    let team = team(storage);
    let backlog = 2 * retention::sweep::BATCH as usize + 5;
    for i in 0..backlog {
        put_in(
            storage,
            team,
            RecordKind::Note,
            &format!("n{i}"),
            json!({"id": format!("n{i}"), "created_at": at(0)}),
        );
    }
    set(storage, RetainedKind::Note, 10);
    let report = retention::sweep(storage, at(10)).expect("sweep");
    assert_eq!(report.disposed.get(&RetainedKind::Note), Some(&backlog));
    assert!(!report.more);
    assert_eq!(retention::sweep(storage, at(10)).expect("sweep").total(), 0);
}
