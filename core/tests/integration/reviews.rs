//! The supervisor's review queue: what each member recorded or changed since the supervisor
//! last reviewed it, marking it reviewed (audited as consultation, synced), and "changed"
//! records coming back.

use crate::common;

use beatbook_core::model::*;
use beatbook_core::store::{AuditAction, MemberQueue};
use beatbook_core::validation::Rule;
use beatbook_core::{Error, Store};
use chrono::{Duration, TimeZone, Utc};
use common::fake_server::FakeServer;
use common::Fixture;

fn start() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0)
        .single()
        .expect("time")
}

fn patrol() -> NewPatrol {
    NewPatrol {
        kind: PatrolKind::Foot,
        area: AreaRef::Lap("LAP-NV".into()),
        purpose: "Reassurance after shed burglaries".into(),
        operation_name: None,
        participants: vec![],
        started_at: start(),
    }
}

fn closure() -> PatrolClosure {
    PatrolClosure {
        ended_at: start() + Duration::hours(2),
        observations: None,
        assessment: Some(ValueAssessment {
            purpose_met: PurposeMet::Yes,
            value_rating: 4,
            summary: "Spoke to residents".into(),
        }),
    }
}

fn problem() -> NewProblem {
    NewProblem {
        title: "Shed burglaries, Elm Row".into(),
        area: AreaRef::Lap("LAP-NV".into()),
        category: CrimeCategory::Burglary,
        owner: None,
        scanning_summary: "Four sheds broken into since October".into(),
    }
}

/// (member, contacts, patrols, problem steps, changed) for each member in the queue.
fn shape(queue: &[MemberQueue]) -> Vec<(UserIdName, usize, usize, usize, usize)> {
    queue
        .iter()
        .map(|m| {
            (
                m.name.clone().unwrap_or_default(),
                m.count(ReviewItemKind::Contact),
                m.count(ReviewItemKind::Patrol),
                m.count(ReviewItemKind::ProblemStep),
                m.items.iter().filter(|i| i.changed).count(),
            )
        })
        .collect()
}

type UserIdName = String;

#[test]
fn the_queue_groups_new_work_by_member_and_marking_it_reviewed_empties_it() {
    let f = Fixture::new();
    let sup = f.actor(Role::Supervisor, "Sgt Kim");
    let alex = f.actor(Role::Pcso, "PCSO Alex");
    let sam = f.actor(Role::Pcso, "PCSO Sam");

    // Alex: one contact and one patrol. Sam: one problem (its scanning summary is one step).
    // The supervisor's own patrol is not theirs to review.
    let contact = f
        .store
        .record_contact(
            &alex,
            common::plain_contact(start(), GeoPoint::new(52.41, -1.5)),
        )
        .expect("contact")
        .contact;
    let p = f.store.start_patrol(&alex, patrol()).expect("patrol");
    f.store.open_problem(&sam, problem()).expect("problem");
    f.store.start_patrol(&sup, patrol()).expect("own patrol");

    let queue = f.store.review_queue(&sup, None).expect("queue");
    // Members sorted by name: "PCSO Alex" then "PCSO Sam"; nothing has been reviewed, so
    // nothing is "changed".
    assert_eq!(
        shape(&queue),
        vec![
            ("PCSO Alex".into(), 1, 1, 0, 0),
            ("PCSO Sam".into(), 0, 0, 1, 0)
        ]
    );
    assert_eq!(queue[0].member, alex.user_id);
    assert_eq!(queue[0].items[0].item.id, contact.id.to_string());
    assert!(queue[0].items[0]
        .summary
        .contains("foot_patrol with resident"));

    // Mark Alex's two items reviewed: one review record, one consultation entry.
    let items: Vec<ReviewedItem> = queue[0].items.iter().map(|i| i.item.clone()).collect();
    let reviews = f
        .store
        .mark_reviewed(&sup, alex.user_id, &items)
        .expect("mark");
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0].items.len(), 2);
    let entry = f
        .store
        .audit_entries(Some(&reviews[0].id.to_string()))
        .expect("audit");
    assert_eq!(entry.len(), 1);
    assert_eq!(entry[0].action, AuditAction::Consultation);
    assert_eq!(entry[0].record_kind, "review");
    assert_eq!(entry[0].user_id, sup.user_id);
    assert_eq!(
        entry[0].detail.as_deref(),
        Some(
            format!(
                "member {}: 1 contacts, 1 patrols, 0 problem steps",
                alex.user_id
            )
            .as_str()
        )
    );
    assert_eq!(
        shape(&f.store.review_queue(&sup, None).expect("queue")),
        vec![("PCSO Sam".into(), 0, 0, 1, 0)]
    );
    // Marking the same versions again writes nothing.
    assert!(f
        .store
        .mark_reviewed(&sup, alex.user_id, &items)
        .expect("again")
        .is_empty());

    // Two hours on, Alex ends the patrol: its updated_at moves, so it is back, as changed.
    f.clock.advance(Duration::hours(2));
    f.store
        .close_patrol(&alex, p.id, closure())
        .expect("close patrol");
    let queue = f.store.review_queue(&sup, None).expect("queue");
    assert_eq!(
        shape(&queue),
        vec![
            ("PCSO Alex".into(), 0, 1, 0, 1),
            ("PCSO Sam".into(), 0, 0, 1, 0)
        ]
    );
    assert!(queue[0].items[0].summary.contains("(2h00)"));

    // Another supervisor's queue is their own: nothing of it is reviewed.
    let other = f.actor(Role::Supervisor, "Insp Lee");
    let theirs = f.store.review_queue(&other, None).expect("queue");
    // Sgt Kim's own patrol is in Insp Lee's queue.
    assert_eq!(
        shape(&theirs),
        vec![
            ("PCSO Alex".into(), 1, 1, 0, 0),
            ("PCSO Sam".into(), 0, 0, 1, 0),
            ("Sgt Kim".into(), 0, 1, 0, 0)
        ]
    );
}

