//! The HTTP surface: routes, shared state, and the layers every answer passes through.
//!
//! Layers, outermost first: gzip of responses (for clients that accept it); the response
//! finisher (every answer gets `x-beatbook-server-time`, every error the `ErrorBody` shape
//! and `Connection: close` — an error may be answered before the request body was read, and
//! the server then drops the connection, so a client must not send its next request on it);
//! the request log; panic catching (a bug answers `500 internal`, never drops the
//! connection); gzip decompression of request bodies; and the 4 MiB body limit, which
//! therefore counts *decompressed* bytes (a small gzip bomb is still refused with 413).
//! Around them all, the request body's idle timeout (a body that stops arriving is answered
//! `408`), the body's size and deadline (`hygiene`), and the head's size (`head_limits`: a
//! target or headers too long get the error shape, not hyper's bare status); the request
//! head's timeout is hyper's, set per connection (`connections`).

pub mod audit_upload;
pub mod auth;
pub mod body;
pub mod enrol;
pub mod errors;
pub mod guesses;
pub mod head_limits;
pub mod hygiene;
pub mod openapi;
pub mod pull;
pub mod push;
pub mod ready;
pub mod reports;
pub mod request_id;

use crate::storage::SyncStorage;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::{Json, Router};
use beatbook_core::sync::protocol::{MAX_BODY_BYTES, SERVER_TIME_HEADER};
use chrono::{SecondsFormat, Utc};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;

/// Settings the handlers need.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// How far ahead of the server's clock an op's HLC may be.
    pub max_clock_skew_ms: u64,
    /// The earliest time a record may carry (`model::time_sense`).
    pub earliest_record_time: chrono::DateTime<chrono::Utc>,
    /// How long a client has to send a request's whole head (line and headers), and how long
    /// an idle keep-alive connection is kept; then the connection is closed.
    pub header_timeout: Duration,
    /// How long a request body may go without a byte arriving before the request is answered
    /// `408` (a slow but moving upload is not cut off).
    pub body_idle_timeout: Duration,
    /// How long a request body may take to arrive whole, however steadily it trickles
    /// (`hygiene`); then `408`.
    pub body_deadline: Duration,
    /// Mark the web pages' cookies `Secure` (set when the server is reached over HTTPS).
    pub secure_cookies: bool,
    /// Failed guesses (enrolment codes, sign-in codes, tokens) allowed per source, and the
    /// back-off after them (`crate::throttle`).
    pub guess_limits: crate::throttle::GuessLimits,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`crate::throttle`).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The server's now for retention and the push's time checks (`crate::clock`): the system
    /// clock, or a test's.
    pub clock: std::sync::Arc<dyn beatbook_core::clock::Clock>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            max_clock_skew_ms: 300_000,
            earliest_record_time: beatbook_core::model::time_sense::default_floor(),
            header_timeout: Duration::from_secs(30),
            body_idle_timeout: Duration::from_secs(30),
            body_deadline: Duration::from_secs(120),
            secure_cookies: false,
            guess_limits: crate::throttle::GuessLimits::default(),
            trusted_proxies: Vec::new(),
            clock: std::sync::Arc::new(beatbook_core::clock::SystemClock),
        }
    }
}

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub storage: Arc<dyn SyncStorage>,
    pub config: Arc<HttpConfig>,
    /// Failed guesses per source address (`guesses`, `crate::throttle`).
    pub guesses: Arc<guesses::Guesses>,
    /// The supervisors' web pages: sessions, sign-in limits, their clock (`crate::web`).
    pub web: Arc<crate::web::WebState>,
    /// The Prometheus series (`crate::metrics`).
    pub metrics: Arc<crate::metrics::Metrics>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl AppState {
    pub fn new(storage: Arc<dyn SyncStorage>, config: HttpConfig) -> Self {
        let mut web = crate::web::WebState::new(config.clock.clone(), config.secure_cookies);
        web.sign_in_failures = crate::throttle::GuessLimiter::new(config.guess_limits);
        let guesses = guesses::Guesses::new(config.guess_limits, config.trusted_proxies.clone());
        Self {
            storage,
            config: Arc::new(config),
            guesses: Arc::new(guesses),
            web: Arc::new(web),
            metrics: Arc::default(),
        }
    }
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let body_idle_timeout = state.config.body_idle_timeout;
    // Every API route, each registered with the OpenAPI document that describes it.
    let (api, _) = openapi::routes().split_for_parts();
    Router::new()
        .merge(api)
        // Explicit, so that the API's layers (the error shape, the server time) still answer
        // unknown paths once the web pages are merged in below.
        .fallback(|| async { axum::http::StatusCode::NOT_FOUND })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestDecompressionLayer::new())
        .layer(CatchPanicLayer::new())
        .layer(middleware::from_fn(log_request))
        .layer(middleware::map_response(finish))
        .layer(CompressionLayer::new().quality(CompressionLevel::Default))
        // The web pages: their own layers (HTML errors, security headers), not the API's.
        .merge(crate::web::router())
        // Requests by route and status, and their latency (API and web pages alike).
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::metrics::track,
        ))
        // Outermost, so they watch the raw bytes arriving (before decompression).
        .layer(RequestBodyTimeoutLayer::new(body_idle_timeout))
        .layer(middleware::from_fn_with_state(
            state.config.body_deadline,
            hygiene::bound_body,
        ))
        // A target or headers too long for us are refused with the error shape, inside
        // hyper's own (bare) limits (`head_limits`).
        .layer(middleware::from_fn(head_limits::bound_head))
        // Outermost of all: every log line of a request, even a refused one, carries its id.
        .layer(middleware::from_fn(request_id::tag))
        .with_state(state)
}

/// Alive: the process serves HTTP (it touches nothing else, so a busy store does not get a
/// healthy process restarted). Readiness is `/readyz`.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses((status = 200, description = "The server is up: `{\"status\": \"ok\"}`.", body = Object)),
)]
pub(crate) async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

/// Every answer: the error shape, and the server's clock for the device's correction.
pub(crate) async fn finish(response: Response) -> Response {
    let mut response = errors::normalise(response);
    let status = response.status();
    if status.is_client_error() || status.is_server_error() {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    let now = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
    if let Ok(value) = HeaderValue::from_str(&now) {
        response.headers_mut().insert(SERVER_TIME_HEADER, value);
    }
    response
}

/// The route pattern a request matched (`/v1/sync/pull`), or `(unmatched)`: never the path
/// a client sent, so neither a log line nor a metric label carries what the client typed.
pub(crate) fn route_label(request: &Request) -> String {
    request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(unmatched)".to_owned(), |p| p.as_str().to_owned())
}

/// One log line per request: method, route (never the query or body), status, duration.
pub(crate) async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let route = route_label(&request);
    let started = Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        %method,
        route,
        status = response.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}
