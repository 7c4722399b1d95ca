//! New records indexed for search in batches (store version 32): a record waits for the index
//! until a search, the write that makes `SEARCH_CATCH_UP_AFTER` of them wait, or a reopened
//! store's next search; a search always finds every record as it is now; and a record given the
//! row number of an erased one that was already indexed is indexed at once.

use crate::common::{self, key, Fixture};
use beatbook_core::ids::ContactId;
use beatbook_core::model::*;
use beatbook_core::store::SEARCH_CATCH_UP_AFTER;
use beatbook_core::Store;

/// Records a contact whose text holds `word`; returns its id.
fn contact(f: &Fixture, pcso: &Actor, word: &str) -> ContactId {
    f.store
        .record_contact(
            pcso,
            NewContact {
                issues_text: Some(format!("kestrel {word}")),
                ..common::plain_contact(f.now(), GeoPoint::new(52.405, -1.545))
            },
        )
        .expect("contact")
        .contact
        .id
}

/// The rows the search index holds (one per indexed record: its column sizes).
fn index_rows(f: &Fixture) -> i64 {
    f.count("search_index_docsize")
}

fn found(store: &Store, typed: &str) -> Vec<String> {
    store
        .search(typed, 200)
        .expect("search")
        .into_iter()
        .map(|hit| hit.record_id)
        .collect()
}

#[test]
fn new_records_wait_for_a_search_or_a_full_batch_and_are_found_either_way() {
    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "Sam");
    let batch = SEARCH_CATCH_UP_AFTER;

    let first: Vec<ContactId> = (0..batch - 1)
        .map(|n| contact(&f, &pcso, &format!("first{n}")))
        .collect();
    assert_eq!(index_rows(&f), 0, "fewer than a batch wait for the index");

    // Reopening keeps nothing in memory that the waiting records depended on.
    let path = f.dir.path().join("beatbook.db");
    let reopened = Store::open(&path, &key()).expect("reopen");
    assert_eq!(found(&reopened, "first5"), vec![first[5].to_string()]);
    assert_eq!(
        index_rows(&f),
        batch - 1,
        "the search indexed every waiting record"
    );
    drop(reopened);

    for n in 0..batch - 1 {
        contact(&f, &pcso, &format!("second{n}"));
    }
    assert_eq!(index_rows(&f), batch - 1, "the second batch waits");
    contact(&f, &pcso, "last");
    assert_eq!(
        index_rows(&f),
        2 * batch - 1,
        "the write that made a full batch wait indexed it, itself included"
    );
    assert_eq!(found(&f.store, "kestrel").len() as i64, 2 * batch - 1);
}

#[test]
fn a_record_corrected_or_erased_while_it_waits_is_found_as_it_is_now() {
    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "Sam");
    let supervisor = f.actor(Role::Supervisor, "Kim");
    let kept = contact(&f, &pcso, "heron");
    let erased = contact(&f, &pcso, "osprey");
    let note = f
        .store
        .add_note(
            &pcso,
            NewNote {
                observed_at: f.now(),
                text: "kestrel plover".into(),
                category: NoteCategory::Observation,
                place: None,
                patrol_id: None,
                problem_id: None,
            },
        )
        .expect("note");
    f.store
        .erase_contact(&supervisor, erased, "Recorded in error")
        .expect("erase");
    let corrected = f
        .store
        .amend_note(
            &pcso,
            note.id,
            NoteAmendment {
                text: "kestrel sandpiper".into(),
                observed_at: None,
            },
            "Wrong bird",
        )
        .expect("amend");
    assert_eq!(index_rows(&f), 0, "all of them waited");

    assert_eq!(found(&f.store, "heron"), vec![kept.to_string()]);
    assert!(
        found(&f.store, "osprey").is_empty(),
        "erased before indexed"
    );
    assert!(
        found(&f.store, "plover").is_empty(),
        "a corrected note's old text is not indexed"
    );
    assert_eq!(found(&f.store, "sandpiper"), vec![corrected.id.to_string()]);
    assert_eq!(
        index_rows(&f),
        2,
        "the kept contact and the newest note of the chain"
    );
}

#[test]
fn a_record_given_an_indexed_records_row_number_is_indexed_at_once() {
    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "Sam");
    let supervisor = f.actor(Role::Supervisor, "Kim");
    contact(&f, &pcso, "heron");
    let newest = contact(&f, &pcso, "osprey");
    assert_eq!(found(&f.store, "kestrel").len(), 2, "both indexed");
    let row_of = |id: ContactId| -> i64 {
        common::keyed_connection(f.dir.path().join("beatbook.db"), &key())
            .query_row(
                "SELECT rowid FROM contacts WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .expect("row")
    };
    let newest_row = row_of(newest);

    f.store
        .erase_contact(&supervisor, newest, "Recorded in error")
        .expect("erase");
    let again = contact(&f, &pcso, "curlew");
    assert_eq!(row_of(again), newest_row, "the erased record's number");
    assert_eq!(
        index_rows(&f),
        2,
        "indexed in its own commit, not left waiting below the mark"
    );
    assert_eq!(found(&f.store, "curlew"), vec![again.to_string()]);
    assert!(found(&f.store, "osprey").is_empty());
}
