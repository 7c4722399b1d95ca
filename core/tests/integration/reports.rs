//! Every report figure on the seeded dataset in `reports_seed` (read its table first): each
//! expected value is worked out by hand in the comment beside it, not by running the code.

use crate::common;
use crate::reports_seed;

use beatbook_core::model::{AreaRef, FollowUpStatus, PatrolKind, SaraStage};
use beatbook_core::reports::{
    compute, Period, Report, ReportArea, ReportData, ReportQuery, SyncedFacts,
};
use beatbook_core::Store;
use reports_seed::{at, lsoa, Seed};

struct Loaded {
    _dir: tempfile::TempDir,
    store: Store,
    seed: Seed,
}

fn loaded() -> Loaded {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open(dir.path().join("b.db"), &common::key()).expect("open");
    let seed = Seed::new();
    store.apply_pull_page(&seed.pull_page()).expect("seed");
    Loaded {
        _dir: dir,
        store,
        seed,
    }
}

fn march(area: ReportArea) -> ReportQuery {
    ReportQuery {
        period: Period::new(at(3, 1, 0, 0), at(4, 1, 0, 0)).expect("period"),
        area,
        as_of: at(4, 10, 12, 0),
    }
}

fn report(l: &Loaded, area: ReportArea) -> Report {
    l.store.report(&march(area)).expect("report")
}

fn kind_hours(r: &Report, kind: PatrolKind) -> (u64, f64, f64) {
    let k = r
        .patrol_hours
        .by_kind
        .iter()
        .find(|k| k.kind == kind)
        .expect("every kind is listed");
    (k.patrols, k.hours, k.person_hours)
}

#[test]
fn patrol_hours_by_kind_clip_to_the_period() {
    let l = loaded();
    let r = report(&l, ReportArea::All);
    let ph = &r.patrol_hours;
    // foot: P1 2 h (crew 1) + P2 1.5 h (crew 2) + P3 22:00-02:00 clipped at Apr 1 00:00 = 2 h
    // (crew 1) → 3 patrols, 5.5 h, 2 + 3 + 2 = 7 person-hours. P8 is open, P9 before, P11 after.
    assert_eq!(kind_hours(&r, PatrolKind::Foot), (3, 5.5, 7.0));
    // hotspot: P4 Feb 28 23:00 - Mar 1 01:00 clipped at Mar 1 → 1 h, crew 2 → 2 person-hours.
    assert_eq!(kind_hours(&r, PatrolKind::Hotspot), (1, 1.0, 2.0));
    // CiP: P5 3 h crew 2 (6), P10 23:00-01:00 clipped → 1 h crew 1 → 2 patrols, 4 h, 7.
    assert_eq!(kind_hours(&r, PatrolKind::CipTargeted), (2, 4.0, 7.0));
    // operation: P6 4 h crew 2; week of action: P7 5 h crew 1.
    assert_eq!(kind_hours(&r, PatrolKind::Operation), (1, 4.0, 8.0));
    assert_eq!(kind_hours(&r, PatrolKind::WeekOfAction), (1, 5.0, 5.0));
    // 3+1+2+1+1 = 8 patrols; 5.5+1+4+4+5 = 19.5 h; 7+2+7+8+5 = 29 person-hours; P8 open.
    assert_eq!(
        (ph.patrols, ph.hours, ph.person_hours, ph.open_patrols),
        (8, 19.5, 29.0, 1)
    );
}

#[test]
fn patrol_hours_by_area_name_the_area_patrolled() {
    let l = loaded();
    let r = report(&l, ReportArea::All);
    let by_area: Vec<(String, u64, f64)> = r
        .patrol_hours
        .by_area
        .iter()
        .map(|a| (a.name.clone(), a.patrols, a.hours))
        .collect();
    // Most hours first, ties by name: 004 P7 5 h; PA2 P6 4 h; 001 P1 2 h + P10 1 h = 3 h;
    // 002 P5 3 h; LAP-NV P3 2 h; 003 P2 1.5 h; PA1 P4 1 h.
    assert_eq!(
        by_area,
        vec![
            ("Southmere 001A (E01990004)".to_owned(), 1, 5.0),
            ("Market Square".to_owned(), 1, 4.0),
            ("Northvale 001A (E01990001)".to_owned(), 2, 3.0),
            ("Northvale 001B (E01990002)".to_owned(), 1, 3.0),
            ("LAP-NV".to_owned(), 1, 2.0),
            ("Northvale 002A (E01990003)".to_owned(), 1, 1.5),
            ("Elm Row estate".to_owned(), 1, 1.0),
        ]
    );
    assert_eq!(
        r.patrol_hours.by_area[0].area,
        AreaRef::Lsoa(lsoa("E01990004"))
    );
}

