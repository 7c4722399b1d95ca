//! The performance report page (a chosen period against the one before), its CSV export (a
//! disclosure, logged first) and the map of the team's areas.

use super::guard::{form_or_csrf, Supervisor, WebError};
use super::pages::{figures, load, page};
use super::report_view;
use super::team::{self};
use crate::http::AppState;
use crate::storage::ServerAudit;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use beatbook_core::audit::AuditAction;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Deserialize;

/// The longest period the report page computes at once.
const MAX_REPORT_DAYS: i64 = 366;

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
    let (from, to) = span(days);
    let (previous_from, previous_to) = span(previous_days);
    let data = load(&state, &sup, previous_from.min(from)).await?;
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
    let data = load(&state, &sup, from).await?;
    let report = figures(&data, from, to, now)?;
    let storage = state.storage.clone();
    let principal = sup.principal.clone();
    let detail = format!(
        "{}; web pages",
        crate::reports::disclosure_detail(&report.query, Some(sup.team))
    );
    crate::http::request_id::in_request(move || {
        storage.append_audit(&ServerAudit {
            justification: Some(justification),
            recipient: Some(format!("web session of user {}", principal.user_id)),
            detail: Some(detail),
            ..ServerAudit::new(now.timestamp_millis(), AuditAction::Disclosure, "report")
                .by(&principal)
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
    let now = state.web.clock.now();
    let data = load(&state, &sup, now - Duration::days(28)).await?;
    let storage = state.storage.clone();
    let team = sup.team;
    let geojson =
        crate::http::request_id::in_request(move || team::boundaries(&*storage, team)).await??;
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
