//! Correcting and cancelling patrols: the reason, who may, time sense, nothing half-written,
//! the audit trail, and a cancelled patrol leaving the reports and the open patrols.

use crate::common;

use beatbook_core::model::*;
use beatbook_core::reports::{Period, ReportArea, ReportQuery};
use beatbook_core::store::AuditAction;
use beatbook_core::validation::Rule;
use beatbook_core::Error;
use chrono::{Duration, TimeZone, Utc};
use common::Fixture;

fn christmas() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 25, 9, 0, 0)
        .single()
        .expect("time")
}

fn foot_patrol(started_at: chrono::DateTime<Utc>) -> NewPatrol {
    NewPatrol {
        kind: PatrolKind::Foot,
        area: AreaRef::Lap("LAP-N".into()),
        purpose: "Reassurance after shed burglaries on Elm Row".into(),
        operation_name: None,
        participants: vec![],
        started_at,
    }
}

/// A patrol "started" on Christmas Day by mistake: recorded while the device's clock was
/// wrong, then the clock set right (the example).
fn mistaken_patrol(f: &Fixture, actor: &Actor) -> Patrol {
    let now = f.now();
    f.clock.set(christmas());
    let patrol = f
        .store
        .start_patrol(actor, foot_patrol(christmas()))
        .expect("start");
    f.clock.set(now);
    patrol
}

fn rows(f: &Fixture) -> (i64, i64, i64) {
    (f.count("patrols"), f.count("audit_log"), f.count("outbox"))
}

#[test]
fn a_patrol_started_in_the_future_by_mistake_is_amended_to_today_and_then_closes() {
    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "Sam");
    let patrol = mistaken_patrol(&f, &pcso);
    let today = f.now() - Duration::hours(1);
    let amended = f
        .store
        .amend_patrol(
            &pcso,
            patrol.id,
            PatrolAmendment {
                started_at: Some(today),
                purpose: Some("Reassurance on Elm Row".into()),
                ..PatrolAmendment::default()
            },
            "Typed the wrong day",
        )
        .expect("amend");
    assert_eq!(amended.started_at, today);
    assert_eq!(
        amended.correction_reason.as_deref(),
        Some("Typed the wrong day")
    );
    assert_eq!(f.store.patrol(patrol.id).expect("read"), amended);
    let closed = f
        .store
        .close_patrol(
            &pcso,
            patrol.id,
            PatrolClosure {
                ended_at: f.now(),
                observations: None,
                assessment: Some(ValueAssessment {
                    purpose_met: PurposeMet::Yes,
                    value_rating: 3,
                    summary: "Quiet".into(),
                }),
            },
        )
        .expect("closes once its start is right");
    assert_eq!(closed.hours(), Some(1.0));
    let entry = f
        .store
        .audit_entries(Some(&patrol.id.to_string()))
        .expect("audit")
        .into_iter()
        .find(|e| e.justification.as_deref() == Some("Typed the wrong day"))
        .expect("the correction is logged");
    assert_eq!(entry.action, AuditAction::Alteration);
    // Field names only, never the values.
    assert_eq!(
        entry.detail.as_deref(),
        Some("corrected: started_at, purpose")
    );
}

#[test]
fn a_cancelled_patrol_is_nobodys_open_patrol_and_counts_in_no_report() {
    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "Sam");
    let patrol = mistaken_patrol(&f, &pcso);
    let kept = f
        .store
        .start_patrol(&pcso, foot_patrol(f.now() - Duration::hours(2)))
        .expect("a real patrol");
    let open: Vec<_> = f.store.open_patrols(pcso.user_id).expect("open");
    assert_eq!(
        open.first().map(|p| p.id),
        Some(patrol.id),
        "the mistake leads"
    );

    let cancelled = f
        .store
        .cancel_patrol(&pcso, patrol.id, "Started by mistake")
        .expect("cancel");
    assert_eq!(cancelled.cancelled_at, Some(f.now()));
    assert!(!cancelled.is_open());
    let open: Vec<_> = f.store.open_patrols(pcso.user_id).expect("open");
    assert_eq!(open.iter().map(|p| p.id).collect::<Vec<_>>(), vec![kept.id]);

    let query = ReportQuery {
        period: Period::new(
            f.now() - Duration::days(30),
            christmas() + Duration::days(1),
        )
        .expect("period"),
        area: ReportArea::All,
        as_of: f.now(),
    };
    let report = f.store.report(&query).expect("report");
    assert_eq!(report.patrol_hours.open_patrols, 1, "only the real patrol");
    // Still readable, marked, and cannot be cancelled twice or amended.
    assert!(f.store.patrol(patrol.id).expect("read").is_cancelled());
    let again = f
        .store
        .cancel_patrol(&pcso, patrol.id, "again")
        .expect_err("once");
    assert!(matches!(
        again.validation().map(|v| &v.rule),
        Some(Rule::InvalidState { .. })
    ));
    let amend = f
        .store
        .amend_patrol(
            &pcso,
            patrol.id,
            PatrolAmendment {
                purpose: Some("x".into()),
                ..PatrolAmendment::default()
            },
            "late",
        )
        .expect_err("cancelled");
    assert_eq!(
        amend.validation().map(|v| v.field.as_str()),
        Some("cancelled_at")
    );
    let entry = f
        .store
        .audit_entries(Some(&patrol.id.to_string()))
        .expect("audit")
        .pop()
        .expect("entry");
    assert_eq!(
        (
            entry.action,
            entry.detail.as_deref(),
            entry.justification.as_deref()
        ),
        (
            AuditAction::Alteration,
            Some("cancelled"),
            Some("Started by mistake")
        )
    );
}

