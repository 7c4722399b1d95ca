//! The web pages driven in-process (`tower::ServiceExt::oneshot` on the real router), on a
//! real store in a temporary directory and a [`ManualClock`]: sessions expire by moving the
//! clock, never by waiting, and nothing depends on today's date.

use super::guard::{SESSION_COOKIE, SIGN_IN_COOKIE};
use super::{signin, WebState, CONTENT_SECURITY_POLICY};
use crate::admin;
use crate::demo_data::{self, DemoPeople};
use crate::http::{router, AppState, HttpConfig};
use crate::storage::{SqliteStorage, SyncStorage};
use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use beatbook_core::audit::AuditAction;
use beatbook_core::clock::{Clock, ManualClock};
use beatbook_core::ids::UserId;
use beatbook_core::model::Role;
use chrono::{DateTime, Duration, TimeZone, Utc};
use std::sync::Arc;
use tower::ServiceExt;

pub(super) struct Web {
    app: Router,
    pub(super) clock: Arc<ManualClock>,
    pub(super) storage: Arc<SqliteStorage>,
    /// Team A's sergeant (team A has three weeks of demo activity) and team B's (none).
    pub(super) sergeant_a: UserId,
    pub(super) sergeant_b: UserId,
    pub(super) pcso_a: UserId,
    _dir: tempfile::TempDir,
}

pub(super) struct Reply {
    pub(super) status: StatusCode,
    pub(super) headers: HeaderMap,
    pub(super) body: String,
}

impl Reply {
    pub(super) fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }

    pub(super) fn cookie_value(&self, name: &str) -> String {
        let line = self.set_cookie(name).expect("the cookie is set");
        line[name.len() + 1..]
            .split(';')
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    /// The first hidden CSRF field's value in the page.
    pub(super) fn csrf(&self) -> String {
        let marker = r#"name="csrf" value=""#;
        let at = self.body.find(marker).expect("a CSRF field") + marker.len();
        self.body[at..]
            .split('"')
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    pub(super) fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

pub(super) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2031, 3, 4, 9, 0, 0)
        .single()
        .expect("a valid time")
}

pub(super) fn web(secure: bool) -> Web {
    let dir = crate::storage::sqlite::private_tempdir();
    let storage = Arc::new(
        SqliteStorage::open(dir.path(), &crate::storage::sqlite::test_key()).expect("store"),
    );
    admin::load_areas(&*storage, crate::demo::DEMO_AREAS).expect("areas");
    admin::create_lap(&*storage, "LAP-NV", "Northvale").expect("lap");
    let a = admin::create_team(&*storage, "Team A", Some("LAP-NV")).expect("team");
    let b = admin::create_team(&*storage, "Team B", Some("LAP-NV")).expect("team");
    let user = |name: &str, role, team| {
        admin::create_user(&*storage, name, role, team)
            .expect("user")
            .id
    };
    let people = DemoPeople {
        pcsos: [
            user("PCSO Alpha A", Role::Pcso, a.id),
            user("PCSO Bravo A", Role::Pcso, a.id),
        ],
        volunteer: user("Volunteer Charlie A", Role::Volunteer, a.id),
        supervisor: user("Sergeant Delta A", Role::Supervisor, a.id),
    };
    let sergeant_b = user("Sergeant Echo B", Role::Supervisor, b.id);
    admin::set_priority_area(
        &*storage,
        None,
        "Kestrel Parade",
        &["E01990002".to_owned()],
        None,
    )
    .expect("priority area");
    demo_data::seed_activity(&*storage, a.id, people, t0()).expect("activity");
    let clock = ManualClock::shared(t0());
    let mut state = AppState::new(storage.clone(), HttpConfig::default());
    let shared: Arc<dyn Clock> = clock.clone();
    state.web = Arc::new(WebState::new(shared, secure));
    Web {
        app: router(state),
        clock,
        storage,
        sergeant_a: people.supervisor,
        sergeant_b,
        pcso_a: people.pcsos[0],
        _dir: dir,
    }
}