#[test]
fn patrol_hours_follow_the_area_filter() {
    let l = loaded();
    let s = &l.seed;
    // Team A: patrols with a team-A crew member: P1 2, P2 1.5, P3 2, P4 1, P5 3, P10 1 = 10.5 h
    // (P6 and P7 are team B's).
    let r = report(&l, ReportArea::Team(s.team_a.id));
    assert_eq!((r.patrol_hours.patrols, r.patrol_hours.hours), (6, 10.5));
    // LAP-NV: everything but P7 (Southmere): P6 counts as PA2's LSOA is in LAP-NV.
    // 2 + 1.5 + 2 + 1 + 3 + 4 + 1 = 14.5 h.
    let r = report(&l, ReportArea::Lap("LAP-NV".into()));
    assert_eq!((r.patrol_hours.patrols, r.patrol_hours.hours), (7, 14.5));
    // LSOA 002: P5 (002) 3 h, P4 (PA1 holds 002) 1 h, P6 (PA2 holds 002) 4 h = 8 h; the
    // LAP-wide P3 is in no one LSOA.
    let r = report(&l, ReportArea::Lsoa(lsoa("E01990002")));
    assert_eq!((r.patrol_hours.patrols, r.patrol_hours.hours), (3, 8.0));
    // PA1: P4 (PA1) 1, P1 (001) 2, P5 (002) 3, P10 (001) 1 = 7 h; P6 targeted PA2, not PA1.
    let r = report(&l, ReportArea::Priority(s.pa1.id));
    assert_eq!((r.patrol_hours.patrols, r.patrol_hours.hours), (4, 7.0));
}

#[test]
fn engagements_by_method_audience_and_lsoa() {
    let l = loaded();
    let r = report(&l, ReportArea::All);
    let e = &r.engagement;
    // C1 1, C2 30, C3 2, C4 1 person; C5 (Apr 1 00:00) and C6 (Feb) are outside.
    assert_eq!((e.contacts, e.people), (4, 34));
    let groups = |g: &[beatbook_core::reports::EngagementGroup]| {
        g.iter()
            .map(|g| (g.key.clone(), g.contacts, g.people))
            .collect::<Vec<_>>()
    };
    // One contact each: ties ordered by key.
    assert_eq!(
        groups(&e.by_method),
        vec![
            ("beat_meeting".into(), 1, 30),
            ("door_knock".into(), 1, 2),
            ("foot_patrol".into(), 1, 1),
            ("phone".into(), 1, 1),
        ]
    );
    // Residents: C1 1 + C3 2 = 2 contacts reaching 3; community group 30; business 1.
    assert_eq!(
        groups(&e.by_audience),
        vec![
            ("resident".into(), 2, 3),
            ("business".into(), 1, 1),
            ("community_group".into(), 1, 30),
        ]
    );
    assert_eq!(
        groups(&e.by_lsoa),
        vec![
            ("E01990001".into(), 1, 1),
            ("E01990002".into(), 1, 30),
            ("E01990004".into(), 1, 2),
            ("unknown".into(), 1, 1),
        ]
    );
    assert_eq!(e.by_lsoa[0].label, "Northvale 001A");
}

#[test]
fn engagements_follow_the_area_filter() {
    let l = loaded();
    // LAP-NV: C1 (1) and C2 (30); C4 has no area.
    let r = report(&l, ReportArea::Lap("LAP-NV".into()));
    assert_eq!((r.engagement.contacts, r.engagement.people), (2, 31));
    // Team A recorded C1, C2, C4: 1 + 30 + 1.
    let r = report(&l, ReportArea::Team(l.seed.team_a.id));
    assert_eq!((r.engagement.contacts, r.engagement.people), (3, 32));
    // PA1 (001, 002): C1 and C2.
    let r = report(&l, ReportArea::Priority(l.seed.pa1.id));
    assert_eq!((r.engagement.contacts, r.engagement.people), (2, 31));
    // LSOA 004: C3.
    let r = report(&l, ReportArea::Lsoa(lsoa("E01990004")));
    assert_eq!((r.engagement.contacts, r.engagement.people), (1, 2));
}

