use super::*;
use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn at(day: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0)
        .single()
        .expect("a valid time")
        + Duration::days(day)
}

fn schedule(personal: u32, notice: u32) -> RetentionSchedule {
    RetentionSchedule {
        review_after_days: BTreeMap::from([(RetainedKind::ContactPersonal, personal)]),
        notice_days: notice,
    }
}

#[test]
fn a_record_is_current_then_due_then_expired_as_its_date_nears_and_passes() {
    let s = schedule(180, 30);
    let anchor = Anchor::From(at(0));
    let kind = RetainedKind::ContactPersonal;
    assert_eq!(
        status(&s, kind, anchor, None, at(149)),
        RetentionStatus::Current { review_on: at(180) }
    );
    assert_eq!(
        status(&s, kind, anchor, None, at(150)),
        RetentionStatus::DueForReview { review_on: at(180) }
    );
    assert!(!status(&s, kind, anchor, None, at(180) - Duration::seconds(1)).is_expired());
    assert!(status(&s, kind, anchor, None, at(180)).is_expired());
}

#[test]
fn a_kind_the_schedule_does_not_name_is_kept_until_erased() {
    let s = schedule(180, 30);
    let status = status(
        &s,
        RetainedKind::Note,
        Anchor::From(at(0)),
        None,
        at(100_000),
    );
    assert_eq!(status, RetentionStatus::Unscheduled);
}

#[test]
fn an_open_problem_is_not_yet_subject_to_the_schedule() {
    let s = RetentionSchedule {
        review_after_days: BTreeMap::from([(RetainedKind::Problem, 10)]),
        notice_days: 0,
    };
    let open = anchor_of(RetainedKind::Problem, None, Some(at(0)));
    assert_eq!(open, Anchor::NotYet);
    assert_eq!(
        status(&s, RetainedKind::Problem, open, None, at(999)),
        RetentionStatus::Unscheduled
    );
    let closed = anchor_of(RetainedKind::Problem, Some(at(5)), None);
    assert!(status(&s, RetainedKind::Problem, closed, None, at(15)).is_expired());
}

#[test]
fn an_open_patrol_runs_from_its_start() {
    assert_eq!(
        anchor_of(RetainedKind::Patrol, None, Some(at(3))),
        Anchor::From(at(3))
    );
    assert_eq!(
        anchor_of(RetainedKind::Patrol, Some(at(4)), Some(at(3))),
        Anchor::From(at(4))
    );
}

#[test]
fn a_decision_to_retain_replaces_the_schedules_date() {
    let s = schedule(180, 30);
    let kind = RetainedKind::ContactPersonal;
    let anchor = Anchor::From(at(0));
    assert!(status(&s, kind, anchor, None, at(200)).is_expired());
    assert_eq!(
        status(&s, kind, anchor, Some(at(400)), at(200)),
        RetentionStatus::Current { review_on: at(400) }
    );
}

#[test]
fn the_schedule_refuses_periods_out_of_range_and_personal_details_outliving_their_contact() {
    assert!(schedule(0, 30).validate().is_err());
    assert!(schedule(MAX_REVIEW_DAYS + 1, 30).validate().is_err());
    assert!(schedule(180, MAX_NOTICE_DAYS + 1).validate().is_err());
    assert!(schedule(180, 30).validate().is_ok());
    let mut longer = schedule(400, 30);
    longer.review_after_days.insert(RetainedKind::Contact, 365);
    let err = longer
        .validate()
        .expect_err("personal details outliving the contact");
    assert_eq!(err.field, "review_after_days.contact_personal");
}

#[test]
fn the_schedule_reads_and_writes_its_record_form() {
    let json = r#"{"review_after_days":{"contact_personal":183,"problem":2192},"notice_days":14}"#;
    let s: RetentionSchedule = serde_json::from_str(json).expect("a schedule");
    assert_eq!(s.period_days(RetainedKind::Problem), Some(2192));
    assert_eq!(serde_json::to_string(&s).expect("json"), json);
    let unknown = r#"{"review_after_days":{"pocketbook":1}}"#;
    assert!(serde_json::from_str::<RetentionSchedule>(unknown).is_err());
    let defaults: RetentionSchedule = serde_json::from_str("{}").expect("empty schedule");
    assert_eq!(defaults, RetentionSchedule::default());
}

#[test]
fn a_retention_decision_needs_a_reason_and_a_date_ahead_within_ten_years() {
    let decision = RetentionReview {
        record_kind: RetainedKind::Contact,
        record_id: "0193".into(),
        team_id: crate::ids::TeamId::new(),
        review_on: at(30),
        reason: "Linked to an open vulnerability case".into(),
        decided_by: crate::ids::UserId::new(),
        decided_at: at(0),
    };
    assert!(decision.validate().is_ok());
    assert_eq!(decision.id(), "contact:0193");
    let mut past = decision.clone();
    past.review_on = at(-1);
    assert!(past.validate().is_err());
    let mut far = decision.clone();
    far.review_on = at(MAX_RETAIN_DAYS + 1);
    assert!(far.validate().is_err());
    let mut silent = decision;
    silent.reason = "  ".into();
    assert!(silent.validate().is_err());
}

proptest! {
    /// Time only moves a record towards disposal: once expired at some time, it is expired at
    /// every later time, and once due it is never current again.
    #[test]
    fn status_never_moves_back(
        period in 1u32..5_000,
        notice in 0u32..=MAX_NOTICE_DAYS,
        anchor_day in -5_000i64..5_000,
        retained in proptest::option::of(-5_000i64..5_000),
        t1 in -10_000i64..10_000,
        later in 0i64..10_000,
    ) {
        let s = schedule(period, notice);
        let kind = RetainedKind::ContactPersonal;
        let anchor = Anchor::From(at(anchor_day));
        let retained = retained.map(at);
        let first = status(&s, kind, anchor, retained, at(t1));
        let second = status(&s, kind, anchor, retained, at(t1 + later));
        let rank = |st: RetentionStatus| match st {
            RetentionStatus::Unscheduled => 0,
            RetentionStatus::Current { .. } => 1,
            RetentionStatus::DueForReview { .. } => 2,
            RetentionStatus::Expired { .. } => 3,
        };
        prop_assert!(rank(second) >= rank(first));
        prop_assert_eq!(first.review_on(), second.review_on());
    }
}
