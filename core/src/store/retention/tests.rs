//! Retention on the device, on a store whose clock the test moves: the schedule arrives as a
//! pulled page (as from the server's administrator), and applying it drops expired records
//! from this device only.

use super::apply::RetentionApplied;
use crate::clock::ManualClock;
use crate::ids::{DeviceId, TeamId, UserId};
use crate::model::*;
use crate::policy::DenialCode;
use crate::retention::{RetainedKind, RetentionSchedule};
use crate::store::device_sync::sync_records;
use crate::store::{AuditAction, Store};
use crate::sync::hlc::Hlc;
use crate::sync::protocol::{
    Change, EnrolResponse, EnrolledUser, FieldState, PullResponse, RecordKind,
};
use crate::{Error, StoreKey};
use chrono::{DateTime, Duration, TimeZone, Utc};
use std::collections::BTreeMap;
use std::sync::Arc;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 2, 10, 0, 0)
        .single()
        .expect("a valid time")
}

struct Device {
    _dir: tempfile::TempDir,
    store: Store,
    clock: Arc<ManualClock>,
    pcso: Actor,
    sergeant: Actor,
    seq: std::cell::Cell<u64>,
}

/// A PCSO's enrolled device, with a sergeant of the same team known to it.
fn device() -> Device {
    let dir = tempfile::tempdir().expect("dir");
    let clock = ManualClock::shared(t0());
    let store = Store::open_with_clock(
        dir.path().join("device.db"),
        &StoreKey::from_bytes([3; 32]),
        clock.clone(),
    )
    .expect("open");
    let team = Team {
        id: TeamId::new(),
        name: "Northvale NPT".into(),
        lap_code: Some("LAP-NV".into()),
    };
    store.upsert_team(&team).expect("team");
    let pcso = store
        .save_enrolment(
            "https://sync.example",
            &EnrolResponse {
                device_id: DeviceId::new(),
                token: "ab".repeat(32),
                user: EnrolledUser {
                    id: UserId::new(),
                    display_name: "PCSO Alex".into(),
                    role: Role::Pcso,
                    team_id: Some(team.id),
                },
                server_time: t0(),
            },
            &Default::default(),
        )
        .expect("enrol");
    let sergeant = User {
        id: UserId::new(),
        display_name: "Sgt Kim".into(),
        role: Role::Supervisor,
        team_id: Some(team.id),
    };
    store.upsert_user(&sergeant).expect("sergeant");
    Device {
        _dir: dir,
        store,
        clock,
        pcso,
        sergeant: Actor {
            user_id: sergeant.id,
            role: Role::Supervisor,
            device_id: DeviceId::new(),
        },
        seq: std::cell::Cell::new(0),
    }
}

impl Device {
    fn advance_days(&self, days: i64) {
        self.clock.advance(Duration::days(days));
    }

    /// Applies one record's fields as the server would send them in a pulled page.
    fn pull(
        &self,
        kind: RecordKind,
        id: &str,
        fields: serde_json::Value,
    ) -> crate::store::PageApplied {
        let seq = self.seq.get() + 1;
        self.seq.set(seq);
        let hlc = Hlc::new(self.store.now().timestamp_millis() as u64, DeviceId::new());
        let fields = match fields {
            serde_json::Value::Object(map) => map
                .into_iter()
                .map(|(name, value)| (name, FieldState { value, hlc }))
                .collect(),
            _ => BTreeMap::new(),
        };
        self.store
            .apply_pull_page(&PullResponse {
                changes: vec![Change {
                    seq,
                    kind,
                    record_id: id.to_owned(),
                    fields,
                    erased: false,
                }],
                next_cursor: seq,
                has_more: false,
                server_time: self.store.now(),
                epoch: None,
            })
            .expect("apply page")
    }

    /// The administrator's schedule, received as the reference record.
    fn receive_schedule(&self, schedule: &RetentionSchedule) {
        let applied = self.pull(
            RecordKind::RetentionSchedule,
            crate::retention::SCHEDULE_ID,
            serde_json::to_value(schedule).expect("json"),
        );
        assert!(applied.retention_changed, "the page changed the schedule");
        assert!(applied.unreadable.is_empty(), "{:?}", applied.unreadable);
    }

