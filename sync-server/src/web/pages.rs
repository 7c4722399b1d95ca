//! The `/web/` handlers: thin — read the clock and the store (off the async threads), hand the
//! data to a view. Every signed-in page takes a [`Supervisor`] (session, role and team checked),
//! every form a CSRF token; the one page that shows personal data logs the consultation first,
//! and shows nothing if the log cannot be written.

use super::guard::{self, cookie, Supervisor, WebError, SESSION_COOKIE, SIGN_IN_COOKIE};
use super::session::{Session, ABSOLUTE_TIMEOUT};
use super::team::{self, TeamData};
use super::{decide, report_view, signin, views};
use crate::http::AppState;
use crate::secrets;
use crate::storage::{ServerAudit, SyncStorage};
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{AppendHeaders, Html, IntoResponse, Redirect, Response};
use beatbook_core::ids::FollowUpId;
use beatbook_core::reports::{compute, Period, Report, ReportArea, ReportQuery};
use beatbook_core::store::AuditAction;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use maud::Markup;
use serde::Deserialize;
use std::sync::Arc;

/// The longest period the report page computes at once.
const MAX_REPORT_DAYS: i64 = 366;
/// Audit entries the audit page reads (newest first) before keeping the team's.
const AUDIT_READ: u32 = 2000;

pub async fn home() -> Redirect {
    Redirect::to("/web/today")
}

pub async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        include_str!("style.css"),
    )
        .into_response()
}

/// The tab's icon (so the browser does not ask for a `/favicon.ico` that is not there).
pub async fn icon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "private, max-age=86400"),
        ],
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1d4f91"/><path d="M4 3h5a3 3 0 0 1 0 6H4zM4 9h6a3 3 0 0 1 0 6H4z" fill="#fff"/></svg>"##,
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
pub struct SignInQuery {
    expired: Option<String>,
    signed_out: Option<String>,
}

fn sign_in_page(state: &AppState, status: StatusCode, notice: Option<&str>) -> Response {
    let Ok(csrf) = secrets::new_token() else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            Html(
                views::error_page(StatusCode::INTERNAL_SERVER_ERROR, "The server failed.")
                    .into_string(),
            ),
        )
            .into_response();
    };
    let cookie = guard::set_cookie(SIGN_IN_COOKIE, &csrf, Some(600), state.web.secure_cookies);
    (
        status,
        [(header::SET_COOKIE, cookie)],
        Html(views::sign_in(&csrf, notice).into_string()),
    )
        .into_response()
}

pub async fn sign_in_form(
    State(state): State<AppState>,
    query: Result<Query<SignInQuery>, QueryRejection>,
) -> Response {
    let notice = match query {
        Ok(Query(q)) if q.expired.is_some() => {
            Some("Your session ended (15 minutes idle, or 8 hours). Sign in again.")
        }
        Ok(Query(q)) if q.signed_out.is_some() => Some("You have signed out."),
        _ => None,
    };
    sign_in_page(&state, StatusCode::OK, notice)
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    csrf: String,
    code: String,
}

