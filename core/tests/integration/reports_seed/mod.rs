//! A seeded dataset for the report tests, as synced records (so any time can be set, and the
//! same records can be given to a device store and to the server). Every figure the tests
//! expect is worked out by hand in `core/tests/integration/reports.rs` from the table in this file.
//!
//! Period under test: March 2026, `[2026-03-01, 2026-04-01)`, report made 2026-04-10 12:00.
//!
//! People: team A (Northvale): PCSO Sam (S), PCSO Alex (A), volunteers Amber (V) and Ben (W),
//! supervisor Sue. Team B (Southmere): PCSO Bo (B), volunteer Cara (X).
//! Priority areas: PA1 "Elm Row estate" (hold; E01990001, E01990002), PA2 "Market Square"
//! (hold; E01990002), PA3 "Southmere riverside" (no phase; E01990004), PA4 "Station Road"
//! (clear; E01990003). E01990001-3 are in LAP-NV, E01990004-6 in LAP-SM.
#![allow(dead_code)]

use beatbook_core::ids::*;
use beatbook_core::model::*;
use beatbook_core::sync::protocol::{Change, FieldState, PullResponse, RecordKind};
use beatbook_core::sync::Hlc;
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

pub const AREAS: &str = include_str!("../../fixtures/demo_areas.geojson");

/// `2026-MM-DD HH:MM` UTC.
pub fn at(month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, hour, minute, 0)
        .single()
        .expect("valid time")
}

pub fn lsoa(code: &str) -> LsoaCode {
    LsoaCode::parse(code).expect("lsoa code")
}

pub struct Seed {
    pub team_a: Team,
    pub team_b: Team,
    pub sam: User,
    pub alex: User,
    pub amber: User,
    pub ben: User,
    pub sue: User,
    pub bo: User,
    pub cara: User,
    pub pa1: PriorityArea,
    pub pa2: PriorityArea,
    pub pa3: PriorityArea,
    pub pa4: PriorityArea,
    /// Every record: kind, id, field values.
    pub records: Vec<(RecordKind, String, BTreeMap<String, Value>)>,
}

fn user(name: &str, role: Role, team: &Team) -> User {
    User {
        id: UserId::new(),
        display_name: name.into(),
        role,
        team_id: Some(team.id),
    }
}

fn pa(name: &str, phase: Option<ClearHoldBuild>, codes: &[&str]) -> PriorityArea {
    PriorityArea {
        id: PriorityAreaId::new(),
        name: name.into(),
        lsoa_codes: codes.iter().map(|c| lsoa(c)).collect(),
        phase,
    }
}

impl Seed {
    pub fn new() -> Seed {
        let team_a = Team {
            id: TeamId::new(),
            name: "Northvale NPT".into(),
            lap_code: Some("LAP-NV".into()),
        };
        let team_b = Team {
            id: TeamId::new(),
            name: "Southmere NPT".into(),
            lap_code: Some("LAP-SM".into()),
        };
        let mut seed = Seed {
            sam: user("PCSO Sam Patel", Role::Pcso, &team_a),
            alex: user("PCSO Alex Reid", Role::Pcso, &team_a),
            amber: user("Vol Amber Reed", Role::Volunteer, &team_a),
            ben: user("Vol Ben Ash", Role::Volunteer, &team_a),
            sue: user("Sgt Sue Lake", Role::Supervisor, &team_a),
            bo: user("PCSO Bo Finch", Role::Pcso, &team_b),
            cara: user("Vol Cara Dene", Role::Volunteer, &team_b),
            pa1: pa(
                "Elm Row estate",
                Some(ClearHoldBuild::Hold),
                &["E01990001", "E01990002"],
            ),
            pa2: pa("Market Square", Some(ClearHoldBuild::Hold), &["E01990002"]),
            pa3: pa("Southmere riverside", None, &["E01990004"]),
            pa4: pa("Station Road", Some(ClearHoldBuild::Clear), &["E01990003"]),
            team_a,
            team_b,
            records: Vec::new(),
        };
        seed.reference();
        seed.patrols();
        seed.contacts_and_follow_ups();
        seed.problems();
        seed
    }

