//! Pulled pages applied several to a transaction (`store::device_sync::pulled_batch`): nothing
//! of a batch is seen before its commit and everything after it, a batch that ends without one
//! leaves the store at its last commit, and a record written on one page and changed on a later
//! one of the same batch is indexed once, as it ended.

use crate::common::{fake_server::FakeServer, Fixture};
use beatbook_core::model::{AreaRef, CrimeCategory, NewNote, NewProblem, NoteCategory, Role};
use beatbook_core::sync::protocol::PullResponse;
use beatbook_core::Store;

/// Records per pulled page in these tests.
const PAGE: usize = 7;

/// A recording device with `notes` notes, each with a word of its own, synced to a server.
fn server_with_notes(notes: usize) -> (Fixture, FakeServer) {
    let recording = Fixture::new();
    let actor = recording.actor(Role::Pcso, "Sam");
    for i in 0..notes {
        recording
            .store
            .add_note(
                &actor,
                NewNote {
                    observed_at: recording.now(),
                    text: format!("Graffiti on the underpass, tag mark{i}z and bins alight"),
                    category: NoteCategory::Environmental,
                    place: None,
                    patrol_id: None,
                    problem_id: None,
                },
            )
            .expect("note");
    }
    let mut server = FakeServer::default();
    server.sync(&recording.store);
    (recording, server)
}

fn notes_found(store: &Store, word: &str) -> usize {
    store.search(word, 100).expect("search").len()
}

fn page_after(server: &FakeServer, cursor: u64) -> PullResponse {
    let page = server.pull(cursor, PAGE);
    assert!(!page.changes.is_empty(), "{cursor}: a page with records");
    page
}

#[test]
fn pages_of_one_batch_are_seen_only_once_it_commits() {
    let (_recording, server) = server_with_notes(30);
    let receiving = Fixture::new();
    let store = &receiving.store;
    let mut batch = store.pulled_batch();
    let mut cursor = 0;
    for _ in 0..3 {
        let page = page_after(&server, cursor);
        batch.apply(&page, &[]).expect("apply");
        cursor = page.next_cursor;
    }
    assert!(
        batch.is_open(),
        "three small pages do not commit on their own"
    );
    // A reader sees the store as it was before the batch.
    assert_eq!(store.pull_cursor().expect("cursor"), 0);
    assert!(store.note_ids().expect("notes").is_empty());
    assert_eq!(notes_found(store, "underpass"), 0);

    batch.commit().expect("commit");
    assert!(!batch.is_open());
    assert_eq!(store.pull_cursor().expect("cursor"), cursor);
    assert_eq!(store.note_ids().expect("notes").len(), 3 * PAGE);
    assert_eq!(
        notes_found(store, "underpass"),
        3 * PAGE,
        "indexed at the commit"
    );
    assert_eq!(notes_found(store, "mark0z"), 1);

    // The writer was given back: a local write goes through, and the next batch carries on.
    let actor = receiving.actor(Role::Pcso, "Alex");
    store
        .add_note(
            &actor,
            NewNote {
                observed_at: receiving.now(),
                text: "Written between two batches".into(),
                category: NoteCategory::Environmental,
                place: None,
                patrol_id: None,
                problem_id: None,
            },
        )
        .expect("a local write after the commit");
    loop {
        let page = server.pull(cursor, PAGE);
        batch.apply(&page, &[]).expect("apply");
        cursor = page.next_cursor;
        if !page.has_more {
            break;
        }
    }
    batch.commit().expect("commit");
    assert_eq!(store.note_ids().expect("notes").len(), 31);
    assert_eq!(notes_found(store, "underpass"), 30);
    for i in 0..30 {
        assert_eq!(notes_found(store, &format!("mark{i}z")), 1, "note {i}");
    }
}

#[test]
fn a_batch_that_ends_without_a_commit_leaves_the_store_at_its_last_one() {
    let (_recording, server) = server_with_notes(30);
    let receiving = Fixture::new();
    let store = &receiving.store;
    let first = server.pull(0, PAGE);
    {
        let mut batch = store.pulled_batch();
        batch.apply(&first, &[]).expect("first page");
        batch.commit().expect("commit");
        let second = server.pull(first.next_cursor, PAGE);
        batch.apply(&second, &[]).expect("second page");
        let third = server.pull(second.next_cursor, PAGE);
        batch.apply(&third, &[]).expect("third page");
        // Dropped open, as when a panic unwinds through the pull.
    }
    assert_eq!(store.pull_cursor().expect("cursor"), first.next_cursor);
    assert_eq!(store.note_ids().expect("notes").len(), PAGE);
    assert_eq!(
        notes_found(store, "underpass"),
        PAGE,
        "no queued row left behind"
    );

    // The pages rolled back come again and are applied once.
    let mut server = server;
    server.sync(store);
    assert_eq!(store.note_ids().expect("notes").len(), 30);
    assert_eq!(notes_found(store, "underpass"), 30);
    for i in 0..30 {
        assert_eq!(notes_found(store, &format!("mark{i}z")), 1, "note {i}");
    }
}

#[test]
fn a_record_changed_on_a_later_page_of_the_batch_is_indexed_once_as_it_ended() {
    let recording = Fixture::new();
    let actor = recording.actor(Role::Pcso, "Sam");
    let problem = recording
        .store
        .open_problem(
            &actor,
            NewProblem {
                title: "Scramblers on the rec".into(),
                area: AreaRef::Lap("LAP-NV".into()),
                category: CrimeCategory::AntiSocialBehaviour,
                owner: None,
                scanning_summary: "Reports every evening".into(),
            },
        )
        .expect("problem");
    let mut server = FakeServer::default();
    server.sync(&recording.store);

    let receiving = Fixture::new();
    let store = &receiving.store;
    let mut batch = store.pulled_batch();
    let first = server.pull(0, 100);
    batch.apply(&first, &[]).expect("the problem");
    // The problem gains a step on the recording device; its next page carries it.
    recording
        .store
        .add_problem_step(&actor, problem.id, "Spoke to the groundsman about the gate")
        .expect("step");
    server.sync(&recording.store);
    let second = server.pull(first.next_cursor, 100);
    assert!(!second.changes.is_empty());
    batch.apply(&second, &[]).expect("the step");
    batch.commit().expect("commit");

    let hits = store.search("groundsman", 10).expect("search");
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].record_id, problem.id.to_string());
    assert_eq!(store.search("scramblers", 10).expect("search").len(), 1);
}