pub async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<SignInForm>, FormRejection>,
) -> Result<Response, WebError> {
    let now = state.web.clock.now();
    if let Some(secs) = state.web.sign_in_failures.blocked_for(now) {
        return Err(WebError::TooManyAttempts(secs));
    }
    let Form(form) =
        form.map_err(|_| WebError::BadRequest("The form could not be read.".into()))?;
    let expected = cookie(&headers, SIGN_IN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !guard::same_secret(&form.csrf, expected) {
        return Err(WebError::csrf());
    }
    let storage = state.storage.clone();
    let outcome =
        tokio::task::spawn_blocking(move || signin::exchange(&*storage, &form.code, now)).await??;
    let signed = match outcome {
        Ok(signed) => signed,
        Err(refusal) => {
            state.web.sign_in_failures.failed(now);
            tracing::info!(?refusal, "web sign-in refused");
            return Ok(sign_in_page(
                &state,
                StatusCode::UNAUTHORIZED,
                Some("That code is not valid: it is wrong, used or expired. Ask for a new one."),
            ));
        }
    };
    let id = secrets::new_token().map_err(|e| WebError::BadRequest(e.to_string()))?;
    let csrf = secrets::new_token().map_err(|e| WebError::BadRequest(e.to_string()))?;
    let session = Session {
        device_id: signed.device_id,
        token_hash: signed.token_hash,
        user_id: signed.user.id,
        csrf,
        signed_in_at: now,
        last_seen_at: now,
    };
    let opened = state.web.sessions.open(secrets::hash(&id), session, now);
    let revoke = match &opened {
        Ok(swept) => swept.clone(),
        Err(_) => vec![signed.device_id],
    };
    revoke_all(&state, revoke, now).await?;
    opened.map_err(|e| WebError::Forbidden(e.to_string()))?;
    tracing::info!(user = %signed.user.id, "supervisor signed in to the web pages");
    let secure = state.web.secure_cookies;
    Ok((
        AppendHeaders([
            (
                header::SET_COOKIE,
                guard::set_cookie(
                    SESSION_COOKIE,
                    &id,
                    Some(ABSOLUTE_TIMEOUT.num_seconds()),
                    secure,
                ),
            ),
            (
                header::SET_COOKIE,
                guard::set_cookie(SIGN_IN_COOKIE, "", Some(0), secure),
            ),
        ]),
        Redirect::to("/web/today"),
    )
        .into_response())
}

async fn revoke_all(
    state: &AppState,
    devices: Vec<beatbook_core::ids::DeviceId>,
    now: DateTime<Utc>,
) -> Result<(), WebError> {
    if devices.is_empty() {
        return Ok(());
    }
    let storage = state.storage.clone();
    tokio::task::spawn_blocking(move || {
        devices
            .into_iter()
            .try_for_each(|d| storage.revoke_device(d, now.timestamp_millis()).map(|_| ()))
    })
    .await??;
    Ok(())
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

fn form_or_csrf<T>(form: Result<Form<T>, FormRejection>) -> Result<T, WebError> {
    // A form without its token (or unreadable) is refused as a forgery would be.
    form.map(|Form(f)| f).map_err(|_| WebError::csrf())
}

pub async fn sign_out(
    State(state): State<AppState>,
    sup: Supervisor,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Response, WebError> {
    sup.check_csrf(&form_or_csrf(form)?.csrf)?;
    let now = state.web.clock.now();
    if let Some(device) = state.web.sessions.close(&sup.id_hash) {
        revoke_all(&state, vec![device], now).await?;
    }
    Ok((
        [(
            header::SET_COOKIE,
            guard::set_cookie(SESSION_COOKIE, "", Some(0), state.web.secure_cookies),
        )],
        Redirect::to("/web/sign-in?signed_out=1"),
    )
        .into_response())
}

async fn load(state: &AppState, sup: &Supervisor) -> Result<TeamData, WebError> {
    let storage: Arc<dyn SyncStorage> = state.storage.clone();
    let team = sup.team;
    Ok(tokio::task::spawn_blocking(move || team::load(&*storage, team)).await??)
}

fn page(sup: &Supervisor, data: &TeamData, title: &str, path: &str, body: Markup) -> Html<String> {
    let who = data.name_of(sup.principal.user_id);
    Html(views::layout(title, path, &who, &sup.session.csrf, body).into_string())
}

/// The team's figures for `[from, to)` as known at `as_of`.
fn figures(
    data: &TeamData,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    as_of: DateTime<Utc>,
) -> Result<Report, WebError> {
    let period = Period::new(from, to).map_err(|e| WebError::BadRequest(e.to_string()))?;
    Ok(compute(
        &data.facts,
        &ReportQuery {
            period,
            area: ReportArea::All,
            as_of,
        },
    ))
}

pub async fn today(
    State(state): State<AppState>,
    sup: Supervisor,
) -> Result<Html<String>, WebError> {
    let data = load(&state, &sup).await?;
    let now = state.web.clock.now();
    let week = figures(&data, now - Duration::days(7), now, now)?;
    Ok(page(
        &sup,
        &data,
        "Team today",
        "/web/today",
        views::today(&data, now, &week.follow_ups),
    ))
}

pub async fn follow_ups(
    State(state): State<AppState>,
    sup: Supervisor,
) -> Result<Html<String>, WebError> {
    let data = load(&state, &sup).await?;
    let now = state.web.clock.now();
    let month = figures(&data, now - Duration::days(28), now, now)?;
    let body = views::follow_ups(&data, now, &month.follow_ups, &sup.session.csrf);
    Ok(page(
        &sup,
        &data,
        "Follow-up board",
        "/web/follow-ups",
        body,
    ))
}

#[derive(Debug, Deserialize)]
pub struct ReportForm {
    from: Option<String>,
    to: Option<String>,
}

fn day(text: Option<&str>, default: NaiveDate, name: &str) -> Result<NaiveDate, WebError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(default),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| {
            WebError::BadRequest(format!("The {name} day must be a date (YYYY-MM-DD)."))
        }),
    }
}

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// The chosen period (default: the 28 days to today) and the one of the same length before it.
fn periods(
    now: DateTime<Utc>,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(report_view::Days, report_view::Days), WebError> {
    let last = day(to, now.date_naive(), "last")?;
    let first = day(from, last - Duration::days(27), "first")?;
    let length = (last - first).num_days() + 1;
    if !(1..=MAX_REPORT_DAYS).contains(&length) {
        return Err(WebError::BadRequest(format!(
            "The first day must come before the last, at most {MAX_REPORT_DAYS} days apart."
        )));
    }
    let previous = report_view::Days {
        first: first - Duration::days(length),
        last: first - Duration::days(1),
    };
    Ok((report_view::Days { first, last }, previous))
}

/// The half-open time span of whole days.
fn span(d: report_view::Days) -> (DateTime<Utc>, DateTime<Utc>) {
    (midnight(d.first), midnight(d.last) + Duration::days(1))
}

pub async fn report(
    State(state): State<AppState>,
    sup: Supervisor,
    form: Result<Query<ReportForm>, QueryRejection>,
) -> Result<Html<String>, WebError> {
    let Query(form) =
        form.map_err(|_| WebError::BadRequest("The period could not be read.".into()))?;
    let now = state.web.clock.now();
    let (days, previous_days) = periods(now, form.from.as_deref(), form.to.as_deref())?;
    let data = load(&state, &sup).await?;
    let (from, to) = span(days);
    let (previous_from, previous_to) = span(previous_days);
    let current = figures(&data, from, to, now)?;
    let previous = figures(&data, previous_from, previous_to, now)?;
    let members = team::per_member(&data, &current.query);
    let previous_members = team::per_member(&data, &previous.query);
    let body = report_view::report(
        &sup.session.csrf,
        days,
        previous_days,
        &current,
        &previous,
        &members,
        &previous_members,
    );
    Ok(page(&sup, &data, "Performance report", "/web/report", body))
}

#[derive(Debug, Deserialize)]
pub struct ExportForm {
    csrf: String,
    from: String,
    to: String,
    justification: String,
}

/// The report as CSV: a disclosure, written to the server's audit log (with the reason) before
/// the file is sent; if the log cannot be written nothing is sent.
pub async fn report_csv(
    State(state): State<AppState>,
    sup: Supervisor,
    form: Result<Form<ExportForm>, FormRejection>,
) -> Result<Response, WebError> {
    let form = form_or_csrf(form)?;
    sup.check_csrf(&form.csrf)?;
    let justification = form.justification.trim().to_owned();
    if !(10..=500).contains(&justification.chars().count()) {
        return Err(WebError::BadRequest(
            "Say why the figures leave Beatbook (10 to 500 characters).".into(),
        ));
    }
    let now = state.web.clock.now();
    let (days, _) = periods(now, Some(&form.from), Some(&form.to))?;
    let (from, to) = span(days);
    let data = load(&state, &sup).await?;
    let report = figures(&data, from, to, now)?;
    let storage = state.storage.clone();
    let principal = sup.principal.clone();
    let detail = format!(
        "{}; web pages; justification: {justification}",
        crate::reports::disclosure_detail(&report.query, Some(sup.team))
    );
    tokio::task::spawn_blocking(move || {
        storage.append_audit(&ServerAudit {
            at_ms: now.timestamp_millis(),
            user_id: Some(principal.user_id),
            role: principal.role.as_str().to_owned(),
            device_id: Some(principal.device_id),
            action: AuditAction::Disclosure,
            subject: "report".into(),
            detail: Some(detail),
        })
    })
    .await??;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"beatbook-report-{}-{}.csv\"",
                    days.first, days.last
                ),
            ),
        ],
        beatbook_core::reports::to_csv(&report),
    )
        .into_response())
}

