//! Schema 19: a record row's team, owner and echo device kept as their 16 bytes (migration
//! 0019), and a retention index row's team — rows of a version 18 store upgrade in place and
//! still decide who is sent what.

use super::SqliteStorage;
use crate::storage::conformance::filter;
use crate::storage::{FeedFilter, SyncStorage};
use beatbook_core::ids::{DeviceId, TeamId, UserId};
use beatbook_core::sync::protocol::FieldState;
use beatbook_core::sync::{Hlc, RecordKind};
use rusqlite::Connection;

/// A note as a version 18 store kept it: its ids as text.
fn insert_v18_note(
    conn: &Connection,
    id: &str,
    seq: i64,
    team: TeamId,
    owner: UserId,
    echo: Option<DeviceId>,
) {
    let fields: crate::storage::compact::Fields = [(
        "text".to_owned(),
        FieldState {
            value: serde_json::json!(format!("note {id}")),
            hlc: Hlc::new(1_764_000_000_000, DeviceId::new()),
        },
    )]
    .into_iter()
    .collect();
    let (values, clocks) = crate::storage::compact::split(&fields).expect("split");
    conn.execute(
        "INSERT INTO records (kind, record_id, team_id, owner_user_id, field_values, clocks, seq,
           created_at, updated_at, echo_device)
         VALUES ('note', ?1, ?2, ?3, ?4, ?5, ?6, 1, 1, ?7)",
        rusqlite::params![
            id,
            team.to_string(),
            owner.to_string(),
            values,
            clocks,
            seq,
            echo.map(|d| d.to_string())
        ],
    )
    .expect("a version 18 note");
}

fn team_feed(team: TeamId, echoes_of: Option<DeviceId>) -> FeedFilter {
    FeedFilter {
        team_id: Some(team),
        team_kinds: vec![RecordKind::Note],
        global_kinds: vec![],
        echoes_of,
        ..filter()
    }
}

fn ids(storage: &SqliteStorage, filter: &FeedFilter) -> Vec<String> {
    let page = storage.feed_page(filter, 0, 10).expect("page");
    page.rows.into_iter().map(|r| r.record_id).collect()
}

