//! Every statement the write path runs is checked with `EXPLAIN QUERY PLAN`: none may scan a
//! table, so that recording costs the same with 100 records in the store as with 100,000
//! (the repeat-location check once read a latitude band, and recording a contact got 11 times
//! slower over a 100k-contact store).
//!
//! The test records a realistic shift on one store and applies what it recorded to a second
//! store as a pulled page, tracing every statement the writer connections prepare, then asks
//! SQLite for each statement's plan. A `SCAN` of a table (not of a virtual table's index, a
//! full-text index, which is a search) fails the test and names the statement.

use super::device_sync::PlacedAnswer;
use super::Store;
use crate::clock::ManualClock;
use crate::ids::{DeviceId, TeamId, UserId};
use crate::model::*;
use crate::sync::protocol::{Change, FieldState, OpStatus, PullResponse};
use crate::StoreKey;
use chrono::{DateTime, Duration, TimeZone, Utc};
use rusqlite::trace::{TraceEvent, TraceEventCodes};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

type Seen = Arc<Mutex<BTreeSet<String>>>;

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0)
        .single()
        .expect("a valid time")
}

fn traced_store(dir: &std::path::Path, name: &str, seen: &Seen) -> Store {
    // A day after the scenario's records: they happened before the store's now.
    traced_store_at(
        dir,
        name,
        seen,
        ManualClock::shared(start() + Duration::days(1)),
    )
}

fn traced_store_at(
    dir: &std::path::Path,
    name: &str,
    seen: &Seen,
    clock: Arc<ManualClock>,
) -> Store {
    let store = Store::open_with_clock(dir.join(name), &StoreKey::from_bytes([5; 32]), clock)
        .expect("open");
    let seen = Arc::clone(seen);
    super::lock(&store.writer)
        .trace_v2(
            TraceEventCodes::SQLITE_TRACE_STMT,
            Some(move |event: TraceEvent<'_>| {
                if let TraceEvent::Stmt(stmt, _) = event {
                    let sql = stmt.sql().trim().to_owned();
                    super::lock(&seen).insert(sql);
                }
            }),
        )
        .expect("trace");
    store
}

fn people(store: &Store) -> (Actor, Actor) {
    let team = Team {
        id: TeamId::new(),
        name: "Northvale NPT".into(),
        lap_code: Some("LAP-NV".into()),
    };
    store.upsert_team(&team).expect("team");
    let actor = |role, name: &str| {
        let user = User {
            id: UserId::new(),
            display_name: name.into(),
            role,
            team_id: Some(team.id),
        };
        store.upsert_user(&user).expect("user");
        Actor {
            user_id: user.id,
            role,
            device_id: DeviceId::new(),
        }
    };
    (
        actor(Role::Pcso, "PCSO Alex"),
        actor(Role::Supervisor, "Sgt Kim"),
    )
}

