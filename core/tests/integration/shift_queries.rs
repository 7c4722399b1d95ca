//! The questions a shift asks: today's activity, volunteer hours, contact breakdowns, search.

use crate::common;

use beatbook_core::model::*;
use beatbook_core::store::queries::ContactBreakdown;
use beatbook_core::store::SearchKind;
use chrono::{DateTime, Duration, TimeZone, Utc};
use common::Fixture;

fn day() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 0, 0, 0)
        .single()
        .expect("time")
}

fn patrol(
    kind: PatrolKind,
    start: DateTime<Utc>,
    participants: Vec<beatbook_core::ids::UserId>,
) -> NewPatrol {
    NewPatrol {
        kind,
        area: AreaRef::Lap("LAP-N".into()),
        purpose: "Visible presence at the school gates".into(),
        operation_name: None,
        participants,
        started_at: start,
    }
}

fn closure(end: DateTime<Utc>) -> PatrolClosure {
    PatrolClosure {
        ended_at: end,
        observations: None,
        assessment: Some(ValueAssessment {
            purpose_met: PurposeMet::Yes,
            value_rating: 3,
            summary: "Done".into(),
        }),
    }
}

fn contact(
    at: DateTime<Utc>,
    method: ContactMethod,
    audience: Audience,
    people: u32,
    lsoa: &str,
) -> NewContact {
    NewContact {
        lsoa_code: Some(LsoaCode::parse(lsoa).expect("code")),
        lap_code: None,
        method,
        audience,
        people_count: people,
        ..common::plain_contact(at, GeoPoint::new(52.0 + people as f64 * 0.01, -1.0))
    }
}

#[test]
fn volunteer_hours_count_each_volunteer_on_a_patrol_by_the_month_it_started() {
    // The store's clock stands after the last patrol recorded (in December).
    let f = Fixture::at(
        Utc.with_ymd_and_hms(2026, 12, 2, 18, 0, 0)
            .single()
            .expect("time"),
    );
    let ann = f.actor(Role::Volunteer, "Ann");
    let bob = f.actor(Role::Volunteer, "Bob");
    let pcso = f.actor(Role::Pcso, "Sam");
    let nov = day();
    let dec = Utc
        .with_ymd_and_hms(2026, 12, 2, 10, 0, 0)
        .single()
        .expect("time");
    // Ann and Bob together for 2.5 h in November; Ann alone 1 h in November and 3 h in December.
    f.store
        .record_patrol(
            &ann,
            patrol(
                PatrolKind::CipTargeted,
                nov + Duration::hours(10),
                vec![bob.user_id],
            ),
            closure(nov + Duration::minutes(750)),
        )
        .expect("p1");
    f.store
        .record_patrol(
            &ann,
            patrol(PatrolKind::CipTargeted, nov + Duration::hours(20), vec![]),
            closure(nov + Duration::hours(21)),
        )
        .expect("p2");
    f.store
        .record_patrol(
            &ann,
            patrol(PatrolKind::CipTargeted, dec, vec![]),
            closure(dec + Duration::hours(3)),
        )
        .expect("p3");
    // A PCSO's patrol and an open volunteer patrol don't count.
    f.store
        .record_patrol(
            &pcso,
            patrol(PatrolKind::Foot, nov + Duration::hours(9), vec![]),
            closure(nov + Duration::hours(17)),
        )
        .expect("p4");
    f.store
        .start_patrol(
            &bob,
            patrol(PatrolKind::CipTargeted, nov + Duration::hours(22), vec![]),
        )
        .expect("open");

    let rows = f
        .store
        .volunteer_hours(nov - Duration::days(30), dec + Duration::days(30))
        .expect("hours");
    let got: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.display_name.as_str(),
                r.month.as_str(),
                r.patrols,
                (r.hours * 100.0).round() / 100.0,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("Ann", "2026-11", 2, 3.5),
            ("Bob", "2026-11", 1, 2.5),
            ("Ann", "2026-12", 1, 3.0)
        ]
    );
}

