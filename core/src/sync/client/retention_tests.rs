//! The sync client applies the retention schedule: before it pushes (what has passed its date
//! leaves the device and nothing of it is sent), and again after a pull that brought a new
//! schedule, so that a device drops what the new schedule has expired without another sync.

use super::test_server::TestServer;
use super::tests::{client, options};
use super::*;
use crate::clock::ManualClock;
use crate::ids::TeamId;
use crate::model::{NewNote, NoteCategory, Role};
use crate::retention::{RetainedKind, RetentionSchedule, SCHEDULE_ID};
use crate::sync::protocol::{EnrolledUser, FieldState, RecordKind};
use crate::sync::Hlc;
use crate::StoreKey;

#[test]
fn a_sync_drops_what_a_pulled_schedule_has_expired_and_pushes_none_of_it() {
    let server = TestServer::start();
    let client = client(&server, options());
    server.add_code(
        "CODE-Sam",
        EnrolledUser {
            id: crate::ids::UserId::new(),
            display_name: "Sam".into(),
            role: Role::Pcso,
            team_id: Some(TeamId::new()),
        },
    );
    let dir = tempfile::tempdir().expect("dir");
    // A clock of the test's own, starting now so that the server's clock agrees with it.
    let clock = ManualClock::shared(chrono::Utc::now());
    let store = Store::open_with_clock(
        dir.path().join("beatbook.db"),
        &StoreKey::from_bytes([9; 32]),
        clock.clone(),
    )
    .expect("open");
    let actor = client
        .enrol(&store, "CODE-Sam", "Test phone")
        .expect("enrol");
    let note = store
        .add_note(
            &actor,
            NewNote {
                observed_at: store.now(),
                text: "Gate forced".into(),
                category: NoteCategory::Observation,
                place: None,
                patrol_id: None,
                problem_id: None,
            },
        )
        .expect("note");
    let sync = || client.sync(&store, &NoProgress, &CancelFlag::new());
    let first = sync().expect("first sync");
    assert_eq!(first.retention_dropped, 0, "nothing is scheduled yet");

    // The administrator's schedule reaches the server; the device's clock moves past it.
    {
        let mut state = server.state();
        state.model.seq += 1;
        let seq = state.model.seq;
        let schedule = RetentionSchedule {
            review_after_days: [(RetainedKind::Note, 1)].into_iter().collect(),
            notice_days: 0,
        };
        let hlc = Hlc::new(1, crate::ids::DeviceId::new());
        let fields = match serde_json::to_value(&schedule).expect("json") {
            serde_json::Value::Object(map) => map
                .into_iter()
                .map(|(name, value)| (name, FieldState { value, hlc }))
                .collect(),
            _ => unreachable!("a schedule is an object"),
        };
        state.model.records.insert(
            (RecordKind::RetentionSchedule, SCHEDULE_ID.into()),
            (fields, seq),
        );
    }
    clock.advance(chrono::Duration::days(2));
    let pushes_before = server.requests_to("/v1/sync/push").len();

    let report = sync().expect("second sync");

    assert_eq!(
        report.retention_dropped, 1,
        "dropped after the pull brought the schedule"
    );
    assert!(store.note(note.id).is_err());
    assert_eq!(
        server.requests_to("/v1/sync/push").len(),
        pushes_before,
        "nothing was pushed: the server disposes by its own sweep"
    );
    assert_eq!(store.pending_count().expect("pending"), 0);
    // The next sync applies it before pushing; nothing is left to drop.
    assert_eq!(sync().expect("third sync").retention_dropped, 0);
}
