//! Three weeks of plainly fictional activity for the demo force, written as synced records (the
//! server's own clock on every field), so that a supervisor who enrols and syncs sees a
//! populated review queue, approvals, follow-up board and report at once.
//!
//! Everything is invented: people ("PCSO Alex Demo"), places ("Elm Row", "Kestrel Parade") and
//! the LSOAs (E0199xxxx codes that do not exist; see `core/tests/fixtures/demo_areas.geojson`).
//! Contacts hold no personal details. Times are relative to when the demo is seeded, so that
//! overdue promises are overdue and pending requests are recent whenever it runs. The shape is
//! fixed (a small deterministic generator, no randomness), so the walkthrough reads the same
//! every time.

use crate::admin::{AdminError, AdminResult};
use crate::reference;
use crate::scope;
use crate::storage::{
    CurrentRecord, Decision, PendingWrite, RecordMeta, RecordRow, SyncStorage, WriteOutcome,
    WriteTarget,
};
use crate::validate::{self, Completeness};

mod problems;
use beatbook_core::ids::{ContactId, FollowUpId, NoteId, PatrolId, TeamId, UserId};
use beatbook_core::model::*;
use beatbook_core::sync::{Hlc, RecordKind};
use chrono::{DateTime, Duration, DurationRound, Utc};
use serde::Serialize;

/// How many days of activity are seeded, ending now.
pub const DEMO_DAYS: i64 = 21;
/// One record's write decision, for a batch.
type Decide = Box<dyn FnMut(&CurrentRecord) -> Decision>;

/// Records written per storage transaction.
const BATCH: usize = 200;

/// Who the activity is by.
#[derive(Debug, Clone, Copy)]
pub struct DemoPeople {
    pub pcsos: [UserId; 2],
    pub volunteer: UserId,
    pub supervisor: UserId,
}

/// What was seeded, for the terminal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ActivityTally {
    pub patrols: usize,
    pub notes: usize,
    pub contacts: usize,
    pub follow_ups: usize,
    pub problems: usize,
    pub pending_requests: usize,
}

/// A fictional place in one of the demo LSOAs.
struct Spot {
    name: &'static str,
    lsoa: &'static str,
    lap: &'static str,
    lat: f64,
    lon: f64,
}

const SPOTS: &[Spot] = &[
    Spot {
        name: "Elm Row",
        lsoa: "E01990001",
        lap: "LAP-NV",
        lat: 52.445,
        lon: -1.535,
    },
    Spot {
        name: "Kestrel Parade shops",
        lsoa: "E01990002",
        lap: "LAP-NV",
        lat: 52.435,
        lon: -1.51,
    },
    Spot {
        name: "Marlowe Road",
        lsoa: "E01990003",
        lap: "LAP-NV",
        lat: 52.45,
        lon: -1.465,
    },
    Spot {
        name: "Northvale recreation ground",
        lsoa: "E01990002",
        lap: "LAP-NV",
        lat: 52.455,
        lon: -1.485,
    },
    Spot {
        name: "Southmere bus station",
        lsoa: "E01990004",
        lap: "LAP-SM",
        lat: 52.415,
        lon: -1.535,
    },
];

const PURPOSES: &[&str] = &[
    "Reassurance after shed burglaries",
    "Visible presence at the shops after school",
    "Speed watch with residents",
    "Hotspot patrol for youth ASB",
    "Engagement at the recreation ground",
];

const ISSUES: &[CrimeCategory] = &[
    CrimeCategory::Burglary,
    CrimeCategory::AntiSocialBehaviour,
    CrimeCategory::VehicleCrime,
    CrimeCategory::CriminalDamageArson,
    CrimeCategory::Drugs,
];

const PROMISES: &[&str] = &[
    "Crime prevention visit for the shed",
    "Ask the council about the broken street light",
    "Pass the speeding concerns to roads policing",
    "Call back about the youth diversion scheme",
];

/// The records, in the order they are written, each with its author.
pub(crate) struct Seed {
    team: TeamId,
    now: DateTime<Utc>,
    records: Vec<(
        RecordKind,
        String,
        UserId,
        serde_json::Map<String, serde_json::Value>,
    )>,
    pub(crate) tally: ActivityTally,
}

