use super::{read_from_day, report_until_day, ALWAYS_READ};
use crate::reports::{Period, SyncedFacts};
use crate::sync::protocol::RecordKind;
use chrono::{DateTime, Duration, SecondsFormat, TimeZone, Utc};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

const USER: &str = "0192f0c4-1d2e-7a00-8000-000000000002";

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0)
        .single()
        .expect("a time")
}

/// `base()` plus some microseconds (times within a day are where rounding could slip).
fn at(micros: i64) -> DateTime<Utc> {
    base() + Duration::microseconds(micros)
}

fn text(time: DateTime<Utc>) -> Value {
    json!(time.to_rfc3339_opts(SecondsFormat::Micros, true))
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn contact(occurred: DateTime<Utc>) -> Map<String, Value> {
    object(json!({
        "id": "0192f0c4-1d2e-7a00-8000-000000000001",
        "occurred_at": text(occurred),
        "lsoa_code": "E01027461",
        "lap_code": "LAP-NV",
        "method": "door_knock",
        "audience": "resident",
        "people_count": 2,
        "recorded_by": USER,
    }))
}

fn patrol(started: DateTime<Utc>, ended: Option<DateTime<Utc>>) -> Map<String, Value> {
    object(json!({
        "id": "0192f0c4-1d2e-7a00-8000-000000000003",
        "kind": "foot",
        "area": {"kind": "lsoa", "id": "E01027461"},
        "purpose": "Reassurance after burglaries",
        "operation_name": null,
        "recorded_by": USER,
        "participants": [],
        "started_at": text(started),
        "ended_at": ended.map(text),
        "observations": null,
        "assessment": null,
        "created_at": text(started),
        "updated_at": text(started),
    }))
}

fn follow_up(
    created: DateTime<Utc>,
    status: &str,
    answered: Option<DateTime<Utc>>,
) -> Map<String, Value> {
    object(json!({
        "id": "0192f0c4-1d2e-7a00-8000-000000000005",
        "contact_id": null,
        "promise": "Call back about the bikes",
        "owner": USER,
        "created_at": text(created),
        "due_at": text(created + Duration::days(3)),
        "status": status,
        "answered_at": answered.map(text),
        "outcome": null,
    }))
}

fn until(kind: RecordKind, values: &Map<String, Value>) -> Option<i64> {
    report_until_day(kind, |field| values.get(field))
}

/// Whether a report of `period` keeps a fact of this one record.
fn kept(period: Period, kind: RecordKind, values: Map<String, Value>) -> bool {
    let mut facts = SyncedFacts::for_period(period);
    facts.add_object(kind, values);
    let data = facts.finish();
    assert_eq!(data.skipped_records, 0, "the test's record parses");
    !(data.contacts.is_empty() && data.patrols.is_empty() && data.follow_ups.is_empty())
}

fn record() -> impl Strategy<Value = (RecordKind, Map<String, Value>)> {
    // Times within ±20 days of the base, to the microsecond.
    let time = || (-1_728_000_000_000i64..1_728_000_000_000).prop_map(at);
    prop_oneof![
        time().prop_map(|t| (RecordKind::Contact, contact(t))),
        (time(), proptest::option::of(0i64..86_400_000_000)).prop_map(|(start, length)| {
            let end = length.map(|l| start + Duration::microseconds(l));
            (RecordKind::Patrol, patrol(start, end))
        }),
        (
            time(),
            prop_oneof![Just("open"), Just("answered"), Just("cancelled")],
            proptest::option::of(0i64..2_592_000_000_000),
        )
            .prop_map(|(created, status, answered)| {
                let answered = answered.map(|a| created + Duration::microseconds(a));
                (RecordKind::FollowUp, follow_up(created, status, answered))
            }),
    ]
}

proptest! {
    /// The index may only ever leave out records that the period's facts leave out.
    #[test]
    fn every_record_a_period_keeps_reaches_its_start(
        (kind, values) in record(),
        from in -1_728_000_000_000i64..1_728_000_000_000,
        length in 1i64..2_592_000_000_000,
    ) {
        let period = Period::new(at(from), at(from + length)).expect("a period");
        let reach = until(kind, &values).expect("a kind reports read");
        if kept(period, kind, values) {
            prop_assert!(reach >= read_from_day(period.from), "{reach} < {}", period.from);
        }
    }
}

#[test]
fn a_record_that_ended_before_a_period_is_left_out_and_an_open_one_never_is() {
    let march = Period::new(at(0), at(0) + Duration::days(31)).expect("a period");
    let from = read_from_day(march.from);
    let february = at(0) - Duration::days(10);
    assert!(until(RecordKind::Contact, &contact(february)) < Some(from));
    let ended = patrol(february, Some(february + Duration::hours(2)));
    assert!(until(RecordKind::Patrol, &ended) < Some(from));
    let out = patrol(february, None);
    assert_eq!(until(RecordKind::Patrol, &out), Some(ALWAYS_READ));
    assert!(kept(march, RecordKind::Patrol, out));
    let open = follow_up(february, "open", None);
    assert_eq!(until(RecordKind::FollowUp, &open), Some(ALWAYS_READ));
    let answered = follow_up(february, "answered", Some(at(0) + Duration::days(2)));
    assert_eq!(
        until(RecordKind::FollowUp, &answered),
        Some(read_from_day(at(0) + Duration::days(2)))
    );
    let answered_early = follow_up(february, "answered", Some(february + Duration::days(1)));
    assert!(until(RecordKind::FollowUp, &answered_early) < Some(from));
}

#[test]
fn kinds_read_whole_or_not_at_all_and_unreadable_times_are_always_read() {
    let empty = Map::new();
    for kind in [
        RecordKind::Problem,
        RecordKind::StageRequest,
        RecordKind::User,
        RecordKind::Team,
        RecordKind::PriorityArea,
        RecordKind::AreaBoundaries,
    ] {
        assert_eq!(until(kind, &empty), Some(ALWAYS_READ), "{kind}");
    }
    for kind in [
        RecordKind::Note,
        RecordKind::ContactPersonal,
        RecordKind::Review,
    ] {
        assert_eq!(until(kind, &empty), None, "{kind}");
    }
    let mut garbled = contact(at(0));
    garbled.insert("occurred_at".into(), json!("last Tuesday"));
    assert_eq!(until(RecordKind::Contact, &garbled), Some(ALWAYS_READ));
    let mut no_status = follow_up(at(0), "answered", Some(at(1)));
    no_status.insert("status".into(), json!("lost"));
    assert_eq!(until(RecordKind::FollowUp, &no_status), Some(ALWAYS_READ));
}