    fn contact_with_details(&self) -> Contact {
        let mut input = contact_input(self);
        input.issues_text = Some("Shed broken into".into());
        input.personal = Some(PersonalDetails {
            name: Some("Jordan Quixwell".into()),
            phone: Some("07700 900123".into()),
            ..Default::default()
        });
        self.store
            .record_contact(&self.pcso, input)
            .expect("contact")
            .contact
    }

    fn note(&self, text: &str) -> Note {
        self.store
            .add_note(
                &self.pcso,
                NewNote {
                    observed_at: self.store.now() - Duration::minutes(5),
                    text: text.into(),
                    category: NoteCategory::Observation,
                    place: None,
                    patrol_id: None,
                    problem_id: None,
                },
            )
            .expect("note")
    }

    fn clocks(&self, kind: RecordKind, id: &str) -> bool {
        self.store
            .read(|c| sync_records::load_clocks(c, kind, id))
            .expect("clocks")
            .is_some()
    }

    fn queued_about(&self, id: &str) -> usize {
        self.store
            .pending_ops(10_000)
            .expect("ops")
            .iter()
            .filter(|op| op.record_id == id)
            .count()
    }
}

fn schedule(entries: &[(RetainedKind, u32)], notice: u32) -> RetentionSchedule {
    RetentionSchedule {
        review_after_days: entries.iter().copied().collect(),
        notice_days: notice,
    }
}

#[test]
fn nothing_is_scheduled_until_a_schedule_is_received_then_it_reads_back_as_received() {
    let d = device();
    assert_eq!(
        d.store.retention_schedule().expect("schedule"),
        RetentionSchedule::default()
    );
    assert!(d.store.retention_due(&d.sergeant).expect("due").is_empty());
    let s = schedule(
        &[
            (RetainedKind::ContactPersonal, 183),
            (RetainedKind::Problem, 2192),
        ],
        14,
    );
    d.receive_schedule(&s);
    assert_eq!(d.store.retention_schedule().expect("schedule"), s);
    // The schedule is a reference record: received, never captured as a local write.
    assert_eq!(d.queued_about(crate::retention::SCHEDULE_ID), 0);
}

