//! Reading a JSON request body: the content type must be JSON, the (decompressed) body at most
//! 4 MiB, and a body that does not parse is a `400 bad_request` naming where it failed —
//! never a 5xx, never the offending value.

use super::errors::ApiError;
use crate::validate::describe;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{header, HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

/// Parses a JSON body extracted as `Result<Bytes, BytesRejection>`.
pub fn json_body<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<T, ApiError> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::body_too_large()
        } else if stalled(&rejection) {
            ApiError::body_stalled()
        } else {
            ApiError::bad_request("the request body could not be read (is its gzip valid?)")
        }
    })?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence != "application/json" {
        return Err(ApiError::bad_request(
            "expected a JSON body with Content-Type: application/json",
        ));
    }
    parse(&body)
}

/// Parses JSON bytes into `T`, describing a failure by position or field.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // The path is tracked only to name what failed: a body that fails is read again with it.
    if let Ok(value) = serde_json::from_slice(bytes) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => ApiError::bad_request(format!(
                "the body does not match the protocol: {}",
                describe(&path, &inner.to_string())
            )),
            _ => ApiError::bad_request(format!(
                "the body is not valid JSON (line {}, column {})",
                inner.line(),
                inner.column()
            )),
        }
    })?;
    de.end().map_err(|e| {
        ApiError::bad_request(format!(
            "the body has trailing characters after its JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    Ok(value)
}

/// Whether the body failed because it stopped arriving (the router's body idle timeout) or did
/// not arrive whole in time (`hygiene`'s deadline).
fn stalled(rejection: &BytesRejection) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(rejection);
    while let Some(error) = cause {
        if error.is::<tower_http::timeout::TimeoutError>()
            || error.is::<super::hygiene::BodyDeadline>()
        {
            return true;
        }
        cause = error.source();
    }
    false
}