pub async fn audit(
    State(state): State<AppState>,
    sup: Supervisor,
) -> Result<Html<String>, WebError> {
    let data = load(&state, &sup).await?;
    let storage = state.storage.clone();
    let entries = tokio::task::spawn_blocking(move || storage.audit_log(AUDIT_READ)).await??;
    let members: Vec<_> = data.members().into_iter().map(|(id, _)| id).collect();
    let ours: Vec<ServerAudit> = entries
        .into_iter()
        .filter(|e| e.user_id.is_some_and(|u| members.contains(&u)))
        .collect();
    Ok(page(
        &sup,
        &data,
        "Audit",
        "/web/audit",
        views::audit(&data, &ours),
    ))
}

#[derive(Debug, Deserialize)]
pub struct RevealForm {
    csrf: String,
    follow_up: String,
    justification: String,
}

pub async fn show_personal(
    State(state): State<AppState>,
    sup: Supervisor,
    form: Result<Form<RevealForm>, FormRejection>,
) -> Result<Html<String>, WebError> {
    let form = form_or_csrf(form)?;
    sup.check_csrf(&form.csrf)?;
    let id: FollowUpId = form
        .follow_up
        .trim()
        .parse()
        .map_err(|_| WebError::BadRequest("Choose a follow-up.".into()))?;
    let justification = form.justification.trim().to_owned();
    if !(10..=500).contains(&justification.chars().count()) {
        return Err(WebError::BadRequest(
            "Say why you need the personal details (10 to 500 characters).".into(),
        ));
    }
    let data = load(&state, &sup).await?;
    let storage = state.storage.clone();
    let team = sup.team;
    let principal = sup.principal.clone();
    let at_ms = state.web.clock.now().timestamp_millis();
    let revealed = tokio::task::spawn_blocking(move || {
        let Some(revealed) = team::reveal(&*storage, team, id)? else {
            return Ok(None);
        };
        // Logged before it is shown: a consultation that cannot be logged does not happen.
        storage.append_audit(&ServerAudit {
            at_ms,
            user_id: Some(principal.user_id),
            role: principal.role.as_str().to_owned(),
            device_id: Some(principal.device_id),
            action: AuditAction::Consultation,
            subject: "follow_up".into(),
            detail: Some(format!(
                "follow-up {id} personal details, web pages; justification: {justification}"
            )),
        })?;
        Ok::<_, crate::storage::StorageError>(Some(revealed))
    })
    .await??
    .ok_or_else(|| WebError::BadRequest("Your team has no such follow-up.".into()))?;
    Ok(page(
        &sup,
        &data,
        "Personal details",
        "/web/follow-ups",
        views::revealed(id, &revealed),
    ))
}

