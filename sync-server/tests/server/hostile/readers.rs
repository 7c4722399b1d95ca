//! What a crowd of pulls may make the server hold: store reader connections are a fixed pool
//! (a pull that cannot get one in time is `503` with `Retry-After`, never `500`), and a pull
//! page is bounded by bytes as well as records.

use crate::common::{new_id, note, statuses, Harness};
use beatbook_core::sync::protocol::{PullResponse, RecordKind};
use beatbook_server::background::BackgroundServer;
use beatbook_server::http::pull::MAX_PULL_PAGE_BYTES;
use beatbook_server::storage::sqlite::ReaderLimits;
use beatbook_server::storage::SqliteStorage;
use reqwest::StatusCode;
use std::sync::Arc;
use std::time::Duration;

#[test]
fn a_crowd_of_pulls_on_one_reader_is_served_or_told_to_retry_never_failed() {
    let h = Harness::start();
    let device = h.enrol(&h.pcso);
    let id = new_id();
    let op = device.op(
        RecordKind::Note,
        &id,
        note(&id, h.pcso.id, "Gate left open"),
    );
    assert_eq!(statuses(&h.push(&device, &[op])), ["accepted"]);
    // The same store, served again with one reader that a request waits 1 ms for.
    let storage = SqliteStorage::open_with(
        h.dir.path(),
        &crate::common::store_key(),
        ReaderLimits {
            size: 1,
            wait: Duration::from_millis(1),
        },
    )
    .expect("open");
    let server = BackgroundServer::serve(Arc::new(storage), Default::default()).expect("serve");
    let url = format!("{}/v1/sync/pull?cursor=0", server.url());
    let pullers: Vec<_> = (0..32)
        .map(|_| {
            let (url, token) = (url.clone(), device.token.clone());
            std::thread::spawn(move || {
                let client = crate::common::http_client().build().expect("client");
                (0..4)
                    .map(|_| {
                        let response = client.get(&url).bearer_auth(&token).send().expect("pull");
                        let status = response.status();
                        let retry = response.headers().get("retry-after").is_some();
                        (status, retry, response.text().expect("body"))
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut served = 0;
    for puller in pullers {
        for (status, retry, text) in puller.join().expect("puller") {
            match status {
                StatusCode::OK => {
                    let page: PullResponse = serde_json::from_str(&text).expect("page");
                    assert!(!page.changes.is_empty(), "{text}");
                    served += 1;
                }
                StatusCode::SERVICE_UNAVAILABLE => assert!(retry, "503 without Retry-After"),
                other => panic!("{other}: {text}"),
            }
        }
    }
    assert!(served > 0, "nothing was served");
}

#[test]
fn a_page_of_large_records_stops_at_its_byte_limit_and_the_cursor_gets_them_all() {
    let h = Harness::start();
    let device = h.enrol(&h.pcso);
    // Notes at most 10,000 characters: 120 of 9,000 make over a megabyte of feed.
    let big = "x".repeat(9_000);
    let ids: Vec<String> = (0..120).map(|_| new_id()).collect();
    let ops: Vec<_> = ids
        .iter()
        .map(|id| device.op(RecordKind::Note, id, note(id, h.pcso.id, &big)))
        .collect();
    assert!(statuses(&h.push(&device, &ops))
        .iter()
        .all(|s| s == "accepted"));
    let reader = h.enrol(&h.supervisor);
    let (mut cursor, mut seen, mut pages) = (0, Vec::new(), 0);
    loop {
        let (status, text) = h.pull_raw(&reader, cursor, 1000);
        assert_eq!(status, StatusCode::OK, "{text}");
        assert!(
            text.len() <= MAX_PULL_PAGE_BYTES + 1024,
            "a page of {} bytes",
            text.len()
        );
        let page: PullResponse = serde_json::from_str(&text).expect("page");
        assert!(!page.changes.is_empty() || !page.has_more);
        seen.extend(page.changes.into_iter().map(|c| c.record_id));
        pages += 1;
        cursor = page.next_cursor;
        if !page.has_more {
            break;
        }
        assert!(pages < 100, "the cursor does not advance");
    }
    assert!(pages >= 2, "all {} records came in one page", seen.len());
    let notes: Vec<&String> = seen.iter().filter(|id| ids.contains(id)).collect();
    assert_eq!(notes.len(), ids.len(), "every note, once");
}