#[test]
fn expired_personal_details_and_notes_leave_this_device_without_a_trace_and_nothing_is_pushed() {
    let d = device();
    let contact = d.contact_with_details();
    let note = d.note("Quixwell seen at the allotment gate");
    d.receive_schedule(&schedule(
        &[
            (RetainedKind::ContactPersonal, 180),
            (RetainedKind::Note, 365),
        ],
        30,
    ));
    let contact_id = contact.id.to_string();
    let note_id = note.id.to_string();
    assert!(
        d.queued_about(&note_id) > 0,
        "the note's creation is still unsent"
    );

    // Before the date nothing goes.
    d.advance_days(179);
    assert_eq!(
        d.store.apply_retention().expect("apply"),
        RetentionApplied::default()
    );

    d.advance_days(21); // day 200: the personal details' date has passed, the note's has not
    let applied = d.store.apply_retention().expect("apply");
    assert_eq!(
        applied,
        RetentionApplied {
            redacted: 1,
            erased: 0
        }
    );
    let personal = d
        .store
        .contact_personal_details(&d.sergeant, contact.id, "Checking the redaction")
        .expect("personal data");
    assert_eq!(personal.details, None);
    assert!(d.store.contact(contact.id).is_ok(), "the contact stays");
    assert!(!d.clocks(RecordKind::ContactPersonal, &contact_id));
    let ops = d.store.pending_ops(10_000).expect("ops");
    assert!(ops.iter().all(|op| op.kind != RecordKind::ContactPersonal));
    assert!(
        ops.iter().all(|op| op.erase.is_none()),
        "nothing erased is pushed"
    );
    // Applying again finds nothing more.
    assert_eq!(
        d.store.apply_retention().expect("apply"),
        RetentionApplied::default()
    );

    d.advance_days(166); // past the note's year
    let before = d.store.pending_count().expect("pending");
    let applied = d.store.apply_retention().expect("apply");
    assert_eq!(
        applied,
        RetentionApplied {
            redacted: 0,
            erased: 1
        }
    );
    assert!(matches!(d.store.note(note.id), Err(Error::NotFound { .. })));
    assert!(d.store.search("allotment", 10).expect("search").is_empty());
    assert!(!d.clocks(RecordKind::Note, &note_id));
    assert_eq!(d.queued_about(&note_id), 0, "its unsent ops went with it");
    assert!(
        d.store.pending_count().expect("pending") < before,
        "nothing was queued"
    );
    assert!(d
        .store
        .pending_ops(10_000)
        .expect("ops")
        .iter()
        .all(|op| op.erase.is_none()));

    let logged = |id: &str| {
        d.store
            .audit_entries(Some(id))
            .expect("audit")
            .into_iter()
            .filter(|e| {
                e.action == AuditAction::Erasure
                    && e.detail.as_deref() == Some(super::apply::DROPPED_DETAIL)
            })
            .collect::<Vec<_>>()
    };
    let personal_log = logged(&contact_id);
    assert_eq!(personal_log.len(), 1);
    assert_eq!(personal_log[0].record_kind, "contact_personal");
    assert_eq!(
        personal_log[0].user_id, d.pcso.user_id,
        "logged as the device's user"
    );
    assert!(personal_log[0]
        .justification
        .as_deref()
        .is_some_and(|j| j.contains("2026-10-29")));
    assert_eq!(logged(&note_id).len(), 1);
    for entry in d.store.audit_entries(None).expect("audit") {
        let text = format!("{entry:?}");
        assert!(!text.contains("Quixwell"), "no values in the log: {text}");
    }
}

#[test]
fn a_record_held_back_from_its_table_expires_here_like_a_written_one() {
    // A note whose creating fields have not arrived (an edit pulled first) is held, not
    // written; its values are still kept on this device, so the schedule must reach them.
    let d = device();
    d.receive_schedule(&schedule(&[(RetainedKind::Note, 30)], 7));
    let old_id = crate::ids::NoteId::new().to_string();
    let new_id = crate::ids::NoteId::new().to_string();
    let held = |id: &str, created: DateTime<Utc>| {
        let applied = d.pull(
            RecordKind::Note,
            id,
            serde_json::json!({
                "text": "Quixwell seen at the allotment gate",
                "created_at": created,
            }),
        );
        assert_eq!(applied.waiting, 1, "held, not written: {applied:?}");
    };
    held(&old_id, t0());
    d.advance_days(20);
    held(&new_id, d.store.now());
    assert_eq!(d.store.sync_status().expect("status").held_records, 2);

    d.advance_days(11); // the first one's 30 days have passed, the second one's have not
    let applied = d.store.apply_retention().expect("apply");
    assert_eq!(
        applied,
        RetentionApplied {
            redacted: 0,
            erased: 1
        }
    );
    assert_eq!(d.store.sync_status().expect("status").held_records, 1);
    assert!(!d.clocks(RecordKind::Note, &old_id), "its sync state went");
    assert!(
        d.clocks(RecordKind::Note, &new_id),
        "the newer one stays held"
    );
    let logged = d.store.audit_entries(Some(&old_id)).expect("audit");
    assert!(
        logged.iter().any(|e| e.action == AuditAction::Erasure
            && e.detail.as_deref() == Some(super::apply::DROPPED_DETAIL)),
        "{logged:?}"
    );
    // A late copy of the dropped one is not taken back in.
    let applied = d.pull(
        RecordKind::Note,
        &old_id,
        serde_json::json!({"category": "observation"}),
    );
    assert_eq!((applied.changed, applied.waiting), (0, 0), "{applied:?}");
    assert_eq!(d.store.sync_status().expect("status").held_records, 1);
    assert_eq!(
        d.store.apply_retention().expect("apply again"),
        RetentionApplied::default()
    );
}

