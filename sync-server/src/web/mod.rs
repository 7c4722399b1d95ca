//! The supervisors' web pages, served by the sync server under `/web/`: a sergeant at base
//! opens a browser instead of the terminal client. Server-rendered HTML (maud), one embedded
//! style sheet, no script, no asset from outside the binary — police networks are often closed.
//!
//! Why the pieces are where they are:
//! - [`signin`] and [`session`]: a one-time code from the admin CLI opens a session (cookie
//!   `HttpOnly`, `SameSite=Strict`, `Secure` when configured; 15 minutes idle, 8 hours at most).
//! - [`guard`]: the extractor every page takes — the session, the holder's role and team as
//!   they are *now* (re-read from the store), and the CSRF check for forms.
//! - [`decide`] and [`review`]: SARA approvals and review marks, made into ops and applied
//!   through the devices' push path; [`retention`] (with [`retention_pages`] and
//!   [`retention_view`]): the "Due for review" list, retain and dispose (MoPI review).
//! - [`pages`]: the handlers; [`team`]: what a page reads from the store (the team's records,
//!   as `ReportData` facts: no personal data is parsed for them); [`views`], [`charts`] and
//!   [`map`]: HTML and server-drawn SVG.
//!
//! Every answer from here carries a Content-Security-Policy that allows no script at all and
//! styles only from `/web/style.css`, `X-Frame-Options: DENY`, `no-store` caching and no
//! referrer (see `docs/security.md`).

pub mod account;
pub mod charts;
pub mod decide;
pub mod guard;
pub mod map;
pub mod pages;
pub mod report_pages;
pub mod report_view;
pub mod retention;
pub mod retention_pages;
pub mod retention_view;
pub mod review;
pub mod review_queue;
pub mod session;
pub mod signin;
pub mod team;
pub mod views;

#[cfg(test)]
mod retention_tests;
#[cfg(test)]
mod tests;

use crate::http::AppState;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::middleware;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use beatbook_core::clock::{Clock, SystemClock};
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;

/// The policy every page is served with: nothing runs, nothing loads from elsewhere.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Forms are small: a code, a reason, a token.
const MAX_FORM_BYTES: usize = 16 * 1024;

/// What the web pages keep between requests.
#[derive(Debug)]
pub struct WebState {
    pub clock: Arc<dyn Clock>,
    pub sessions: session::Sessions,
    /// Failed sign-in codes per source address (`crate::throttle`).
    pub sign_in_failures: crate::throttle::GuessLimiter,
    /// Mark cookies `Secure` (the server is reached over HTTPS through its reverse proxy).
    pub secure_cookies: bool,
}

impl WebState {
    pub fn new(clock: Arc<dyn Clock>, secure_cookies: bool) -> Self {
        Self {
            clock,
            sessions: session::Sessions::default(),
            sign_in_failures: crate::throttle::GuessLimiter::default(),
            secure_cookies,
        }
    }

    /// On the machine's clock.
    pub fn system(secure_cookies: bool) -> Self {
        Self::new(Arc::new(SystemClock), secure_cookies)
    }
}

/// The `/web/` routes, with their own layers (their errors are pages, not the API's JSON).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/web", get(pages::home))
        .route("/web/", get(pages::home))
        .route("/web/style.css", get(pages::style))
        .route("/web/icon.svg", get(pages::icon))
        .route(
            "/web/sign-in",
            get(account::sign_in_form).post(account::sign_in),
        )
        .route("/web/sign-out", post(account::sign_out))
        .route("/web/today", get(pages::today))
        .route("/web/review", get(pages::review).post(pages::mark_reviewed))
        .route(
            "/web/approvals",
            get(pages::approvals).post(pages::decide_stage),
        )
        .route("/web/retention", get(retention_pages::due))
        .route("/web/retention/retain", post(retention_pages::retain))
        .route("/web/retention/dispose", post(retention_pages::dispose))
        .route("/web/follow-ups", get(pages::follow_ups))
        .route("/web/follow-ups/personal", post(pages::show_personal))
        .route("/web/report", get(report_pages::report))
        .route("/web/report.csv", post(report_pages::report_csv))
        .route("/web/map", get(report_pages::map))
        .route("/web/audit", get(pages::audit))
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
        .layer(CatchPanicLayer::new())
        .layer(middleware::from_fn(crate::http::log_request))
        .layer(middleware::map_response(security_headers))
}

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}