#[derive(Debug, Deserialize)]
pub struct ApprovalsQuery {
    done: Option<String>,
}

pub async fn approvals(
    State(state): State<AppState>,
    sup: Supervisor,
    query: Result<Query<ApprovalsQuery>, QueryRejection>,
) -> Result<Html<String>, WebError> {
    let data = load(&state, &sup).await?;
    let storage = state.storage.clone();
    let team = sup.team;
    let steps = tokio::task::spawn_blocking(move || team::steps(&*storage, team)).await??;
    let done = match query.ok().and_then(|Query(q)| q.done).as_deref() {
        Some("approved") => Some((
            "approved",
            "Approved. The team's devices get the decision at their next sync.",
        )),
        Some("sent_back") => Some((
            "sent_back",
            "Sent back. The team's devices get the decision at their next sync.",
        )),
        _ => None,
    };
    let now = state.web.clock.now();
    let body = views::approvals(&data, &steps, now, &sup.session.csrf, done);
    Ok(page(&sup, &data, "SARA approvals", "/web/approvals", body))
}

#[derive(Debug, Deserialize)]
pub struct DecideForm {
    csrf: String,
    request: String,
    decision: String,
    reason: Option<String>,
}

pub async fn decide_stage(
    State(state): State<AppState>,
    sup: Supervisor,
    form: Result<Form<DecideForm>, FormRejection>,
) -> Result<Response, WebError> {
    let form = form_or_csrf(form)?;
    sup.check_csrf(&form.csrf)?;
    let request: beatbook_core::ids::StageRequestId = form
        .request
        .trim()
        .parse()
        .map_err(|_| WebError::BadRequest("No such stage request.".into()))?;
    let reason = form.reason.unwrap_or_default().trim().to_owned();
    let (decision, done) = match form.decision.as_str() {
        "approve" => (decide::StageDecision::Approve, "approved"),
        "send_back" if reason.is_empty() => {
            return Err(WebError::BadRequest(
                "Say why the move is sent back: the officer reads it.".into(),
            ))
        }
        "send_back" if reason.chars().count() > decide::MAX_REASON_CHARS => {
            return Err(WebError::BadRequest("The reason is too long.".into()))
        }
        "send_back" => (decide::StageDecision::SendBack { reason }, "sent_back"),
        _ => return Err(WebError::BadRequest("Approve or send back.".into())),
    };
    let storage = state.storage.clone();
    let principal = sup.principal.clone();
    let team = sup.team;
    let now = state.web.clock.now();
    let max_skew_ms = state.config.max_clock_skew_ms;
    let outcome = tokio::task::spawn_blocking(move || {
        decide::decide(
            &*storage,
            &principal,
            team,
            request,
            decision,
            now,
            max_skew_ms,
        )
    })
    .await??;
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/web/approvals?done={done}")).into_response()),
        Err(why) => Err(WebError::Conflict(why)),
    }
}