#[test]
fn contact_breakdowns_count_contacts_and_people_in_the_period_only() {
    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "Sam");
    let t = day() + Duration::hours(12);
    f.store
        .record_contact(
            &pcso,
            contact(
                t,
                ContactMethod::DoorKnock,
                Audience::Resident,
                1,
                "E01990001",
            ),
        )
        .expect("c1");
    f.store
        .record_contact(
            &pcso,
            contact(
                t,
                ContactMethod::DoorKnock,
                Audience::Business,
                3,
                "E01990001",
            ),
        )
        .expect("c2");
    f.store
        .record_contact(
            &pcso,
            contact(
                t,
                ContactMethod::BeatMeeting,
                Audience::Resident,
                12,
                "E01990002",
            ),
        )
        .expect("c3");
    f.store
        .record_contact(
            &pcso,
            contact(
                t - Duration::days(10),
                ContactMethod::Phone,
                Audience::Resident,
                1,
                "E01990003",
            ),
        )
        .expect("outside");

    let by = |b| {
        f.store
            .contact_breakdown(b, day(), day() + Duration::days(1))
            .expect("breakdown")
    };
    let lsoa: Vec<_> = by(ContactBreakdown::Lsoa)
        .into_iter()
        .map(|r| (r.key, r.contacts, r.people))
        .collect();
    assert_eq!(
        lsoa,
        vec![
            ("E01990001".to_owned(), 2, 4),
            ("E01990002".to_owned(), 1, 12)
        ]
    );
    let method: Vec<_> = by(ContactBreakdown::Method)
        .into_iter()
        .map(|r| (r.key, r.contacts))
        .collect();
    assert_eq!(
        method,
        vec![("door_knock".to_owned(), 2), ("beat_meeting".to_owned(), 1)]
    );
    let audience: Vec<_> = by(ContactBreakdown::Audience)
        .into_iter()
        .map(|r| (r.key, r.people))
        .collect();
    assert_eq!(
        audience,
        vec![("resident".to_owned(), 13), ("business".to_owned(), 3)]
    );
}

#[test]
fn todays_activity_is_one_persons_day() {
    let f = Fixture::new();
    let sam = f.actor(Role::Pcso, "Sam");
    let kim = f.actor(Role::Officer, "Kim");
    let morning = day() + Duration::hours(8);
    let mine = f
        .store
        .start_patrol(&sam, patrol(PatrolKind::Foot, morning, vec![]))
        .expect("mine");
    let with_me = f
        .store
        .start_patrol(
            &kim,
            patrol(PatrolKind::Hotspot, morning, vec![sam.user_id]),
        )
        .expect("with me");
    f.store
        .start_patrol(&kim, patrol(PatrolKind::Foot, morning, vec![]))
        .expect("not mine");
    f.store
        .start_patrol(
            &sam,
            patrol(PatrolKind::Foot, morning - Duration::days(3), vec![]),
        )
        .expect("old but still open");
    f.store
        .add_note(
            &sam,
            NewNote {
                observed_at: morning,
                text: "Graffiti on the underpass".into(),
                category: NoteCategory::Environmental,
                place: None,
                patrol_id: Some(mine.id),
                problem_id: None,
            },
        )
        .expect("note");
    f.store
        .add_note(
            &sam,
            NewNote {
                observed_at: morning - Duration::days(1),
                text: "Yesterday".into(),
                category: NoteCategory::Other,
                place: None,
                patrol_id: None,
                problem_id: None,
            },
        )
        .expect("old note");
    let mut c = contact(
        morning,
        ContactMethod::FootPatrol,
        Audience::Resident,
        1,
        "E01990001",
    );
    c.promised = Some("Update on the graffiti".into());
    f.store.record_contact(&sam, c).expect("contact");
    f.store
        .record_contact(
            &kim,
            contact(
                morning,
                ContactMethod::FootPatrol,
                Audience::Resident,
                2,
                "E01990001",
            ),
        )
        .expect("kim's");

    let today = f
        .store
        .todays_activity(
            sam.user_id,
            day(),
            day() + Duration::days(1),
            morning + Duration::hours(1),
        )
        .expect("today");
    let mut patrols: Vec<_> = today.patrols.iter().map(|p| p.id).collect();
    patrols.sort();
    let mut expected = vec![mine.id, with_me.id];
    expected.sort();
    assert_eq!(patrols, expected);
    assert_eq!(today.notes.len(), 1);
    assert_eq!(today.contacts.len(), 1);
    assert_eq!(today.open_follow_ups.len(), 1);
}

