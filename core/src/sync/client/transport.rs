//! HTTP for the sync client: the server's address, one request with its retries, and turning
//! answers into typed results.
//!
//! `reqwest`'s blocking client keeps its async runtime on a thread of its own, so callers (the
//! CLI, the mobile FFI) need none. It must not be created or dropped inside an async runtime
//! (reqwest panics there); a server test that runs tokio calls the client from a plain thread.
//!
//! What is retried, and why: a request that never reached the server (connect failure, `503`)
//! is always safe to send again. Push and pull are also safe to repeat after `429` (after its
//! `Retry-After`) and after an ambiguous failure (a timeout, a dropped connection, a `5xx`):
//! the server answers a repeated op `duplicate`, and a pull page changes nothing the second
//! time. Enrolment is not: its code works once, so it is retried only when the server surely
//! did not act on it, and a `429` (too many failed codes) goes straight back to the person.
//! Other `4xx` answers are final.

use super::pinning::{parse_pins, pin_mismatch_in, PinnedVerifier};
use super::progress::CancelFlag;
use super::retry::{self, Backoff, RETRY_AFTER_CAP};
use super::{SyncError, SyncOptions};
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use reqwest::blocking::{Client, Response};
use reqwest::header::{ACCEPT, ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::sync::Arc;

/// The most response body bytes read (after gzip decoding, and as sent): far above any page
/// the protocol allows, low enough that a broken or hostile server cannot exhaust a phone's
/// memory (a small gzip bomb is cut off at the same limit).
const MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;

/// The longest server error message kept.
const MAX_MESSAGE_CHARS: usize = 300;

/// A sync server's base address, normalised to end in `/` so that endpoints join below it
/// (a server may live under a path, e.g. `https://gw.force.example/beatbook/`).
///
/// Only `https` is accepted, except plain `http` to this machine (tests, a local server) or
/// where the client's options explicitly allow it (`SyncOptions::allow_plain_http`): the
/// device token is a bearer secret and must not cross a network in clear. User names,
/// passwords, queries and fragments are refused — they would leak into logs or be ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServerUrl(Url);

impl ServerUrl {
    #[cfg(test)]
    pub fn parse(text: &str) -> Result<ServerUrl, SyncError> {
        Self::parse_allowing(text, false)
    }

    /// As [`ServerUrl::parse`]; with `plain_http`, `http://` to any host is accepted too.
    pub fn parse_allowing(text: &str, plain_http: bool) -> Result<ServerUrl, SyncError> {
        let bad = |why: &str| SyncError::BadServerUrl(why.to_owned());
        let text = text.trim();
        let mut url = Url::parse(text).map_err(|e| {
            // The build carries no Unicode tables for international domain names (Cargo.lock
            // pins `idna_adapter` to its ASCII-only stream, for the mobile library's size), so
            // a server's name is written in ASCII: an international one in its `xn--` form.
            if text.is_ascii() {
                SyncError::BadServerUrl(format!("{e}"))
            } else {
                bad("write the server's name in plain ASCII (an international name in its xn-- form)")
            }
        })?;
        let loopback = match url.host_str() {
            Some(host) => {
                host.eq_ignore_ascii_case("localhost")
                    || host
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback())
            }
            None => return Err(bad("it has no host")),
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback || plain_http => {}
            "http" => {
                return Err(bad(
                    "use https: plain http is allowed only to this machine (localhost)",
                ))
            }
            _ => return Err(bad("it must start with https://")),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("it must not hold a user name or password"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("it must not have a query (?...) or fragment (#...)"));
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(ServerUrl(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// `path` (relative, e.g. `v1/enrol`) under the base address.
    pub fn endpoint(&self, path: &str) -> Url {
        let mut url = self.0.clone();
        let joined = format!("{}{}", url.path(), path.trim_start_matches('/'));
        url.set_path(&joined);
        url
    }

    /// `GET /v1/sync/pull?cursor=C&limit=N`.
    /// A pull page's address. `with_echoes`: ask for this device's own changes too (a
    /// re-sync after a server restore must see everything the server holds).
    pub fn pull(&self, cursor: u64, limit: u32, with_echoes: bool) -> Url {
        let mut url = self.endpoint("v1/sync/pull");
        url.query_pairs_mut()
            .append_pair("cursor", &cursor.to_string())
            .append_pair("limit", &limit.to_string())
            .append_pair("form", crate::sync::compact_wire::COMPACT_FORM);
        if with_echoes {
            url.query_pairs_mut().append_pair(
                crate::sync::protocol::ECHOES_PARAM,
                crate::sync::protocol::ECHOES_INCLUDE,
            );
        }
        url
    }
}

/// Bytes moved by one sync (or enrolment), retries included.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Traffic {
    pub sent: u64,
    pub received: u64,
}

/// Whether a request may be sent again after an ambiguous failure (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repeat {
    /// Push and pull: repeating has the effect of once.
    Safe,
    /// Enrolment: retried only when the server surely did not act on it.
    OnlyIfUnprocessed,
}

/// One request, ready to send (and to send again).
struct Call<'a> {
    method: Method,
    url: Url,
    token: Option<&'a str>,
    body: Option<&'a Gzipped>,
    repeat: Repeat,
}

/// A failed try, and whether another is worth it.
struct Failure {
    error: SyncError,
    retry: bool,
    /// The server's `Retry-After`, if it sent one.
    after: Option<std::time::Duration>,
}

impl Failure {
    fn fatal(error: SyncError) -> Failure {
        Failure {
            error,
            retry: false,
            after: None,
        }
    }
}

/// The HTTP client with its retry policy.
#[derive(Debug)]
pub(crate) struct Transport {
    http: Client,
    backoff: Backoff,
    max_retries: u32,
}

impl Transport {
    pub fn new(options: &SyncOptions) -> Result<Transport, SyncError> {
        super::tls::install_crypto_provider();
        let mut builder = Client::builder();
        let pins = parse_pins(&options.pinned_server_keys)?;
        if !pins.is_empty() {
            // Pinned: rustls configured here, with the same verifier reqwest would build, then
            // the pins (`pinning`).
            builder = builder.tls_backend_preconfigured(pinned_tls(options, pins)?);
        } else if let Some(pem) = &options.private_ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes()).map_err(|e| {
                SyncError::Network(format!(
                    "could not set up HTTPS: the private CA is not PEM certificates: {}",
                    innermost(&e)
                ))
            })?;
            if certs.is_empty() {
                return Err(no_ca_certificate());
            }
            builder = builder.tls_certs_merge(certs);
        }
        let http = builder
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            // A redirect would be a misconfigured address; following it could carry the
            // token somewhere unexpected.
            .redirect(reqwest::redirect::Policy::none())
            // Responses are un-gzipped here, not by reqwest, so that the bytes counted for the
            // progress bar and the report are the bytes that crossed the network.
            .gzip(false)
            .user_agent(concat!("beatbook-core/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                SyncError::Network(format!("could not set up HTTPS: {}", innermost(&e)))
            })?;
        Ok(Transport {
            http,
            backoff: Backoff {
                base: options.backoff_base,
                max: options.backoff_max,
            },
            max_retries: options.max_retries,
        })
    }

    /// `GET url`, answered with JSON `T`.
    pub fn get<T: DeserializeOwned>(
        &self,
        url: Url,
        token: Option<&str>,
        cancel: &CancelFlag,
        traffic: &mut Traffic,
        what: &str,
    ) -> Result<T, SyncError> {
        let call = Call {
            method: Method::GET,
            url,
            token,
            body: None,
            repeat: Repeat::Safe,
        };
        parse(&self.send(&call, cancel, traffic)?, what)
    }

    /// `POST url` with `json` (already serialised) as a gzipped body, answered with JSON `T`.
    #[allow(clippy::too_many_arguments)]
    pub fn post<T: DeserializeOwned>(
        &self,
        url: Url,
        token: Option<&str>,
        json: &[u8],
        repeat: Repeat,
        cancel: &CancelFlag,
        traffic: &mut Traffic,
        what: &str,
    ) -> Result<T, SyncError> {
        self.post_gzipped(
            url,
            token,
            &Gzipped::of(json)?,
            repeat,
            cancel,
            traffic,
            what,
        )
    }

    /// [`Transport::post`] with a body gzipped beforehand (the push gzips its next batch while
    /// the server handles the one before, off the request's critical path).
    #[allow(clippy::too_many_arguments)]
    pub fn post_gzipped<T: DeserializeOwned>(
        &self,
        url: Url,
        token: Option<&str>,
        body: &Gzipped,
        repeat: Repeat,
        cancel: &CancelFlag,
        traffic: &mut Traffic,
        what: &str,
    ) -> Result<T, SyncError> {
        let call = Call {
            method: Method::POST,
            url,
            token,
            body: Some(body),
            repeat,
        };
        parse(&self.send(&call, cancel, traffic)?, what)
    }

    /// Sends `call`, retrying as the module docs say; returns the success body.
    fn send(
        &self,
        call: &Call<'_>,
        cancel: &CancelFlag,
        traffic: &mut Traffic,
    ) -> Result<Vec<u8>, SyncError> {
        let mut retries = 0;
        loop {
            cancel.check()?;
            let failure = match self.attempt(call, traffic) {
                Ok(body) => return Ok(body),
                Err(failure) => failure,
            };
            if !failure.retry || retries >= self.max_retries {
                return Err(failure.error);
            }
            let delay = match failure.after {
                Some(after) if after > RETRY_AFTER_CAP => return Err(failure.error),
                Some(after) => after,
                None => self.backoff.delay(retries),
            };
            retry::wait(delay, cancel)?;
            retries += 1;
        }
    }

    fn attempt(&self, call: &Call<'_>, traffic: &mut Traffic) -> Result<Vec<u8>, Box<Failure>> {
        let mut request = self
            .http
            .request(call.method.clone(), call.url.clone())
            .header(ACCEPT, "application/json")
            .header(ACCEPT_ENCODING, "gzip");
        if let Some(token) = call.token {
            // Marked sensitive by reqwest: never printed in its debug output.
            request = request.bearer_auth(token);
        }
        if let Some(body) = call.body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .header(CONTENT_ENCODING, "gzip")
                .body(body.0.clone());
        }
        let response = request.send().map_err(|e| {
            if !e.is_connect() {
                traffic.sent += call.body.map_or(0, Gzipped::len);
            }
            Box::new(send_failure(e, call.repeat))
        })?;
        traffic.sent += call.body.map_or(0, Gzipped::len);
        let status = response.status();
        let after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry::retry_after(v, chrono::Utc::now()));
        let gzipped = response
            .headers()
            .get(CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("gzip"));
        let wire = read_body(response, call.repeat)?;
        traffic.received += wire.len() as u64;
        let body = if gzipped { gunzip(&wire)? } else { wire };
        if status.is_success() {
            return Ok(body);
        }
        Err(Box::new(status_failure(status, &body, after, call.repeat)))
    }
}

