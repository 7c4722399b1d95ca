//! `GET /metrics` on the metrics listen address: reads the store's state into the gauges, then
//! answers every series as OpenMetrics text.
//!
//! A separate listener (not a route of the API) so that it can stay on loopback or a
//! management network while the API faces devices; nothing on it needs a token, and it shows
//! counts only — no record content, no personal data, no identifiers. Scrapes are answered one
//! at a time (each reads the store), so a scraper cannot multiply the load it causes.

use super::Metrics;
use crate::http::AppState;
use crate::storage::{StorageResult, SyncStorage};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use std::time::Duration;

/// The content type of the OpenMetrics text format.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// A device counts as active if it made a request this recently.
pub const ACTIVE_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

/// The metrics listener's router: `GET /metrics`, and 404 for anything else.
pub fn router(state: AppState) -> Router {
    let scrape_lock = Arc::new(tokio::sync::Mutex::new(()));
    Router::new()
        .route("/metrics", get(metrics))
        .with_state((state, scrape_lock))
}

/// The store's state, as the gauges show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct StoreState {
    feed_head: u64,
    enrolled: u64,
    revoked: u64,
    active: u64,
    size_bytes: u64,
}

fn read_store(storage: &dyn SyncStorage, now_ms: i64) -> StorageResult<StoreState> {
    let devices = storage.devices()?;
    let since = now_ms.saturating_sub(ACTIVE_WINDOW.as_millis() as i64);
    let revoked = devices.iter().filter(|d| d.revoked_at_ms.is_some()).count() as u64;
    let active = devices
        .iter()
        .filter(|d| d.revoked_at_ms.is_none() && d.last_seen_at_ms.is_some_and(|t| t >= since))
        .count() as u64;
    Ok(StoreState {
        feed_head: storage.feed_head()?,
        enrolled: devices.len() as u64 - revoked,
        revoked,
        active,
        size_bytes: storage.size_bytes()?,
    })
}

fn as_gauge(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl Metrics {
    fn show(&self, state: Option<StoreState>, now: chrono::DateTime<chrono::Utc>) {
        match state {
            Some(s) => {
                self.feed_head.set(as_gauge(s.feed_head));
                self.devices_enrolled.set(as_gauge(s.enrolled));
                self.devices_revoked.set(as_gauge(s.revoked));
                self.devices_active.set(as_gauge(s.active));
                self.store_bytes.set(as_gauge(s.size_bytes));
                self.store_up.set(1);
                self.store_last_ok
                    .set(now.timestamp_millis() as f64 / 1000.0);
            }
            // The last values stay; `store_up` says they are stale.
            None => {
                self.store_up.set(0);
                self.scrape_failures.inc();
            }
        }
    }
}

async fn metrics(
    State((state, scrape_lock)): State<(AppState, Arc<tokio::sync::Mutex<()>>)>,
) -> Response {
    let _one_at_a_time = scrape_lock.lock().await;
    let storage = state.storage.clone();
    let now = chrono::Utc::now();
    let read =
        tokio::task::spawn_blocking(move || read_store(storage.as_ref(), now.timestamp_millis()))
            .await;
    let store = match read {
        Ok(Ok(store)) => Some(store),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "metrics: the store did not answer");
            None
        }
        Err(e) => {
            tracing::error!(error = %e, "metrics: the store read failed");
            None
        }
    };
    state.metrics.show(store, now);
    match state.metrics.encode() {
        Ok(text) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "metrics: encoding failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