#[test]
fn a_decision_to_retain_keeps_a_note_until_its_new_date() {
    let d = device();
    let note = d.note("Gate to the allotments forced");
    d.receive_schedule(&schedule(&[(RetainedKind::Note, 365)], 30));
    d.advance_days(340);
    let due = d.store.retention_due(&d.sergeant).expect("due");
    assert_eq!(due.len(), 1);
    let new_date = d.store.now() + Duration::days(100);
    let review = d
        .store
        .retain(
            &d.sergeant,
            RetainedKind::Note,
            &note.id.to_string(),
            new_date,
            "Linked to an open burglary series",
        )
        .expect("retain");
    assert_eq!(review.review_on, new_date);
    assert!(d.store.retention_due(&d.sergeant).expect("due").is_empty());
    d.advance_days(60); // past the schedule's date, before the decision's
    assert_eq!(
        d.store.apply_retention().expect("apply"),
        RetentionApplied::default()
    );
    assert!(d.store.note(note.id).is_ok(), "kept by the decision");
    d.advance_days(41); // past the decision's date
    assert_eq!(
        d.store.apply_retention().expect("apply"),
        RetentionApplied {
            redacted: 0,
            erased: 1
        }
    );
    assert!(d.store.note(note.id).is_err());
}

#[test]
fn a_decision_received_from_another_device_keeps_the_record_here_too() {
    let d = device();
    let note = d.note("Gate to the allotments forced");
    d.receive_schedule(&schedule(&[(RetainedKind::Note, 10)], 0));
    let decision = crate::retention::RetentionReview {
        record_kind: RetainedKind::Note,
        record_id: note.id.to_string(),
        team_id: TeamId::new(),
        review_on: d.store.now() + Duration::days(50),
        reason: "Evidence in a case".into(),
        decided_by: d.sergeant.user_id,
        decided_at: d.store.now(),
    };
    let applied = d.pull(
        RecordKind::RetentionReview,
        &decision.id(),
        serde_json::to_value(&decision).expect("json"),
    );
    assert!(applied.retention_changed);
    assert!(applied.unreadable.is_empty(), "{:?}", applied.unreadable);
    d.advance_days(20);
    assert_eq!(
        d.store.apply_retention().expect("apply"),
        RetentionApplied::default()
    );
    assert!(d.store.note(note.id).is_ok());
}

#[test]
fn the_review_list_is_for_supervisors_sorted_by_date_and_names_no_one() {
    let d = device();
    let contact = d.contact_with_details();
    d.advance_days(1);
    let note = d.note("Quixwell seen at the allotment gate");
    d.receive_schedule(&schedule(
        &[
            (RetainedKind::ContactPersonal, 180),
            (RetainedKind::Note, 180),
        ],
        30,
    ));
    match d.store.retention_due(&d.pcso) {
        Err(Error::Denied(denial)) => assert_eq!(denial.code, DenialCode::RetentionBySupervisors),
        other => panic!("a PCSO sees no review list: {other:?}"),
    }
    d.advance_days(140);
    assert!(
        d.store.retention_due(&d.sergeant).expect("due").is_empty(),
        "not yet within notice"
    );
    d.advance_days(20);
    let due = d.store.retention_due(&d.sergeant).expect("due");
    let kinds: Vec<_> = due.iter().map(|r| (r.kind, r.record_id.clone())).collect();
    assert_eq!(
        kinds,
        vec![
            (RetainedKind::ContactPersonal, contact.id.to_string()),
            (RetainedKind::Note, note.id.to_string()),
        ]
    );
    assert!(due.iter().all(|r| !r.expired));
    assert!(due[0].review_on < due[1].review_on);
    assert!(
        due[0].label.starts_with("Personal details of contact "),
        "{}",
        due[0].label
    );
    assert!(due[0].label.contains("2026-05-02"), "{}", due[0].label);
    for row in &due {
        assert!(
            !row.label.contains("Quixwell") && !row.label.contains("07700"),
            "{}",
            row.label
        );
        assert!(!row.label.contains("allotment"), "{}", row.label);
    }
    d.advance_days(30);
    assert!(d
        .store
        .retention_due(&d.sergeant)
        .expect("due")
        .iter()
        .all(|r| r.expired));
}