fn no_ca_certificate() -> SyncError {
    SyncError::Network("could not set up HTTPS: the private CA holds no PEM certificate".into())
}

/// rustls for a pinned server: the verifier reqwest builds by default (the operating system's
/// trust store, plus the force's private CA where the platform allows extra roots), wrapped in
/// the pin check; HTTP/1.1 by ALPN, as reqwest would offer it.
fn pinned_tls(
    options: &SyncOptions,
    pins: Vec<super::pinning::SpkiPin>,
) -> Result<rustls::ClientConfig, SyncError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let setup = |why: String| SyncError::Network(format!("could not set up HTTPS: {why}"));
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls_openssl::default_provider()));
    let extra_roots = match &options.private_ca_pem {
        None => Vec::new(),
        Some(pem) => {
            let roots = CertificateDer::pem_slice_iter(pem.as_bytes())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| setup(format!("the private CA is not PEM certificates: {e}")))?;
            if roots.is_empty() {
                return Err(no_ca_certificate());
            }
            roots
        }
    };
    let system: Arc<dyn rustls::client::danger::ServerCertVerifier> = if extra_roots.is_empty() {
        Arc::new(
            rustls_platform_verifier::Verifier::new(provider.clone())
                .map_err(|e| setup(e.to_string()))?,
        )
    } else {
        #[cfg(any(all(unix, not(target_os = "android")), target_os = "windows"))]
        {
            Arc::new(
                rustls_platform_verifier::Verifier::new_with_extra_roots(
                    extra_roots,
                    provider.clone(),
                )
                .map_err(|e| setup(e.to_string()))?,
            )
        }
        #[cfg(not(any(all(unix, not(target_os = "android")), target_os = "windows")))]
        return Err(setup(
            "this platform's verifier takes no extra CA; pin the server's key instead".into(),
        ));
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| setup(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PinnedVerifier::new(system, pins)))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// A request body: JSON, gzipped.
#[derive(Debug)]
pub(crate) struct Gzipped(Vec<u8>);