#[test]
fn follow_ups_promised_answered_within_72_hours_and_overdue() {
    let l = loaded();
    let f = report(&l, ReportArea::All).follow_ups;
    // Promised in March: F1, F2, F3, F4, F7, F8 = 6. Within 72 h: F1 (48 h). Later: F2 (96 h),
    // F8 (13 days). Cancelled: F7. Open past 72 h at Apr 10: F3, F4. Pending: none.
    assert_eq!(
        (
            f.promised,
            f.answered_within_72h,
            f.answered_later,
            f.cancelled,
            f.open_past_72h,
            f.pending
        ),
        (6, 1, 2, 1, 2, 0)
    );
    // 1 / (6 - 1 cancelled - 0 pending) = 0.2.
    assert_eq!(f.share_within_72h, Some(0.2));
    // Overdue at Apr 1 00:00: F3 (due Mar 15, open), F5 (due Mar 2, open), F8 (due Mar 23,
    // answered only Apr 2). Not F4 (due Apr 3), not F6 (answered Mar 3), not F7 (cancelled).
    assert_eq!(f.overdue_at_end, 3);
}

#[test]
fn follow_ups_follow_the_area_filter() {
    let l = loaded();
    // LAP-NV, by the contact promised at: F1 (C1), F2 (C2), F5 (C6). Cohort F1 within, F2 later:
    // share 1/2. Overdue: F5.
    let f = report(&l, ReportArea::Lap("LAP-NV".into())).follow_ups;
    assert_eq!(
        (f.promised, f.answered_within_72h, f.overdue_at_end),
        (2, 1, 1)
    );
    assert_eq!(f.share_within_72h, Some(0.5));
    // Team A owns F1, F2, F4, F5, F6, F7, F8. Cohort F1, F2, F4, F7, F8: within 1, later 2
    // (F2, F8), cancelled 1, open past 72 h 1 (F4): share 1/4. Overdue: F5, F8.
    let f = report(&l, ReportArea::Team(l.seed.team_a.id)).follow_ups;
    assert_eq!(
        (
            f.promised,
            f.answered_within_72h,
            f.answered_later,
            f.cancelled,
            f.open_past_72h
        ),
        (5, 1, 2, 1, 1)
    );
    assert_eq!((f.share_within_72h, f.overdue_at_end), (Some(0.25), 2));
}

#[test]
fn a_promise_younger_than_72_hours_is_pending_not_missed() {
    let l = loaded();
    let mut data = l
        .store
        .report_data(&march(ReportArea::All).period)
        .expect("data");
    // Keep only F4 (Mar 31 23:59, open) and report at Apr 1 12:00: 12 h 1 min old.
    data.follow_ups
        .retain(|f| f.created_at == at(3, 31, 23, 59));
    assert_eq!(data.follow_ups.len(), 1);
    assert_eq!(data.follow_ups[0].status, FollowUpStatus::Open);
    let query = ReportQuery {
        as_of: at(4, 1, 12, 0),
        ..march(ReportArea::All)
    };
    let f = compute(&data, &query).follow_ups;
    assert_eq!((f.promised, f.pending, f.open_past_72h), (1, 1, 0));
    // 1 promised − 1 pending: nothing to judge yet.
    assert_eq!(f.share_within_72h, None);
}

#[test]
fn problems_by_stage_opened_closed_and_assessed() {
    let l = loaded();
    let p = report(&l, ReportArea::All).problems;
    let at_end: Vec<(SaraStage, u64)> = p
        .by_stage_at_end
        .iter()
        .map(|s| (s.stage, s.problems))
        .collect();
    // At Apr 1: PR3 scanning; PR2, PR4 analysis (PR4's response is Apr 5); PR7 response;
    // PR1, PR5, PR8 closed. PR6 was created Apr 3.
    assert_eq!(
        at_end,
        vec![
            (SaraStage::Scanning, 1),
            (SaraStage::Analysis, 2),
            (SaraStage::Response, 1),
            (SaraStage::Assessment, 0),
            (SaraStage::Closed, 3),
        ]
    );
    // Opened in March: PR2 (Mar 5), PR4 (Mar 20), PR8 (Mar 1 00:00) = 3. Closed in March: PR1
    // (Mar 26, assessed) and PR8 (Mar 6, no assessment); PR5 closed in February.
    assert_eq!((p.opened, p.closed, p.closed_with_assessment), (3, 2, 1));
}

