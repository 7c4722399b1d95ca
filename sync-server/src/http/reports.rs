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
use beatbook_core::sync::protocol::{ErrorBody, ErrorCode};
use chrono::{DateTime, Utc};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// Start of the period (RFC 3339).
    #[param(format = DateTime)]
    from: String,
    /// End of the period, exclusive (RFC 3339): after `from`.
    #[param(format = DateTime)]
    to: String,
    /// `all` (the default), `team:ID`, `lap:CODE`, `lsoa:CODE` or `priority:ID`.
    #[param(
        pattern = "^(all|team:[0-9a-fA-F-]{36}|lap:[A-Za-z0-9-]{1,40}|lsoa:(E01|W01)[0-9]{6}|priority:[0-9a-fA-F-]{36})$"
    )]
    area: Option<String>,
}

/// The performance-framework report for a period and an area, over the supervisor's team.
#[utoipa::path(
    get,
    path = "/v1/reports",
    operation_id = "report",
    tag = "reports",
    security(("device_token" = [])),
    params(ReportParams),
    responses(
        (status = 200, description = "Every figure for the period and area.", body = Report, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
        (status = 400, description = "`bad_request`: `from` or `to` is missing or not an RFC 3339 time, `to` is not after `from`, or `area` is not valid.", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
        (status = 401, description = "`unauthenticated`: no, or an unknown, device token; `device_revoked`: this device was revoked (wipe its data).", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
        (status = 429, description = "`slow_down`: too many wrong tokens from this address; wait `Retry-After` seconds (a valid token is still served).", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."), ("Retry-After" = u64, description = "Seconds to wait before trying again."))),
        (status = 403, description = "`forbidden`: only a supervisor may read reports, and only for their own team's areas.", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
        (status = 503, description = "The store is busy: nothing was applied; retry after `Retry-After`.", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."), ("Retry-After" = u64, description = "Seconds to wait before trying again."))),
        (status = 500, description = "`internal`: the server failed; retry later.", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
    )
)]
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

/// The same report as CSV, for a performance meeting: logged in the server's audit log as a
/// disclosure before it is sent.
#[utoipa::path(
    get,
    path = "/v1/reports.csv",
    operation_id = "report_csv",
    tag = "reports",
    security(("device_token" = [])),
    params(ReportParams),
    responses(
        (status = 200, description = "The report as CSV (an attachment).", content_type = "text/csv; charset=utf-8", body = String, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
        (status = 400, description = "`bad_request`: `from` or `to` is missing or not an RFC 3339 time, `to` is not after `from`, or `area` is not valid.", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
        (status = 401, description = "`unauthenticated`: no, or an unknown, device token; `device_revoked`: this device was revoked (wipe its data).", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
        (status = 429, description = "`slow_down`: too many wrong tokens from this address; wait `Retry-After` seconds (a valid token is still served).", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."), ("Retry-After" = u64, description = "Seconds to wait before trying again."))),
        (status = 403, description = "`forbidden`: only a supervisor may read reports, and only for their own team's areas.", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
        (status = 503, description = "The store is busy: nothing was applied; retry after `Retry-After`.", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."), ("Retry-After" = u64, description = "Seconds to wait before trying again."))),
        (status = 500, description = "`internal`: the server failed; retry later.", body = ErrorBody, headers(("x-beatbook-server-time" = String, description = "The server's clock (RFC 3339), for the device's clock correction."))),
    )
)]
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