impl Gzipped {
    pub fn of(json: &[u8]) -> Result<Gzipped, SyncError> {
        gzip(json).map(Gzipped)
    }

    /// Its size on the wire.
    pub fn len(&self) -> u64 {
        self.0.len() as u64
    }
}

/// Gzips a request body.
pub(crate) fn gzip(bytes: &[u8]) -> Result<Vec<u8>, SyncError> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(bytes.len() / 4), Compression::default());
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .map_err(|e| SyncError::Protocol(format!("could not gzip the request: {e}")))
}

/// Serialises a request body.
pub(crate) fn to_json(value: &impl Serialize) -> Result<Vec<u8>, SyncError> {
    serde_json::to_vec(value)
        .map_err(|e| SyncError::Protocol(format!("could not encode the request: {}", shape(&e))))
}

/// Parses an answer. The error names where the JSON broke, never what it held.
fn parse<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, SyncError> {
    serde_json::from_slice(body).map_err(|e| SyncError::Protocol(format!("{what}: {}", shape(&e))))
}

/// A JSON error without its text, which may quote a value from the body.
fn shape(e: &serde_json::Error) -> String {
    let kind = match e.classify() {
        serde_json::error::Category::Io => "could not be read",
        serde_json::error::Category::Syntax => "is not valid JSON",
        serde_json::error::Category::Data => "does not have the expected shape",
        serde_json::error::Category::Eof => "ends too early",
    };
    format!("the JSON {kind} (line {}, column {})", e.line(), e.column())
}

