//! `GET /v1/reports` (JSON) and `GET /v1/reports.csv`: the performance-framework report for a
//! period and an area, for supervisors, over their team's records (see `crate::reports`). The
//! CSV export is a disclosure: it is written to the server's audit log before it is sent, and
//! if the log cannot be written nothing is sent.
//!
//! Query: `from` and `to` (RFC 3339, the half-open period), `area` = `all` (default),
//! `team:ID`, `lap:CODE`, `lsoa:CODE` or `priority:ID`.

use super::auth::Authed;
use super::errors::ApiError;
use super::AppState;
use crate::reports::{self, Refusal};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use beatbook_core::reports::{Period, Report, ReportArea, ReportQuery};
use beatbook_core::sync::protocol::ErrorCode;
use chrono::{DateTime, Utc};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct ReportParams {
    from: String,
    to: String,
    area: Option<String>,
}

pub async fn json(
    State(state): State<AppState>,
    Authed(principal): Authed,
    params: Result<Query<ReportParams>, QueryRejection>,
) -> Result<Json<Report>, ApiError> {
    let query = query(params)?;
    let team = reports::team_for(&principal, &query.area).map_err(forbidden)?;
    let storage = state.storage.clone();
    let report =
        crate::http::request_id::in_request(move || reports::report(&*storage, Some(team), &query))
            .await??;
    Ok(Json(report))
}

pub async fn csv(
    State(state): State<AppState>,
    Authed(principal): Authed,
    params: Result<Query<ReportParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let query = query(params)?;
    let team = reports::team_for(&principal, &query.area).map_err(forbidden)?;
    let storage = state.storage.clone();
    let text = crate::http::request_id::in_request(move || {
        let report = reports::report(&*storage, Some(team), &query)?;
        reports::log_export(&*storage, &principal, &query, Utc::now().timestamp_millis())?;
        Ok::<_, crate::storage::StorageError>(beatbook_core::reports::to_csv(&report))
    })
    .await??;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"beatbook-report.csv\"",
            ),
        ],
        text,
    )
        .into_response())
}

fn forbidden(refusal: Refusal) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        ErrorCode::Forbidden,
        refusal.to_string(),
    )
}

fn query(params: Result<Query<ReportParams>, QueryRejection>) -> Result<ReportQuery, ApiError> {
    let Query(params) =
        params.map_err(|_| ApiError::bad_request("from and to are required (RFC 3339 times)"))?;
    let time = |name: &str, text: &str| {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| ApiError::bad_request(format!("{name} must be an RFC 3339 time")))
    };
    let period = Period::new(time("from", &params.from)?, time("to", &params.to)?)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok(ReportQuery {
        period,
        area: area(params.area.as_deref().unwrap_or("all"))?,
        as_of: Utc::now(),
    })
}

fn area(text: &str) -> Result<ReportArea, ApiError> {
    reports::parse_area(text).map_err(ApiError::bad_request)
}
