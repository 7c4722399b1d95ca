//! Search rows numbered by record rows, under any mix of writes: whatever the order in which
//! notes, contacts, problems and patrols are recorded, corrected, erased and synced, each
//! searchable record has exactly one search row, found as its own kind and id, and nothing
//! erased or corrected away is found — on the recording device (searching between the writes
//! too, so that records wait for the index, are indexed and change in every order), and on a
//! second device that pulls everything (pages applied with the search rows batched, erasures
//! arriving for records it holds).

use crate::common::{self, fake_server::FakeServer};
use crate::schema_upgrades::keyed;
use beatbook_core::ids::{DeviceId, TeamId, UserId};
use beatbook_core::model::*;
use beatbook_core::store::{SearchKind, SEARCH_CATCH_UP_AFTER};
use beatbook_core::Store;
use proptest::prelude::*;
use std::path::PathBuf;

#[derive(Debug, Clone)]
enum Step {
    Record(SearchKind),
    /// Record one more of a kind than may wait for the index, so that a write indexes every
    /// waiting record (those corrected or erased meanwhile included) without a search.
    Burst(SearchKind),
    /// Correct the `n`th live note (modulo their number).
    Amend(usize),
    /// Erase the `n`th live record that no correction chain involves.
    Erase(usize),
    /// The recorder pushes; the second device pulls.
    Sync,
    /// The recorder searches for everything so far (indexing the records that wait).
    Search,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => prop::sample::select(SearchKind::ALL.to_vec()).prop_map(Step::Record),
        1 => prop::sample::select(SearchKind::ALL.to_vec()).prop_map(Step::Burst),
        1 => any::<usize>().prop_map(Step::Amend),
        1 => any::<usize>().prop_map(Step::Erase),
        1 => Just(Step::Sync),
        1 => Just(Step::Search),
    ]
}

/// A record search must find, by the word only it holds.
#[derive(Debug, Clone)]
struct Searchable {
    kind: SearchKind,
    id: String,
    word: String,
    in_a_chain: bool,
}

struct Device {
    _dir: tempfile::TempDir,
    path: PathBuf,
    store: Store,
}

/// Two stores knowing the same team: an officer records, a supervisor erases.
fn devices() -> (Device, Device, Actor, Actor) {
    let team = Team {
        id: TeamId::new(),
        name: "T".into(),
        lap_code: None,
    };
    let user = |role, name: &str| User {
        id: UserId::new(),
        display_name: name.into(),
        role,
        team_id: Some(team.id),
    };
    let users = [
        user(Role::Officer, "PC Sam"),
        user(Role::Supervisor, "Sgt Kim"),
    ];
    let device = || {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("d.db");
        let store = common::store_knowing(&path, &team, &users);
        Device {
            _dir: dir,
            path,
            store,
        }
    };
    let actor = |u: &User| Actor {
        user_id: u.id,
        role: u.role,
        device_id: DeviceId::new(),
    };
    (device(), device(), actor(&users[0]), actor(&users[1]))
}

/// Records a `kind` holding `word`; returns its id.
fn record(store: &Store, officer: &Actor, kind: SearchKind, word: &str) -> String {
    let text = format!("zephyr {word}");
    let now = store.now();
    match kind {
        SearchKind::Note => store
            .add_note(
                officer,
                NewNote {
                    observed_at: now,
                    text,
                    category: NoteCategory::Observation,
                    place: None,
                    patrol_id: None,
                    problem_id: None,
                },
            )
            .expect("note")
            .id
            .to_string(),
        SearchKind::Contact => store
            .record_contact(
                officer,
                NewContact {
                    issues_text: Some(text),
                    ..common::plain_contact(now, GeoPoint::new(52.405, -1.545))
                },
            )
            .expect("contact")
            .contact
            .id
            .to_string(),
        SearchKind::Problem => store
            .open_problem(
                officer,
                NewProblem {
                    title: text,
                    area: AreaRef::Lap("LAP-NV".into()),
                    category: CrimeCategory::Drugs,
                    owner: None,
                    scanning_summary: "Seen twice".into(),
                },
            )
            .expect("problem")
            .id
            .to_string(),
        SearchKind::Patrol => store
            .start_patrol(
                officer,
                NewPatrol {
                    kind: PatrolKind::Foot,
                    area: AreaRef::Lap("LAP-NV".into()),
                    purpose: text,
                    operation_name: None,
                    participants: vec![],
                    started_at: now,
                },
            )
            .expect("patrol")
            .id
            .to_string(),
    }
}

fn erase(store: &Store, supervisor: &Actor, record: &Searchable) {
    let reason = "Recorded in error";
    let id = &record.id;
    match record.kind {
        SearchKind::Note => store.erase_note(supervisor, id.parse().expect("id"), reason),
        SearchKind::Contact => store.erase_contact(supervisor, id.parse().expect("id"), reason),
        SearchKind::Problem => store.erase_problem(supervisor, id.parse().expect("id"), reason),
        SearchKind::Patrol => store.erase_patrol(supervisor, id.parse().expect("id"), reason),
    }
    .expect("erase");
}

