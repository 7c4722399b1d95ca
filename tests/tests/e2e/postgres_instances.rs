//! Three `beatbook-server` processes on one PostgreSQL database: devices enrolled and syncing
//! through different instances, at the same time, converge; an instance killed mid-run loses
//! nothing (its devices' next pushes go through another instance, the feed is one).
//!
//! Runs on a fresh schema of the test server (`BEATBOOK_TEST_POSTGRES`, see
//! `sync-server/src/storage/postgres/testing.rs`); fails when PostgreSQL cannot be reached,
//! unless that variable is `skip`.

use beatbook_core::model::*;
use beatbook_e2e::device::Device;
use beatbook_e2e::server::ServerProcess;
use beatbook_server::storage::postgres::testing::TestSchema;
use chrono::{Duration, Utc};

fn patrol(purpose: &str) -> NewPatrol {
    NewPatrol {
        kind: PatrolKind::Foot,
        area: AreaRef::Lap("LAP-NV".into()),
        purpose: purpose.into(),
        operation_name: None,
        participants: vec![],
        started_at: Utc::now() - Duration::hours(1),
    }
}

fn note(text: &str) -> NewNote {
    NewNote {
        observed_at: Utc::now(),
        text: text.into(),
        category: NoteCategory::Community,
        place: None,
        patrol_id: None,
        problem_id: None,
    }
}

/// What team devices must agree on.
fn team_view(store: &beatbook_core::Store) -> String {
    let day = Utc::now() - Duration::days(2);
    let later = Utc::now() + Duration::days(2);
    let problems = store.problems().expect("problems");
    let mut patrols = store.patrols_between(day, later).expect("patrols");
    patrols.sort_by_key(|p| p.id);
    serde_json::to_string(&(problems, patrols)).expect("json")
}

/// Each device records `rounds` patrols and notes, syncing after each, all devices at once.
fn record_and_sync_at_once(devices: &[Device], rounds: usize) {
    std::thread::scope(|scope| {
        for (i, d) in devices.iter().enumerate() {
            scope.spawn(move || {
                for r in 0..rounds {
                    d.store
                        .start_patrol(&d.actor, patrol(&format!("Device {i} round {r}")))
                        .expect("patrol");
                    d.store
                        .add_note(&d.actor, note(&format!("Device {i} note {r}")))
                        .expect("note");
                    d.sync();
                }
            });
        }
    });
}

#[test]
fn devices_syncing_through_three_instances_on_one_database_converge() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let instances: Vec<ServerProcess> = (0..3)
        .map(|_| ServerProcess::start_on(schema.url(), &[]))
        .collect();
    let urls: Vec<&str> = instances.iter().map(|s| s.url.as_str()).collect();
    // Six devices, two enrolled through each instance.
    let devices = instances[0].enrol_team_through(
        &urls,
        &[
            ("PCSO Avery", "pcso"),
            ("PCSO Blake", "pcso"),
            ("PC Casey", "officer"),
            ("PC Drew", "officer"),
            ("PCSO Ellis", "pcso"),
            ("Sergeant Sol", "supervisor"),
        ],
    );

    // One problem edited on two devices behind different instances: both edits kept.
    let prob = devices[0]
        .store
        .open_problem(
            &devices[0].actor,
            NewProblem {
                title: "Garage burglaries".into(),
                area: AreaRef::Lap("LAP-NV".into()),
                category: CrimeCategory::Burglary,
                owner: None,
                scanning_summary: "Five break-ins since May".into(),
            },
        )
        .expect("problem");
    devices[0].sync();
    devices[1].sync();
    devices[1]
        .store
        .add_problem_step(&devices[1].actor, prob.id, "Analysis: rear lane unlit")
        .expect("step");

    record_and_sync_at_once(&devices, 4);

    // Every device syncs twice more (the second pass carries what others pushed meanwhile).
    for _ in 0..2 {
        for d in &devices {
            d.sync();
        }
    }
    let first = team_view(&devices[0].store);
    for (i, d) in devices.iter().enumerate() {
        assert_eq!(team_view(&d.store), first, "device {i} differs");
        assert_eq!(d.store.pending_count().expect("pending"), 0);
        assert_eq!(d.store.sync_status().expect("status").rejected_changes, 0);
    }
    let day = Utc::now() - Duration::days(2);
    let patrols = devices[0]
        .store
        .patrols_between(day, Utc::now() + Duration::days(2))
        .expect("patrols");
    assert_eq!(patrols.len(), devices.len() * 4, "every patrol, once");
    assert_eq!(
        devices[5]
            .store
            .problem_steps(prob.id)
            .expect("steps")
            .len(),
        devices[0]
            .store
            .problem_steps(prob.id)
            .expect("steps")
            .len()
    );
}

#[test]
fn an_instance_killed_mid_run_loses_nothing_the_others_serve_it_all() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let mut instances: Vec<ServerProcess> = (0..2)
        .map(|_| ServerProcess::start_on(schema.url(), &[]))
        .collect();
    let urls: Vec<&str> = instances.iter().map(|s| s.url.as_str()).collect();
    let devices =
        instances[0].enrol_team_through(&urls, &[("PCSO Avery", "pcso"), ("PCSO Blake", "pcso")]);
    // Avery (instance 0) and Blake (instance 1) record and sync.
    record_and_sync_at_once(&devices, 3);
    // Instance 0 dies (SIGKILL: no graceful shutdown) while Avery has more to push.
    devices[0]
        .store
        .start_patrol(&devices[0].actor, patrol("After the crash"))
        .expect("patrol");
    instances[0].kill();
    assert!(devices[0].try_sync().is_err(), "instance 0 is down");
    // Blake, through instance 1, has everything Avery pushed before the crash.
    devices[1].sync();
    let day = Utc::now() - Duration::days(2);
    let later = Utc::now() + Duration::days(2);
    assert_eq!(
        devices[1]
            .store
            .patrols_between(day, later)
            .expect("patrols")
            .len(),
        6
    );
    // Instance 0 comes back on the same database; Avery's pending patrol goes through.
    instances[0].restart();
    devices[0].sync();
    devices[1].sync();
    assert_eq!(team_view(&devices[0].store), team_view(&devices[1].store));
    assert_eq!(
        devices[1]
            .store
            .patrols_between(day, later)
            .expect("patrols")
            .len(),
        7
    );
}