impl Web {
    pub(super) async fn send(
        &self,
        method: Method,
        uri: &str,
        cookie: Option<&str>,
        form: Option<&str>,
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let body = match form {
            Some(form) => {
                request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                Body::from(form.to_owned())
            }
            None => Body::empty(),
        };
        let response = self
            .app
            .clone()
            .oneshot(request.body(body).expect("request"))
            .await
            .expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
            .await
            .expect("body");
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub(super) async fn get(&self, uri: &str, session: &str) -> Reply {
        self.send(
            Method::GET,
            uri,
            Some(&format!("{SESSION_COOKIE}={session}")),
            None,
        )
        .await
    }

    pub(super) async fn post(&self, uri: &str, session: &str, form: &str) -> Reply {
        self.send(
            Method::POST,
            uri,
            Some(&format!("{SESSION_COOKIE}={session}")),
            Some(form),
        )
        .await
    }

    /// Tries a code through the sign-in form (with its anti-forgery cookie).
    pub(super) async fn try_code(&self, code: &str) -> Reply {
        let form = self.send(Method::GET, "/web/sign-in", None, None).await;
        assert_eq!(form.status, StatusCode::OK);
        let token = form.cookie_value(SIGN_IN_COOKIE);
        assert_eq!(
            form.csrf(),
            token,
            "double-submit: the form carries the cookie's value"
        );
        self.send(
            Method::POST,
            "/web/sign-in",
            Some(&format!("{SIGN_IN_COOKIE}={token}")),
            Some(&format!("csrf={token}&code={code}")),
        )
        .await
    }

    /// Signs `user` in with a fresh code; the session cookie's value.
    pub(super) async fn sign_in(&self, user: UserId) -> String {
        let issued =
            signin::issue_code(&*self.storage, user, self.clock.now()).expect("code issued");
        let reply = self.try_code(&issued.code).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        assert_eq!(reply.location(), "/web/today");
        reply.cookie_value(SESSION_COOKIE)
    }
}

#[tokio::test]
async fn a_code_signs_a_sergeant_in_once_with_a_strict_http_only_cookie() {
    let w = web(false);
    let issued = signin::issue_code(&*w.storage, w.sergeant_a, w.clock.now()).expect("code");
    let reply = w.try_code(&issued.code).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let cookie = reply.set_cookie(SESSION_COOKIE).expect("session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP unless configured: {cookie}"
    );
    let session = reply.cookie_value(SESSION_COOKIE);
    let today = w.get("/web/today", &session).await;
    assert_eq!(today.status, StatusCode::OK);
    assert!(
        today.body.contains("Sergeant Delta A"),
        "the page names who is signed in"
    );
    // The code was used: a second try is refused, and it never enrols a phone.
    let again = w.try_code(&issued.code).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    assert!(again.set_cookie(SESSION_COOKIE).is_none());
    let devices = w.storage.devices().expect("devices");
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].name, signin::DEVICE_NAME);
}

#[tokio::test]
async fn cookies_are_secure_when_configured() {
    let w = web(true);
    let issued = signin::issue_code(&*w.storage, w.sergeant_a, w.clock.now()).expect("code");
    let reply = w.try_code(&issued.code).await;
    let cookie = reply.set_cookie(SESSION_COOKIE).expect("session cookie");
    assert!(cookie.ends_with("; Secure"), "{cookie}");
}