#[test]
fn time_spent_in_each_stage() {
    let l = loaded();
    let p = report(&l, ReportArea::All).problems;
    let times: Vec<(SaraStage, f64, u64, Option<f64>)> = p
        .time_in_stage
        .iter()
        .map(|t| {
            (
                t.stage,
                t.days_in_period,
                t.stays_ended,
                t.mean_days_of_ended,
            )
        })
        .collect();
    // Scanning, days in March: PR2 Mar 5-15 = 10, PR3 all March = 31, PR4 Mar 20-25 = 5, PR8
    // Mar 1-2 = 1 → 47. Stays ended in March: PR2 10 d, PR4 5 d, PR7 Feb 10 - Mar 1 00:00 = 19 d
    // (history rebuilt from stage_changed_at), PR8 1 d → 4 stays, mean 35/4 = 8.75.
    // Analysis: PR1 Mar 1-11 = 10, PR2 Mar 15 - Apr 1 = 17, PR4 Mar 25 - Apr 1 = 7, PR8 1 → 35.
    // Ended: PR1 Feb 1 - Mar 11 = 38 d, PR8 1 d → mean 19.5.
    // Response: PR1 Mar 11-21 = 10, PR7 all March = 31, PR8 1 → 42. Ended: PR1 10, PR8 1 → 5.5.
    // Assessment: PR1 Mar 21-26 = 5, PR8 Mar 4-6 = 2 → 7. Ended: both → mean 3.5.
    assert_eq!(
        times,
        vec![
            (SaraStage::Scanning, 47.0, 4, Some(8.75)),
            (SaraStage::Analysis, 35.0, 2, Some(19.5)),
            (SaraStage::Response, 42.0, 2, Some(5.5)),
            (SaraStage::Assessment, 7.0, 2, Some(3.5)),
        ]
    );
}

#[test]
fn problems_follow_the_area_filter() {
    let l = loaded();
    // Team A owns everything but PR3: no problem at scanning at the end.
    let p = report(&l, ReportArea::Team(l.seed.team_a.id)).problems;
    let at_end: Vec<u64> = p.by_stage_at_end.iter().map(|s| s.problems).collect();
    assert_eq!(at_end, vec![0, 2, 1, 0, 3]);
    // LAP-SM: only PR3 (targeted at the LAP).
    let p = report(&l, ReportArea::Lap("LAP-SM".into())).problems;
    let at_end: Vec<u64> = p.by_stage_at_end.iter().map(|s| s.problems).collect();
    assert_eq!(at_end, vec![1, 0, 0, 0, 0]);
    assert_eq!(p.time_in_stage[0].days_in_period, 31.0);
}

#[test]
fn volunteer_hours_per_person_per_month() {
    let l = loaded();
    let rows = |r: Report| {
        r.volunteer_hours
            .iter()
            .map(|v| (v.display_name.clone(), v.month.clone(), v.patrols, v.hours))
            .collect::<Vec<_>>()
    };
    // Amber: P4 (1 h of it in March) + P5 3 h = 2 patrols, 4 h. Ben: P5 3 h + P10 (1 h in
    // March) = 2, 4 h. Cara (team B): P6 4 h. Ordered by month, then name.
    assert_eq!(
        rows(report(&l, ReportArea::All)),
        vec![
            ("Vol Amber Reed".into(), "2026-03".into(), 2, 4.0),
            ("Vol Ben Ash".into(), "2026-03".into(), 2, 4.0),
            ("Vol Cara Dene".into(), "2026-03".into(), 1, 4.0),
        ]
    );
    // Team A: Amber and Ben only.
    assert_eq!(
        rows(report(&l, ReportArea::Team(l.seed.team_a.id))).len(),
        2
    );
    // February and March together: P4 (Feb 28 23:00 - Mar 1 01:00) splits 1 h to each month.
    let query = ReportQuery {
        period: Period::new(at(2, 1, 0, 0), at(4, 1, 0, 0)).expect("period"),
        ..march(ReportArea::Team(l.seed.team_a.id))
    };
    let r = l.store.report(&query).expect("report");
    assert_eq!(
        rows(r),
        vec![
            ("Vol Amber Reed".into(), "2026-02".into(), 1, 1.0),
            ("Vol Amber Reed".into(), "2026-03".into(), 2, 4.0),
            ("Vol Ben Ash".into(), "2026-03".into(), 2, 4.0),
        ]
    );
}