/// A shift's writes: a patrol with a track and notes, contacts (one with a promise and
/// personal details, one nearby), a problem with a step and a stage request, an answered
/// follow-up, a redaction, erasures of a note and of a promise, and a review.
fn record_a_shift(store: &Store, pcso: &Actor, sergeant: &Actor) {
    let patrol = store
        .start_patrol(
            pcso,
            NewPatrol {
                kind: PatrolKind::Foot,
                area: AreaRef::Lap("LAP-NV".into()),
                purpose: "Reassurance after shed burglaries".into(),
                operation_name: None,
                participants: vec![],
                started_at: start(),
            },
        )
        .expect("patrol");
    store
        .add_track_points(
            pcso,
            patrol.id,
            &[TrackPoint {
                at: start() + Duration::minutes(5),
                point: GeoPoint::new(52.405, -1.545),
            }],
        )
        .expect("track");
    let note = store
        .add_note(
            pcso,
            NewNote {
                observed_at: start() + Duration::minutes(10),
                text: "Gate to the allotments forced".into(),
                category: NoteCategory::Observation,
                place: Some(GeoPoint::new(52.405, -1.545)),
                patrol_id: Some(patrol.id),
                problem_id: None,
            },
        )
        .expect("note");
    let problem = store
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
    store
        .add_problem_step(pcso, problem.id, "Two more sheds on Elm Row")
        .expect("step");
    store
        .request_stage_move(pcso, problem.id, SaraStage::Analysis, None)
        .expect("stage request");
    let contact = |minutes: i64, promise: bool, personal: bool| NewContact {
        occurred_at: start() + Duration::minutes(minutes),
        place: Some(GeoPoint::new(52.4051, -1.5451)),
        lsoa_code: None,
        lap_code: None,
        method: ContactMethod::DoorKnock,
        audience: Audience::Resident,
        people_count: 2,
        issues: vec![CrimeCategory::Burglary],
        issues_text: Some("Shed broken into".into()),
        promised: promise.then(|| "Crime prevention visit".into()),
        follow_up_due: None,
        follow_up_owner: None,
        consent_to_recontact: personal,
        personal: personal.then(|| PersonalDetails {
            phone: Some("07700 900123".into()),
            ..Default::default()
        }),
        ethnicity: None,
        repeat_caller: false,
        vulnerable: false,
        problem_id: Some(problem.id),
        patrol_id: Some(patrol.id),
    };
    let first = store
        .record_contact(pcso, contact(20, true, true))
        .expect("contact");
    let second = store
        .record_contact(pcso, contact(30, false, false))
        .expect("nearby contact");
    assert!(second.contact.repeat_location, "the nearby check ran");
    let moved = store
        .amend_contact(
            pcso,
            second.contact.id,
            crate::model::ContactAmendment {
                place: Some(GeoPoint::new(52.4053, -1.5452)),
                ..Default::default()
            },
            "Two doors along",
        )
        .expect("correct the place");
    assert!(moved.repeat_location, "the nearby check ran again");
    let follow_up = first.follow_up.expect("a promise makes a follow-up");
    store
        .answer_follow_up(pcso, follow_up.id, "Visited", store.now())
        .expect("answer");
    store
        .close_patrol(
            pcso,
            patrol.id,
            PatrolClosure {
                ended_at: start() + Duration::hours(2),
                observations: Some("Quiet".into()),
                assessment: Some(ValueAssessment {
                    purpose_met: PurposeMet::Yes,
                    value_rating: 4,
                    summary: "Spoke to residents".into(),
                }),
            },
        )
        .expect("close");
    store
        .redact_contact(sergeant, first.contact.id, "Asked to be forgotten")
        .expect("redact");
    store
        .erase_note(sergeant, note.id, "Recorded in error")
        .expect("erase");
    // Erasing a promise takes it off its contact, found by the follow-up's link.
    let promised = store
        .record_contact(pcso, contact(40, true, false))
        .expect("another promise")
        .follow_up
        .expect("a promise makes a follow-up");
    store
        .erase_follow_up(
            sergeant,
            promised.id,
            "Promise recorded against the wrong address",
        )
        .expect("erase the promise");
    let queue = store.review_queue(sergeant, None).expect("queue");
    let items: Vec<ReviewedItem> = queue
        .iter()
        .flat_map(|member| member.items.iter().map(|i| i.item.clone()))
        .collect();
    store
        .mark_reviewed(sergeant, pcso.user_id, &items)
        .expect("review");
}

/// What `store` has queued, as the pulled page a server would send another device.
fn as_pulled_page(store: &Store) -> PullResponse {
    let changes = store
        .pending_ops(10_000)
        .expect("ops")
        .into_iter()
        .enumerate()
        .map(|(seq, op)| Change {
            seq: seq as u64 + 1,
            kind: op.kind,
            record_id: op.record_id,
            erased: op.erase.is_some(),
            fields: op
                .fields
                .into_iter()
                .map(|(name, change)| {
                    (
                        name,
                        FieldState {
                            value: change.value,
                            hlc: op.hlc,
                        },
                    )
                })
                .collect(),
        })
        .collect::<Vec<_>>();
    PullResponse {
        next_cursor: changes.len() as u64,
        changes,
        has_more: false,
        server_time: start(),
        epoch: None,
    }
}

/// Scans that do not grow with the store, and why.
const BOUNDED_SCANS: &[(&str, &str)] = &[
    // One row (`CHECK (id = 1)`): read when a user row changes, for its foreign key.
    ("SCAN device_profile", "one row"),
    // FTS5 reading its own settings: a handful of rows.
    (
        "SCAN main.search_index_config",
        "the full-text index's settings",
    ),
    // Only on erasure and redaction, and the outbox holds only what has not been pushed yet;
    // an index on it would cost a page write on every recorded change.
    (
        "SCAN outbox",
        "what is not yet pushed, read only on erasure and redaction",
    ),
    // The temporary queue of one pulled page's search rows (`search_batch`), emptied at the
    // end of every page: at most a page's records.
    ("SCAN temp.search_queue", "one pulled page's search rows"),
    // The repeat-location check's own ranges (`contacts::find_nearby`): the weeks of its
    // 28-day window and the rows of grid cells its 100 m box crosses, a few of each.
    (
        "SCAN repeat_weeks",
        "the weeks of the repeat-location window",
    ),
    (
        "SCAN repeat_lat_rows",
        "the rows of cells the repeat-location box crosses",
    ),
    // Records this build could not write to their tables (their creating fields not yet
    // arrived, or a newer app's value): read whole by retention, which must reach them too.
    (
        "SCAN sync_held",
        "only records held back from their tables, read by retention",
    ),
];

