//! The "Due for review" page's handlers (`/web/retention`): the list at the server's clock (the
//! one retention runs on, `HttpConfig::clock`, which the web pages share), and the two forms.
//! A refused decision (a bad date, no reason, a record gone from the list) re-shows the list
//! with the reason, answered 400 or 409; a decision made redirects to the list with what it
//! did. Supervisors only, as every page ([`Supervisor`]); every form carries the CSRF token.

use super::guard::{form_or_csrf, Supervisor, WebError};
use super::retention_view::{self, Notice};
use crate::http::AppState;
use crate::retention::current_schedule;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use beatbook_core::retention::{RetainedKind, MAX_RETAIN_DAYS};
use beatbook_core::validation::limits::SHORT_TEXT as MAX_RETAIN_REASON_CHARS;
use chrono::{Duration, NaiveDate};
use serde::Deserialize;

const PATH: &str = "/web/retention";
const TITLE: &str = "Due for review";

#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// The page with `notice`, answered with `status`.
async fn render(
    state: &AppState,
    sup: &Supervisor,
    status: StatusCode,
    notice: Option<Notice>,
) -> Result<Response, WebError> {
    let now = state.web.clock.now();
    // The page's own list is the retention index's; the team's records give only names.
    let data = super::pages::load(state, sup, now).await?;
    let storage = state.storage.clone();
    let team = sup.team;
    let (due, schedule) = crate::http::request_id::in_request(move || {
        let due = super::retention::due(&*storage, team, now)?;
        let schedule = current_schedule(&*storage).map_err(|e| e.into_storage())?;
        Ok::<_, crate::storage::StorageError>((due, schedule))
    })
    .await??;
    let body = retention_view::due_page(&due, &schedule, now, &sup.session.csrf, notice.as_ref());
    Ok((status, super::pages::page(sup, &data, TITLE, PATH, body)).into_response())
}

pub async fn due(
    State(state): State<AppState>,
    sup: Supervisor,
    query: Result<Query<DoneQuery>, QueryRejection>,
) -> Result<Response, WebError> {
    let notice = match query.ok().and_then(|Query(q)| q.done).as_deref() {
        Some("retained") => Some(Notice::Done(
            "Retained. The team's devices get the decision at their next sync.".into(),
        )),
        Some("disposed") => Some(Notice::Done(
            "Disposed of. The team's devices get the disposal at their next sync.".into(),
        )),
        _ => None,
    };
    render(&state, &sup, StatusCode::OK, notice).await
}

#[derive(Debug, Deserialize)]
pub struct RetainForm {
    csrf: String,
    kind: String,
    record: String,
    review_on: Option<String>,
    reason: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct DisposeForm {
    csrf: String,
    kind: String,
    record: String,
    reason: Option<String>,
}

fn kind_of(text: &str) -> Option<RetainedKind> {
    text.trim().parse().ok()
}

pub async fn retain(
    State(state): State<AppState>,
    sup: Supervisor,
    form: Result<Form<RetainForm>, FormRejection>,
) -> Result<Response, WebError> {
    let form = form_or_csrf(form)?;
    sup.check_csrf(&form.csrf)?;
    let refuse = |why: &str| Some(Notice::Refused(why.to_owned()));
    let Some(kind) = kind_of(&form.kind) else {
        return render(
            &state,
            &sup,
            StatusCode::BAD_REQUEST,
            refuse("No such record kind."),
        )
        .await;
    };
    let date = form
        .review_on
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok());
    let Some(review_on) = date
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
    else {
        return render(
            &state,
            &sup,
            StatusCode::BAD_REQUEST,
            refuse("Give the new review date as a date (year-month-day)."),
        )
        .await;
    };
    let reason = form.reason.unwrap_or_default();
    if reason.trim().is_empty() || reason.trim().chars().count() > MAX_RETAIN_REASON_CHARS {
        return render(
            &state,
            &sup,
            StatusCode::BAD_REQUEST,
            refuse(&format!(
                "Say why the record is kept: the policing purpose that still needs it (at most \
                 {MAX_RETAIN_REASON_CHARS} characters)."
            )),
        )
        .await;
    }
    let now = state.web.clock.now();
    if review_on <= now || review_on > now + Duration::days(MAX_RETAIN_DAYS) {
        return render(
            &state,
            &sup,
            StatusCode::BAD_REQUEST,
            refuse("The new review date must be after today and at most ten years on."),
        )
        .await;
    }
    let (storage, principal, team, config) = (
        state.storage.clone(),
        sup.principal.clone(),
        sup.team,
        state.config.clone(),
    );
    let record = form.record.trim().to_owned();
    let outcome = crate::http::request_id::in_request(move || {
        super::retention::retain(
            &*storage, &principal, team, kind, &record, review_on, &reason, now, &config,
        )
    })
    .await??;
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("{PATH}?done=retained")).into_response()),
        Err(why) => {
            render(
                &state,
                &sup,
                StatusCode::CONFLICT,
                Some(Notice::Refused(why)),
            )
            .await
        }
    }
}

pub async fn dispose(
    State(state): State<AppState>,
    sup: Supervisor,
    form: Result<Form<DisposeForm>, FormRejection>,
) -> Result<Response, WebError> {
    let form = form_or_csrf(form)?;
    sup.check_csrf(&form.csrf)?;
    let Some(kind) = kind_of(&form.kind) else {
        return render(
            &state,
            &sup,
            StatusCode::BAD_REQUEST,
            Some(Notice::Refused("No such record kind.".into())),
        )
        .await;
    };
    let reason = form.reason.unwrap_or_default();
    if reason.trim().is_empty() {
        return render(
            &state,
            &sup,
            StatusCode::BAD_REQUEST,
            Some(Notice::Refused(
                "Say why the record is disposed of: the reason is logged.".into(),
            )),
        )
        .await;
    }
    let (storage, principal, team) = (state.storage.clone(), sup.principal.clone(), sup.team);
    let now = state.web.clock.now();
    let record = form.record.trim().to_owned();
    let outcome = crate::http::request_id::in_request(move || {
        super::retention::dispose(&*storage, &principal, team, kind, &record, &reason, now)
    })
    .await??;
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("{PATH}?done=disposed")).into_response()),
        Err(why) => {
            render(
                &state,
                &sup,
                StatusCode::CONFLICT,
                Some(Notice::Refused(why)),
            )
            .await
        }
    }
}