impl Seed {
    pub(crate) fn add<T: Serialize>(
        &mut self,
        kind: RecordKind,
        id: impl ToString,
        author: UserId,
        value: &T,
    ) -> AdminResult<()> {
        let mut object =
            reference::object_of(value).map_err(|e| AdminError::Invalid(e.to_string()))?;
        if kind == RecordKind::Contact {
            // Derived on each device from what it holds; devices do not sync them.
            for field in beatbook_core::model::Contact::DERIVED_FIELDS {
                object.remove(field);
            }
        }
        self.records.push((kind, id.to_string(), author, object));
        Ok(())
    }

    pub(crate) fn day_at(&self, days_ago: i64, hour: i64) -> DateTime<Utc> {
        let midnight = self
            .now
            .duration_trunc(Duration::days(1))
            .unwrap_or(self.now);
        midnight - Duration::days(days_ago) + Duration::hours(hour)
    }
}

pub(crate) fn lsoa(code: &str) -> AdminResult<LsoaCode> {
    LsoaCode::parse(code).map_err(|e| AdminError::Invalid(e.to_string()))
}

/// Seeds the demo activity for `team`, as of `now`.
pub fn seed_activity(
    storage: &dyn SyncStorage,
    team: TeamId,
    people: DemoPeople,
    now: DateTime<Utc>,
) -> AdminResult<ActivityTally> {
    let mut seed = Seed {
        team,
        now,
        records: Vec::new(),
        tally: ActivityTally::default(),
    };
    patrols_and_contacts(&mut seed, people)?;
    volunteer_patrols(&mut seed, people)?;
    problems::seed(&mut seed, people)?;
    write(storage, &seed)?;
    Ok(seed.tally)
}

/// Each PCSO patrols most days: a two-hour patrol with a note and two contacts; every third
/// contact makes a promise. Today one patrol is still out.
fn patrols_and_contacts(seed: &mut Seed, people: DemoPeople) -> AdminResult<()> {
    let mut n = 0usize;
    for days_ago in (0..DEMO_DAYS).rev() {
        for (i, pcso) in people.pcsos.iter().enumerate() {
            // Rest days: two a week each, on different days.
            if (days_ago + 3 * i as i64) % 7 >= 5 {
                continue;
            }
            n += 1;
            let spot = &SPOTS[(n + i) % SPOTS.len()];
            let started = seed.day_at(days_ago, 9 + 4 * i as i64);
            let still_out = days_ago == 0 && i == 0;
            let ended = started + Duration::hours(2);
            // Nothing in the future: today's patrols only once they have started (ended).
            if started >= seed.now || (!still_out && ended > seed.now) {
                continue;
            }
            let kind = match n % 6 {
                0 => PatrolKind::Hotspot,
                3 if days_ago < 7 => PatrolKind::WeekOfAction,
                _ => PatrolKind::Foot,
            };
            let patrol = Patrol {
                id: PatrolId::new(),
                kind,
                area: AreaRef::Lsoa(lsoa(spot.lsoa)?),
                purpose: PURPOSES[n % PURPOSES.len()].into(),
                operation_name: (kind == PatrolKind::WeekOfAction)
                    .then(|| "Week of action: Northvale".to_owned()),
                recorded_by: *pcso,
                participants: Vec::new(),
                started_at: started,
                ended_at: (!still_out).then_some(ended),
                observations: (!still_out).then(|| format!("Quiet around {}", spot.name)),
                assessment: (!still_out).then(|| ValueAssessment {
                    purpose_met: [PurposeMet::Yes, PurposeMet::Partly, PurposeMet::Yes][n % 3],
                    value_rating: (3 + n % 3) as u8,
                    summary: format!("Spoke to people around {}", spot.name),
                }),
                created_at: started,
                updated_at: if still_out { started } else { ended },
                cancelled_at: None,
                correction_reason: None,
            };
            seed.add(RecordKind::Patrol, patrol.id, *pcso, &patrol)?;
            seed.tally.patrols += 1;
            if started + Duration::minutes(20) > seed.now {
                continue;
            }
            let note = Note {
                id: NoteId::new(),
                observed_at: started + Duration::minutes(20),
                text: format!("Checked the alleys behind {}", spot.name),
                category: NoteCategory::Observation,
                place: Some(GeoPoint::new(spot.lat, spot.lon)),
                lsoa_code: Some(lsoa(spot.lsoa)?),
                patrol_id: Some(patrol.id),
                problem_id: None,
                author: *pcso,
                created_at: started + Duration::minutes(20),
                amends: None,
                correction_reason: None,
            };
            seed.add(RecordKind::Note, note.id, *pcso, &note)?;
            seed.tally.notes += 1;
            for c in 0..2 {
                contact(seed, *pcso, &patrol, spot, n * 2 + c, c)?;
            }
        }
    }
    Ok(())
}

