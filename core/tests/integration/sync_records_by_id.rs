//! Sync state keyed by record id first, its clocks in version 2 of their form (store version
//! 26): a version 25 store's clocks survive the upgrade under every kind, records of two kinds
//! that share an id (a contact and its personal details) stay apart, every row is rewritten in
//! the new form, and what the device knows still wins or loses in the merge.

use crate::common::key;
use crate::schema_upgrades::{keyed, old_store};
use crate::sync_records_keyed::pulled_title;
use beatbook_core::sync::protocol::PullResponse;
use beatbook_core::sync::{Hlc, RecordClocks, RecordKind};
use beatbook_core::Store;

const PROBLEM: &str = "0190a000-0000-7000-8000-0000000000c1";
const CONTACT: &str = "0190a000-0000-7000-8000-0000000000c2";
const OLDER: &str = "000001a196fb0600-00000000-0190a000-0000-7000-8000-0000000000d1";
const LOCAL: &str = "000001a196fb1600-00000000-0190a000-0000-7000-8000-0000000000d1";
const NEWER: &str = "000001a196fb2600-00000000-0190a000-0000-7000-8000-0000000000d2";

fn hlc(text: &str) -> Hlc {
    text.parse().expect("hlc")
}

fn clocks(fields: &[(&str, &str)]) -> Vec<u8> {
    RecordClocks {
        fields: fields
            .iter()
            .map(|(name, stamp)| ((*name).to_owned(), hlc(stamp)))
            .collect(),
    }
    .encode()
}

#[test]
fn a_version_25_stores_clocks_survive_the_rekeying_and_still_decide_the_merge() {
    let (_dir, path, conn) = old_store(25);
    conn.execute(
        "INSERT INTO sync_held (kind, record_id, reason, held_at, fields)
         VALUES ('problem', ?1, 'incomplete', '2026-01-01T00:00:00.000Z', '{\"title\":\"mine\"}')",
        [PROBLEM],
    )
    .expect("held problem");
    conn.execute(
        "INSERT INTO sync_records (kind, record_id, clocks) VALUES ('problem', ?1, ?2),
           ('contact', ?3, ?4), ('contact_personal', ?3, ?5)",
        rusqlite::params![
            PROBLEM,
            clocks(&[("title", LOCAL)]),
            CONTACT,
            clocks(&[("method", OLDER)]),
            clocks(&[("name", NEWER)]),
        ],
    )
    .expect("clocks");
    drop(conn);

    let store = Store::open(&path, &key()).expect("upgrade");
    let forms: Vec<u8> = keyed(&path)
        .prepare("SELECT substr(clocks, 1, 1) FROM sync_records")
        .expect("forms")
        .query_map([], |r| r.get::<_, Vec<u8>>(0))
        .expect("forms")
        .map(|form| form.expect("form")[0])
        .collect();
    assert_eq!(forms, [2, 2, 2], "every row in version 2");
    let synced = store
        .synced_records(&[
            RecordKind::Problem,
            RecordKind::Contact,
            RecordKind::ContactPersonal,
        ])
        .expect("sync state");
    let problem = &synced[&(RecordKind::Problem, PROBLEM.to_owned())];
    assert_eq!(problem.fields["title"].hlc, hlc(LOCAL));
    assert_eq!(problem.fields["title"].value, "mine");
    // One id, two kinds: each kept its own clocks.
    assert!(synced.contains_key(&(RecordKind::Contact, CONTACT.to_owned())));
    assert!(synced.contains_key(&(RecordKind::ContactPersonal, CONTACT.to_owned())));

    // An older pulled title loses against the clock the upgrade kept; a newer one wins.
    let title_after = |page: PullResponse| {
        store.apply_pull_page(&page).expect("page");
        let synced = store.synced_records(&[RecordKind::Problem]).expect("state");
        let title = &synced[&(RecordKind::Problem, PROBLEM.to_owned())].fields["title"];
        (title.value.as_str().map(str::to_owned), title.hlc)
    };
    assert_eq!(
        title_after(pulled_title(1, PROBLEM, "theirs, older", OLDER)),
        (Some("mine".to_owned()), hlc(LOCAL))
    );
    assert_eq!(
        title_after(pulled_title(2, PROBLEM, "theirs, newer", NEWER)),
        (Some("theirs, newer".to_owned()), hlc(NEWER))
    );
}
