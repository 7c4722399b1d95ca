//! Raw HTTP/1.1 over a socket, so tests can assert on exactly the bytes the server sends
//! (no client library decoding or hiding anything).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A raw answer: status code and body text.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub body: String,
    /// The `Retry-After` header's seconds, when the answer carried one.
    pub retry_after: Option<u64>,
}

pub fn request(
    url: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> RawResponse {
    try_request(url, method, path, token, body).expect("raw HTTP request")
}

/// [`request`], with a failure to connect, send or read as an error instead of a panic (for
/// harnesses that count errors, like the load test).
pub fn try_request(
    url: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> std::io::Result<RawResponse> {
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(host)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    let body = body.unwrap_or("");
    if method == "POST" {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status code in the answer"))?;
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_owned()
    };
    let retry_after = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("retry-after")
            .then(|| value.trim().parse().ok())?
    });
    Ok(RawResponse {
        status,
        body,
        retry_after,
    })
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// The whole feed a device may see, as raw bytes from the server.
pub fn pull_from_start(url: &str, token: &str) -> RawResponse {
    request(
        url,
        "GET",
        "/v1/sync/pull?cursor=0&limit=1000",
        Some(token),
        None,
    )
}

/// A raw push of `body` (a `PushRequest` as JSON).
pub fn push(url: &str, token: &str, body: &str) -> RawResponse {
    request(url, "POST", "/v1/sync/push", Some(token), Some(body))
}