#[test]
fn a_version_18_stores_record_ids_are_packed_and_still_decide_the_feed() {
    let (dir, conn) = super::store_at_version(18);
    let (team_a, team_b) = (TeamId::new(), TeamId::new());
    let (owner, sender) = (UserId::new(), DeviceId::new());
    // Ids as apps make them (UUIDs in canonical text), and one that is not a UUID.
    let [n1, n3, c1, c2, child] = [(); 5].map(|()| uuid::Uuid::now_v7().to_string());
    insert_v18_note(&conn, &n1, 1, team_a, owner, Some(sender));
    insert_v18_note(&conn, "n2", 2, team_a, owner, None);
    insert_v18_note(&conn, &n3, 3, team_b, owner, None);
    conn.execute("UPDATE feed SET last_seq = 3", [])
        .expect("feed");
    conn.execute(
        "INSERT INTO record_members (kind, record_id, user_id) VALUES ('note', ?1, ?2)",
        rusqlite::params![n1, owner.to_string()],
    )
    .expect("a member");
    for (id, team) in [(&c1, team_a), (&c2, team_b)] {
        conn.execute(
            "INSERT INTO retention_index (kind, record_id, team_id, held, anchor_ms)
             VALUES ('contact', ?1, ?2, 1, 100)",
            rusqlite::params![id, team.to_string()],
        )
        .expect("a version 18 retention row");
    }
    conn.execute(
        "INSERT INTO retention_index (kind, record_id, held, parent_kind, parent_id)
         VALUES ('follow_up', ?1, 1, 'contact', ?2)",
        rusqlite::params![child, c2],
    )
    .expect("a version 18 child row");
    drop(conn);

    let storage = SqliteStorage::open(dir.path(), &super::test_key()).expect("upgrade");
    let conn = super::open_test_file(&dir.path().join(super::DB_FILE));
    let kept: Vec<(String, String, String, String)> = conn
        .prepare(
            "SELECT typeof(record_id), typeof(team_id), typeof(owner_user_id),
               typeof(echo_device) FROM records ORDER BY seq",
        )
        .expect("types")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("query")
        .collect::<rusqlite::Result<_>>()
        .expect("rows");
    let all_bytes = ("blob".into(), "blob".into(), "blob".into(), "blob".into());
    assert_eq!(kept[0], all_bytes);
    assert_eq!(
        kept[1],
        ("text".into(), "blob".into(), "blob".into(), "null".into()),
        "an id that is not a UUID stays text"
    );

    // The team's feed finds its own rows by the packed team, and leaves out the sender's echo.
    assert_eq!(ids(&storage, &team_feed(team_a, None)), [n1.as_str(), "n2"]);
    assert_eq!(ids(&storage, &team_feed(team_a, Some(sender))), ["n2"]);
    assert_eq!(
        ids(&storage, &team_feed(team_b, Some(sender))),
        [n3.as_str()]
    );
    // A member's feed joins the members' packed ids to the records'.
    let member_feed = FeedFilter {
        team_kinds: vec![],
        member_kinds: vec![RecordKind::Note],
        member: owner,
        ..team_feed(team_a, None)
    };
    assert_eq!(ids(&storage, &member_feed), [n1.as_str()]);
    // The row reads back with its own team and owner.
    let n1_row = storage
        .record(RecordKind::Note, &n1)
        .expect("read")
        .expect("n1");
    assert_eq!(n1_row.meta.team_id, Some(team_a));
    assert_eq!(n1_row.meta.owner, Some(owner));
    assert_eq!(n1_row.meta.members, [owner]);
    // A report of one team reads that team's records (and none of the other's).
    let report = storage
        .report_records(Some(team_b), &[RecordKind::Note])
        .expect("report");
    assert_eq!(report.len(), 1);
    // The retention index's rows are found by their packed team, and read back with it.
    let retention_type: String = conn
        .query_row(
            "SELECT DISTINCT typeof(team_id) FROM retention_index WHERE team_id IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .expect("types");
    assert_eq!(retention_type, "blob");
    assert_eq!(
        storage
            .retention_children(beatbook_core::retention::RetainedKind::Contact, &c2)
            .expect("children"),
        [(RecordKind::FollowUp, child.clone())],
        "a child found by its parent's packed id"
    );
    let due = storage
        .retention_entries(&crate::storage::retention_index::RetentionRange {
            kind: beatbook_core::retention::RetainedKind::Contact,
            anchor_through_ms: Some(1_000),
            until_through_ms: 1_000,
            team: Some(team_b),
            limit: 10,
        })
        .expect("range");
    assert_eq!(
        due.iter()
            .map(|e| (e.record_id.as_str(), e.team_id))
            .collect::<Vec<_>>(),
        [(c2.as_str(), Some(team_b))]
    );
}

#[test]
fn new_writes_keep_the_ids_as_bytes() {
    let dir = super::private_tempdir();
    let storage = SqliteStorage::open(dir.path(), &super::test_key()).expect("open");
    let team = TeamId::new();
    let id = uuid::Uuid::now_v7();
    let mut row = crate::storage::conformance::row(RecordKind::Note, &id.to_string(), false);
    row.meta.team_id = Some(team);
    row.meta.owner = Some(UserId::new());
    storage
        .write_record(
            &crate::storage::conformance::target(None, RecordKind::Note, &id.to_string()),
            &mut |_| crate::storage::conformance::write_row(row.clone()),
        )
        .expect("write");
    let conn = super::open_test_file(&dir.path().join(super::DB_FILE));
    let (team_bytes, owner_type): (Vec<u8>, String) = conn
        .query_row(
            "SELECT team_id, typeof(owner_user_id) FROM records WHERE record_id = ?1",
            [id.as_bytes()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("the row, found by its id's 16 bytes");
    assert_eq!(team_bytes, team.0.as_bytes());
    assert_eq!(owner_type, "blob");
    assert_eq!(ids(&storage, &team_feed(team, None)), [id.to_string()]);
    let retained: String = conn
        .query_row(
            "SELECT typeof(record_id) FROM retention_index WHERE kind = 'note'",
            [],
            |r| r.get(0),
        )
        .expect("the note's retention row");
    assert_eq!(retained, "blob");
}
