//! One year of a 40-person neighbourhood team, bulk-loaded by SQL into a real store: 30 PCSOs
//! and officers, 8 CiP volunteers and 2 supervisors over 48 made-up LSOAs in two LAPs, with six
//! priority areas. Counts are for about 220 working days each: ~2.5 patrols, ~11 contacts and
//! ~17 notes per person-shift, a promise at one contact in five, and 500 SARA problems moving
//! through their stages. Notes are not read by the report; they are there so that the store is
//! the size a device's would be.

use crate::setup;
use crate::words::{Rng, Vocabulary};
use beatbook_core::ids::{PriorityAreaId, TeamId, UserId};
use beatbook_core::model::{ClearHoldBuild, LsoaCode, PriorityArea, Role, User};
use beatbook_core::store::sql_time::SqlTime;
use chrono::{DateTime, Duration, TimeZone, Utc};
use rusqlite::params;
use std::path::Path;
use uuid::Uuid;

#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub people: usize,
    pub patrols: usize,
    pub contacts: usize,
    pub follow_ups: usize,
    pub notes: usize,
    pub problems: usize,
}

pub const FULL: Sizes = Sizes {
    people: 40,
    patrols: 22_000,
    contacts: 100_000,
    follow_ups: 20_000,
    notes: 150_000,
    problems: 500,
};

pub const QUICK: Sizes = Sizes {
    people: 40,
    patrols: 2_200,
    contacts: 10_000,
    follow_ups: 2_000,
    notes: 15_000,
    problems: 50,
};

/// What the queries need to know about the year built.
pub struct Built {
    pub team: TeamId,
    pub lsoa: LsoaCode,
    pub priority_area: PriorityAreaId,
    /// Patrols, contacts, follow-ups, notes, problems, stage requests.
    pub counts: [usize; 6],
}

const COUNTED: [&str; 6] = [
    "patrols",
    "contacts",
    "follow_ups",
    "notes",
    "problems",
    "stage_requests",
];

/// What a year built earlier holds.
pub fn describe(path: &Path) -> Built {
    let store = beatbook_core::Store::open(path, &setup::key()).expect("open the kept store");
    let team = store.teams().expect("teams")[0].id;
    let priority_area = store.priority_areas().expect("areas")[0].id;
    drop(store);
    let conn = setup::raw_connection(path, "FULL");
    let mut counts = [0; 6];
    for (count, table) in counts.iter_mut().zip(COUNTED) {
        *count = conn
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
                r.get::<_, i64>(0)
            })
            .expect("count") as usize;
    }
    Built {
        team,
        lsoa: LsoaCode::parse(&lsoa_code(1)).expect("code"),
        priority_area,
        counts,
    }
}

const LSOAS: usize = 48;
const KINDS: &[&str] = &[
    "foot",
    "foot",
    "foot",
    "hotspot",
    "hotspot",
    "cip_targeted",
    "operation",
    "week_of_action",
];
const METHODS: &[&str] = &[
    "foot_patrol",
    "foot_patrol",
    "door_knock",
    "beat_meeting",
    "community_event",
    "partner_meeting",
    "school_visit",
    "phone",
    "online",
];
const AUDIENCES: &[&str] = &[
    "resident",
    "resident",
    "resident",
    "business",
    "community_group",
    "partner_agency",
    "parish_council",
    "young_people",
    "vulnerable_person",
];
const MET: &[&str] = &["yes", "yes", "partly", "no"];
const STAGES: &[&str] = &["scanning", "analysis", "response", "assessment", "closed"];

fn lsoa_code(n: usize) -> String {
    format!("E0199{:04}", n + 1)
}

/// The grid's LAPs: the western four columns of eight are LAP-W.
fn lap_of(n: usize) -> &'static str {
    if n % 8 < 4 {
        "LAP-W"
    } else {
        "LAP-E"
    }
}

fn t(time: DateTime<Utc>) -> SqlTime {
    SqlTime(time)
}

