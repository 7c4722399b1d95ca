//! Reports against the real `beatbook-server` binary: a PCSO and a volunteer record and sync
//! through the ordinary push; the supervisor syncs; the supervisor's device (offline) and the
//! server's `GET /v1/reports` give the same figures, a PCSO is refused the endpoint, and the
//! CSV export answers as CSV.

use beatbook_core::model::*;
use beatbook_core::reports::{Period, Report, ReportArea, ReportQuery};
use beatbook_e2e::http::request;
use beatbook_e2e::server::ServerProcess;
use beatbook_e2e::workload;
use chrono::{Duration, DurationRound, Utc};

#[test]
fn a_supervisor_gets_the_same_report_from_the_device_and_the_server() {
    let server = ServerProcess::start(&[]);
    let url = server.url.clone();
    let mut devices = server
        .enrol_team(
            &url,
            &[
                ("PCSO Avery", "pcso"),
                ("Volunteer Kit", "cip_volunteer"),
                ("Sergeant Sol", "supervisor"),
            ],
        )
        .into_iter();
    let mut next = || devices.next().expect("device");
    let (pcso, volunteer, sergeant) = (next(), next(), next());

    // Two patrols of the last two days (2 h foot with the volunteer, 1.5 h CiP) and a contact
    // with a promise; all in LAP-NV.
    let hour = Utc::now().duration_trunc(Duration::hours(1)).expect("hour");
    let closed = |ended_at, rating| PatrolClosure {
        ended_at,
        observations: None,
        assessment: Some(ValueAssessment {
            purpose_met: PurposeMet::Yes,
            value_rating: rating,
            summary: "Spoke to shopkeepers".into(),
        }),
    };
    let patrol = |kind, with: Vec<beatbook_core::ids::UserId>, start| NewPatrol {
        kind,
        area: AreaRef::Lap("LAP-NV".into()),
        purpose: "Reassurance".into(),
        operation_name: None,
        participants: with,
        started_at: start,
    };
    let start = hour - Duration::hours(30);
    pcso.store
        .record_patrol(
            &pcso.actor,
            patrol(PatrolKind::Foot, vec![volunteer.actor.user_id], start),
            closed(start + Duration::hours(2), 4),
        )
        .expect("foot patrol");
    let start = hour - Duration::hours(20);
    volunteer
        .store
        .record_patrol(
            &volunteer.actor,
            patrol(PatrolKind::CipTargeted, vec![], start),
            closed(start + Duration::minutes(90), 3),
        )
        .expect("CiP patrol");
    pcso.store
        .record_contact(
            &pcso.actor,
            workload::door_knock_with_promise(hour - Duration::hours(10), 2),
        )
        .expect("contact");
    pcso.sync();
    volunteer.sync();
    sergeant.sync();

    let from = hour - Duration::days(7);
    let to = hour + Duration::hours(1);
    let path = |endpoint: &str, area: &str| {
        format!(
            "/v1/{endpoint}?from={}&to={}&area={area}",
            from.to_rfc3339().replace('+', "%2B"),
            to.to_rfc3339().replace('+', "%2B")
        )
    };
    // The contact is untagged (no boundaries are loaded here): in `all`, not in LAP-NV.
    let mut reports = Vec::new();
    for (param, area) in [
        ("lap:LAP-NV", ReportArea::Lap("LAP-NV".into())),
        ("all", ReportArea::All),
    ] {
        let answer = request(
            &url,
            "GET",
            &path("reports", param),
            Some(&sergeant.token()),
            None,
        );
        assert_eq!(answer.status, 200, "{}", answer.body);
        let from_server: Report = serde_json::from_str(&answer.body).expect("Report");
        let on_device = sergeant
            .store
            .report(&ReportQuery {
                period: Period::new(from, to).expect("period"),
                area,
                as_of: from_server.query.as_of,
            })
            .expect("device report");
        assert_eq!(on_device, from_server, "{param}");
        reports.push(from_server);
    }
    let (in_lap, all) = (&reports[0], &reports[1]);
    // 2 h + 1.5 h; 2 × 2 h + 1.5 h in person-hours; the volunteer's hours: 2 h on the foot
    // patrol + 1.5 h of their own. One contact reaching 2, with one promise.
    assert_eq!(in_lap.patrol_hours.hours, 3.5);
    assert_eq!(in_lap.patrol_hours.person_hours, 5.5);
    let kit: f64 = in_lap.volunteer_hours.iter().map(|v| v.hours).sum();
    assert_eq!(kit, 3.5);
    assert_eq!(in_lap.engagement.contacts, 0);
    assert_eq!((all.engagement.contacts, all.engagement.people), (1, 2));
    assert_eq!(all.follow_ups.promised, 1);

    let refused = request(
        &url,
        "GET",
        &path("reports", "all"),
        Some(&pcso.token()),
        None,
    );
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("\"forbidden\""), "{}", refused.body);
    let csv = request(
        &url,
        "GET",
        &path("reports.csv", "all"),
        Some(&sergeant.token()),
        None,
    );
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert!(
        csv.body.contains("patrol_hours,total,,,hours,3.50"),
        "{}",
        csv.body
    );
}
