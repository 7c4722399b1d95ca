//! A connection cut mid-push or mid-pull (by a proxy the test controls): the sync retries or
//! the next sync resumes, and every change is applied exactly once.

use beatbook_core::model::*;
use beatbook_e2e::device::Device;
use beatbook_e2e::proxy::{Direction, Fault, Proxy};
use beatbook_e2e::server::ServerProcess;
use chrono::Utc;
use std::sync::atomic::Ordering;

const NOTES: usize = 120;

/// A server, a proxy in front of it, and two devices enrolled through the proxy (a device
/// only ever sends its token to the server it enrolled with).
fn setup() -> (ServerProcess, Proxy, Device, Device) {
    let server = ServerProcess::start(&[]);
    let proxy = Proxy::start(server.port);
    let mut devices = server
        .enrol_team(&proxy.url, &[("Avery", "pcso"), ("Blake", "pcso")])
        .into_iter();
    let (Some(a), Some(b)) = (devices.next(), devices.next()) else {
        panic!("two devices");
    };
    (server, proxy, a, b)
}

fn record_notes(d: &Device) {
    for i in 0..NOTES {
        d.store
            .add_note(
                &d.actor,
                NewNote {
                    observed_at: Utc::now(),
                    text: format!("cutnote number {i}"),
                    category: NoteCategory::Observation,
                    place: None,
                    patrol_id: None,
                    problem_id: None,
                },
            )
            .expect("note");
    }
}

fn try_sync(d: &Device) -> Result<(), String> {
    d.try_sync().map(|_| ()).map_err(|e| e.to_string())
}

fn notes_on(d: &Device) -> usize {
    d.store.search("cutnote", 200).expect("search").len()
}

#[test]
fn a_push_cut_midway_completes_later_with_each_op_applied_once() {
    let (_server, proxy, a, b) = setup();
    record_notes(&a);
    // Cut the next 5 connections just past the request headers, in the gzipped body: the
    // retries (3) run out once, then the next sync gets through.
    proxy.arm(Fault {
        direction: Direction::Upstream,
        after_bytes: 700,
        connections: 5,
    });
    let first = try_sync(&a);
    assert!(
        proxy.cuts.load(Ordering::SeqCst) > 0,
        "the proxy cut nothing"
    );
    if first.is_err() {
        assert!(a.store.pending_count().expect("pending") > 0);
        try_sync(&a).expect("the next sync completes");
    }
    assert_eq!(a.store.pending_count().expect("pending"), 0);
    b.sync();
    assert_eq!(notes_on(&b), NOTES, "each note arrived exactly once");
}

#[test]
fn a_pull_cut_midway_resumes_from_the_last_page_without_duplicates() {
    let (_server, proxy, a, b) = setup();
    record_notes(&a);
    a.sync();
    // Cut the next 5 connections just past the response headers, in the body.
    proxy.arm(Fault {
        direction: Direction::Downstream,
        after_bytes: 500,
        connections: 5,
    });
    let first = try_sync(&b);
    assert!(
        proxy.cuts.load(Ordering::SeqCst) > 0,
        "the proxy cut nothing"
    );
    if first.is_err() {
        try_sync(&b).expect("the next sync completes");
    }
    assert_eq!(notes_on(&b), NOTES);
    assert_eq!(
        b.store.pending_count().expect("pending"),
        0,
        "pulled records queue nothing"
    );
}
