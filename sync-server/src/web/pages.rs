//! The `/web/` team pages' handlers: thin — read the clock and the store (off the async
//! threads), hand the data to a view. Every signed-in page takes a [`Supervisor`] (session, role
//! and team checked), every form a CSRF token; the one page that shows personal data logs the
//! consultation first, and shows nothing if the log cannot be written. Signing in and out are in
//! [`super::account`], the report and the map in [`super::report_pages`].

use super::guard::{form_or_csrf, Supervisor, WebError};
use super::team::{self, TeamData};
use super::{decide, views};
use crate::http::AppState;
use crate::storage::{ServerAudit, SyncStorage};
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use beatbook_core::audit::AuditAction;
use beatbook_core::ids::FollowUpId;
use beatbook_core::reports::{compute, Period, Report, ReportArea, ReportQuery};
use chrono::{DateTime, Duration, Utc};
use maud::Markup;
use serde::Deserialize;
use std::sync::Arc;

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

/// The team's records for a page whose figures cover periods starting at `from` or later (a
/// page without figures passes its `now`: it lists only what every read gives — names, open
/// follow-ups and patrols, problems, stage requests).
pub(super) async fn load(
    state: &AppState,
    sup: &Supervisor,
    from: DateTime<Utc>,
) -> Result<TeamData, WebError> {
    let storage: Arc<dyn SyncStorage> = state.storage.clone();
    let team = sup.team;
    Ok(crate::http::request_id::in_request(move || team::load(&*storage, team, from)).await??)
}

pub(super) fn page(
    sup: &Supervisor,
    data: &TeamData,
    title: &str,
    path: &str,
    body: Markup,
) -> Html<String> {
    let who = data.name_of(sup.principal.user_id);
    Html(views::layout(title, path, &who, &sup.session.csrf, body).into_string())
}

/// The team's figures for `[from, to)` as known at `as_of`.
pub(super) fn figures(
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
    let now = state.web.clock.now();
    let data = load(&state, &sup, now - Duration::days(7)).await?;
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
    let now = state.web.clock.now();
    let data = load(&state, &sup, now - Duration::days(28)).await?;
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

pub async fn audit(
    State(state): State<AppState>,
    sup: Supervisor,
) -> Result<Html<String>, WebError> {
    let data = load(&state, &sup, state.web.clock.now()).await?;
    let storage = state.storage.clone();
    let entries =
        crate::http::request_id::in_request(move || storage.audit_log(AUDIT_READ)).await??;
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
    let data = load(&state, &sup, state.web.clock.now()).await?;
    let storage = state.storage.clone();
    let team = sup.team;
    let principal = sup.principal.clone();
    let at_ms = state.web.clock.now().timestamp_millis();
    let revealed = crate::http::request_id::in_request(move || {
        let Some(revealed) = team::reveal(&*storage, team, id)? else {
            return Ok(None);
        };
        // Logged before it is shown: a consultation that cannot be logged does not happen.
        let (subject, record) = match &revealed.contact {
            Some(contact) => ("contact_personal", contact.clone()),
            None => ("follow_up", id.to_string()),
        };
        storage.append_audit(&ServerAudit {
            record_id: Some(record),
            justification: Some(justification),
            detail: Some(format!("personal side of follow-up {id}, web pages")),
            ..ServerAudit::new(at_ms, AuditAction::Consultation, subject).by(&principal)
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
    let data = load(&state, &sup, state.web.clock.now()).await?;
    let storage = state.storage.clone();
    let team = sup.team;
    let steps = crate::http::request_id::in_request(move || team::steps(&*storage, team)).await??;
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
    let config = state.config.clone();
    let outcome = crate::http::request_id::in_request(move || {
        decide::decide(&*storage, &principal, team, request, decision, now, &config)
    })
    .await??;
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/web/approvals?done={done}")).into_response()),
        Err(why) => Err(WebError::Conflict(why)),
    }
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
    let data = load(&state, &sup, state.web.clock.now()).await?;
    let storage = state.storage.clone();
    let (team, me) = (sup.team, sup.principal.user_id);
    let queue =
        crate::http::request_id::in_request(move || super::review_queue::page(&*storage, team, me))
            .await??;
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
    let config = state.config.clone();
    let outcome = crate::http::request_id::in_request(move || {
        super::review::mark(&*storage, &principal, team, member, &keys, now, &config)
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