#[derive(Debug, Deserialize)]
pub struct MapQuery {
    shade: Option<String>,
}

pub async fn map(
    State(state): State<AppState>,
    sup: Supervisor,
    query: Result<Query<MapQuery>, QueryRejection>,
) -> Result<Html<String>, WebError> {
    let by_hours = query
        .ok()
        .and_then(|Query(q)| q.shade)
        .is_some_and(|s| s == "hours");
    let data = load(&state, &sup).await?;
    let storage = state.storage.clone();
    let team = sup.team;
    let geojson = tokio::task::spawn_blocking(move || team::boundaries(&*storage, team)).await??;
    let now = state.web.clock.now();
    let month = figures(&data, now - Duration::days(28), now, now)?;
    let lap = data
        .facts
        .teams
        .iter()
        .find(|t| t.id == sup.team)
        .and_then(|t| t.lap_code.clone());
    let all = super::map::outlines(geojson.as_deref().unwrap_or_default());
    // The team's LAP when it has one and the file knows it; otherwise every area.
    let ours: Vec<_> = all
        .iter()
        .filter(|o| lap.as_deref() == Some(o.lap_code.as_str()))
        .cloned()
        .collect();
    let outlines = if ours.is_empty() { all } else { ours };
    let values: std::collections::HashMap<String, f64> = if by_hours {
        month
            .patrol_hours
            .by_area
            .iter()
            .filter_map(|a| match &a.area {
                beatbook_core::model::AreaRef::Lsoa(code) => Some((code.to_string(), a.hours)),
                _ => None,
            })
            .collect()
    } else {
        month
            .engagement
            .by_lsoa
            .iter()
            .map(|g| (g.key.clone(), g.contacts as f64))
            .collect()
    };
    let (caption, unit) = if by_hours {
        (
            "Patrol hours targeted at each LSOA, last 28 days",
            "patrol hours",
        )
    } else {
        ("Contacts in each LSOA, last 28 days", "contacts")
    };
    let body = maud::html! {
        p.switch {
            @if by_hours { a href="/web/map" { "Shade by contacts" } " · " strong { "Patrol hours" } }
            @else { strong { "Contacts" } " · " a href="/web/map?shade=hours" { "Shade by patrol hours" } }
        }
        (super::map::map(caption, unit, &outlines, &values, &data.facts.priority_areas))
    };
    Ok(page(
        &sup,
        &data,
        "Map of the team's areas",
        "/web/map",
        body,
    ))
}