fn sync(server: &mut FakeServer, from: &Store, to: &Store) {
    let ops = from.pending_ops(10_000).expect("pending");
    let results = server.push(&ops);
    from.apply_push_results(&results, from.now())
        .expect("results");
    server.sync(from);
    server.sync(to);
}

/// What `device` finds, checked against what it must.
fn check(device: &Device, live: &[Searchable], gone: &[String]) -> Result<(), TestCaseError> {
    for record in live {
        let hits: Vec<(SearchKind, String)> = device
            .store
            .search(&record.word, 10)
            .expect("search")
            .into_iter()
            .map(|hit| (hit.kind, hit.record_id))
            .collect();
        prop_assert_eq!(hits, vec![(record.kind, record.id.clone())]);
    }
    for word in gone {
        prop_assert!(
            device.store.search(word, 10).expect("search").is_empty(),
            "{} found after it was erased or corrected away",
            word
        );
    }
    check_all_found(device, live)
}

/// One search for the word every record holds finds exactly the live records, and the index
/// then holds one row for each (nothing erased or corrected away, nothing twice).
fn check_all_found(device: &Device, live: &[Searchable]) -> Result<(), TestCaseError> {
    let mut everything: Vec<String> = device
        .store
        .search("zephyr", 200)
        .expect("search")
        .into_iter()
        .map(|hit| hit.record_id)
        .collect();
    everything.sort();
    let mut expected: Vec<String> = live.iter().map(|r| r.id.clone()).collect();
    expected.sort();
    prop_assert_eq!(everything, expected);
    let conn = keyed(&device.path);
    // FTS5's own check of the index against itself: a row indexed twice, or a term left
    // behind by a deletion, fails it.
    let integrity = conn.execute(
        "INSERT INTO search_index (search_index, rank) VALUES ('integrity-check', 0)",
        [],
    );
    prop_assert!(integrity.is_ok(), "search index: {:?}", integrity);
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM search_index_docsize", [], |r| {
            r.get(0)
        })
        .expect("count");
    prop_assert_eq!(
        rows,
        live.len() as i64,
        "one search row a searchable record"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, .. ProptestConfig::default() })]

    #[test]
    fn each_searchable_record_has_one_row_found_as_itself(
        // Up to 60 steps: enough records, at times, for a write to find a full batch waiting
        // for the index (`SEARCH_CATCH_UP_AFTER`) between searches.
        steps in prop::collection::vec(step(), 1..60)
    ) {
        let (recorder, receiver, officer, supervisor) = devices();
        let mut server = FakeServer::default();
        let mut live: Vec<Searchable> = Vec::new();
        let mut gone: Vec<String> = Vec::new();
        let mut bursts = 0;
        for (n, step) in steps.iter().enumerate() {
            let word = format!("mark{n:04}");
            match step {
                Step::Record(kind) => {
                    let id = record(&recorder.store, &officer, *kind, &word);
                    live.push(Searchable { kind: *kind, id, word, in_a_chain: false });
                }
                // Two bursts at most: with the single records, every live record stays within
                // one search's results (200), which the checks read whole.
                Step::Burst(_) if bursts == 2 => continue,
                Step::Burst(kind) => {
                    bursts += 1;
                    for k in 0..=SEARCH_CATCH_UP_AFTER {
                        let word = format!("{word}x{k:02}");
                        let id = record(&recorder.store, &officer, *kind, &word);
                        live.push(Searchable { kind: *kind, id, word, in_a_chain: false });
                    }
                }
                Step::Amend(pick) => {
                    let notes: Vec<usize> = (0..live.len())
                        .filter(|&i| live[i].kind == SearchKind::Note)
                        .collect();
                    if notes.is_empty() {
                        continue;
                    }
                    let old = live.remove(notes[pick % notes.len()]);
                    let amended = recorder
                        .store
                        .amend_note(
                            &officer,
                            old.id.parse().expect("id"),
                            NoteAmendment { text: format!("zephyr {word}"), observed_at: None },
                            "Wrong house",
                        )
                        .expect("amend");
                    gone.push(old.word);
                    live.push(Searchable {
                        kind: SearchKind::Note,
                        id: amended.id.to_string(),
                        word,
                        in_a_chain: true,
                    });
                }
                Step::Erase(pick) => {
                    let erasable: Vec<usize> =
                        (0..live.len()).filter(|&i| !live[i].in_a_chain).collect();
                    if erasable.is_empty() {
                        continue;
                    }
                    let erased = live.remove(erasable[pick % erasable.len()]);
                    erase(&recorder.store, &supervisor, &erased);
                    gone.push(erased.word);
                }
                Step::Sync => sync(&mut server, &recorder.store, &receiver.store),
                Step::Search => check_all_found(&recorder, &live)?,
            }
        }
        check(&recorder, &live, &gone)?;
        sync(&mut server, &recorder.store, &receiver.store);
        check(&receiver, &live, &gone)?;
    }
}