pub fn build(path: &Path, sizes: &Sizes) -> Built {
    let (store, first) = setup::new_store(path);
    let team = store.teams().expect("teams")[0].id;
    let mut people = vec![first.user_id];
    let mut volunteers = Vec::new();
    for i in 1..sizes.people {
        let role = match i {
            1..=29 => Role::Pcso,
            30..=37 => Role::Volunteer,
            _ => Role::Supervisor,
        };
        let user = User {
            id: UserId::new(),
            display_name: format!("Bench {i:02}"),
            role,
            team_id: Some(team),
        };
        store.upsert_user(&user).expect("user");
        match role {
            Role::Volunteer => volunteers.push(user.id),
            Role::Supervisor => {}
            _ => people.push(user.id),
        }
    }
    let phases = [
        ClearHoldBuild::Clear,
        ClearHoldBuild::Hold,
        ClearHoldBuild::Build,
    ];
    let mut priority = Vec::new();
    for i in 0..6 {
        let area = PriorityArea {
            id: PriorityAreaId::new(),
            name: format!("Priority {i}"),
            lsoa_codes: (0..3)
                .map(|k| LsoaCode::parse(&lsoa_code(i * 8 + k)).expect("code"))
                .collect(),
            phase: Some(phases[i % 3]),
        };
        store.upsert_priority_area(&area).expect("priority area");
        priority.push(area.id);
    }
    drop(store);

    let mut conn = setup::raw_connection(path, "OFF");
    let mut rng = Rng::new(2026);
    let vocab = Vocabulary::new();
    let start = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("time");
    let when = |rng: &mut Rng| start + Duration::minutes(rng.below(365 * 24 * 60) as i64);
    let tx = conn.transaction().expect("tx");
    {
        let id = || Uuid::now_v7().to_string();
        let mut patrol = tx
            .prepare(
                "INSERT INTO patrols (id, kind, area_kind, area_id, purpose, operation_name,
                   recorded_by, started_at, ended_at, observations, assessment, created_at,
                   updated_at) VALUES (?1, ?2, ?3, ?4, 'Reassurance patrol', ?5, ?6, ?7, ?8,
                   NULL, ?9, ?7, ?7)",
            )
            .expect("prepare");
        let mut crew = tx
            .prepare("INSERT INTO patrol_participants (patrol_id, user_id) VALUES (?1, ?2)")
            .expect("prepare");
        for _ in 0..sizes.patrols {
            let pid = id();
            let kind = rng.pick(KINDS);
            let (area_kind, area_id) = match rng.below(20) {
                0..=13 => ("lsoa", lsoa_code(rng.below(LSOAS))),
                14..=16 => ("priority", priority[rng.below(priority.len())].to_string()),
                _ => ("lap", lap_of(rng.below(LSOAS)).to_owned()),
            };
            let recorder = if kind == "cip_targeted" {
                volunteers[rng.below(volunteers.len())]
            } else {
                people[rng.below(people.len())]
            };
            let started = when(&mut rng);
            let ended = (!rng.chance(0.005))
                .then(|| started + Duration::minutes(30 + rng.below(210) as i64));
            let assessment = ended.map(|_| {
                format!(
                    r#"{{"purpose_met":"{}","value_rating":{},"summary":"Spoke to residents"}}"#,
                    rng.pick(MET),
                    1 + rng.below(5)
                )
            });
            patrol
                .execute(params![
                    pid,
                    kind,
                    area_kind,
                    area_id,
                    (kind == "operation").then_some("Operation Bench"),
                    recorder.to_string(),
                    t(started),
                    ended.map(t),
                    assessment
                ])
                .expect("patrol");
            if rng.chance(0.4) {
                let other = if rng.chance(0.3) {
                    volunteers[rng.below(volunteers.len())]
                } else {
                    people[rng.below(people.len())]
                };
                if other != recorder {
                    crew.execute(params![pid, other.to_string()]).expect("crew");
                }
            }
        }

        let mut contact = tx
            .prepare(
                "INSERT INTO contacts (id, occurred_at, lat, lon, lsoa_code, lap_code, method,
                   audience, people_count, issues, issues_text, promised, follow_up_id,
                   consent_to_recontact, ethnicity, repeat_caller, vulnerable, repeat_location,
                   problem_id, patrol_id, recorded_by, redacted_at, created_at, updated_at)
                 VALUES (?1, ?2, 52.4, -1.5, ?3, ?4, ?5, ?6, ?7, '[\"anti-social-behaviour\"]',
                   'Youths gathering by the shops in the evening', NULL, NULL, 0, NULL, 0, 0,
                   ?8, NULL, NULL, ?9, NULL, ?2, ?2)",
            )
            .expect("prepare");
        let mut contacts = Vec::with_capacity(sizes.contacts);
        for _ in 0..sizes.contacts {
            let cid = id();
            let at = when(&mut rng);
            let n = rng.below(LSOAS);
            let tagged = !rng.chance(0.03);
            let people_count = if rng.chance(0.8) {
                1
            } else {
                2 + rng.below(40)
            };
            contact
                .execute(params![
                    cid,
                    t(at),
                    tagged.then(|| lsoa_code(n)),
                    tagged.then(|| lap_of(n)),
                    rng.pick(METHODS),
                    rng.pick(AUDIENCES),
                    people_count as i64,
                    rng.chance(0.1),
                    people[rng.below(people.len())].to_string()
                ])
                .expect("contact");
            contacts.push((cid, at));
        }

        let mut follow_up = tx
            .prepare(
                "INSERT INTO follow_ups (id, contact_id, promise, owner, created_at, due_at,
                   status, answered_at, outcome)
                 VALUES (?1, ?2, 'Call back with the outcome', ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .expect("prepare");
        for _ in 0..sizes.follow_ups {
            let (cid, at) = &contacts[rng.below(contacts.len())];
            let (status, answered) = match rng.below(10) {
                0..=6 => (
                    "answered",
                    Some(*at + Duration::hours(1 + rng.below(120) as i64)),
                ),
                7 => ("cancelled", None),
                _ => ("open", None),
            };
            follow_up
                .execute(params![
                    id(),
                    cid,
                    people[rng.below(people.len())].to_string(),
                    t(*at),
                    t(*at + Duration::hours(72)),
                    status,
                    answered.map(t),
                    answered.map(|_| "Called back")
                ])
                .expect("follow-up");
        }

        let mut note = tx
            .prepare(
                "INSERT INTO notes (id, observed_at, text, category, lat, lon, lsoa_code,
                   patrol_id, problem_id, author, created_at)
                 VALUES (?1, ?2, ?3, 'observation', 52.4, -1.5, ?4, NULL, NULL, ?5, ?2)",
            )
            .expect("prepare");
        for _ in 0..sizes.notes {
            note.execute(params![
                id(),
                t(when(&mut rng)),
                vocab.note(&mut rng),
                lsoa_code(rng.below(LSOAS)),
                people[rng.below(people.len())].to_string()
            ])
            .expect("note");
        }
    }
    problems(&tx, sizes, &mut rng, &people, &priority, start);
    tx.commit().expect("commit");
    drop(conn);
    describe(path)
}