#[test]
fn value_assessments_by_kind_for_patrols_ended_in_the_period() {
    let l = loaded();
    let r = report(&l, ReportArea::All);
    let v = |kind: PatrolKind| {
        let v = r
            .value_assessments
            .iter()
            .find(|v| v.kind == kind)
            .expect("every kind");
        (
            v.assessed,
            v.purpose_met,
            v.purpose_partly_met,
            v.purpose_not_met,
            v.ratings,
            v.mean_rating,
        )
    };
    // Ended in March: P1 foot yes 4, P2 foot partly 3, P4 hotspot no 2 (ended Mar 1 01:00),
    // P5 CiP yes 4, P6 operation yes 5, P7 week of action partly 3. P3 and P10 ended Apr 1.
    assert_eq!(
        v(PatrolKind::Foot),
        (2, 1, 1, 0, [0, 0, 1, 1, 0], Some(3.5))
    );
    assert_eq!(
        v(PatrolKind::Hotspot),
        (1, 0, 0, 1, [0, 1, 0, 0, 0], Some(2.0))
    );
    assert_eq!(
        v(PatrolKind::CipTargeted),
        (1, 1, 0, 0, [0, 0, 0, 1, 0], Some(4.0))
    );
    assert_eq!(
        v(PatrolKind::Operation),
        (1, 1, 0, 0, [0, 0, 0, 0, 1], Some(5.0))
    );
    assert_eq!(
        v(PatrolKind::WeekOfAction),
        (1, 0, 1, 0, [0, 0, 1, 0, 0], Some(3.0))
    );
}

#[test]
fn activity_in_priority_areas_by_clear_hold_build_phase() {
    let l = loaded();
    let pa = report(&l, ReportArea::All).priority_areas;
    let areas: Vec<(String, u64, f64, u64, u64, u64)> = pa
        .areas
        .iter()
        .map(|a| {
            let x = &a.activity;
            (
                a.name.clone(),
                x.patrols,
                x.patrol_hours,
                x.contacts,
                x.people,
                x.open_problems,
            )
        })
        .collect();
    // PA1 (001, 002): P1 2 + P4 1 + P5 3 + P10 1 = 4 patrols 7 h; C1 + C2 = 2 contacts, 31
    // people; open at Apr 1: PR2 (PA1), PR4 (002); PR1 (001) closed Mar 26.
    // PA2 (002): P5 3 + P6 4 = 7 h; C2; PR4.
    // PA3 (004): P7 5 h; C3 (2 people); PR3 was targeted at the LAP, so none.
    // PA4 (003): P2 1.5 h; no contacts; PR7 open (PR5, PR8 closed).
    assert_eq!(
        areas,
        vec![
            ("Elm Row estate".into(), 4, 7.0, 2, 31, 2),
            ("Market Square".into(), 2, 7.0, 1, 30, 1),
            ("Southmere riverside".into(), 1, 5.0, 1, 2, 0),
            ("Station Road".into(), 1, 1.5, 0, 0, 1),
        ]
    );
    type PhaseRow<'a> = (Option<&'a str>, u64, u64, f64, u64, u64, u64);
    let phases: Vec<PhaseRow> = pa
        .by_phase
        .iter()
        .map(|t| {
            let x = &t.activity;
            (
                t.phase.map(|p| p.as_str()),
                t.areas,
                x.patrols,
                x.patrol_hours,
                x.contacts,
                x.people,
                x.open_problems,
            )
        })
        .collect();
    // Hold = PA1 + PA2, each record once: P1, P4, P5, P10, P6 = 5 patrols, 7 + 4 = 11 h; C1, C2;
    // PR2, PR4.
    assert_eq!(
        phases,
        vec![
            (Some("clear"), 1, 1, 1.5, 0, 0, 1),
            (Some("hold"), 2, 5, 11.0, 2, 31, 2),
            (Some("build"), 0, 0, 0.0, 0, 0, 0),
            (None, 1, 1, 5.0, 1, 2, 0),
        ]
    );
    // An LSOA filter lists only the priority areas holding it: 002 is in PA1 and PA2.
    let pa = report(&l, ReportArea::Lsoa(lsoa("E01990002"))).priority_areas;
    let names: Vec<&str> = pa.areas.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, vec!["Elm Row estate", "Market Square"]);
}