#[test]
fn retaining_is_a_supervisors_synced_and_logged_decision_checked_before_it_is_written() {
    let d = device();
    let note = d.note("Gate forced");
    let id = note.id.to_string();
    let until = d.store.now() + Duration::days(90);
    match d
        .store
        .retain(&d.pcso, RetainedKind::Note, &id, until, "Still needed")
    {
        Err(Error::Denied(denial)) => assert_eq!(denial.code, DenialCode::RetentionBySupervisors),
        other => panic!("a PCSO cannot retain: {other:?}"),
    }
    let unknown = crate::ids::NoteId::new().to_string();
    assert!(matches!(
        d.store.retain(
            &d.sergeant,
            RetainedKind::Note,
            &unknown,
            until,
            "Still needed"
        ),
        Err(Error::NotFound { .. })
    ));
    let past = d.store.now() - Duration::days(1);
    assert!(matches!(
        d.store
            .retain(&d.sergeant, RetainedKind::Note, &id, past, "Still needed"),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        d.store
            .retain(&d.sergeant, RetainedKind::Note, &id, until, "  "),
        Err(Error::Invalid(_))
    ));
    let review = d
        .store
        .retain(&d.sergeant, RetainedKind::Note, &id, until, "Still needed")
        .expect("retain");
    let ops = d.store.pending_ops(10_000).expect("ops");
    let op = ops
        .iter()
        .find(|op| op.kind == RecordKind::RetentionReview)
        .expect("the decision is queued for the server");
    assert_eq!(op.record_id, format!("note:{id}"));
    assert_eq!(op.fields["reason"].value, serde_json::json!("Still needed"));
    assert_eq!(review.decided_by, d.sergeant.user_id);
    let entry = d
        .store
        .audit_entries(Some(&id))
        .expect("audit")
        .into_iter()
        .find(|e| e.action == AuditAction::Alteration)
        .expect("logged");
    assert_eq!(entry.record_kind, "note");
    assert_eq!(entry.justification.as_deref(), Some("Still needed"));
}

#[test]
fn disposing_at_review_redacts_or_erases_and_syncs_like_an_erasure() {
    let d = device();
    let contact = d.contact_with_details();
    let note = d.note("Gate forced");
    assert!(matches!(
        d.store.dispose(
            &d.pcso,
            RetainedKind::Note,
            &note.id.to_string(),
            "Past its date"
        ),
        Err(Error::Denied(_))
    ));
    d.store
        .dispose(
            &d.sergeant,
            RetainedKind::Note,
            &note.id.to_string(),
            "Past its date",
        )
        .expect("dispose note");
    d.store
        .dispose(
            &d.sergeant,
            RetainedKind::ContactPersonal,
            &contact.id.to_string(),
            "Past its date",
        )
        .expect("dispose personal details");
    assert!(d.store.note(note.id).is_err());
    assert!(d
        .store
        .contact(contact.id)
        .expect("contact stays")
        .redacted_at
        .is_some());
    let ops = d.store.pending_ops(10_000).expect("ops");
    assert!(ops
        .iter()
        .any(|op| op.kind == RecordKind::Note && op.erase.is_some()));
    for id in [note.id.to_string(), contact.id.to_string()] {
        let entry = d
            .store
            .audit_entries(Some(&id))
            .expect("audit")
            .into_iter()
            .find(|e| e.action == AuditAction::Erasure)
            .expect("logged");
        assert_eq!(entry.detail.as_deref(), Some(super::DISPOSAL_DETAIL));
        assert_eq!(entry.justification.as_deref(), Some("Past its date"));
    }
}

