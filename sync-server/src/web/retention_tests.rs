//! The "Due for review" page (`super::retention_pages`) driven in-process on the real router,
//! a real store and a `ManualClock` (`super::tests`): team A's demo contacts are given
//! personal details and the schedule reviews those 30 days after the contact, so at the demo's
//! "now" every one is due. Retaining writes a `retention_review` as the supervisor and takes
//! the record off the list; disposing redacts on the server; both are logged; refusals write
//! nothing; a sergeant who is no longer a supervisor is refused.

use super::tests::{t0, web, Web};
use crate::admin;
use crate::retention::schedule::{change_schedule, ScheduleChange};
use crate::storage::{AuditFilter, RecordMeta, RecordRow, ReferenceRow, SyncStorage};
use axum::http::StatusCode;
use beatbook_core::audit::AuditAction;
use beatbook_core::ids::{DeviceId, TeamId};
use beatbook_core::model::{Role, User};
use beatbook_core::retention::{RetainedKind, RetentionReview};
use beatbook_core::sync::merge::RecordState;
use beatbook_core::sync::protocol::FieldState;
use beatbook_core::sync::{Hlc, RecordKind};
use chrono::{Duration, TimeZone, Utc};
use serde_json::json;

/// The name the personal details hold: never on the page.
const NAME: &str = "Ada Example";

fn team_a(w: &Web) -> TeamId {
    w.storage
        .teams()
        .expect("teams")
        .into_iter()
        .find(|t| t.name == "Team A")
        .expect("team A")
        .id
}

/// Gives `count` of team A's demo contacts personal details (a name) and schedules personal
/// details for review 30 days after the contact; the contacts' ids.
fn due_personal_details(w: &Web, count: usize) -> Vec<String> {
    let team = team_a(w);
    let ids: Vec<String> = w
        .storage
        .report_records(Some(team), &[RecordKind::Contact])
        .expect("contacts")
        .into_iter()
        .filter_map(|(_, state)| {
            state
                .fields
                .get("id")
                .and_then(|f| f.value.as_str())
                .map(str::to_owned)
        })
        .take(count)
        .collect();
    assert_eq!(ids.len(), count, "the demo has enough contacts");
    let hlc = Hlc::new(
        u64::try_from((t0() - Duration::days(1)).timestamp_millis()).expect("a time"),
        DeviceId::new(),
    );
    for id in &ids {
        let fields = [
            ("details", json!({ "name": NAME })),
            ("ethnicity", serde_json::Value::Null),
        ];
        crate::storage::conformance::put(
            &*w.storage,
            RecordRow {
                kind: RecordKind::ContactPersonal,
                record_id: id.clone(),
                meta: RecordMeta {
                    team_id: Some(team),
                    owner: Some(w.pcso_a),
                    ..RecordMeta::default()
                },
                state: RecordState {
                    fields: fields
                        .into_iter()
                        .map(|(k, value)| (k.to_owned(), FieldState { value, hlc }))
                        .collect(),
                    erased: false,
                },
            },
        );
    }
    change_schedule(
        &*w.storage,
        ScheduleChange::Set {
            kind: RetainedKind::ContactPersonal,
            days: 30,
        },
    )
    .expect("schedule");
    ids
}

fn listed(page: &str, id: &str) -> bool {
    page.contains(&format!(
        r#"data-kind="contact_personal" data-record="{id}""#
    ))
}

fn personal(w: &Web, id: &str) -> RecordState {
    w.storage
        .record(RecordKind::ContactPersonal, id)
        .expect("read")
        .expect("held")
        .state
}

fn entries(w: &Web, action: AuditAction) -> Vec<crate::storage::ServerAudit> {
    w.storage
        .audit_search(
            &AuditFilter {
                action: Some(action),
                ..AuditFilter::default()
            },
            100,
        )
        .expect("log")
        .into_iter()
        .map(|c| c.entry)
        .collect()
}