/// The plan lines of `sql` that scan a table.
fn table_scans(store: &Store, sql: &str) -> Vec<String> {
    plan_of(store, sql)
        .into_iter()
        .filter(|d| d.starts_with("SCAN ") && !d.contains("VIRTUAL TABLE"))
        .filter(|d| d != "SCAN CONSTANT ROW")
        .filter(|d| !BOUNDED_SCANS.iter().any(|(scan, _)| d == scan))
        .collect()
}

/// The plan lines of `sql`.
fn plan_of(store: &Store, sql: &str) -> Vec<String> {
    let conn = super::lock(&store.writer);
    // As a local write runs: with its foreign-key checks in the plan.
    store.check_links(&conn).expect("foreign keys on");
    let mut stmt = match conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")) {
        Ok(stmt) => stmt,
        // Statements that have no plan (PRAGMA, BEGIN, SAVEPOINT...) cannot be explained.
        Err(_) => return Vec::new(),
    };
    // The plan does not depend on the values: bind NULL to every parameter.
    let nulls = vec![rusqlite::types::Null; stmt.parameter_count()];
    let details = stmt
        .query_map(rusqlite::params_from_iter(nulls), |r| r.get::<_, String>(3))
        .expect("plan")
        .collect::<rusqlite::Result<Vec<_>>>()
        .expect("plan rows");
    details
}

#[test]
fn no_statement_on_the_write_path_scans_a_table() {
    let dir = tempfile::tempdir().expect("dir");
    let seen: Seen = Arc::default();
    let device = traced_store(dir.path(), "device.db", &seen);
    let (pcso, sergeant) = people(&device);
    record_a_shift(&device, &pcso, &sergeant);
    let page = as_pulled_page(&device);
    // The server accepts everything: the outbox empties as after a real push, whose answers
    // are applied by the ops' places.
    let queued = device.pending_ops_from(i64::MIN, 10_000).expect("ops");
    let accepted: Vec<PlacedAnswer<'_>> = queued
        .iter()
        .map(|(place, op)| PlacedAnswer {
            place: *place,
            stamp: op.hlc,
            status: &OpStatus::Accepted,
        })
        .collect();
    device
        .apply_push_answers(&accepted, start())
        .expect("push answers");
    assert_eq!(device.pending_count().expect("pending"), 0);

    let other = traced_store(dir.path(), "other.db", &seen);
    other.apply_pull_page(&page).expect("apply the page");
    assert_eq!(other.sync_status().expect("status").held_records, 0);

    let statements = std::mem::take(&mut *super::lock(&seen));
    assert!(
        statements.len() > 40,
        "the trace saw the write path ({} statements)",
        statements.len()
    );
    // The repeat-location check seeks its index one week and row of cells at a time, never a
    // range of every contact in the window (`contacts.occurred_at` has indexes of its own).
    let nearby = statements
        .iter()
        .find(|sql| sql.contains("repeat_weeks"))
        .expect("the trace saw the repeat-location check");
    let plan = plan_of(&device, nearby);
    assert!(
        plan.iter().any(|d| d
            == "SEARCH c USING INDEX contacts_near (near_week=? AND near_cell>? AND near_cell<?)"),
        "{plan:?}"
    );
    let scans: Vec<String> = statements
        .iter()
        .flat_map(|sql| {
            // The receiving store explains what only it prepared (its temporary tables).
            let store = if plan_of(&device, sql).is_empty() {
                &other
            } else {
                &device
            };
            table_scans(store, sql)
                .into_iter()
                .map(move |plan| format!("{plan}  <-  {sql}"))
        })
        .collect();
    assert!(
        scans.is_empty(),
        "statements on the write path scan a table:\n{}",
        scans.join("\n")
    );
}