/// One contact during `patrol`; every third one promises something. A promise more than 72
/// hours old is answered within 72 hours (three in five), answered late (one in five) or still
/// open and overdue (one in five); a newer one is open.
fn contact(
    seed: &mut Seed,
    pcso: UserId,
    patrol: &Patrol,
    spot: &Spot,
    k: usize,
    c: usize,
) -> AdminResult<()> {
    let at = patrol.started_at + Duration::minutes(30 + 40 * c as i64);
    if at > seed.now {
        return Ok(());
    }
    let jitter = (k % 5) as f64 * 0.0008;
    let promise = (k % 3 == 0).then(|| PROMISES[k % PROMISES.len()].to_owned());
    let contact_id = ContactId::new();
    let follow_up = promise.as_ref().map(|p| {
        let due = at + Duration::hours(72);
        let (status, answered_at) = if seed.now < due {
            (FollowUpStatus::Open, None)
        } else {
            match k % 5 {
                0..=2 => (FollowUpStatus::Answered, Some(at + Duration::hours(30))),
                3 => (FollowUpStatus::Answered, Some(at + Duration::hours(100))),
                _ => (FollowUpStatus::Open, None),
            }
        };
        // A late answer that would be in the future stays open (and overdue).
        let (status, answered_at) = match answered_at {
            Some(t) if t > seed.now => (FollowUpStatus::Open, None),
            other => (status, other),
        };
        FollowUp {
            id: FollowUpId::new(),
            contact_id: Some(contact_id),
            promise: p.clone(),
            owner: Some(pcso),
            referred_by: None,
            created_at: at,
            due_at: due,
            status,
            answered_at,
            outcome: answered_at.map(|_| "Done and the resident told".to_owned()),
            correction_reason: None,
        }
    });
    let audiences = [
        Audience::Resident,
        Audience::Business,
        Audience::YoungPeople,
        Audience::Resident,
        Audience::CommunityGroup,
    ];
    let methods = [
        ContactMethod::FootPatrol,
        ContactMethod::DoorKnock,
        ContactMethod::FootPatrol,
        ContactMethod::BeatMeeting,
    ];
    let contact = Contact {
        id: contact_id,
        occurred_at: at,
        place: Some(GeoPoint::new(spot.lat + jitter, spot.lon + jitter)),
        lsoa_code: Some(lsoa(spot.lsoa)?),
        lap_code: Some(spot.lap.to_owned()),
        method: methods[k % methods.len()],
        audience: audiences[k % audiences.len()],
        people_count: 1 + (k % 4) as u32,
        issues: vec![ISSUES[k % ISSUES.len()]],
        issues_text: Some(format!("Concerns about {}", spot.name)),
        promised: promise,
        follow_up_id: follow_up.as_ref().map(|f| f.id),
        consent_to_recontact: false,
        has_personal_details: false,
        has_ethnicity: false,
        repeat_caller: false,
        vulnerable: false,
        repeat_location: false,
        problem_id: None,
        patrol_id: Some(patrol.id),
        recorded_by: pcso,
        redacted_at: None,
        created_at: at,
        updated_at: at,
        correction_reason: None,
    };
    seed.add(RecordKind::Contact, contact.id, pcso, &contact)?;
    seed.tally.contacts += 1;
    if let Some(f) = follow_up {
        seed.add(RecordKind::FollowUp, f.id, pcso, &f)?;
        seed.tally.follow_ups += 1;
    }
    Ok(())
}

/// The volunteer's CiP targeted patrols: three hours every fourth day.
fn volunteer_patrols(seed: &mut Seed, people: DemoPeople) -> AdminResult<()> {
    for days_ago in (1..DEMO_DAYS).rev().step_by(4) {
        let started = seed.day_at(days_ago, 14);
        let ended = started + Duration::hours(3);
        let patrol = Patrol {
            id: PatrolId::new(),
            kind: PatrolKind::CipTargeted,
            area: AreaRef::Lsoa(lsoa("E01990001")?),
            purpose: "Targeted patrol of Elm Row allotments".into(),
            operation_name: None,
            recorded_by: people.volunteer,
            participants: Vec::new(),
            started_at: started,
            ended_at: Some(ended),
            observations: Some("Two sheds left unlocked; owners told".into()),
            assessment: Some(ValueAssessment {
                purpose_met: PurposeMet::Yes,
                value_rating: 4,
                summary: "Allotment holders reassured".into(),
            }),
            created_at: started,
            updated_at: ended,
            cancelled_at: None,
            correction_reason: None,
        };
        seed.add(RecordKind::Patrol, patrol.id, people.volunteer, &patrol)?;
        seed.tally.patrols += 1;
    }
    Ok(())
}