#[derive(Debug, Deserialize)]
pub struct ReviewQuery {
    marked: Option<usize>,
    left: Option<usize>,
}

pub async fn review(
    State(state): State<AppState>,
    sup: Supervisor,
    query: Result<Query<ReviewQuery>, QueryRejection>,
) -> Result<Html<String>, WebError> {
    let data = load(&state, &sup).await?;
    let storage = state.storage.clone();
    let (team, me) = (sup.team, sup.principal.user_id);
    let queue =
        tokio::task::spawn_blocking(move || super::review::queue(&*storage, team, me)).await??;
    let done = query.ok().and_then(|Query(q)| {
        q.marked.map(|n| match q.left.unwrap_or(0) {
            0 => format!("{n} marked reviewed."),
            left => format!("{n} marked reviewed; {left} had changed since and stay in the queue."),
        })
    });
    let body = views::review(&data, &queue, &sup.session.csrf, done.as_deref());
    Ok(page(&sup, &data, "Review queue", "/web/review", body))
}

#[derive(Debug, Deserialize)]
pub struct MarkForm {
    csrf: String,
    member: String,
    items: String,
}

pub async fn mark_reviewed(
    State(state): State<AppState>,
    sup: Supervisor,
    form: Result<Form<MarkForm>, FormRejection>,
) -> Result<Response, WebError> {
    let form = form_or_csrf(form)?;
    sup.check_csrf(&form.csrf)?;
    let member: beatbook_core::ids::UserId = form
        .member
        .trim()
        .parse()
        .map_err(|_| WebError::BadRequest("No such team member.".into()))?;
    let keys: Vec<String> = form.items.split_whitespace().map(str::to_owned).collect();
    let storage = state.storage.clone();
    let principal = sup.principal.clone();
    let team = sup.team;
    let now = state.web.clock.now();
    let max_skew_ms = state.config.max_clock_skew_ms;
    let outcome = tokio::task::spawn_blocking(move || {
        super::review::mark(&*storage, &principal, team, member, &keys, now, max_skew_ms)
    })
    .await??;
    match outcome {
        Ok(m) => Ok(
            Redirect::to(&format!("/web/review?marked={}&left={}", m.marked, m.left))
                .into_response(),
        ),
        Err(why) => Err(WebError::Conflict(why)),
    }
}
