//! Who is asking: the extractor every signed-in page takes, the cookies, the CSRF check, and the
//! error type the pages answer with (an HTML page, or a redirect to sign in).
//!
//! A request gets through only with a cookie naming an open, unexpired session whose browser
//! device is still active, held by a user who is a supervisor with a team *now* (role and team
//! are re-read from the store on every request, so a sergeant moved to another team sees the
//! new team at once, and one no longer a supervisor is out at once).

use super::session::{Session, SessionCheck};
use super::views;
use crate::http::AppState;
use crate::secrets;
use crate::storage::{Principal, StorageError, TokenCheck};
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use beatbook_core::ids::TeamId;
use beatbook_core::model::Role;
use serde::Deserialize;

/// The session cookie (`Path=/web`).
pub const SESSION_COOKIE: &str = "bb_session";
/// The sign-in form's anti-forgery cookie (double-submit: no session exists yet).
pub const SIGN_IN_COOKIE: &str = "bb_sign_in";

/// Why a page was not served.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("sign in first")]
    SignInNeeded { expired: bool },
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    BadRequest(String),
    /// The records changed under the page (a decision already made, a problem moved on).
    #[error("{0}")]
    Conflict(String),
    #[error("too many failed sign-ins; try again in {0} seconds")]
    TooManyAttempts(i64),
    #[error("the server failed: {0}")]
    Storage(#[from] StorageError),
    #[error("the server failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl WebError {
    pub fn csrf() -> Self {
        WebError::Forbidden(
            "This form has expired or did not come from this site. Go back, reload the page \
             and try again."
                .into(),
        )
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = match &self {
            WebError::SignInNeeded { expired } => {
                let to = if *expired {
                    "/web/sign-in?expired=1"
                } else {
                    "/web/sign-in"
                };
                return Redirect::to(to).into_response();
            }
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            WebError::Storage(_) | WebError::Task(_) => {
                tracing::error!(error = %self, "web page failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let message = match status {
            StatusCode::INTERNAL_SERVER_ERROR => "The server failed; try again later.".to_owned(),
            _ => self.to_string(),
        };
        let mut response = (
            status,
            Html(views::error_page(status, &message).into_string()),
        )
            .into_response();
        if let WebError::TooManyAttempts(secs) = self {
            if let Ok(value) = HeaderValue::from_str(&secs.max(1).to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

/// A sign-in attempt from a source that is not held back, checked before the form (the body)
/// is read; carries the source so that a failure counts against the address checked.
#[derive(Debug, Clone, Copy)]
pub struct SignInAllowed {
    pub source: Option<std::net::IpAddr>,
}

impl FromRequestParts<AppState> for SignInAllowed {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let source = state.guesses.source(parts);
        let now = state.web.clock.now();
        match state.web.sign_in_failures.blocked_for(source, now) {
            Some(secs) => Err(WebError::TooManyAttempts(secs)),
            None => Ok(Self { source }),
        }
    }
}

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: always `HttpOnly; SameSite=Strict`, `Secure` when configured.
pub fn set_cookie(name: &str, value: &str, max_age_secs: Option<i64>, secure: bool) -> String {
    let mut out = format!("{name}={value}; Path=/web; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age_secs {
        out.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        out.push_str("; Secure");
    }
    out
}

/// Equal, in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A signed-in supervisor with a team.
#[derive(Debug, Clone)]
pub struct Supervisor {
    pub principal: Principal,
    pub team: TeamId,
    pub session: Session,
    /// The hash of the session id (to close it at sign-out).
    pub id_hash: [u8; 32],
}

impl Supervisor {
    /// Refuses a form whose token is not this session's.
    pub fn check_csrf(&self, token: &str) -> Result<(), WebError> {
        if same_secret(token, &self.session.csrf) {
            Ok(())
        } else {
            tracing::warn!("web form refused: CSRF token missing or wrong");
            Err(WebError::csrf())
        }
    }
}

impl FromRequestParts<AppState> for Supervisor {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let id = cookie(&parts.headers, SESSION_COOKIE)
            .filter(|v| secrets::is_token_shaped(v))
            .ok_or(WebError::SignInNeeded { expired: false })?;
        let id_hash = secrets::hash(&id.to_ascii_lowercase());
        let now = state.web.clock.now();
        let now_ms = now.timestamp_millis();
        let session = match state.web.sessions.touch(&id_hash, now) {
            SessionCheck::Active(session) => session,
            SessionCheck::Expired(device) => {
                let storage = state.storage.clone();
                crate::http::request_id::in_request(move || storage.revoke_device(device, now_ms))
                    .await??;
                tracing::info!("web session expired; its browser device revoked");
                return Err(WebError::SignInNeeded { expired: true });
            }
            SessionCheck::Unknown => return Err(WebError::SignInNeeded { expired: false }),
        };
        let storage = state.storage.clone();
        let token_hash = session.token_hash;
        let check =
            crate::http::request_id::in_request(move || storage.authenticate(token_hash, now_ms))
                .await??;
        let TokenCheck::Active(principal) = check else {
            state.web.sessions.close(&id_hash);
            return Err(WebError::SignInNeeded { expired: false });
        };
        if principal.role != Role::Supervisor {
            return Err(WebError::Forbidden(
                "These pages are for supervisors.".into(),
            ));
        }
        let team = principal.team_id.ok_or_else(|| {
            WebError::Forbidden("A supervisor without a team has no team to see.".into())
        })?;
        Ok(Supervisor {
            principal,
            team,
            session,
            id_hash,
        })
    }
}

/// A form that carries only its anti-forgery token (sign-out).
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}

/// A form's fields; an unreadable form (its token missing) is refused as a forgery would be.
pub fn form_or_csrf<T>(form: Result<Form<T>, FormRejection>) -> Result<T, WebError> {
    // A form without its token (or unreadable) is refused as a forgery would be.
    form.map(|Form(f)| f).map_err(|_| WebError::csrf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("xbb_session=no; bb_session=yes; other=1"),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("yes"));
        assert_eq!(cookie(&headers, SIGN_IN_COOKIE), None);
    }

    #[test]
    fn cookies_carry_their_flags() {
        let plain = set_cookie("a", "b", None, false);
        assert_eq!(plain, "a=b; Path=/web; HttpOnly; SameSite=Strict");
        assert!(set_cookie("a", "b", Some(0), true).ends_with("; Max-Age=0; Secure"));
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
        assert!(!same_secret("", "a"));
    }
}
