//! Property: random edits on random devices, synced in random orders with duplicate pushes,
//! always end with every device holding the same records.

use crate::common;

use beatbook_core::ids::{DeviceId, ProblemId, TeamId, UserId};
use beatbook_core::model::*;
use beatbook_core::Store;
use common::fake_server::FakeServer;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Action {
    /// Device opens a problem.
    Open { device: usize },
    /// Device edits the analysis of the n-th problem it knows.
    Analyse {
        device: usize,
        problem: usize,
        text: u8,
    },
    /// Device adds a step to the n-th problem it knows.
    RecordStep { device: usize, problem: usize },
    /// Device adds a note.
    Note { device: usize },
    /// Device syncs, pushing its batch `dupes + 1` times.
    Sync { device: usize, dupes: usize },
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        (0..3usize).prop_map(|device| Action::Open { device }),
        (0..3usize, 0..4usize, any::<u8>()).prop_map(|(device, problem, text)| Action::Analyse {
            device,
            problem,
            text
        }),
        (0..3usize, 0..4usize).prop_map(|(device, problem)| Action::RecordStep { device, problem }),
        (0..3usize).prop_map(|device| Action::Note { device }),
        (0..3usize, 0..3usize).prop_map(|(device, dupes)| Action::Sync { device, dupes }),
    ]
}

struct Device {
    _dir: tempfile::TempDir,
    store: Store,
    actor: Actor,
}

fn devices() -> Vec<Device> {
    let team = Team {
        id: TeamId::new(),
        name: "T".into(),
        lap_code: None,
    };
    let users: Vec<User> = (0..3)
        .map(|i| User {
            id: UserId::new(),
            display_name: format!("Officer {i}"),
            role: Role::Officer,
            team_id: Some(team.id),
        })
        .collect();
    (0..3)
        .map(|i| {
            let dir = tempfile::tempdir().expect("dir");
            let store = common::store_knowing(&dir.path().join("d.db"), &team, &users);
            Device {
                _dir: dir,
                store,
                actor: Actor {
                    user_id: users[i].id,
                    role: Role::Officer,
                    device_id: DeviceId::new(),
                },
            }
        })
        .collect()
}

fn sync_with_dupes(server: &mut FakeServer, store: &Store, dupes: usize) {
    let ops = store.pending_ops(1000).expect("pending");
    let mut results = server.push(&ops);
    for _ in 0..dupes {
        results = server.push(&ops);
    }
    store
        .apply_push_results(&results, store.now())
        .expect("results");
    server.sync(store);
}

fn known_problems(store: &Store) -> Vec<ProblemId> {
    store
        .problems()
        .expect("problems")
        .into_iter()
        .map(|p| p.id)
        .collect()
}

/// Everything that must agree, in a comparable form.
fn snapshot(store: &Store) -> String {
    let problems = store.problems().expect("problems");
    let steps: Vec<_> = problems
        .iter()
        .map(|p| store.problem_steps(p.id).expect("steps"))
        .collect();
    let notes = store
        .search("patrolnote", 200)
        .expect("notes")
        .into_iter()
        .map(|h| h.record_id)
        .collect::<std::collections::BTreeSet<_>>();
    serde_json::to_string(&(problems, steps, notes)).expect("json")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn devices_converge_whatever_the_order(steps in prop::collection::vec(action(), 1..30)) {
        let devices = devices();
        let mut server = FakeServer::default();
        for action in &steps {
            match *action {
                Action::Open { device } => {
                    let d = &devices[device];
                    d.store.open_problem(&d.actor, NewProblem {
                        title: format!("Problem from {device}"),
                        area: AreaRef::Lap("LAP-NV".into()),
                        category: CrimeCategory::Drugs,
                        owner: None,
                        scanning_summary: "Seen twice".into(),
                    }).expect("open");
                }
                Action::Analyse { device, problem, text } => {
                    let d = &devices[device];
                    if let Some(id) = known_problems(&d.store).get(problem) {
                        let triangle = AnalysisTriangle { location: Some(format!("Place {text}")), ..Default::default() };
                        // A no-op edit is fine; a refused one (e.g. closed) is not expected here.
                        d.store.update_analysis(&d.actor, *id, triangle, vec![RepeatType::Den]).expect("analyse");
                    }
                }
                Action::RecordStep { device, problem } => {
                    let d = &devices[device];
                    if let Some(id) = known_problems(&d.store).get(problem) {
                        d.store.add_problem_step(&d.actor, *id, "Further reports").expect("step");
                    }
                }
                Action::Note { device } => {
                    let d = &devices[device];
                    d.store.add_note(&d.actor, NewNote {
                        observed_at: d.store.now(),
                        text: format!("patrolnote by {device}"),
                        category: NoteCategory::Observation,
                        place: None,
                        patrol_id: None,
                        problem_id: None,
                    }).expect("note");
                }
                Action::Sync { device, dupes } => sync_with_dupes(&mut server, &devices[device].store, dupes),
            }
        }
        // Everyone syncs twice (the second round delivers what the first produced).
        for _ in 0..2 {
            for d in &devices {
                server.sync(&d.store);
            }
        }
        let first = snapshot(&devices[0].store);
        for d in &devices[1..] {
            prop_assert_eq!(&snapshot(&d.store), &first);
        }
        for d in &devices {
            prop_assert_eq!(d.store.pending_count().expect("pending"), 0);
        }
    }
}