#[tokio::test]
async fn codes_are_only_for_supervisors_and_enrolment_codes_do_not_sign_in() {
    let w = web(false);
    assert!(signin::issue_code(&*w.storage, w.pcso_a, w.clock.now()).is_err());
    let enrolment = admin::enrol_code(&*w.storage, w.sergeant_a, 1).expect("enrolment code");
    let reply = w.try_code(&enrolment.code).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn every_page_carries_the_content_security_policy() {
    let w = web(false);
    let session = w.sign_in(w.sergeant_a).await;
    for path in [
        "/web/today",
        "/web/approvals",
        "/web/follow-ups",
        "/web/report",
        "/web/map",
        "/web/audit",
        "/web/retention",
    ] {
        let reply = w.get(path, &session).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(
            reply
                .headers
                .get(header::CONTENT_SECURITY_POLICY)
                .and_then(|v| v.to_str().ok()),
            Some(CONTENT_SECURITY_POLICY),
            "{path}"
        );
        assert!(!reply.body.contains("<script"), "{path}: no script");
        assert!(!reply.body.contains("style=\""), "{path}: no inline style");
        assert_eq!(
            reply
                .headers
                .get(header::X_FRAME_OPTIONS)
                .and_then(|v| v.to_str().ok()),
            Some("DENY")
        );
    }
    let refused = w.send(Method::GET, "/web/today", None, None).await;
    assert!(refused
        .headers
        .contains_key(header::CONTENT_SECURITY_POLICY));
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    assert_eq!(refused.location(), "/web/sign-in");
}

#[tokio::test]
async fn an_idle_session_ends_after_fifteen_minutes_and_its_device_is_revoked() {
    let w = web(false);
    let session = w.sign_in(w.sergeant_a).await;
    w.clock.advance(Duration::minutes(14));
    assert_eq!(w.get("/web/today", &session).await.status, StatusCode::OK);
    w.clock.advance(Duration::minutes(15));
    let expired = w.get("/web/today", &session).await;
    assert_eq!(expired.status, StatusCode::SEE_OTHER);
    assert_eq!(expired.location(), "/web/sign-in?expired=1");
    let devices = w.storage.devices().expect("devices");
    assert!(
        devices.iter().all(|d| d.revoked_at_ms.is_some()),
        "{devices:?}"
    );
    assert_eq!(
        w.get("/web/today", &session).await.location(),
        "/web/sign-in"
    );
}

#[tokio::test]
async fn a_busy_session_ends_eight_hours_after_sign_in() {
    let w = web(false);
    let session = w.sign_in(w.sergeant_a).await;
    for _ in 0..(8 * 6 - 1) {
        w.clock.advance(Duration::minutes(10));
        assert_eq!(w.get("/web/audit", &session).await.status, StatusCode::OK);
    }
    w.clock.advance(Duration::minutes(10));
    assert_eq!(
        w.get("/web/audit", &session).await.location(),
        "/web/sign-in?expired=1"
    );
}

#[tokio::test]
async fn forms_without_the_sessions_token_are_refused() {
    let w = web(false);
    let session = w.sign_in(w.sergeant_a).await;
    let other = w.sign_in(w.sergeant_b).await;
    let others_token = w.get("/web/today", &other).await.csrf();
    for form in ["", "csrf=", &format!("csrf={others_token}")] {
        let reply = w.post("/web/sign-out", &session, form).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{form:?}");
    }
    let reveal = format!(
        "csrf={others_token}&follow_up=00000000-0000-0000-0000-000000000000&justification=checking+the+promise"
    );
    assert_eq!(
        w.post("/web/follow-ups/personal", &session, &reveal)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert!(w.storage.audit_log(10).expect("audit").is_empty());
    // The sign-in form needs its own cookie's token too.
    let issued = signin::issue_code(&*w.storage, w.sergeant_a, w.clock.now()).expect("code");
    let forged = w
        .send(
            Method::POST,
            "/web/sign-in",
            None,
            Some(&format!("csrf=x&code={}", issued.code)),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    // Still signed in; with the right token, sign-out works and ends the session.
    let token = w.get("/web/today", &session).await.csrf();
    let out = w
        .post("/web/sign-out", &session, &format!("csrf={token}"))
        .await;
    assert_eq!(out.location(), "/web/sign-in?signed_out=1");
    assert_eq!(
        w.get("/web/today", &session).await.location(),
        "/web/sign-in"
    );
}

#[tokio::test]
async fn each_sergeant_sees_only_their_team() {
    let w = web(false);
    let a = w.sign_in(w.sergeant_a).await;
    let b = w.sign_in(w.sergeant_b).await;
    let board_a = w.get("/web/follow-ups", &a).await.body;
    assert!(
        board_a.contains("PCSO Alpha A"),
        "team A's board names its members"
    );
    for path in [
        "/web/today",
        "/web/approvals",
        "/web/follow-ups",
        "/web/report",
        "/web/map",
        "/web/audit",
    ] {
        let page = w.get(path, &b).await;
        assert_eq!(page.status, StatusCode::OK);
        for name in [
            "PCSO Alpha A",
            "PCSO Bravo A",
            "Volunteer Charlie A",
            "Sergeant Delta A",
        ] {
            assert!(!page.body.contains(name), "{path} shows {name} to team B");
        }
    }
    assert!(w
        .get("/web/today", &b)
        .await
        .body
        .contains(r#"<span class="big" id="patrols-out">0</span>"#));
}

#[tokio::test]
async fn wrong_codes_are_rate_limited() {
    let w = web(false);
    for _ in 0..crate::throttle::DEFAULT_FREE_FAILURES {
        assert_eq!(
            w.try_code("AAAAAAAAAA").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let issued = signin::issue_code(&*w.storage, w.sergeant_a, w.clock.now()).expect("code");
    assert_eq!(
        w.try_code(&issued.code).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    w.clock.advance(Duration::seconds(61));
    assert_eq!(w.try_code(&issued.code).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn personal_details_are_shown_only_with_a_reason_and_logged() {
    let w = web(false);
    let session = w.sign_in(w.sergeant_a).await;
    let board = w.get("/web/follow-ups", &session).await;
    let marker = r#"<option value=""#;
    let at = board.body.find(marker).expect("an open follow-up") + marker.len();
    let id = board.body[at..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned();
    let token = board.csrf();
    let short = w
        .post(
            "/web/follow-ups/personal",
            &session,
            &format!("csrf={token}&follow_up={id}&justification=why"),
        )
        .await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    assert!(w.storage.audit_log(10).expect("audit").is_empty());
    let shown = w
        .post(
            "/web/follow-ups/personal",
            &session,
            &format!(
                "csrf={token}&follow_up={id}&justification=Resident+complained+of+no+call+back"
            ),
        )
        .await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert!(shown.body.contains("has been logged"));
    let log = w.storage.audit_log(10).expect("audit");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].action, AuditAction::Consultation);
    assert_eq!(log[0].user_id, Some(w.sergeant_a));
    assert!(log[0].detail.as_deref().unwrap_or_default().contains(&id));
    let audit = w.get("/web/audit", &session).await.body;
    assert!(audit.contains("consultation") && audit.contains("Resident complained"));
    // Team B's sergeant cannot reach team A's follow-up, and nothing is logged for trying.
    let b = w.sign_in(w.sergeant_b).await;
    let token_b = w.get("/web/follow-ups", &b).await.csrf();
    let refused = w
        .post(
            "/web/follow-ups/personal",
            &b,
            &format!(
                "csrf={token_b}&follow_up={id}&justification=Resident+complained+of+no+call+back"
            ),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(w.storage.audit_log(10).expect("audit").len(), 1);
}

#[tokio::test]
async fn the_report_draws_charts_with_the_trend_for_a_chosen_period() {
    let w = web(false);
    let session = w.sign_in(w.sergeant_a).await;
    let reply = w
        .get("/web/report?from=2031-02-18&to=2031-03-03", &session)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.body;
    assert!(
        body.contains(
            "From 18 February 2031 to 3 March 2031, against 4 February to 17 February 2031"
        ),
        "{body}"
    );
    assert!(body.matches("<svg").count() >= 4, "charts drawn");
    assert!(body.contains("Patrol hours per officer") && body.contains("PCSO Alpha A"));
    assert!(body.contains(r#"id="per-officer""#));
    let bad = w
        .get("/web/report?from=2031-03-03&to=2031-02-18", &session)
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

/// The pending stage requests' ids on the approvals page, in page order.
fn request_ids(page: &str) -> Vec<String> {
    let marker = r#"name="request" value=""#;
    let mut ids: Vec<String> = page
        .match_indices(marker)
        .map(|(at, _)| {
            page[at + marker.len()..]
                .split('"')
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    ids.dedup();
    ids
}

#[tokio::test]
async fn approving_and_sending_back_write_the_records_devices_pull() {
    use beatbook_core::model::StageRequestStatus;
    let w = web(false);
    let session = w.sign_in(w.sergeant_a).await;
    let page = w.get("/web/approvals", &session).await;
    assert_eq!(page.status, StatusCode::OK);
    let ids = request_ids(&page.body);
    assert!(ids.len() >= 2, "the demo has two moves waiting: {ids:?}");
    let token = page.csrf();
    let head = w.storage.feed_head().expect("head");

    // Refused: no token; no reason to send back; another team's sergeant.
    let no_token = w
        .post(
            "/web/approvals",
            &session,
            &format!("request={}&decision=approve", ids[0]),
        )
        .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let no_reason = w
        .post(
            "/web/approvals",
            &session,
            &format!(
                "csrf={token}&request={}&decision=send_back&reason=+",
                ids[1]
            ),
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    let b = w.sign_in(w.sergeant_b).await;
    let token_b = w.get("/web/approvals", &b).await.csrf();
    let other_team = w
        .post(
            "/web/approvals",
            &b,
            &format!("csrf={token_b}&request={}&decision=approve", ids[0]),
        )
        .await;
    assert_eq!(other_team.status, StatusCode::CONFLICT);
    assert_eq!(
        w.storage.feed_head().expect("head"),
        head,
        "nothing written"
    );

    let approved = w
        .post(
            "/web/approvals",
            &session,
            &format!("csrf={token}&request={}&decision=approve", ids[0]),
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    assert_eq!(approved.location(), "/web/approvals?done=approved");
    let sent = w
        .post(
            "/web/approvals",
            &session,
            &format!(
                "csrf={token}&request={}&decision=send_back&reason=Add+the+CCTV+evidence",
                ids[1]
            ),
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    // Request, problem and step for the approval; the request for the send-back.
    assert_eq!(w.storage.feed_head().expect("head"), head + 4);

    let team = w.storage.teams().expect("teams")[0].id;
    // Stage requests and problems are read whatever the period (here: none at all).
    let data = super::team::load(&*w.storage, team, chrono::DateTime::<chrono::Utc>::MAX_UTC)
        .expect("load");
    let find = |id: &str| {
        data.stage_requests
            .iter()
            .find(|r| r.id.to_string() == id)
            .expect("the request")
            .clone()
    };
    let first = find(&ids[0]);
    assert_eq!(first.status, StageRequestStatus::Approved);
    assert_eq!(first.decided_by, Some(w.sergeant_a));
    let problem = data
        .problems
        .iter()
        .find(|p| p.id == first.problem_id)
        .expect("problem");
    assert_eq!(problem.stage, first.to_stage, "the problem moved");
    let steps = super::team::steps(&*w.storage, team).expect("steps");
    assert!(steps
        .iter()
        .any(|s| s.id.0 == first.id.0 && s.text.contains("approved")));
    let second = find(&ids[1]);
    assert_eq!(second.status, StageRequestStatus::SentBack);
    assert_eq!(
        second.decision_reason.as_deref(),
        Some("Add the CCTV evidence")
    );

    // Decided once: a second decision is refused, and the page no longer offers it.
    let again = w
        .post(
            "/web/approvals",
            &session,
            &format!("csrf={token}&request={}&decision=approve", ids[0]),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let after = w.get("/web/approvals?done=approved", &session).await.body;
    assert!(after.contains("Approved."));
    assert!(!request_ids(&after).contains(&ids[0]));
}

#[tokio::test]
async fn the_map_draws_the_teams_lap_shaded_with_priority_areas_outlined() {
    let w = web(false);
    let session = w.sign_in(w.sergeant_a).await;
    for (path, unit) in [
        ("/web/map", "contacts"),
        ("/web/map?shade=hours", "patrol hours"),
    ] {
        let page = w.get(path, &session).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let body = page.body;
        // Team A covers LAP-NV: its three LSOAs, not Southmere's.
        assert_eq!(body.matches("<path d=").count(), 3, "{path}: {body}");
        assert!(
            body.contains("E01990001") && !body.contains("E01990004"),
            "{path}"
        );
        assert_eq!(body.matches(r#"class="priority""#).count(), 1, "{path}");
        assert!(
            body.contains(&format!("<th scope=\"col\">{unit}</th>")),
            "{path}"
        );
    }
}

/// A hidden field's value in the first form that has it.
pub(super) fn hidden(page: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let at = page.find(&marker).expect("the field") + marker.len();
    page[at..].split('"').next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn marking_reviewed_marks_exactly_what_was_shown_and_logs_it() {
    let w = web(false);
    let session = w.sign_in(w.sergeant_a).await;
    let page = w.get("/web/review", &session).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("PCSO Alpha A (") && !page.body.contains("Sergeant Delta A ("));
    let (token, member, items) = (
        page.csrf(),
        hidden(&page.body, "member"),
        hidden(&page.body, "items"),
    );
    let keys: Vec<&str> = items.split(' ').collect();
    assert!(keys.len() >= 2, "{keys:?}");
    let head = w.storage.feed_head().expect("head");

    // Refused: without the token; by another team's sergeant.
    let form = |token: &str, items: &str| {
        format!(
            "csrf={token}&member={member}&items={}",
            items.replace(' ', "+")
        )
    };
    assert_eq!(
        w.post("/web/review", &session, &form("", &items))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let b = w.sign_in(w.sergeant_b).await;
    let token_b = w.get("/web/review", &b).await.csrf();
    assert_eq!(
        w.post("/web/review", &b, &form(&token_b, &items))
            .await
            .status,
        StatusCode::CONFLICT
    );
    assert_eq!(w.storage.feed_head().expect("head"), head);

    // One item claims a version that is not the record's: it is not marked.
    let (kind_id, _) = keys[0].rsplit_once('|').expect("kind|id|version");
    let stale = format!("{kind_id}|2001-01-01T00:00:00Z");
    let posted = std::iter::once(stale.as_str())
        .chain(keys[1..].iter().copied())
        .collect::<Vec<_>>()
        .join(" ");
    let marked = w
        .post("/web/review", &session, &form(&token, &posted))
        .await;
    assert_eq!(marked.status, StatusCode::SEE_OTHER, "{}", marked.body);
    assert_eq!(
        marked.location(),
        format!("/web/review?marked={}&left=1", keys.len() - 1)
    );
    assert_eq!(
        w.storage.feed_head().expect("head"),
        head + 1,
        "one review record"
    );
    let log = w.storage.audit_log(10).expect("audit");
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].action, log[0].subject.as_str()),
        (AuditAction::Consultation, "review")
    );
    // The review is stamped after every clock of the records it marks.
    use beatbook_core::sync::RecordKind;
    let wall = |kind: RecordKind, id: &str| -> Vec<u64> {
        let current = w.storage.record(kind, id).expect("read").expect("stored");
        current
            .state
            .fields
            .values()
            .map(|f| f.hlc.wall_ms)
            .collect()
    };
    let review_id = log[0].record_id.clone().expect("the review's id");
    let stamped = wall(RecordKind::Review, &review_id);
    for key in &keys[1..] {
        let mut parts = key.split('|');
        let kind: RecordKind = parts.next().expect("kind").parse().expect("a kind");
        let newest = wall(kind, parts.next().expect("id")).into_iter().max();
        assert!(stamped.iter().all(|&at| Some(at) > newest), "{key}");
    }

    // What was marked left the queue; the item posted stale is still there.
    let after = w.get("/web/review", &session).await.body;
    let left = after
        .find(&format!(r#"name="member" value="{member}""#))
        .map(|_| {
            hidden(
                &after[after.find(&format!(r#"value="{member}""#)).unwrap_or(0)..],
                "items",
            )
        });
    assert_eq!(
        left.as_deref(),
        Some(keys[0]),
        "only the unmarked item is left for the member"
    );
    // Marking the same again finds nothing to mark.
    let again = w
        .post("/web/review", &session, &form(&token, &keys[1..].join(" ")))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_csv_export_needs_a_reason_and_is_logged_as_a_disclosure_first() {
    let w = web(false);
    let session = w.sign_in(w.sergeant_a).await;
    let token = w.get("/web/report", &session).await.csrf();
    let form =
        |why: &str| format!("csrf={token}&from=2031-02-18&to=2031-03-03&justification={why}");
    let refused = w.post("/web/report.csv", &session, &form("short")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(w.storage.audit_log(10).expect("audit").is_empty());
    let csv = w
        .post(
            "/web/report.csv",
            &session,
            &form("LAP+meeting+on+Thursday"),
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    assert_eq!(
        csv.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("text/csv; charset=utf-8")
    );
    assert!(!csv.body.is_empty() && !csv.body.contains("<html"));
    let log = w.storage.audit_log(10).expect("audit");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].action, AuditAction::Disclosure);
    let detail = log[0].detail.as_deref().unwrap_or_default();
    assert!(detail.contains("2031-02-18"), "{detail}");
    assert_eq!(
        log[0].justification.as_deref(),
        Some("LAP meeting on Thursday")
    );
}