    fn add<T: Serialize>(&mut self, kind: RecordKind, id: impl ToString, value: &T) {
        let Value::Object(object) = serde_json::to_value(value).expect("json") else {
            panic!("records are objects");
        };
        self.records
            .push((kind, id.to_string(), object.into_iter().collect()));
    }

    fn reference(&mut self) {
        for team in [self.team_a.clone(), self.team_b.clone()] {
            self.add(RecordKind::Team, team.id, &team);
        }
        for u in [
            self.sam.clone(),
            self.alex.clone(),
            self.amber.clone(),
            self.ben.clone(),
            self.sue.clone(),
            self.bo.clone(),
            self.cara.clone(),
        ] {
            self.add(RecordKind::User, u.id, &u);
        }
        for p in [
            self.pa1.clone(),
            self.pa2.clone(),
            self.pa3.clone(),
            self.pa4.clone(),
        ] {
            self.add(RecordKind::PriorityArea, p.id, &p);
        }
        self.add(
            RecordKind::AreaBoundaries,
            "area_boundaries",
            &serde_json::json!({ "geojson": AREAS }),
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn patrol(
        &mut self,
        kind: PatrolKind,
        area: AreaRef,
        by: &User,
        with: &[&User],
        start: DateTime<Utc>,
        end: Option<DateTime<Utc>>,
        assessment: Option<(PurposeMet, u8)>,
    ) {
        let p = Patrol {
            id: PatrolId::new(),
            kind,
            area,
            purpose: "Reassurance".into(),
            operation_name: (kind == PatrolKind::Operation).then(|| "Operation Revive".into()),
            recorded_by: by.id,
            participants: with.iter().map(|u| u.id).collect(),
            started_at: start,
            ended_at: end,
            observations: None,
            assessment: assessment.map(|(purpose_met, value_rating)| ValueAssessment {
                purpose_met,
                value_rating,
                summary: "Done".into(),
            }),
            created_at: start,
            updated_at: end.unwrap_or(start),
            cancelled_at: None,
            correction_reason: None,
        };
        self.add(RecordKind::Patrol, p.id, &p);
    }

    fn patrols(&mut self) {
        use PatrolKind::*;
        use PurposeMet::*;
        let (s, a, v, w, b, x) = (
            self.sam.clone(),
            self.alex.clone(),
            self.amber.clone(),
            self.ben.clone(),
            self.bo.clone(),
            self.cara.clone(),
        );
        let l = |c: &str| AreaRef::Lsoa(lsoa(c));
        let (pa1, pa2) = (
            AreaRef::Priority(self.pa1.id),
            AreaRef::Priority(self.pa2.id),
        );
        // P1 foot, 001, Sam, Mar 2 10:00-12:00 (2 h); yes, 4.
        self.patrol(
            Foot,
            l("E01990001"),
            &s,
            &[],
            at(3, 2, 10, 0),
            Some(at(3, 2, 12, 0)),
            Some((Yes, 4)),
        );
        // P2 foot, 003, Sam + Alex, Mar 3 09:00-10:30 (1.5 h, crew 2); partly, 3.
        self.patrol(
            Foot,
            l("E01990003"),
            &s,
            &[&a],
            at(3, 3, 9, 0),
            Some(at(3, 3, 10, 30)),
            Some((Partly, 3)),
        );
        // P3 foot, LAP-NV, Alex, Mar 31 22:00 - Apr 1 02:00: 2 h in March; yes, 5 (ends April).
        self.patrol(
            Foot,
            AreaRef::Lap("LAP-NV".into()),
            &a,
            &[],
            at(3, 31, 22, 0),
            Some(at(4, 1, 2, 0)),
            Some((Yes, 5)),
        );
        // P4 hotspot, PA1, Sam + Amber, Feb 28 23:00 - Mar 1 01:00: 1 h in March; no, 2.
        self.patrol(
            Hotspot,
            pa1,
            &s,
            &[&v],
            at(2, 28, 23, 0),
            Some(at(3, 1, 1, 0)),
            Some((No, 2)),
        );
        // P5 CiP, 002, Amber + Ben, Mar 10 18:00-21:00 (3 h, crew 2); yes, 4.
        self.patrol(
            CipTargeted,
            l("E01990002"),
            &v,
            &[&w],
            at(3, 10, 18, 0),
            Some(at(3, 10, 21, 0)),
            Some((Yes, 4)),
        );
        // P6 operation, PA2, Bo + Cara (team B), Mar 15 12:00-16:00 (4 h, crew 2); yes, 5.
        self.patrol(
            Operation,
            pa2,
            &b,
            &[&x],
            at(3, 15, 12, 0),
            Some(at(3, 15, 16, 0)),
            Some((Yes, 5)),
        );
        // P7 week of action, 004 (Southmere), Bo, Mar 20 08:00-13:00 (5 h); partly, 3.
        self.patrol(
            WeekOfAction,
            l("E01990004"),
            &b,
            &[],
            at(3, 20, 8, 0),
            Some(at(3, 20, 13, 0)),
            Some((Partly, 3)),
        );
        // P8 foot, 001, Sam, started Mar 25 09:00, still open.
        self.patrol(Foot, l("E01990001"), &s, &[], at(3, 25, 9, 0), None, None);
        // P9 foot, 001, Sam, Feb 10 10:00-12:00: before the period.
        self.patrol(
            Foot,
            l("E01990001"),
            &s,
            &[],
            at(2, 10, 10, 0),
            Some(at(2, 10, 12, 0)),
            Some((Yes, 4)),
        );
        // P10 CiP, 001, Ben, Mar 31 23:00 - Apr 1 01:00: 1 h in March; yes, 3 (ends April).
        self.patrol(
            CipTargeted,
            l("E01990001"),
            &w,
            &[],
            at(3, 31, 23, 0),
            Some(at(4, 1, 1, 0)),
            Some((Yes, 3)),
        );
        // P11 foot, 001, Sam, Apr 1 00:00-02:00: starts at the period's end, outside it.
        self.patrol(
            Foot,
            l("E01990001"),
            &s,
            &[],
            at(4, 1, 0, 0),
            Some(at(4, 1, 2, 0)),
            Some((Yes, 4)),
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn contact(
        &mut self,
        when: DateTime<Utc>,
        area: Option<(&str, &str)>,
        method: ContactMethod,
        audience: Audience,
        people: u32,
        by: &User,
    ) -> ContactId {
        let c = Contact {
            id: ContactId::new(),
            occurred_at: when,
            place: Some(GeoPoint {
                lat: 52.4,
                lon: -1.5,
            }),
            lsoa_code: area.map(|a| lsoa(a.0)),
            lap_code: area.map(|a| a.1.to_owned()),
            method,
            audience,
            people_count: people,
            issues: vec![CrimeCategory::AntiSocialBehaviour],
            issues_text: None,
            promised: None,
            follow_up_id: None,
            consent_to_recontact: false,
            has_personal_details: false,
            has_ethnicity: false,
            repeat_caller: false,
            vulnerable: false,
            repeat_location: false,
            problem_id: None,
            patrol_id: None,
            recorded_by: by.id,
            redacted_at: None,
            created_at: when,
            updated_at: when,
            correction_reason: None,
        };
        self.add(RecordKind::Contact, c.id, &c);
        c.id
    }

    fn follow_up(
        &mut self,
        contact: Option<ContactId>,
        owner: &User,
        created: DateTime<Utc>,
        status: FollowUpStatus,
        answered: Option<DateTime<Utc>>,
    ) {
        let f = FollowUp {
            id: FollowUpId::new(),
            contact_id: contact,
            promise: "Call back".into(),
            owner: Some(owner.id),
            referred_by: None,
            created_at: created,
            due_at: created + Duration::hours(72),
            status,
            answered_at: answered,
            outcome: answered.map(|_| "Called".into()),
            correction_reason: None,
        };
        self.add(RecordKind::FollowUp, f.id, &f);
    }

    fn contacts_and_follow_ups(&mut self) {
        use Audience::*;
        use ContactMethod::*;
        use FollowUpStatus::*;
        let (s, a, b) = (self.sam.clone(), self.alex.clone(), self.bo.clone());
        let nv = |c| Some((c, "LAP-NV"));
        // C1 Mar 2 10:30, 001, foot patrol, resident, 1, Sam.
        let c1 = self.contact(
            at(3, 2, 10, 30),
            nv("E01990001"),
            FootPatrol,
            Resident,
            1,
            &s,
        );
        // C2 Mar 5 19:00, 002, beat meeting, community group, 30, Alex.
        let c2 = self.contact(
            at(3, 5, 19, 0),
            nv("E01990002"),
            BeatMeeting,
            CommunityGroup,
            30,
            &a,
        );
        // C3 Mar 12 14:00, 004 (LAP-SM), door knock, resident, 2, Bo.
        let c3 = self.contact(
            at(3, 12, 14, 0),
            Some(("E01990004", "LAP-SM")),
            DoorKnock,
            Resident,
            2,
            &b,
        );
        // C4 Mar 31 23:59, outside the loaded areas, phone, business, 1, Sam.
        let c4 = self.contact(at(3, 31, 23, 59), None, Phone, Business, 1, &s);
        // C5 Apr 1 00:00: at the period's end, outside it.
        self.contact(at(4, 1, 0, 0), nv("E01990001"), DoorKnock, Resident, 1, &s);
        // C6 Feb 27 10:00: before the period.
        let c6 = self.contact(
            at(2, 27, 10, 0),
            nv("E01990001"),
            DoorKnock,
            Resident,
            1,
            &s,
        );

        // F1 at C1, Sam: answered after 48 h.
        self.follow_up(
            Some(c1),
            &s,
            at(3, 2, 10, 30),
            Answered,
            Some(at(3, 4, 10, 30)),
        );
        // F2 at C2, Alex: answered after 96 h.
        self.follow_up(
            Some(c2),
            &a,
            at(3, 5, 19, 0),
            Answered,
            Some(at(3, 9, 19, 0)),
        );
        // F3 at C3, Bo: still open, due Mar 15 14:00.
        self.follow_up(Some(c3), &b, at(3, 12, 14, 0), Open, None);
        // F4 at C4, Sam: open, due Apr 3 23:59 (after the period's end).
        self.follow_up(Some(c4), &s, at(3, 31, 23, 59), Open, None);
        // F5 at C6 (February), Sam: open, due Mar 2 10:00.
        self.follow_up(Some(c6), &s, at(2, 27, 10, 0), Open, None);
        // F6 no contact, Alex, Feb 20: answered Mar 3 (late, but before the period's end).
        self.follow_up(None, &a, at(2, 20, 9, 0), Answered, Some(at(3, 3, 9, 0)));
        // F7 no contact, Sam, Mar 8: cancelled.
        self.follow_up(None, &s, at(3, 8, 9, 0), Cancelled, None);
        // F8 no contact, Sam, Mar 20 12:00: answered Apr 2 12:00 (after the period's end).
        self.follow_up(None, &s, at(3, 20, 12, 0), Answered, Some(at(4, 2, 12, 0)));
    }

    fn problem(
        &mut self,
        area: AreaRef,
        owner: &User,
        created: DateTime<Utc>,
        moves: &[(SaraStage, DateTime<Utc>)],
        current: Option<(SaraStage, DateTime<Utc>)>,
        assessed: bool,
    ) {
        let (stage, changed) = current
            .or_else(|| moves.last().copied())
            .unwrap_or((SaraStage::Scanning, created));
        let p = Problem {
            id: ProblemId::new(),
            title: "Shed burglaries".into(),
            area,
            category: CrimeCategory::Burglary,
            owner: owner.id,
            stage,
            triangle: AnalysisTriangle::default(),
            repeat_types: vec![],
            responses: vec![],
            assessment: assessed.then(|| Assessment {
                process: "Done".into(),
                impact: "Fewer burglaries".into(),
                measures: vec![],
            }),
            created_by: owner.id,
            created_at: created,
            updated_at: changed,
            stage_changed_at: changed,
        };
        let mut from = SaraStage::Scanning;
        for &(to, when) in moves {
            let r = StageRequest {
                id: StageRequestId::new(),
                problem_id: p.id,
                from_stage: from,
                to_stage: to,
                requested_by: owner.id,
                requested_at: when - Duration::hours(1),
                reason: None,
                status: StageRequestStatus::Approved,
                decided_by: Some(self.sue.id),
                decided_at: Some(when),
                decision_reason: None,
            };
            self.add(RecordKind::StageRequest, r.id, &r);
            from = to;
        }
        // A sent-back request is not a move.
        let sent_back = StageRequest {
            id: StageRequestId::new(),
            problem_id: p.id,
            from_stage: stage,
            to_stage: stage,
            requested_by: owner.id,
            requested_at: created,
            reason: None,
            status: StageRequestStatus::SentBack,
            decided_by: Some(self.sue.id),
            decided_at: Some(created + Duration::hours(1)),
            decision_reason: Some("Not yet".into()),
        };
        self.add(RecordKind::StageRequest, sent_back.id, &sent_back);
        self.add(RecordKind::Problem, p.id, &p);
    }

    fn problems(&mut self) {
        use SaraStage::*;
        let (s, a, b) = (self.sam.clone(), self.alex.clone(), self.bo.clone());
        let l = |c: &str| AreaRef::Lsoa(lsoa(c));
        // PR1 001, Sam, Jan 10; analysis Feb 1, response Mar 11, assessment Mar 21, closed Mar 26.
        self.problem(
            l("E01990001"),
            &s,
            at(1, 10, 0, 0),
            &[
                (Analysis, at(2, 1, 0, 0)),
                (Response, at(3, 11, 0, 0)),
                (Assessment, at(3, 21, 0, 0)),
                (Closed, at(3, 26, 0, 0)),
            ],
            None,
            true,
        );
        // PR2 PA1, Alex, Mar 5; analysis Mar 15.
        self.problem(
            AreaRef::Priority(self.pa1.id),
            &a,
            at(3, 5, 0, 0),
            &[(Analysis, at(3, 15, 0, 0))],
            None,
            false,
        );
        // PR3 LAP-SM, Bo, Feb 1; still scanning.
        self.problem(
            AreaRef::Lap("LAP-SM".into()),
            &b,
            at(2, 1, 0, 0),
            &[],
            None,
            false,
        );
        // PR4 002, Sam, Mar 20; analysis Mar 25, response Apr 5 (after the period).
        self.problem(
            l("E01990002"),
            &s,
            at(3, 20, 0, 0),
            &[(Analysis, at(3, 25, 0, 0)), (Response, at(4, 5, 0, 0))],
            None,
            false,
        );
        // PR5 003, Alex, Feb 1; all four moves in February, closed Feb 20.
        self.problem(
            l("E01990003"),
            &a,
            at(2, 1, 0, 0),
            &[
                (Analysis, at(2, 5, 0, 0)),
                (Response, at(2, 10, 0, 0)),
                (Assessment, at(2, 15, 0, 0)),
                (Closed, at(2, 20, 0, 0)),
            ],
            None,
            true,
        );
        // PR6 001, Sam, created Apr 3: after the period.
        self.problem(l("E01990001"), &s, at(4, 3, 0, 0), &[], None, false);
        // PR7 003, Alex, Feb 10; at Response since Mar 1 00:00, its moves never synced.
        self.problem(
            l("E01990003"),
            &a,
            at(2, 10, 0, 0),
            &[],
            Some((Response, at(3, 1, 0, 0))),
            false,
        );
        // PR8 003, Sam, Mar 1 00:00; analysis Mar 2, response Mar 3, assessment Mar 4, closed
        // Mar 6 without an assessment recorded.
        self.problem(
            l("E01990003"),
            &s,
            at(3, 1, 0, 0),
            &[
                (Analysis, at(3, 2, 0, 0)),
                (Response, at(3, 3, 0, 0)),
                (Assessment, at(3, 4, 0, 0)),
                (Closed, at(3, 6, 0, 0)),
            ],
            None,
            false,
        );
    }

    /// Every record as one pulled page.
    pub fn pull_page(&self) -> PullResponse {
        let node = DeviceId::new();
        let changes = self
            .records
            .iter()
            .enumerate()
            .map(|(i, (kind, id, fields))| Change {
                seq: i as u64 + 1,
                kind: *kind,
                record_id: id.clone(),
                fields: fields
                    .iter()
                    .map(|(name, value)| {
                        (
                            name.clone(),
                            FieldState {
                                value: value.clone(),
                                hlc: Hlc::new(1_700_000_000_000, node),
                            },
                        )
                    })
                    .collect(),
                erased: false,
            })
            .collect::<Vec<_>>();
        PullResponse {
            next_cursor: changes.len() as u64,
            changes,
            has_more: false,
            server_time: Utc::now(),
            epoch: None,
        }
    }
}
