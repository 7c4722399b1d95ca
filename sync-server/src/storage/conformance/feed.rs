//! Feed pages: only what the filter admits, in seq order, split into pages that end at the
//! head.

use super::{filter, put, row};
use crate::storage::{FeedFilter, SyncStorage};
use beatbook_core::ids::{DeviceId, TeamId, UserId};
use beatbook_core::sync::protocol::FieldState;
use beatbook_core::sync::{Hlc, RecordKind};
use std::sync::Arc;

pub(crate) fn pages_follow_the_filter(storage: &Arc<dyn SyncStorage>) {
    let storage = storage.as_ref();
    let (team, elsewhere) = (TeamId::new(), TeamId::new());
    let (member, other) = (UserId::new(), UserId::new());
    let in_team = |kind, id: &str, members: Vec<UserId>| {
        let mut r = row(kind, id, false);
        r.meta.team_id = Some(team);
        r.meta.members = members;
        r
    };
    let user = put(storage, row(RecordKind::User, "u1", false));
    let note = put(storage, in_team(RecordKind::Note, "n-team", vec![]));
    let mut far = row(RecordKind::Note, "n-elsewhere", false);
    far.meta.team_id = Some(elsewhere);
    put(storage, far);
    let mine = put(storage, in_team(RecordKind::Review, "r-mine", vec![member]));
    put(storage, in_team(RecordKind::Review, "r-other", vec![other]));
    // A force-wide record of a kind not asked for, and a team record of a kind not asked for.
    put(storage, row(RecordKind::Team, "t1", false));
    put(storage, in_team(RecordKind::Contact, "c1", vec![member]));

    let scoped = FeedFilter {
        team_id: Some(team),
        team_kinds: vec![RecordKind::Note],
        member_kinds: vec![RecordKind::Review],
        member,
        global_kinds: vec![RecordKind::User],
        echoes_of: None,
        retention: None,
    };
    let page = storage.feed_page(&scoped, 0, 100).expect("page");
    let got: Vec<(u64, &str)> = page
        .rows
        .iter()
        .map(|r| (r.seq, r.record_id.as_str()))
        .collect();
    assert_eq!(got, vec![(user, "u1"), (note, "n-team"), (mine, "r-mine")]);
    assert_eq!(page.head, 7);
    assert!(!page.has_more);

    // Nothing admitted: no rows, but the head still says how far the feed goes.
    let nothing = FeedFilter {
        team_id: None,
        team_kinds: vec![],
        member_kinds: vec![],
        member,
        global_kinds: vec![],
        echoes_of: None,
        retention: None,
    };
    let page = storage.feed_page(&nothing, 0, 100).expect("page");
    assert!(page.rows.is_empty());
    assert_eq!(page.head, 7);
}

pub(crate) fn pages_split_the_feed_in_seq_order_and_end_at_the_head(
    storage: &Arc<dyn SyncStorage>,
) {
    let storage = storage.as_ref();
    for i in 0..25 {
        put(storage, row(RecordKind::Patrol, &format!("p{i:02}"), false));
    }
    let mut cursor = 0;
    let mut seen = Vec::new();
    let mut pages = Vec::new();
    loop {
        let page = storage.feed_page(&filter(), cursor, 10).expect("page");
        assert_eq!(page.head, 25);
        pages.push((page.rows.len(), page.has_more));
        seen.extend(page.rows.iter().map(|r| r.seq));
        match (page.rows.last(), page.has_more) {
            (Some(last), true) => cursor = last.seq,
            _ => break,
        }
    }
    assert_eq!(pages, vec![(10, true), (10, true), (5, false)]);
    assert_eq!(seen, (1..=25).collect::<Vec<_>>());

    // A record written again moves to the feed's end: its old position is no longer served.
    let moved = put(storage, row(RecordKind::Patrol, "p03", false));
    assert_eq!(moved, 26);
    let page = storage.feed_page(&filter(), 0, 100).expect("page");
    assert_eq!(page.rows.len(), 25);
    assert!(!page.rows.iter().any(|r| r.seq == 4));
    let tail = storage.feed_page(&filter(), 25, 100).expect("page");
    assert_eq!(tail.rows.len(), 1);
    assert_eq!(tail.rows[0].record_id, "p03");
}

/// The page as stored (`feed_page_stored`, what the compact pull writes from) holds each
/// record as it was written: its values and clocks join back to the fields put, for one write,
/// fields of several clocks, an erased record and values that need escaping. Held to the
/// records written, not to `feed_page_within` (which is this page joined on both backends).
/// Under a byte budget the page is a prefix of the whole one and says there is more.
pub(crate) fn a_stored_page_holds_each_record_as_written(storage: &Arc<dyn SyncStorage>) {
    let storage = storage.as_ref();
    let device = DeviceId::new();
    let mut written = Vec::new();
    for i in 0..12u64 {
        let mut record = row(RecordKind::Note, &format!("n{i:02}"), i % 5 == 4);
        if !record.state.erased {
            record.state.fields.insert(
                "observed_at".into(),
                FieldState {
                    value: serde_json::json!({"at": "2026-12-06T00:00:00Z", "n": i}),
                    hlc: Hlc::new(1 + i % 3, device),
                },
            );
            record.state.fields.insert(
                "body".into(),
                FieldState {
                    value: serde_json::json!(format!("Said \"back at {i}\" — ü\n")),
                    hlc: Hlc::new(1, device),
                },
            );
        }
        put(storage, record.clone());
        written.push((record.record_id, record.state));
    }
    assert!(written.iter().any(|(_, state)| state.erased));
    let whole = storage
        .feed_page_stored(&filter(), 0, 100, usize::MAX)
        .expect("stored page");
    assert!(!whole.has_more);
    let read: Vec<_> = whole
        .rows
        .iter()
        .cloned()
        .map(|row| {
            let row = row.join().expect("join");
            (row.record_id, row.state)
        })
        .collect();
    assert_eq!(read, written);
    let cut = storage
        .feed_page_stored(&filter(), 0, 100, 300)
        .expect("stored page");
    assert!(cut.has_more);
    assert!(!cut.rows.is_empty() && cut.rows.len() < whole.rows.len());
    assert_eq!(cut.rows[..], whole.rows[..cut.rows.len()]);
}