/// Writes the records in batches, each checked as a whole record of its kind first.
fn write(storage: &dyn SyncStorage, seed: &Seed) -> AdminResult<()> {
    let node = storage.server_node()?;
    let now_ms = seed.now.timestamp_millis();
    let hlc = Hlc::new(u64::try_from(now_ms).unwrap_or(0), node);
    let mut rows = Vec::with_capacity(seed.records.len());
    for (kind, id, author, object) in &seed.records {
        let state =
            reference::state_of(object, hlc).map_err(|e| AdminError::Invalid(e.to_string()))?;
        match validate::check_record(*kind, id, &state) {
            Ok(Completeness::Complete) => {}
            other => {
                return Err(AdminError::Invalid(format!(
                    "demo {kind} is not a whole record: {other:?}"
                )))
            }
        }
        let members = scope::members_of(*kind, &state, None);
        rows.push(RecordRow {
            kind: *kind,
            record_id: id.clone(),
            meta: RecordMeta {
                team_id: Some(seed.team),
                owner: Some(*author),
                subject: None,
                members,
            },
            state,
        });
    }
    for chunk in rows.chunks(BATCH) {
        let mut deciders: Vec<Decide> = chunk
            .iter()
            .map(|row| {
                let mut row = Some(row.clone());
                Box::new(move |_: &CurrentRecord| match row.take() {
                    Some(record) => Decision::Write {
                        record,
                        extra: Vec::new(),
                        reference_rows: Vec::new(),
                        scrub_conflicts: crate::storage::ConflictScrub::Keep,
                        audit: Vec::new(),
                    },
                    None => Decision::Unchanged,
                }) as Decide
            })
            .collect();
        let mut writes: Vec<PendingWrite<'_>> = chunk
            .iter()
            .zip(deciders.iter_mut())
            .map(|(row, decide)| PendingWrite {
                ahead: None,
                target: WriteTarget {
                    op_id: None,
                    device_id: None,
                    kind: row.kind,
                    record_id: row.record_id.clone(),
                    now_ms,
                    pulled_through: None,
                },
                decide: decide.as_mut(),
            })
            .collect();
        for outcome in storage.write_records(&mut writes)? {
            if !matches!(outcome, WriteOutcome::Applied { .. }) {
                return Err(AdminError::Invalid(format!(
                    "a demo record was not written: {outcome:?}"
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::SqliteStorage;

    #[test]
    fn the_demo_activity_is_whole_records_of_the_team_with_the_planned_shape() {
        let dir = crate::storage::sqlite::private_tempdir();
        let storage =
            SqliteStorage::open(dir.path(), &crate::storage::sqlite::test_key()).expect("storage");
        let people = DemoPeople {
            pcsos: [UserId::new(), UserId::new()],
            volunteer: UserId::new(),
            supervisor: UserId::new(),
        };
        let now = Utc::now();
        let tally = seed_activity(&storage, TeamId::new(), people, now).expect("seed");
        // 4 problems; 2 with a move waiting (Kestrel Parade -> Analysis, Marlowe Road ->
        // Response). Volunteer: days 20, 16, 12, 8, 4 ago = 5 patrols.
        assert_eq!(tally.problems, 4);
        assert_eq!(tally.pending_requests, 2);
        let pcso_patrols = tally.patrols - 5;
        assert!(pcso_patrols >= 20, "{tally:?}");
        // Today's patrol that is still out may not have reached its note or contacts yet.
        assert!(tally.notes + 1 >= pcso_patrols && tally.notes <= pcso_patrols);
        assert!(tally.contacts + 2 >= 2 * pcso_patrols && tally.contacts <= 2 * pcso_patrols);
        // Every third contact (k = 0, 3, 6, ... over k = 2n..2n+1) promises something.
        assert!(tally.follow_ups * 3 >= tally.contacts - 2, "{tally:?}");
        assert!(storage.feed_head().expect("head") >= 100);
    }
}
