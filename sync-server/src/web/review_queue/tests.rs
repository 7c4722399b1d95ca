use super::*;
use beatbook_core::ids::ReviewId;
use chrono::TimeZone;

fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, hour, 0, 0)
        .single()
        .expect("time")
}

fn contact(id: &str, by: UserId, occurred: DateTime<Utc>, version: DateTime<Utc>) -> Value {
    serde_json::json!({
        "id": id, "recorded_by": by, "occurred_at": occurred, "updated_at": version,
        "method": "foot_patrol",
    })
}

fn item(id: &str, version: DateTime<Utc>) -> ReviewedItem {
    ReviewedItem {
        kind: ReviewItemKind::Contact,
        id: id.into(),
        version,
    }
}

fn review(by: UserId, member: UserId, items: Vec<ReviewedItem>) -> Value {
    serde_json::to_value(Review {
        id: ReviewId::new(),
        reviewer: by,
        member,
        reviewed_at: at(12),
        items,
    })
    .expect("review")
}

/// The reader fed as `queue` feeds it: the reviews, then the records.
fn read(reviewer: UserId, reviews: &[Value], records: &[Value], keep: Keep) -> ReviewQueue {
    let mut reviewed = Reviewed::default();
    for r in reviews {
        reviewed.add(reviewer, r);
    }
    let mut reader = QueueReader::new(reviewer, reviewed, keep);
    for record in records {
        reader.add(RecordKind::Contact, record);
    }
    reader.finish()
}

#[test]
fn the_queue_lists_what_is_not_reviewed_at_its_version() {
    let (reviewer, member, other_reviewer) = (UserId::new(), UserId::new(), UserId::new());
    let records = [
        contact("c1", member, at(8), at(9)),
        contact("c2", member, at(8), at(10)),
        contact("c3", member, at(8), at(9)),
        contact("own", reviewer, at(8), at(9)),
    ];
    // c1 reviewed at its version, c2 at an older one; another supervisor's review of c3 is
    // theirs.
    let reviews = [
        review(reviewer, member, vec![item("c1", at(9)), item("c2", at(9))]),
        review(other_reviewer, member, vec![item("c3", at(9))]),
    ];
    let queue = read(reviewer, &reviews, &records, Keep::Oldest(MAX_REVIEW_ITEMS));
    assert_eq!(
        queue.members.len(),
        1,
        "the reviewer's own contact is not theirs to review"
    );
    let listed: Vec<(String, bool)> = queue.members[&member]
        .items
        .iter()
        .map(|q| (q.item.id.clone(), q.changed))
        .collect();
    assert_eq!(
        listed,
        [("c2".to_owned(), true), ("c3".to_owned(), false)],
        "c2 changed since it was reviewed"
    );
    assert_eq!(queue.members[&member].waiting, 2);
}

#[test]
fn each_member_keeps_only_their_oldest_items_and_counts_the_rest() {
    let (reviewer, ann, bob) = (UserId::new(), UserId::new(), UserId::new());
    // Read newest first and interleaved, as a store may hand them over.
    let mut records: Vec<Value> = (0..12)
        .rev()
        .map(|h| contact(&format!("a{h:02}"), ann, at(h), at(h)))
        .collect();
    records.insert(3, contact("b1", bob, at(5), at(5)));
    // Two at the same time: ordered by the item, as the page always has been.
    records.push(contact("a00-twin", ann, at(0), at(0)));
    let queue = read(reviewer, &[], &records, Keep::Oldest(3));
    let kept: Vec<&str> = queue.members[&ann]
        .items
        .iter()
        .map(|q| q.item.id.as_str())
        .collect();
    assert_eq!(kept, ["a00", "a00-twin", "a01"]);
    assert_eq!(queue.members[&ann].waiting, 13);
    assert_eq!(queue.members[&bob].items.len(), 1);
    assert_eq!(queue.members[&bob].waiting, 1);
}

#[test]
fn marking_keeps_only_the_posted_items_still_unreviewed_at_their_version() {
    let (reviewer, member) = (UserId::new(), UserId::new());
    let records: Vec<Value> = (0..6)
        .map(|h| contact(&format!("c{h}"), member, at(h), at(h)))
        .collect();
    // c1 was reviewed since the page was shown; c4 was posted at a version it no longer has.
    let reviews = [review(reviewer, member, vec![item("c1", at(1))])];
    let posted = [item("c1", at(1)), item("c2", at(2)), item("c4", at(9))]
        .into_iter()
        .collect();
    let queue = read(reviewer, &reviews, &records, Keep::Only(posted));
    let kept: Vec<&str> = queue.members[&member]
        .items
        .iter()
        .map(|q| q.item.id.as_str())
        .collect();
    assert_eq!(kept, ["c2"]);
    assert_eq!(queue.members[&member].waiting, 5);
}

#[test]
fn an_item_key_reads_back_as_its_item_and_nothing_else_does() {
    for item in [
        item("c1", at(9)),
        ReviewedItem {
            kind: ReviewItemKind::ProblemStep,
            id: "with|bars|in it".into(),
            version: at(9) + chrono::Duration::microseconds(123_456),
        },
    ] {
        assert_eq!(parse_item_key(&item_key(&item)), Some(item));
    }
    for bad in [
        "",
        "contact",
        "contact|c1",
        "note|c1|2026-03-02T09:00:00Z",
        "contact|c1|yesterday",
        "contact|c1|2026-03-02T10:00:00+01:00",
    ] {
        assert_eq!(parse_item_key(bad), None, "{bad}");
    }
}