#[test]
fn refused_corrections_write_nothing() {
    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "Sam");
    let stranger = f.actor(Role::Pcso, "Alex");
    let volunteer = f.actor(Role::Volunteer, "Vic");
    let patrol = f
        .store
        .start_patrol(&pcso, foot_patrol(f.now() - Duration::hours(3)))
        .expect("start");
    let before = rows(&f);
    let amend = |actor: &Actor, amendment: PatrolAmendment, reason: &str| {
        f.store
            .amend_patrol(actor, patrol.id, amendment, reason)
            .expect_err("refused")
    };
    let purpose = PatrolAmendment {
        purpose: Some("Something else".into()),
        ..PatrolAmendment::default()
    };
    // Someone else's patrol.
    assert!(matches!(
        amend(&stranger, purpose.clone(), "Wrong purpose"),
        Error::Denied(_)
    ));
    assert!(matches!(
        f.store.cancel_patrol(&stranger, patrol.id, "Mine now"),
        Err(Error::Denied(_))
    ));
    // No reason, or a reason that is a statement.
    for reason in ["  ", &"x".repeat(201)] {
        let err = amend(&pcso, purpose.clone(), reason);
        assert_eq!(err.validation().map(|v| v.field.as_str()), Some("reason"));
    }
    // Nothing to correct.
    let err = amend(&pcso, PatrolAmendment::default(), "Nothing");
    assert_eq!(
        err.validation().map(|v| v.field.as_str()),
        Some("amendment")
    );
    // A start in the future.
    let err = amend(
        &pcso,
        PatrolAmendment {
            started_at: Some(f.now() + Duration::hours(2)),
            ..PatrolAmendment::default()
        },
        "Later",
    );
    assert!(matches!(
        err.validation().map(|v| (v.field.as_str(), &v.rule)),
        Some(("started_at", Rule::TimeNotAllowed { .. }))
    ));
    // An open patrol's end is set by closing it.
    let err = amend(
        &pcso,
        PatrolAmendment {
            ended_at: Some(f.now()),
            ..PatrolAmendment::default()
        },
        "Ended",
    );
    assert_eq!(err.validation().map(|v| v.field.as_str()), Some("ended_at"));
    // An empty purpose, a named operation without its name.
    let err = amend(
        &pcso,
        PatrolAmendment {
            purpose: Some(" ".into()),
            ..PatrolAmendment::default()
        },
        "Blank",
    );
    assert_eq!(err.validation().map(|v| v.field.as_str()), Some("purpose"));
    let err = amend(
        &pcso,
        PatrolAmendment {
            kind: Some(PatrolKind::Operation),
            ..PatrolAmendment::default()
        },
        "It was an operation",
    );
    assert_eq!(
        err.validation().map(|v| v.field.as_str()),
        Some("operation_name")
    );
    // A volunteer's own patrol stays a CiP targeted one.
    let cip = f
        .store
        .start_patrol(
            &volunteer,
            NewPatrol {
                kind: PatrolKind::CipTargeted,
                ..foot_patrol(f.now() - Duration::hours(1))
            },
        )
        .expect("cip");
    let before = (before.0 + 1, before.1 + 1, before.2 + 1);
    let err = f
        .store
        .amend_patrol(
            &volunteer,
            cip.id,
            PatrolAmendment {
                kind: Some(PatrolKind::Foot),
                ..PatrolAmendment::default()
            },
            "Was foot",
        )
        .expect_err("volunteers record CiP patrols");
    assert_eq!(err.validation().map(|v| v.field.as_str()), Some("kind"));
    assert_eq!(rows(&f), before, "nothing half-written");
    assert_eq!(
        f.store.patrol(patrol.id).expect("read").correction_reason,
        None
    );
}

#[test]
fn a_closed_patrol_is_corrected_within_its_length_bound() {
    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "Sam");
    let start = f.now() - Duration::hours(4);
    let patrol = f
        .store
        .record_patrol(
            &pcso,
            foot_patrol(start),
            PatrolClosure {
                ended_at: start + Duration::hours(2),
                observations: None,
                assessment: Some(ValueAssessment {
                    purpose_met: PurposeMet::Partly,
                    value_rating: 3,
                    summary: "Spoke to two shopkeepers".into(),
                }),
            },
        )
        .expect("record");
    let too_long = f
        .store
        .amend_patrol(
            &pcso,
            patrol.id,
            PatrolAmendment {
                started_at: Some(start - Duration::hours(30)),
                ..PatrolAmendment::default()
            },
            "Started the day before",
        )
        .expect_err("longer than a patrol lasts");
    assert!(matches!(
        too_long.validation().map(|v| &v.rule),
        Some(Rule::TimeNotAllowed { .. })
    ));
    let backwards = f
        .store
        .amend_patrol(
            &pcso,
            patrol.id,
            PatrolAmendment {
                ended_at: Some(start - Duration::hours(1)),
                ..PatrolAmendment::default()
            },
            "Ended earlier",
        )
        .expect_err("ends before it starts");
    assert_eq!(
        backwards.validation().map(|v| &v.rule),
        Some(&Rule::EndBeforeStart)
    );
    let sergeant = f.actor(Role::Supervisor, "Sgt Patel");
    let amended = f
        .store
        .amend_patrol(
            &sergeant,
            patrol.id,
            PatrolAmendment {
                ended_at: Some(start + Duration::hours(3)),
                area: Some(AreaRef::Lap("LAP-S".into())),
                ..PatrolAmendment::default()
            },
            "Ran on to the south side",
        )
        .expect("a supervisor corrects a team patrol");
    assert_eq!(amended.hours(), Some(3.0));
    assert_eq!(amended.area, AreaRef::Lap("LAP-S".into()));
    assert_eq!(amended.recorded_by, pcso.user_id);
}