#[tokio::test]
async fn a_supervisor_retains_and_disposes_of_what_is_due_and_both_are_logged() {
    let w = web(false);
    let ids = due_personal_details(&w, 3);
    let session = w.sign_in(w.sergeant_a).await;
    let today = w.get("/web/today", &session).await.body;
    assert!(today.contains(r#"<a href="/web/retention">Due for review</a>"#));
    let page = w.get("/web/retention", &session).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for id in &ids {
        assert!(listed(&page.body, id), "{id} is listed");
    }
    assert!(!page.body.contains(NAME), "the label names no one");
    let token = page.csrf();
    let head = w.storage.feed_head().expect("head");
    let review_id = RetentionReview::record_id_for(RetainedKind::ContactPersonal, &ids[0]);

    // Refused, re-showing the list with the reason: no date, a date that is not one, a date
    // not after today, no reason; nothing is written or logged.
    let retain = |date: &str, reason: &str| {
        format!(
            "csrf={token}&kind=contact_personal&record={}&review_on={date}&reason={reason}",
            ids[0]
        )
    };
    for (form, says) in [
        (retain("", "Linked+to+an+open+investigation"), "as a date"),
        (
            retain("2031-02-30", "Linked+to+an+open+investigation"),
            "as a date",
        ),
        (
            retain("2031-03-01", "Linked+to+an+open+investigation"),
            "after today",
        ),
        (retain("2031-12-01", "+"), "Say why"),
        (
            retain("2042-03-05", "Linked+to+an+open+investigation"),
            "ten years",
        ),
        (retain("2031-12-01", &"x".repeat(201)), "at most 200"),
    ] {
        let refused = w.post("/web/retention/retain", &session, &form).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{form}");
        assert!(refused.body.contains(says), "{form}: {}", refused.body);
        assert!(listed(&refused.body, &ids[0]), "the list is shown again");
    }
    assert_eq!(
        w.storage.feed_head().expect("head"),
        head,
        "nothing written"
    );
    assert!(w
        .storage
        .record(RecordKind::RetentionReview, &review_id)
        .expect("read")
        .is_none());
    assert!(w.storage.audit_log(10).expect("log").is_empty());

    // Retained: the decision is a retention_review by the sergeant, logged, and off the list.
    let retained = w
        .post(
            "/web/retention/retain",
            &session,
            &retain("2031-12-01", "Linked+to+an+open+investigation"),
        )
        .await;
    assert_eq!(retained.status, StatusCode::SEE_OTHER, "{}", retained.body);
    assert_eq!(retained.location(), "/web/retention?done=retained");
    let decision = w
        .storage
        .record(RecordKind::RetentionReview, &review_id)
        .expect("read")
        .expect("the decision is held");
    let review: RetentionReview =
        super::decide::parse(&decision.state).expect("a whole retention_review");
    assert_eq!(
        review.review_on,
        Utc.with_ymd_and_hms(2031, 12, 1, 0, 0, 0)
            .single()
            .expect("a time")
    );
    assert_eq!(review.reason, "Linked to an open investigation");
    assert_eq!(review.decided_by, w.sergeant_a);
    assert_eq!(review.team_id, team_a(&w));
    assert_eq!(
        decision.meta.team_id,
        Some(team_a(&w)),
        "team A's devices pull it"
    );
    let altered = entries(&w, AuditAction::Alteration);
    assert_eq!(altered.len(), 1);
    assert_eq!(altered[0].user_id, Some(w.sergeant_a));
    assert_eq!(altered[0].subject, "contact_personal");
    assert_eq!(altered[0].record_id.as_deref(), Some(ids[0].as_str()));
    assert_eq!(
        altered[0].justification.as_deref(),
        Some("Linked to an open investigation")
    );
    let after = w.get("/web/retention?done=retained", &session).await.body;
    assert!(after.contains("Retained."));
    assert!(!listed(&after, &ids[0]) && listed(&after, &ids[1]));

    // Disposal needs a reason; then the personal details are redacted on the server (the
    // contact stays), logged as an erasure by the sergeant, and off the list.
    let dispose = |id: &str, reason: &str| {
        format!("csrf={token}&kind=contact_personal&record={id}&reason={reason}")
    };
    let no_reason = w
        .post("/web/retention/dispose", &session, &dispose(&ids[1], "+"))
        .await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    assert!(no_reason.body.contains("Say why"));
    assert!(personal(&w, &ids[1]).fields["details"].value.is_object());
    let disposed = w
        .post(
            "/web/retention/dispose",
            &session,
            &dispose(&ids[1], "No+further+policing+purpose"),
        )
        .await;
    assert_eq!(disposed.status, StatusCode::SEE_OTHER, "{}", disposed.body);
    assert_eq!(disposed.location(), "/web/retention?done=disposed");
    let redacted = personal(&w, &ids[1]);
    assert!(!redacted.erased);
    assert!(
        redacted.fields.values().all(|f| f.value.is_null()),
        "{redacted:?}"
    );
    let contact = w
        .storage
        .record(RecordKind::Contact, &ids[1])
        .expect("read")
        .expect("the contact stays");
    assert!(!contact.state.erased);
    let erasures = entries(&w, AuditAction::Erasure);
    assert_eq!(erasures.len(), 1, "{erasures:?}");
    assert_eq!(erasures[0].user_id, Some(w.sergeant_a));
    assert_eq!(erasures[0].record_id.as_deref(), Some(ids[1].as_str()));
    assert_eq!(
        erasures[0].justification.as_deref(),
        Some("No further policing purpose")
    );
    let log_text = format!("{:?}", w.storage.audit_log(10).expect("log"));
    assert!(!log_text.contains(NAME), "the log holds no value");
    let after = w.get("/web/retention?done=disposed", &session).await.body;
    assert!(after.contains("Disposed of."));
    assert!(!listed(&after, &ids[1]) && listed(&after, &ids[2]));

    // Gone from the list: a second disposal is refused with the list shown again, as is
    // another team's sergeant's; nothing more is written.
    let head = w.storage.feed_head().expect("head");
    let again = w
        .post(
            "/web/retention/dispose",
            &session,
            &dispose(&ids[1], "No+further+policing+purpose"),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("no longer on your team"));
    let b = w.sign_in(w.sergeant_b).await;
    let page_b = w.get("/web/retention", &b).await;
    assert!(
        !listed(&page_b.body, &ids[2]),
        "team B does not see team A's"
    );
    let token_b = page_b.csrf();
    let other_team = w
        .post(
            "/web/retention/dispose",
            &b,
            &format!(
                "csrf={token_b}&kind=contact_personal&record={}&reason=Not+ours",
                ids[2]
            ),
        )
        .await;
    assert_eq!(other_team.status, StatusCode::CONFLICT);
    assert!(personal(&w, &ids[2]).fields["details"].value.is_object());
    assert_eq!(w.storage.feed_head().expect("head"), head);
}

#[tokio::test]
async fn the_page_and_its_forms_are_refused_to_one_no_longer_a_supervisor() {
    let w = web(false);
    let ids = due_personal_details(&w, 1);
    let session = w.sign_in(w.sergeant_a).await;
    let token = w.get("/web/retention", &session).await.csrf();
    // Forms without the session's token are refused as forgeries.
    let forged = w
        .post(
            "/web/retention/dispose",
            &session,
            &format!("csrf=x&kind=contact_personal&record={}&reason=Gone", ids[0]),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    // The sergeant becomes a PCSO (role is re-read on every request).
    let user = w
        .storage
        .user(w.sergeant_a)
        .expect("read")
        .expect("the user");
    let pcso = User {
        role: Role::Pcso,
        ..user
    };
    admin::write_reference(
        &*w.storage,
        RecordKind::User,
        &pcso.id.to_string(),
        pcso.team_id,
        &pcso,
        vec![ReferenceRow::User(pcso.clone())],
    )
    .expect("role changed");
    let page = w.get("/web/retention", &session).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("These pages are for supervisors."));
    let head = w.storage.feed_head().expect("head");
    for (path, form) in [
        (
            "/web/retention/dispose",
            format!(
                "csrf={token}&kind=contact_personal&record={}&reason=Gone",
                ids[0]
            ),
        ),
        (
            "/web/retention/retain",
            format!(
                "csrf={token}&kind=contact_personal&record={}&review_on=2031-12-01&reason=Kept",
                ids[0]
            ),
        ),
    ] {
        let refused = w.post(path, &session, &form).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(w.storage.feed_head().expect("head"), head);
    assert!(personal(&w, &ids[0]).fields["details"].value.is_object());
}