/// Finding what the retention schedule has reached is an index range per kind: the device
/// applies it at every launch and sync, and its cost must not grow with what it keeps.
#[test]
fn applying_the_retention_schedule_reads_index_ranges_not_tables() {
    use crate::retention::{RetainedKind, RetentionSchedule, SCHEDULE_ID};
    use crate::sync::protocol::{EnrolResponse, EnrolledUser};
    let dir = tempfile::tempdir().expect("dir");
    let seen: Seen = Arc::default();
    let clock = ManualClock::shared(start() + Duration::days(1));
    let device = traced_store_at(dir.path(), "device.db", &seen, clock.clone());
    let (pcso, sergeant) = people(&device);
    record_a_shift(&device, &pcso, &sergeant);
    clock.advance(Duration::days(3));
    device
        .save_enrolment(
            "https://sync.example",
            &EnrolResponse {
                device_id: pcso.device_id,
                token: "ab".repeat(32),
                user: EnrolledUser {
                    id: pcso.user_id,
                    display_name: "PCSO Alex".into(),
                    role: pcso.role,
                    team_id: None,
                },
                server_time: start(),
            },
            &Default::default(),
        )
        .expect("enrol");
    let schedule = RetentionSchedule {
        review_after_days: RetainedKind::ALL.iter().map(|&k| (k, 1)).collect(),
        notice_days: 0,
    };
    let hlc = crate::sync::hlc::Hlc::new(1, DeviceId::new());
    let fields = match serde_json::to_value(&schedule).expect("json") {
        serde_json::Value::Object(map) => map
            .into_iter()
            .map(|(name, value)| (name, FieldState { value, hlc }))
            .collect(),
        _ => unreachable!("a schedule is an object"),
    };
    device
        .apply_pull_page(&PullResponse {
            changes: vec![Change {
                seq: 1,
                kind: crate::sync::RecordKind::RetentionSchedule,
                record_id: SCHEDULE_ID.into(),
                fields,
                erased: false,
            }],
            next_cursor: 1,
            has_more: false,
            server_time: start(),
            epoch: None,
        })
        .expect("schedule");
    let patrol = device
        .patrols_between(start() - Duration::days(1), start() + Duration::days(1))
        .expect("patrols")
        .into_iter()
        .next()
        .expect("the shift's patrol");
    device
        .retain(
            &sergeant,
            RetainedKind::Patrol,
            &patrol.id.to_string(),
            device.now() + Duration::days(30),
            "Linked to an investigation",
        )
        .expect("retain");
    super::lock(&seen).clear();
    let applied = device.apply_retention().expect("apply");
    assert!(
        applied.erased > 0,
        "the shift's records had passed a one-day period"
    );
    assert!(
        device.patrol(patrol.id).is_ok(),
        "the retained patrol stays"
    );

    let statements = std::mem::take(&mut *super::lock(&seen));
    assert!(
        statements
            .iter()
            .any(|sql| sql.contains("personal_held = 1 OR ethnicity IS NOT NULL")),
        "the trace saw the retention queries"
    );
    // Each kind's range is read through the index made for it (another index's range, e.g.
    // every contact by time, would grow with the store).
    for (query, index) in [
        (
            "ethnicity IS NOT NULL) AND occurred_at <=",
            "contacts_personal_anchor",
        ),
        ("FROM notes WHERE 1 AND created_at <=", "notes_created"),
        ("FROM patrols WHERE 1 AND", "patrols_retention_anchor"),
        (
            "stage = 'closed' AND stage_changed_at <=",
            "problems_closed",
        ),
        (
            "FROM retention_reviews WHERE record_kind",
            "retention_reviews_due",
        ),
    ] {
        let sql = statements
            .iter()
            .find(|sql| sql.contains(query))
            .unwrap_or_else(|| panic!("the trace saw the query with {query}"));
        let plan = plan_of(&device, sql).join("; ");
        assert!(plan.contains(index), "{sql} reads {plan}, not {index}");
    }
    let scans: Vec<String> = statements
        .iter()
        .flat_map(|sql| {
            table_scans(&device, sql)
                .into_iter()
                .map(move |plan| format!("{plan}  <-  {sql}"))
        })
        .collect();
    assert!(
        scans.is_empty(),
        "applying the retention schedule scans a table:\n{}",
        scans.join("\n")
    );
}

#[test]
fn one_records_audit_history_and_the_logs_length_read_no_more_than_they_need() {
    // The log grows with every write; a record's history or its length must not read all of it.
    let dir = tempfile::tempdir().expect("dir");
    let seen: Seen = Arc::default();
    let device = traced_store(dir.path(), "device.db", &seen);
    let history = super::audit::history_of_record();
    let plan = plan_of(&device, &history);
    assert!(
        plan.iter()
            .any(|line| line.contains("audit_entries_record")),
        "{plan:?}"
    );
    for sql in [history.as_str(), super::audit::LOG_LENGTH] {
        assert_eq!(table_scans(&device, sql), Vec::<String>::new(), "{sql}");
    }
}
