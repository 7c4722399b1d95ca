//! Signing in with a one-time code and signing out (the rules are in [`super::signin`] and
//! [`super::session`]): the sign-in form's double-submit anti-forgery cookie, the rate limit, the
//! session cookie's flags, and revoking the browser's device when a session ends.

use super::guard::{
    self, cookie, form_or_csrf, CsrfForm, SignInAllowed, Supervisor, WebError, SESSION_COOKIE,
    SIGN_IN_COOKIE,
};
use super::session::{Session, ABSOLUTE_TIMEOUT};
use super::{signin, views};
use crate::http::AppState;
use crate::secrets;
use crate::storage::StorageError;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{AppendHeaders, Html, IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct SignInQuery {
    expired: Option<String>,
    signed_out: Option<String>,
}

fn sign_in_page(state: &AppState, status: StatusCode, notice: Option<&str>) -> Response {
    let Ok(csrf) = secrets::new_token() else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            Html(
                views::error_page(StatusCode::INTERNAL_SERVER_ERROR, "The server failed.")
                    .into_string(),
            ),
        )
            .into_response();
    };
    let cookie = guard::set_cookie(SIGN_IN_COOKIE, &csrf, Some(600), state.web.secure_cookies);
    (
        status,
        [(header::SET_COOKIE, cookie)],
        Html(views::sign_in(&csrf, notice).into_string()),
    )
        .into_response()
}

pub async fn sign_in_form(
    State(state): State<AppState>,
    query: Result<Query<SignInQuery>, QueryRejection>,
) -> Response {
    let notice = match query {
        Ok(Query(q)) if q.expired.is_some() => {
            Some("Your session ended (15 minutes idle, or 8 hours). Sign in again.")
        }
        Ok(Query(q)) if q.signed_out.is_some() => Some("You have signed out."),
        _ => None,
    };
    sign_in_page(&state, StatusCode::OK, notice)
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    csrf: String,
    code: String,
}

pub async fn sign_in(
    State(state): State<AppState>,
    SignInAllowed { source }: SignInAllowed,
    headers: HeaderMap,
    form: Result<Form<SignInForm>, FormRejection>,
) -> Result<Response, WebError> {
    let now = state.web.clock.now();
    let Form(form) =
        form.map_err(|_| WebError::BadRequest("The form could not be read.".into()))?;
    let expected = cookie(&headers, SIGN_IN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !guard::same_secret(&form.csrf, expected) {
        return Err(WebError::csrf());
    }
    let storage = state.storage.clone();
    let outcome =
        crate::http::request_id::in_request(move || signin::exchange(&*storage, &form.code, now))
            .await??;
    let signed = match outcome {
        Ok(signed) => signed,
        Err(refusal) => {
            crate::http::guesses::note_failure(
                &state.web.sign_in_failures,
                "web sign-in codes",
                source,
                now,
            );
            tracing::info!(?refusal, "web sign-in refused");
            return Ok(sign_in_page(
                &state,
                StatusCode::UNAUTHORIZED,
                Some("That code is not valid: it is wrong, used or expired. Ask for a new one."),
            ));
        }
    };
    let random = |e: secrets::RandomError| WebError::Storage(StorageError::Invalid(e.to_string()));
    let id = secrets::new_token().map_err(random)?;
    let csrf = secrets::new_token().map_err(random)?;
    let session = Session {
        device_id: signed.device_id,
        token_hash: signed.token_hash,
        user_id: signed.user.id,
        csrf,
        signed_in_at: now,
        last_seen_at: now,
    };
    let opened = state.web.sessions.open(secrets::hash(&id), session, now);
    let revoke = match &opened {
        Ok(swept) => swept.clone(),
        Err(_) => vec![signed.device_id],
    };
    revoke_all(&state, revoke, now).await?;
    opened.map_err(|e| WebError::Forbidden(e.to_string()))?;
    tracing::info!(user = %signed.user.id, "supervisor signed in to the web pages");
    let secure = state.web.secure_cookies;
    Ok((
        AppendHeaders([
            (
                header::SET_COOKIE,
                guard::set_cookie(
                    SESSION_COOKIE,
                    &id,
                    Some(ABSOLUTE_TIMEOUT.num_seconds()),
                    secure,
                ),
            ),
            (
                header::SET_COOKIE,
                guard::set_cookie(SIGN_IN_COOKIE, "", Some(0), secure),
            ),
        ]),
        Redirect::to("/web/today"),
    )
        .into_response())
}

async fn revoke_all(
    state: &AppState,
    devices: Vec<beatbook_core::ids::DeviceId>,
    now: DateTime<Utc>,
) -> Result<(), WebError> {
    if devices.is_empty() {
        return Ok(());
    }
    let storage = state.storage.clone();
    crate::http::request_id::in_request(move || {
        devices
            .into_iter()
            .try_for_each(|d| storage.revoke_device(d, now.timestamp_millis()).map(|_| ()))
    })
    .await??;
    Ok(())
}

pub async fn sign_out(
    State(state): State<AppState>,
    sup: Supervisor,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Response, WebError> {
    sup.check_csrf(&form_or_csrf(form)?.csrf)?;
    let now = state.web.clock.now();
    if let Some(device) = state.web.sessions.close(&sup.id_hash) {
        revoke_all(&state, vec![device], now).await?;
    }
    Ok((
        [(
            header::SET_COOKIE,
            guard::set_cookie(SESSION_COOKIE, "", Some(0), state.web.secure_cookies),
        )],
        Redirect::to("/web/sign-in?signed_out=1"),
    )
        .into_response())
}