#[test]
fn every_kind_expires_with_what_hangs_off_it_and_an_open_problem_never_does() {
    let d = device();
    let contact = d
        .store
        .record_contact(
            &d.pcso,
            NewContact {
                promised: Some("Crime prevention visit".into()),
                ..contact_input(&d)
            },
        )
        .expect("contact");
    let follow_up = contact.follow_up.expect("a promise makes a follow-up");
    let patrol = d
        .store
        .start_patrol(
            &d.pcso,
            NewPatrol {
                kind: PatrolKind::Foot,
                area: AreaRef::Lap("LAP-NV".into()),
                purpose: "Reassurance".into(),
                operation_name: None,
                participants: vec![],
                started_at: d.store.now() - Duration::hours(2),
            },
        )
        .expect("patrol");
    let new_problem = |title: &str| NewProblem {
        title: title.into(),
        area: AreaRef::Lap("LAP-NV".into()),
        category: CrimeCategory::Burglary,
        owner: None,
        scanning_summary: "Sheds broken into".into(),
    };
    let closed = d
        .store
        .open_problem(&d.pcso, new_problem("Closed one"))
        .expect("problem");
    let open = d
        .store
        .open_problem(&d.pcso, new_problem("Open one"))
        .expect("problem");
    // Closing takes four approved moves; the test closes it directly, as a pull would.
    d.store
        .write(|tx| {
            tx.execute(
                "UPDATE problems SET stage = 'closed', stage_changed_at = ?2 WHERE id = ?1",
                rusqlite::params![closed.id, crate::store::sql_time::t(d.store.now())],
            )?;
            Ok(())
        })
        .expect("close");
    d.receive_schedule(&schedule(
        &[
            (RetainedKind::Contact, 30),
            (RetainedKind::Patrol, 30),
            (RetainedKind::Problem, 30),
        ],
        0,
    ));
    d.advance_days(31);
    let applied = d.store.apply_retention().expect("apply");
    assert_eq!(
        applied,
        RetentionApplied {
            redacted: 0,
            erased: 3
        }
    );
    let count = |table: &str| -> i64 {
        d.store
            .read(|c| Ok(c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?))
            .expect("count")
    };
    assert_eq!(count("contacts"), 0);
    assert_eq!(count("contact_personal"), 0);
    assert_eq!(count("follow_ups"), 0);
    assert_eq!(count("patrols"), 0);
    assert_eq!(count("problems"), 1, "the open problem stays");
    assert!(d.store.problem(open.id).is_ok());
    assert_eq!(count("problem_steps"), 1, "the open problem's summary only");
    for (kind, id) in [
        (RecordKind::Contact, contact.contact.id.to_string()),
        (RecordKind::ContactPersonal, contact.contact.id.to_string()),
        (RecordKind::FollowUp, follow_up.id.to_string()),
        (RecordKind::Patrol, patrol.id.to_string()),
        (RecordKind::Problem, closed.id.to_string()),
    ] {
        assert!(!d.clocks(kind, &id), "{kind} keeps no sync state");
        assert_eq!(d.queued_about(&id), 0, "{kind} has nothing queued");
    }
    assert!(d
        .store
        .pending_ops(10_000)
        .expect("ops")
        .iter()
        .all(|op| op.erase.is_none()));
    let dropped = d
        .store
        .audit_entries(None)
        .expect("audit")
        .into_iter()
        .filter(|e| e.detail.as_deref() == Some(super::apply::DROPPED_DETAIL))
        .count();
    assert_eq!(dropped, 3);
}

fn contact_input(d: &Device) -> NewContact {
    NewContact {
        occurred_at: d.store.now() - Duration::hours(1),
        place: Some(GeoPoint::new(52.4051, -1.5451)),
        lsoa_code: None,
        lap_code: None,
        method: ContactMethod::DoorKnock,
        audience: Audience::Resident,
        people_count: 1,
        issues: vec![CrimeCategory::Burglary],
        issues_text: None,
        promised: None,
        follow_up_due: None,
        follow_up_owner: None,
        consent_to_recontact: true,
        personal: Some(PersonalDetails {
            name: Some("Jordan Quixwell".into()),
            ..Default::default()
        }),
        ethnicity: None,
        repeat_caller: false,
        vulnerable: false,
        problem_id: None,
        patrol_id: None,
    }
}