/// Un-gzips a response body, up to the limit.
fn gunzip(wire: &[u8]) -> Result<Vec<u8>, Box<Failure>> {
    let mut body = Vec::new();
    GzDecoder::new(wire)
        .take(MAX_RESPONSE_BYTES + 1)
        .read_to_end(&mut body)
        .map_err(|e| {
            Box::new(Failure::fatal(SyncError::Protocol(format!(
                "the answer's gzip is not valid: {e}"
            ))))
        })?;
    check_size(&body)?;
    Ok(body)
}

fn check_size(body: &[u8]) -> Result<(), Box<Failure>> {
    if body.len() as u64 > MAX_RESPONSE_BYTES {
        return Err(Box::new(Failure::fatal(SyncError::Protocol(format!(
            "the answer is larger than {} MiB",
            MAX_RESPONSE_BYTES / (1024 * 1024)
        )))));
    }
    Ok(())
}

/// Reads a response body, up to the limit.
fn read_body(response: Response, repeat: Repeat) -> Result<Vec<u8>, Box<Failure>> {
    let mut body = Vec::new();
    response
        .take(MAX_RESPONSE_BYTES + 1)
        .read_to_end(&mut body)
        .map_err(|e| {
            Box::new(Failure {
                error: SyncError::Network(format!(
                    "the connection broke while receiving the answer: {}",
                    innermost(&e)
                )),
                retry: repeat == Repeat::Safe,
                after: None,
            })
        })?;
    check_size(&body)?;
    Ok(body)
}

/// A request that got no answer.
fn send_failure(e: reqwest::Error, repeat: Repeat) -> Failure {
    if let Some(mismatch) = pin_mismatch_in(&e) {
        // Trying again would meet the same key: the person (or the app) must know at once.
        return Failure::fatal(SyncError::CertificatePinMismatch {
            presented: mismatch.presented,
        });
    }
    if e.is_builder() {
        return Failure::fatal(SyncError::Network(format!(
            "could not build the request: {}",
            innermost(&e)
        )));
    }
    // A connect failure means the request never left: safe to send again, even an enrolment.
    let retry = e.is_connect() || repeat == Repeat::Safe;
    let what = if e.is_connect() {
        "could not connect to the server"
    } else if e.is_timeout() {
        "the server did not answer in time"
    } else {
        "the connection to the server failed"
    };
    Failure {
        error: SyncError::Network(format!("{what}: {}", innermost(&e))),
        retry,
        after: None,
    }
}

/// The body of an error answer, read leniently (an unknown code is still worth reporting).
#[derive(Deserialize)]
struct LenientErrorBody {
    code: String,
    #[serde(default)]
    message: String,
}