#[test]
fn since_limits_the_queue_to_recent_versions() {
    let f = Fixture::new();
    let sup = f.actor(Role::Supervisor, "Sgt Kim");
    let alex = f.actor(Role::Pcso, "PCSO Alex");
    f.store.start_patrol(&alex, patrol()).expect("patrol");
    // The patrol's version is its updated_at (now); a day from now leaves it out.
    let later = f.now() + Duration::days(1);
    assert!(f
        .store
        .review_queue(&sup, Some(later))
        .expect("q")
        .is_empty());
    let earlier = f.now() - Duration::days(1);
    assert_eq!(
        f.store.review_queue(&sup, Some(earlier)).expect("q").len(),
        1
    );
}

#[test]
fn only_supervisors_review_and_an_empty_review_is_refused_before_writing() {
    let f = Fixture::new();
    let sup = f.actor(Role::Supervisor, "Sgt Kim");
    let alex = f.actor(Role::Pcso, "PCSO Alex");
    let err = f.store.review_queue(&alex, None).expect_err("pcso");
    assert_eq!(
        err.validation().map(|v| v.rule.clone()),
        Some(Rule::SupervisorOnly)
    );
    let before = (f.count("reviews"), f.count("audit_log"), f.count("outbox"));
    let err = f
        .store
        .mark_reviewed(&sup, alex.user_id, &[])
        .expect_err("empty");
    assert_eq!(
        err.validation().map(|v| (v.field.clone(), v.rule.clone())),
        Some(("items".into(), Rule::Required))
    );
    let item = ReviewedItem {
        kind: ReviewItemKind::Patrol,
        id: "not-an-id".into(),
        version: start(),
    };
    let err = f
        .store
        .mark_reviewed(&sup, alex.user_id, &[item])
        .expect_err("bad id");
    assert!(matches!(err, Error::Invalid(_)), "{err:?}");
    assert_eq!(
        (f.count("reviews"), f.count("audit_log"), f.count("outbox")),
        before
    );
}

