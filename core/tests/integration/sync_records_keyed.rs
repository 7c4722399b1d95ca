//! The sync state's key in bytes (store version 30): a version 29 store's rows come through the
//! upgrade with a canonical UUID packed to its 16 bytes, any other id kept as written, each
//! kind as its number; the device still reads every record's clocks back under its own id, and
//! what it knew still decides the merge.

use crate::common::key;
use crate::schema_upgrades::{keyed, old_store};
use beatbook_core::sync::protocol::{Change, FieldState, PullResponse};
use beatbook_core::sync::{Hlc, RecordClocks, RecordKind};
use beatbook_core::Store;
use std::collections::BTreeMap;

const PROBLEM: &str = "0190a000-0000-7000-8000-0000000000c1";
const CONTACT: &str = "0190a000-0000-7000-8000-0000000000c2";
/// An id in a form no build of Beatbook makes (upper case), as a server might still send one.
const SHOUTED: &str = "0190A000-0000-7000-8000-0000000000C3";
const OLDER: &str = "000001a196fb0600-00000000-0190a000-0000-7000-8000-0000000000d1";
const LOCAL: &str = "000001a196fb1600-00000000-0190a000-0000-7000-8000-0000000000d1";
const NEWER: &str = "000001a196fb2600-00000000-0190a000-0000-7000-8000-0000000000d2";

fn hlc(text: &str) -> Hlc {
    text.parse().expect("hlc")
}

fn clocks(field: &str, stamp: &str) -> Vec<u8> {
    RecordClocks {
        fields: [(field.to_owned(), hlc(stamp))].into_iter().collect(),
    }
    .encode_v2()
}

/// A pulled change of problem `id`'s title, stamped `stamp`.
pub(crate) fn pulled_title(seq: u64, id: &str, title: &str, stamp: &str) -> PullResponse {
    let mut fields = BTreeMap::new();
    fields.insert(
        "title".to_owned(),
        FieldState {
            value: title.into(),
            hlc: hlc(stamp),
        },
    );
    PullResponse {
        changes: vec![Change {
            seq,
            kind: RecordKind::Problem,
            record_id: id.into(),
            fields,
            erased: false,
        }],
        next_cursor: seq,
        has_more: false,
        server_time: chrono::DateTime::UNIX_EPOCH,
        epoch: None,
    }
}

#[test]
fn a_version_29_stores_sync_state_is_rekeyed_in_bytes_and_still_decides_the_merge() {
    let (_dir, path, conn) = old_store(29);
    for (id, title) in [(PROBLEM, "mine"), (SHOUTED, "mine too")] {
        conn.execute(
            "INSERT INTO sync_held (kind, record_id, reason, held_at, fields)
             VALUES ('problem', ?1, 'incomplete', '2026-01-01T00:00:00.000Z', json_object('title', ?2))",
            [id, title],
        )
        .expect("held problem");
    }
    conn.execute(
        "INSERT INTO sync_records (record_id, kind, clocks) VALUES (?1, 'problem', ?2),
           (?3, 'contact', ?4), (?3, 'contact_personal', ?5), (?6, 'problem', ?2)",
        rusqlite::params![
            PROBLEM,
            clocks("title", LOCAL),
            CONTACT,
            clocks("method", OLDER),
            clocks("name", NEWER),
            SHOUTED,
        ],
    )
    .expect("clocks");
    drop(conn);

    let store = Store::open(&path, &key()).expect("upgrade");
    let mut stored: Vec<(String, i64, i64)> = keyed(&path)
        .prepare("SELECT typeof(record_id), length(record_id), kind FROM sync_records")
        .expect("keys")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("keys")
        .collect::<rusqlite::Result<_>>()
        .expect("keys");
    stored.sort();
    assert_eq!(
        stored,
        [
            ("blob".to_owned(), 16, 3),
            ("blob".to_owned(), 16, 4),
            ("blob".to_owned(), 16, 6),
            ("text".to_owned(), 36, 6),
        ],
        "canonical ids packed, the other kept as written, kinds by number"
    );

    let synced = store
        .synced_records(&[
            RecordKind::Problem,
            RecordKind::Contact,
            RecordKind::ContactPersonal,
        ])
        .expect("sync state");
    assert_eq!(synced.len(), 4);
    for id in [PROBLEM, SHOUTED] {
        let title = &synced[&(RecordKind::Problem, id.to_owned())].fields["title"];
        assert_eq!(title.hlc, hlc(LOCAL), "{id}");
    }
    assert_eq!(
        synced[&(RecordKind::Contact, CONTACT.to_owned())]
            .fields
            .len(),
        0,
        "no value for a contact that is neither held nor in its table"
    );
    assert!(synced.contains_key(&(RecordKind::ContactPersonal, CONTACT.to_owned())));

    // Each problem, by either form of id: an older pulled title loses against the clock the
    // upgrade kept, a newer one wins.
    let mut seq = 0;
    for id in [PROBLEM, SHOUTED] {
        let mut title_after = |stamp: &str, title: &str| {
            seq += 1;
            store
                .apply_pull_page(&pulled_title(seq, id, title, stamp))
                .expect("page");
            let synced = store.synced_records(&[RecordKind::Problem]).expect("state");
            let field = &synced[&(RecordKind::Problem, id.to_owned())].fields["title"];
            (field.value.as_str().map(str::to_owned), field.hlc)
        };
        let kept = title_after(OLDER, "theirs, older");
        assert_eq!(kept.1, hlc(LOCAL), "{id}: the older title lost");
        assert_ne!(kept.0.as_deref(), Some("theirs, older"), "{id}");
        assert_eq!(
            title_after(NEWER, "theirs, newer"),
            (Some("theirs, newer".to_owned()), hlc(NEWER)),
            "{id}"
        );
    }
}