/// A non-2xx answer.
fn status_failure(
    status: StatusCode,
    body: &[u8],
    after: Option<std::time::Duration>,
    repeat: Repeat,
) -> Failure {
    let (code, message) = match serde_json::from_slice::<LenientErrorBody>(body) {
        Ok(b) => (b.code, shorten(&b.message)),
        // Not from a Beatbook server (a proxy, a load balancer): its page is not shown.
        Err(_) if status.is_redirection() => (
            "unknown".to_owned(),
            "the server redirected the request; check the server address".to_owned(),
        ),
        Err(_) => ("unknown".to_owned(), format!("HTTP {status}")),
    };
    if status == StatusCode::UNAUTHORIZED && code == "device_revoked" {
        return Failure::fatal(SyncError::DeviceRevoked);
    }
    // 503: not processed, so even an enrolment may be sent again. 429 to an enrolment means
    // too many failed codes (someone guessing): the person is told rather than kept waiting.
    let retry = status == StatusCode::SERVICE_UNAVAILABLE
        || (repeat == Repeat::Safe
            && (status == StatusCode::TOO_MANY_REQUESTS
                || status == StatusCode::REQUEST_TIMEOUT
                || status.is_server_error()));
    Failure {
        error: SyncError::Server {
            status: status.as_u16(),
            code,
            message,
        },
        retry,
        after: if retry { after } else { None },
    }
}