/// Problems, each moving a random number of stages forward at 5-40 day steps; every move is an
/// approved stage request, and one problem in four also has a request sent back.
fn problems(
    tx: &rusqlite::Transaction<'_>,
    sizes: &Sizes,
    rng: &mut Rng,
    people: &[UserId],
    priority: &[PriorityAreaId],
    start: DateTime<Utc>,
) {
    let mut problem = tx
        .prepare(
            "INSERT INTO problems (id, title, area_kind, area_id, category, owner, stage,
               triangle, repeat_types, responses, assessment, created_by, created_at,
               updated_at, stage_changed_at)
             VALUES (?1, 'Youths gathering by the shops', ?2, ?3, 'anti-social-behaviour', ?4,
               ?5, '{}', '[]', '[]', ?6, ?4, ?7, ?8, ?8)",
        )
        .expect("prepare");
    let mut request = tx
        .prepare(
            "INSERT INTO stage_requests (id, problem_id, from_stage, to_stage, requested_by,
               requested_at, reason, status, decided_by, decided_at, decision_reason)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7, ?5, ?6, ?8)",
        )
        .expect("prepare");
    for _ in 0..sizes.problems {
        let pid = Uuid::now_v7().to_string();
        let owner = people[rng.below(people.len())].to_string();
        let created = start + Duration::days(rng.below(330) as i64);
        let moves = rng.below(5);
        let mut times = Vec::with_capacity(moves);
        let mut at = created;
        for _ in 0..moves {
            at += Duration::days(5 + rng.below(35) as i64);
            times.push(at);
        }
        let (area_kind, area_id) = if rng.chance(0.3) {
            ("priority", priority[rng.below(priority.len())].to_string())
        } else {
            ("lsoa", lsoa_code(rng.below(LSOAS)))
        };
        let assessment =
            (moves == 4).then_some(r#"{"process":"Done","impact":"Fewer calls","measures":[]}"#);
        problem
            .execute(params![
                pid,
                area_kind,
                area_id,
                owner,
                STAGES[moves],
                assessment,
                t(created),
                t(at)
            ])
            .expect("problem");
        for (m, at) in times.iter().enumerate() {
            request
                .execute(params![
                    Uuid::now_v7().to_string(),
                    pid,
                    STAGES[m],
                    STAGES[m + 1],
                    owner,
                    t(*at),
                    "approved",
                    Option::<&str>::None
                ])
                .expect("request");
        }
        if rng.chance(0.25) {
            request
                .execute(params![
                    Uuid::now_v7().to_string(),
                    pid,
                    STAGES[moves],
                    STAGES[moves],
                    owner,
                    t(at),
                    "sent_back",
                    Some("More evidence needed")
                ])
                .expect("request");
        }
    }
}
