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
    read_json(bytes).map_err(|failure| match failure {
        JsonFailure::At { path, error } => match error.classify() {
            serde_json::error::Category::Data => ApiError::bad_request(format!(
                "the body does not match the protocol: {}",
                describe(&path, &error.to_string())
            )),
            _ => ApiError::bad_request(format!(
                "the body is not valid JSON (line {}, column {})",
                error.line(),
                error.column()
            )),
        },
        JsonFailure::Trailing(e) => ApiError::bad_request(format!(
            "the body has trailing characters after its JSON (line {}, column {})",
            e.line(),
            e.column()
        )),
    })
}

/// Why JSON text did not read as the type asked for.
#[derive(Debug)]
pub enum JsonFailure {
    /// A syntax or data error at `path` (`serde_path_to_error`'s form, `.` for the top).
    At {
        path: String,
        error: serde_json::Error,
    },
    /// A whole value, then more than whitespace.
    Trailing(serde_json::Error),
}

/// `T` from JSON text. Where it failed is tracked only when the plain read fails: tracking
/// costs on every step of every read and only a failure needs it, so a document that fails is
/// read a second time.
pub fn read_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonFailure> {
    if let Ok(value) = serde_json::from_slice(bytes) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| JsonFailure::At {
        path: e.path().to_string(),
        error: e.into_inner(),
    })?;
    de.end().map_err(JsonFailure::Trailing)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Shape {
        count: u32,
    }

    fn message(body: &str) -> String {
        match parse::<Shape>(body.as_bytes()) {
            Ok(shape) => panic!("{body} parsed as {shape:?}"),
            Err(e) => e.message,
        }
    }

    #[test]
    fn a_body_reads_once_when_whole_and_a_failure_is_named_by_where_it_is() {
        assert_eq!(
            parse::<Shape>(br#"{"count": 3}"#).ok(),
            Some(Shape { count: 3 })
        );
        let wrong_type = message(r#"{"count": "three"}"#);
        assert!(
            wrong_type.starts_with("the body does not match the protocol: field `count`"),
            "{wrong_type}"
        );
        assert!(
            !wrong_type.contains("three"),
            "never the value: {wrong_type}"
        );
        let cut = message(r#"{"count": "#);
        assert!(
            cut.starts_with("the body is not valid JSON (line 1"),
            "{cut}"
        );
        let trailing = message(r#"{"count": 3} and more"#);
        assert!(
            trailing.starts_with("the body has trailing characters"),
            "{trailing}"
        );
    }
}
