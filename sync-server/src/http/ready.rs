//! `GET /readyz`: whether this instance should be sent traffic — its store answers now.
//! Migrations run when the store is opened, before the server listens (a store that cannot be
//! migrated, or is newer than this build, stops the server at start), so a listening instance
//! has its schema; what can change afterwards is whether the store is reachable (a PostgreSQL
//! restart, every reader connection stuck, the file gone). `200 {"status":"ready"}`, or `503`
//! with `Retry-After` and the usual error body. `/healthz` stays the liveness check.

use super::errors::ApiError;
use super::request_id::in_request;
use super::AppState;
use axum::extract::State;
use axum::Json;
use std::time::Duration;

/// How long the readiness probe waits for the store.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// Ready: the store answers a read within 3 s (its migrations ran when it was opened).
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "Ready: the store answered. `{\"status\": \"ready\"}`.", body = Object),
        (status = 503, description = "Not ready: the store did not answer in time, or failed; take the instance out of the load balancer.", body = beatbook_core::sync::protocol::ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait before trying again."))),
    ),
)]
pub async fn readyz(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    let storage = state.storage.clone();
    let probe = in_request(move || storage.feed_head());
    match tokio::time::timeout(PROBE_TIMEOUT, probe).await {
        Ok(Ok(Ok(_))) => Ok(Json(serde_json::json!({"status": "ready"}))),
        Ok(Ok(Err(e))) => Err(ApiError::busy(&e)),
        Ok(Err(e)) => Err(ApiError::busy(&e)),
        Err(_) => Err(ApiError::busy(
            &"the store did not answer the readiness probe in time",
        )),
    }
}