#[test]
fn search_ranks_matches_with_snippets_and_treats_metacharacters_as_text() {
    let f = Fixture::new();
    let sam = f.actor(Role::Pcso, "Sam");
    for (text, cat) in [
        (
            "Abandoned bicycle chained to the railings",
            NoteCategory::Observation,
        ),
        (
            "Bicycle theft reported; bicycle shed forced; bicycle parts dumped",
            NoteCategory::Observation,
        ),
        (
            "Loud music from the flats",
            NoteCategory::AntiSocialBehaviour,
        ),
    ] {
        f.store
            .add_note(
                &sam,
                NewNote {
                    observed_at: day(),
                    text: text.into(),
                    category: cat,
                    place: None,
                    patrol_id: None,
                    problem_id: None,
                },
            )
            .expect("note");
    }
    let hits = f.store.search("bicycle", 10).expect("search");
    assert_eq!(hits.len(), 2);
    assert!(
        hits[0].snippet.contains("shed"),
        "the note that says bicycle three times ranks first: {hits:?}"
    );
    assert!(hits[0].rank <= hits[1].rank);
    assert!(hits
        .iter()
        .all(|h| h.kind == SearchKind::Note && h.snippet.contains("[")));
    assert_eq!(
        f.store.search("bicyc", 10).expect("prefix").len(),
        2,
        "the last word matches as a prefix"
    );
    for hostile in [
        "\"",
        "bicycle\" OR *",
        "NEAR(",
        "'; DROP TABLE notes; --",
        "a:b",
        "*",
    ] {
        assert!(f.store.search(hostile, 10).is_ok(), "{hostile}");
    }
    assert_eq!(f.count("notes"), 3);
}

#[test]
fn problems_by_stage_in_an_area_include_its_lsoas_and_priority_areas() {
    use beatbook_core::ids::PriorityAreaId;
    use beatbook_core::store::queries::AreaFilter;
    use beatbook_core::store::StageDecision;

    let f = Fixture::with_areas();
    let sam = f.actor(Role::Pcso, "Sam");
    let sarge = f.actor(Role::Supervisor, "Sarge");
    let priority = PriorityArea {
        id: PriorityAreaId::new(),
        name: "Northvale precinct".into(),
        lsoa_codes: vec![LsoaCode::parse("E01990002").expect("code")],
        phase: Some(ClearHoldBuild::Hold),
    };
    f.store
        .upsert_priority_area(&priority)
        .expect("priority area");
    let open = |title: &str, area: AreaRef| {
        f.store
            .open_problem(
                &sam,
                NewProblem {
                    title: title.into(),
                    area,
                    category: CrimeCategory::AntiSocialBehaviour,
                    owner: None,
                    scanning_summary: "Repeat calls about the same thing".into(),
                },
            )
            .expect("open problem")
    };
    let whole_lap = open("Nuisance bikes", AreaRef::Lap("LAP-NV".into()));
    let in_lsoa = open(
        "Garage break-ins",
        AreaRef::Lsoa(LsoaCode::parse("E01990003").expect("code")),
    );
    let in_priority = open("Precinct drug dealing", AreaRef::Priority(priority.id));
    let elsewhere = open(
        "Southmere graffiti",
        AreaRef::Lsoa(LsoaCode::parse("E01990005").expect("code")),
    );
    let request = f
        .store
        .request_stage_move(&sam, in_priority.id, SaraStage::Analysis, None)
        .expect("request");
    f.store
        .decide_stage_request(&sarge, request.id, StageDecision::Approve)
        .expect("approve");

    let groups = f
        .store
        .problems_by_stage(&AreaFilter::Lap("LAP-NV".into()))
        .expect("by stage");
    assert_eq!(
        groups.iter().map(|g| g.stage).collect::<Vec<_>>(),
        SaraStage::ALL.to_vec()
    );
    let ids = |stage: SaraStage| {
        let mut ids: Vec<_> = groups[stage.index()]
            .problems
            .iter()
            .map(|p| p.id)
            .collect();
        ids.sort();
        ids
    };
    let mut scanning = vec![whole_lap.id, in_lsoa.id];
    scanning.sort();
    assert_eq!(ids(SaraStage::Scanning), scanning);
    assert_eq!(ids(SaraStage::Analysis), vec![in_priority.id]);
    let all: usize = groups.iter().map(|g| g.problems.len()).sum();
    assert_eq!(all, 3, "the Southmere problem is not in Northvale");

    let south = f
        .store
        .problems_by_stage(&AreaFilter::Lsoa(
            LsoaCode::parse("E01990005").expect("code"),
        ))
        .expect("lsoa");
    assert_eq!(
        south[0].problems.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![elsewhere.id]
    );
}