#[test]
fn an_empty_period_gives_zeros_not_errors() {
    let l = loaded();
    let query = ReportQuery {
        period: Period::new(at(1, 1, 0, 0), at(1, 2, 0, 0)).expect("period"),
        ..march(ReportArea::All)
    };
    let r = l.store.report(&query).expect("report");
    assert_eq!((r.patrol_hours.patrols, r.patrol_hours.hours), (0, 0.0));
    assert_eq!(r.patrol_hours.by_kind.len(), PatrolKind::ALL.len());
    assert_eq!(r.engagement.contacts, 0);
    assert_eq!(
        (r.follow_ups.promised, r.follow_ups.share_within_72h),
        (0, None)
    );
    // The first problem (PR1) was created Jan 10, after this period: nothing at any stage.
    assert!(r.problems.by_stage_at_end.iter().all(|s| s.problems == 0));
    assert!(r.volunteer_hours.is_empty());
    assert!(r.value_assessments.iter().all(|v| v.mean_rating.is_none()));
}

#[test]
fn a_period_must_end_after_it_starts() {
    assert!(Period::new(at(3, 1, 0, 0), at(3, 1, 0, 0)).is_err());
    let json = serde_json::json!({"from": "2026-03-02T00:00:00Z", "to": "2026-03-01T00:00:00Z"});
    assert!(serde_json::from_value::<Period>(json).is_err());
}

#[test]
fn the_synced_records_give_the_same_report_as_the_device_tables() {
    // The server's path: the same records, read as field maps.
    let l = loaded();
    let page = l.seed.pull_page();
    let data = ReportData::from_synced(page.changes.iter().map(|c| (c.kind, &c.fields)));
    assert_eq!(data.skipped_records, 0);
    for area in [
        ReportArea::All,
        ReportArea::Team(l.seed.team_a.id),
        ReportArea::Lap("LAP-NV".into()),
        ReportArea::Lsoa(lsoa("E01990002")),
        ReportArea::Priority(l.seed.pa1.id),
    ] {
        let query = march(area);
        assert_eq!(
            compute(&data, &query),
            l.store.report(&query).expect("report")
        );
    }
}

#[test]
fn facts_built_one_synced_record_at_a_time_in_any_order_give_the_same_report() {
    // How the server reads them: each record's values as it comes, follow-ups before the
    // contacts whose area they take.
    let l = loaded();
    let page = l.seed.pull_page();
    let mut facts = SyncedFacts::default();
    for change in page.changes.iter().rev() {
        let values = change.fields.iter();
        facts.add_object(
            change.kind,
            values.map(|(n, f)| (n.clone(), f.value.clone())).collect(),
        );
    }
    let data = facts.finish();
    assert!(
        data.follow_ups.iter().any(|f| f.lsoa_code.is_some()),
        "follow-ups have their contacts' areas"
    );
    for area in [ReportArea::All, ReportArea::Lsoa(lsoa("E01990002"))] {
        let query = march(area);
        assert_eq!(
            compute(&data, &query),
            l.store.report(&query).expect("report")
        );
    }
}

#[test]
fn facts_kept_for_a_period_give_its_report_and_leave_out_what_it_does_not_read() {
    let l = loaded();
    let page = l.seed.pull_page();
    let facts_of = |mut facts: SyncedFacts| {
        for change in &page.changes {
            let values = change.fields.iter();
            facts.add_object(
                change.kind,
                values.map(|(n, f)| (n.clone(), f.value.clone())).collect(),
            );
        }
        facts.finish()
    };
    let all = facts_of(SyncedFacts::default());
    let january = ReportQuery {
        period: Period::new(at(1, 1, 0, 0), at(1, 2, 0, 0)).expect("period"),
        ..march(ReportArea::All)
    };
    for query in [
        march(ReportArea::All),
        march(ReportArea::Lsoa(lsoa("E01990002"))),
        january.clone(),
    ] {
        let kept = facts_of(SyncedFacts::for_period(query.period));
        assert_eq!(
            compute(&kept, &query),
            l.store.report(&query).expect("report")
        );
    }
    let kept = facts_of(SyncedFacts::for_period(january.period));
    assert!(kept.contacts.is_empty() && !all.contacts.is_empty());
    assert!(kept.patrols.len() < all.patrols.len());
    assert_eq!(
        kept.users, all.users,
        "reference records are kept whatever the period"
    );
}

#[test]
fn the_csv_has_one_figure_per_row_and_no_personal_data() {
    let l = loaded();
    let csv = beatbook_core::reports::to_csv(&report(&l, ReportArea::All));
    assert!(csv.starts_with("figure,group,key,label,measure,value\n"));
    assert!(csv.contains("patrol_hours,kind,foot,foot,hours,5.50\n"));
    assert!(csv.contains("follow_ups,total,,,share_within_72h,0.200\n"));
    // Every row has six fields (no stray commas in names).
    for line in csv.lines() {
        assert_eq!(line.split(',').count(), 6, "{line}");
    }
}
