//! A pulled page holding a kind this build does not know: the sync goes on, the record is set
//! aside and counted, and a later build that knows the kind pulls it again
//! (`crate::sync::unknown_kinds`).

use super::test_server::{Reply, TestServer};
use super::tests::{one_device, options, sync};
use crate::model::NoteCategory;
use crate::sync::protocol::RecordKind;

/// A page from a newer server: a note from another device (compact form) and a record of a
/// kind this build has never heard of (full form), then the feed's end.
fn newer_servers_page(note_id: &str) -> Vec<u8> {
    let hlc = format!(
        "{:016x}-00000000-0190a000-0000-7000-8000-0000000000e1",
        chrono::Utc::now().timestamp_millis() - 60_000
    );
    let now = chrono::Utc::now().to_rfc3339();
    format!(
        r#"{{"changes": [
            {{"seq": 1, "kind": "hotspot_visit", "record_id": "hv-1",
              "fields": {{"lsoa": {{"value": "E01027461", "hlc": "{hlc}"}}}}}},
            {{"seq": 2, "kind": "note", "record_id": "{note_id}", "hlc": "{hlc}",
              "values": {{"id": "{note_id}", "observed_at": "{now}", "text": "Gate repaired", "category": "observation",
                          "author": "0190a000-0000-7000-8000-0000000000a9", "created_at": "{now}"}}}}
          ],
          "next_cursor": 2, "has_more": false, "server_time": "{now}"}}"#
    )
    .into_bytes()
}

#[test]
fn a_kind_this_build_does_not_know_is_set_aside_and_the_rest_of_the_page_applied() {
    let server = TestServer::start();
    let (client, device) = one_device(&server, options());
    let note_id = crate::ids::NoteId::new();
    let page = newer_servers_page(&note_id.to_string());
    server.state().hook = Some(Box::new(move |req, _| {
        (req.path == "/v1/sync/pull" && req.query.get("cursor").map(String::as_str) == Some("0"))
            .then(|| Reply {
                status: 200,
                headers: Vec::new(),
                body: page.clone(),
            })
    }));

    let report = sync(&client, &device).expect("the sync goes on");

    assert_eq!(report.skipped_unknown, 1);
    assert_eq!(report.pulled, 2);
    let note = device
        .store
        .note(note_id)
        .expect("the known record is written");
    assert_eq!(note.category, NoteCategory::Observation);
    let status = device.store.sync_status().expect("status");
    assert_eq!(status.skipped_records, 1, "counted for the user to see");
    assert_eq!(status.cursor, 2, "the pull went past it");
    assert!(status.last_error.is_none(), "{:?}", status.last_error);

    // A later build that knows the kind: what this build set aside is pulled again from its
    // place. (This build knows `note`; a row naming it stands for such a kind.)
    device
        .store
        .write(|tx| {
            tx.execute(
                "INSERT INTO sync_skipped (kind, record_id, seq) VALUES (?1, 'n-9', 2)",
                [RecordKind::Note.as_str()],
            )?;
            Ok(())
        })
        .expect("an older build's row");
    let report = sync(&client, &device).expect("sync");
    assert_eq!(report.resumed, 1);
    let requests = server.requests_to("/v1/sync/pull");
    let last = requests.last().expect("a pull");
    assert_eq!(
        last.query.get("cursor").map(String::as_str),
        Some("1"),
        "pulled again from just before the set-aside record"
    );
    let status = device.store.sync_status().expect("status");
    assert_eq!(
        status.skipped_records, 1,
        "the unknown kind stays set aside"
    );
}
