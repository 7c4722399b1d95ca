//! `GET /v1/reports` and `/v1/reports.csv`: supervisors only (others get `403 forbidden`), their
//! own team's figures only, the same figures a device computes from the same records, and the
//! CSV export written to the server's audit log as a disclosure.

#[path = "../../../core/tests/integration/reports_seed/mod.rs"]
mod reports_seed;

use crate::common::{error_code, Harness};
use beatbook_core::audit::AuditAction;
use beatbook_core::reports::{Period, Report, ReportArea, ReportQuery};
use beatbook_core::sync::merge::RecordState;
use beatbook_core::sync::protocol::RecordKind;
use beatbook_core::{Store, StoreKey};
use beatbook_server::storage::{Decision, RecordMeta, RecordRow, WriteOutcome, WriteTarget};
use reports_seed::{at, lsoa, Seed};
use reqwest::StatusCode;

const MARCH: &str = "from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z";

/// Stores every seeded record on the server as the harness team's (force-wide kinds without a
/// team), as pushes and the administrator would have.
fn seed_server(h: &Harness, seed: &Seed) {
    let page = seed.pull_page();
    for change in &page.changes {
        let team = match change.kind {
            RecordKind::PriorityArea | RecordKind::AreaBoundaries => None,
            _ => Some(h.team.id),
        };
        let target = WriteTarget {
            op_id: None,
            device_id: None,
            kind: change.kind,
            record_id: change.record_id.clone(),
            now_ms: 1,
            pulled_through: None,
        };
        let state = RecordState {
            fields: change.fields.clone(),
            erased: false,
        };
        let outcome = h
            .storage()
            .write_record(&target, &mut |_| Decision::Write {
                record: RecordRow {
                    kind: change.kind,
                    record_id: change.record_id.clone(),
                    meta: RecordMeta {
                        team_id: team,
                        ..RecordMeta::default()
                    },
                    state: state.clone(),
                },
                extra: Vec::new(),
                reference_rows: Vec::new(),
                scrub_conflicts: beatbook_server::storage::ConflictScrub::Keep,
                audit: Vec::new(),
            })
            .expect("write");
        assert!(
            matches!(outcome, WriteOutcome::Applied { .. }),
            "{outcome:?}"
        );
    }
}

/// The same records on a device, and its report.
fn device_report(seed: &Seed, area: ReportArea, as_of: chrono::DateTime<chrono::Utc>) -> Report {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open(dir.path().join("d.db"), &StoreKey::from_bytes([3; 32])).expect("open");
    store.apply_pull_page(&seed.pull_page()).expect("seed");
    store
        .report(&ReportQuery {
            period: Period::new(at(3, 1, 0, 0), at(4, 1, 0, 0)).expect("period"),
            area,
            as_of,
        })
        .expect("report")
}

#[test]
fn only_supervisors_get_reports_and_only_their_teams() {
    let h = Harness::start();
    let path = format!("/v1/reports?{MARCH}");
    for user in [&h.officer, &h.pcso, &h.volunteer] {
        let device = h.enrol(user);
        let (status, text) = h.get(&path, Some(&device.token));
        assert_eq!(status, StatusCode::FORBIDDEN, "{text}");
        assert_eq!(error_code(&text), "forbidden");
        assert!(text.contains("reports are for supervisors"), "{text}");
        let (status, _) = h.get(&format!("/v1/reports.csv?{MARCH}"), Some(&device.token));
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, _) = h.get(&path, None);
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let sup = h.enrol(&h.supervisor);
    let (status, text) = h.get(&path, Some(&sup.token));
    assert_eq!(status, StatusCode::OK, "{text}");
    // Another team's figures are refused; the supervisor's own team's are not.
    let other = h.outsider.team_id.expect("team");
    let (status, text) = h.get(&format!("{path}&area=team:{other}"), Some(&sup.token));
    assert_eq!(status, StatusCode::FORBIDDEN, "{text}");
    assert!(text.contains("own team"), "{text}");
    let (status, _) = h.get(&format!("{path}&area=team:{}", h.team.id), Some(&sup.token));
    assert_eq!(status, StatusCode::OK);
    // Malformed queries are 400 with a message.
    for bad in [
        "/v1/reports?from=2026-03-01&to=2026-04-01T00:00:00Z".to_owned(),
        "/v1/reports?from=2026-04-01T00:00:00Z&to=2026-03-01T00:00:00Z".to_owned(),
        format!("{path}&area=lsoa:nowhere"),
        "/v1/reports".to_owned(),
    ] {
        let (status, text) = h.get(&bad, Some(&sup.token));
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {text}");
        assert_eq!(error_code(&text), "bad_request");
    }
    // Looking at JSON figures discloses nothing: nothing logged.
    assert!(h.storage().audit_log(10).expect("audit").is_empty());
}