fn shorten(message: &str) -> String {
    if message.chars().count() <= MAX_MESSAGE_CHARS {
        return message.to_owned();
    }
    let mut cut: String = message.chars().take(MAX_MESSAGE_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// What went wrong at the bottom of an error (e.g. "Connection refused (os error 111)"),
/// without reqwest's wrapper text and its URL.
fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut current = e;
    while let Some(next) = current.source() {
        current = next;
    }
    let text = current.to_string();
    if let Some(url_error) = current.downcast_ref::<reqwest::Error>() {
        // No deeper cause: say what kind of failure it was rather than print the URL.
        return if url_error.is_timeout() {
            "timed out".to_owned()
        } else {
            "no further detail".to_owned()
        };
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> ServerUrl {
        ServerUrl::parse(text).expect("valid server url")
    }

    #[test]
    fn endpoints_join_under_the_base_address_with_or_without_a_trailing_slash() {
        for base in ["https://sync.force.example", "https://sync.force.example/"] {
            assert_eq!(
                url(base).endpoint("v1/sync/push").as_str(),
                "https://sync.force.example/v1/sync/push"
            );
        }
        for base in [
            "https://gw.force.example/beatbook",
            "https://gw.force.example/beatbook/",
        ] {
            assert_eq!(
                url(base).endpoint("v1/enrol").as_str(),
                "https://gw.force.example/beatbook/v1/enrol"
            );
        }
        assert_eq!(
            url(" https://SYNC.force.example:8443 ").as_str(),
            "https://sync.force.example:8443/"
        );
    }

    #[test]
    fn the_pull_url_carries_the_cursor_and_limit_and_asks_for_the_compact_form() {
        assert_eq!(
            url("http://127.0.0.1:7070").pull(42, 500, false).as_str(),
            "http://127.0.0.1:7070/v1/sync/pull?cursor=42&limit=500&form=compact"
        );
    }

    #[test]
    fn plain_http_is_only_for_this_machine() {
        for ok in [
            "http://localhost:8080",
            "http://127.0.0.1:1",
            "http://[::1]:9000/",
        ] {
            assert!(ServerUrl::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://sync.force.example",
            "http://192.168.1.10:8080",
            "ftp://sync.force.example",
            "sync.force.example",
            "https://user:secret@sync.force.example",
            "https://sync.force.example/?x=1",
            "https://sync.force.example/#top",
        ] {
            let err = ServerUrl::parse(bad).expect_err(bad);
            assert!(matches!(err, SyncError::BadServerUrl(_)), "{bad}");
            assert!(!err.to_string().contains("secret"), "{bad}");
        }
    }

    #[test]
    fn a_server_name_is_written_in_ascii() {
        let named = ServerUrl::parse("https://Sync.Force.Example").expect("ascii");
        assert_eq!(named.as_str(), "https://sync.force.example/");
        let punycode = ServerUrl::parse("https://xn--bcher-kva.example").expect("xn-- form");
        assert_eq!(punycode.as_str(), "https://xn--bcher-kva.example/");
        let path = ServerUrl::parse("https://sync.force.example/bücher").expect("path");
        assert_eq!(path.as_str(), "https://sync.force.example/b%C3%BCcher/");
        let err = ServerUrl::parse("https://bücher.example").expect_err("unicode name");
        assert!(
            matches!(&err, SyncError::BadServerUrl(why) if why.contains("xn--")),
            "{err}"
        );
    }

    #[test]
    fn request_bodies_are_gzipped() {
        let json = br#"{"protocol":1,"ops":[]}"#.repeat(50);
        let zipped = gzip(&json).expect("gzip");
        assert!(zipped.len() < json.len());
        let mut back = Vec::new();
        GzDecoder::new(&zipped[..])
            .read_to_end(&mut back)
            .expect("gunzip");
        assert_eq!(back, json);
    }

    #[test]
    fn gzipped_answers_are_decoded_and_bad_gzip_is_a_protocol_error() {
        let json = br#"{"changes":[],"next_cursor":0}"#.repeat(20);
        assert_eq!(gunzip(&gzip(&json).expect("gzip")).ok(), Some(json.clone()));
        let failure = gunzip(&json).expect_err("not gzip");
        assert!(matches!(failure.error, SyncError::Protocol(_)));
        assert!(!failure.retry);
    }

    #[test]
    fn errors_from_bad_json_do_not_quote_the_body() {
        let err = parse::<Vec<u64>>(br#"["Ada Example"]"#, "pull page").expect_err("bad");
        let text = err.to_string();
        assert!(text.contains("pull page"), "{text}");
        assert!(!text.contains("Ada"), "{text}");
    }

    #[test]
    fn error_answers_are_classified() {
        let body = br#"{"code":"device_revoked","message":"revoked"}"#;
        let f = status_failure(StatusCode::UNAUTHORIZED, body, None, Repeat::Safe);
        assert!(matches!(f.error, SyncError::DeviceRevoked));
        assert!(!f.retry);

        let body = br#"{"code":"internal","message":"oops"}"#;
        assert!(status_failure(StatusCode::INTERNAL_SERVER_ERROR, body, None, Repeat::Safe).retry);
        assert!(
            !status_failure(
                StatusCode::INTERNAL_SERVER_ERROR,
                body,
                None,
                Repeat::OnlyIfUnprocessed
            )
            .retry
        );
        let slow_down = br#"{"code":"slow_down","message":"later"}"#;
        let three = Some(std::time::Duration::from_secs(3));
        let f = status_failure(
            StatusCode::TOO_MANY_REQUESTS,
            slow_down,
            three,
            Repeat::Safe,
        );
        assert!(f.retry);
        assert_eq!(f.after, three);
        let f = status_failure(
            StatusCode::TOO_MANY_REQUESTS,
            slow_down,
            three,
            Repeat::OnlyIfUnprocessed,
        );
        assert!(!f.retry, "an enrolment is not retried after slow_down");
        assert!(
            status_failure(
                StatusCode::SERVICE_UNAVAILABLE,
                b"",
                None,
                Repeat::OnlyIfUnprocessed
            )
            .retry
        );
        // A stalled upload answered 408 applied nothing: a push or pull goes again.
        let stalled = br#"{"code":"request_timeout","message":"send it again"}"#;
        assert!(status_failure(StatusCode::REQUEST_TIMEOUT, stalled, None, Repeat::Safe).retry);

        let f = status_failure(
            StatusCode::BAD_GATEWAY,
            b"<html>proxy</html>",
            None,
            Repeat::Safe,
        );
        match f.error {
            SyncError::Server {
                status,
                code,
                message,
            } => {
                assert_eq!((status, code.as_str()), (502, "unknown"));
                assert!(!message.contains("html"), "{message}");
            }
            other => panic!("expected a server error, got {other:?}"),
        }
        let f = status_failure(
            StatusCode::BAD_REQUEST,
            br#"{"code":"enrolment_code_used","message":"used"}"#,
            None,
            Repeat::Safe,
        );
        assert!(!f.retry);
        assert_eq!(f.error.server_code(), Some("enrolment_code_used"));
    }
}