#[test]
fn a_page_of_the_queue_is_each_members_oldest_with_how_many_wait() {
    let f = Fixture::new();
    let sup = f.actor(Role::Supervisor, "Sgt Kim");
    let alex = f.actor(Role::Pcso, "PCSO Alex");
    let sam = f.actor(Role::Pcso, "PCSO Sam");
    // Alex's contacts recorded newest first, so that the store's order is not the queue's.
    for minutes in (0..7).rev() {
        let at = start() + Duration::minutes(minutes * 10);
        f.store
            .record_contact(&alex, common::plain_contact(at, GeoPoint::new(52.41, -1.5)))
            .expect("contact");
    }
    f.store.start_patrol(&sam, patrol()).expect("patrol");

    let whole = f.store.review_queue(&sup, None).expect("queue");
    let page = f.store.review_queue_page(&sup, None, 3).expect("page");
    assert_eq!(page.len(), whole.len());
    for (paged, full) in page.iter().zip(&whole) {
        assert_eq!(paged.member, full.member);
        assert_eq!(
            paged.waiting,
            full.items.len(),
            "every waiting item counted"
        );
        assert_eq!(full.waiting, full.items.len());
        let oldest: Vec<_> = full.items.iter().take(3).collect();
        assert_eq!(paged.items.iter().collect::<Vec<_>>(), oldest);
    }
    assert_eq!((page[0].items.len(), page[0].waiting), (3, 7));
    assert_eq!(page[0].items[0].at, start());
    assert_eq!((page[1].items.len(), page[1].waiting), (1, 1));
    let empty = f
        .store
        .review_queue_page(&sup, None, 0)
        .expect("an empty page");
    let counts: Vec<(usize, usize)> = empty.iter().map(|m| (m.items.len(), m.waiting)).collect();
    assert_eq!(
        counts,
        [(0, 7), (0, 1)],
        "no items, every member still counted"
    );
}

#[test]
fn a_long_queue_is_marked_as_several_reviews() {
    let f = Fixture::new();
    let sup = f.actor(Role::Supervisor, "Sgt Kim");
    let alex = f.actor(Role::Pcso, "PCSO Alex");
    // 450 items: reviews of 200, 200 and 50.
    let items: Vec<ReviewedItem> = (0..450)
        .map(|_| ReviewedItem {
            kind: ReviewItemKind::Contact,
            id: uuid::Uuid::now_v7().to_string(),
            version: start(),
        })
        .collect();
    let reviews = f
        .store
        .mark_reviewed(&sup, alex.user_id, &items)
        .expect("mark");
    let sizes: Vec<usize> = reviews.iter().map(|r| r.items.len()).collect();
    assert_eq!(sizes, vec![200, 200, 50]);
    assert_eq!(f.count("reviewed_items"), 450);
}

#[test]
fn a_review_syncs_to_the_supervisors_other_device() {
    let dir = tempfile::tempdir().expect("dir");
    let team = Team {
        id: beatbook_core::ids::TeamId::new(),
        name: "Northvale NPT".into(),
        lap_code: None,
    };
    let users: Vec<User> = [(Role::Supervisor, "Sgt Kim"), (Role::Pcso, "PCSO Alex")]
        .iter()
        .map(|(role, name)| User {
            id: beatbook_core::ids::UserId::new(),
            display_name: (*name).into(),
            role: *role,
            team_id: Some(team.id),
        })
        .collect();
    let open = |name: &str, user: &User| {
        let store = Store::open(dir.path().join(name), &common::key()).expect("open");
        store.upsert_team(&team).expect("team");
        for u in &users {
            store.upsert_user(u).expect("user");
        }
        let actor = Actor {
            user_id: user.id,
            role: user.role,
            device_id: beatbook_core::ids::DeviceId::new(),
        };
        (store, actor)
    };
    let (pcso, alex) = open("pcso.db", &users[1]);
    let (desk, sup) = open("desk.db", &users[0]);
    let (phone, sup_phone) = open("phone.db", &users[0]);
    let mut server = FakeServer::default();

    pcso.start_patrol(&alex, patrol()).expect("patrol");
    server.sync(&pcso);
    server.sync(&desk);
    server.sync(&phone);
    let queue = desk.review_queue(&sup, None).expect("queue");
    assert_eq!(queue.len(), 1);
    let items: Vec<ReviewedItem> = queue[0].items.iter().map(|i| i.item.clone()).collect();
    desk.mark_reviewed(&sup, alex.user_id, &items)
        .expect("mark");
    assert_eq!(phone.review_queue(&sup_phone, None).expect("q").len(), 1);
    server.sync(&desk);
    server.sync(&phone);
    // The review reached the phone: the same supervisor's queue is empty there too.
    assert!(phone.review_queue(&sup_phone, None).expect("q").is_empty());
    assert_eq!(phone.reviews(Some(sup.user_id)).expect("reviews").len(), 1);
}