#[test]
fn the_server_gives_the_same_figures_as_a_device() {
    let h = Harness::start();
    let seed = Seed::new();
    seed_server(&h, &seed);
    let sup = h.enrol(&h.supervisor);
    for (param, area) in [
        ("all".to_owned(), ReportArea::All),
        ("lap:LAP-NV".to_owned(), ReportArea::Lap("LAP-NV".into())),
        (
            "lsoa:E01990002".to_owned(),
            ReportArea::Lsoa(lsoa("E01990002")),
        ),
        (
            format!("priority:{}", seed.pa1.id),
            ReportArea::Priority(seed.pa1.id),
        ),
    ] {
        let (status, text) = h.get(
            &format!("/v1/reports?{MARCH}&area={param}"),
            Some(&sup.token),
        );
        assert_eq!(status, StatusCode::OK, "{text}");
        let server: Report = serde_json::from_str(&text).expect("Report");
        // Figures at the period's end use `as_of` = now on both sides (after April 1).
        let device = device_report(&seed, area, server.query.as_of);
        assert_eq!(server, device, "{param}");
    }
    // Spot-check against the hand-worked figures (core/tests/integration/reports.rs): 19.5 h of patrols,
    // 4 contacts reaching 34 people.
    let (_, text) = h.get(&format!("/v1/reports?{MARCH}"), Some(&sup.token));
    let report: Report = serde_json::from_str(&text).expect("Report");
    assert_eq!(report.patrol_hours.hours, 19.5);
    assert_eq!(
        (report.engagement.contacts, report.engagement.people),
        (4, 34)
    );
}

#[test]
fn a_csv_export_is_logged_as_a_disclosure() {
    let h = Harness::start();
    let seed = Seed::new();
    seed_server(&h, &seed);
    let sup = h.enrol(&h.supervisor);
    let response = h
        .client
        .get(h.url(&format!("/v1/reports.csv?{MARCH}&area=lap:LAP-NV")))
        .bearer_auth(&sup.token)
        .send()
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    let csv = response.text().expect("body");
    assert!(
        csv.starts_with("figure,group,key,label,measure,value\n"),
        "{csv}"
    );
    // LAP-NV: every patrol but P7 = 14.5 h (core/tests/integration/reports.rs).
    assert!(csv.contains("patrol_hours,total,,,hours,14.50\n"), "{csv}");

    let log = h.storage().audit_log(10).expect("audit");
    assert_eq!(log.len(), 1, "{log:?}");
    let entry = &log[0];
    assert_eq!(entry.action, AuditAction::Disclosure);
    assert_eq!(entry.user_id, Some(h.supervisor.id));
    assert_eq!(entry.device_id, Some(sup.id));
    assert_eq!(entry.role, "supervisor");
    assert_eq!(entry.subject, "report");
    let detail = entry.detail.as_deref().unwrap_or_default();
    assert!(
        detail.contains("2026-03-01T00:00:00+00:00") && detail.contains("LAP-NV"),
        "{detail}"
    );
}
