//! Slow and stalled clients are timed out by the server itself: a request head that stops
//! half-way, an idle keep-alive connection, and a request body that stops arriving. Run with
//! one-second timeouts; each test waits on the connection's own outcome (closed or answered),
//! bounded by a read timeout far above the server's, never on a sleep.

use beatbook_server::background::BackgroundServer;
use beatbook_server::http::HttpConfig;
use beatbook_server::serve::ServeOptions;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use tempfile::TempDir;

const SERVER_TIMEOUT: Duration = Duration::from_secs(1);
/// How long a test waits for the server to act before calling it a failure.
const TEST_BOUND: Duration = Duration::from_secs(20);

fn server() -> (BackgroundServer, TempDir) {
    let dir = crate::common::private_tempdir();
    let options = ServeOptions {
        http: HttpConfig {
            header_timeout: SERVER_TIMEOUT,
            body_idle_timeout: SERVER_TIMEOUT,
            ..HttpConfig::default()
        },
        ..ServeOptions::default()
    };
    let server = BackgroundServer::start(dir.path(), options).expect("server starts");
    (server, dir)
}

fn connect(server: &BackgroundServer) -> TcpStream {
    let stream = TcpStream::connect(server.addr()).expect("connect");
    stream
        .set_read_timeout(Some(TEST_BOUND))
        .expect("read timeout");
    stream
}

/// Reads until the server closes the connection; returns what it sent. Fails if the server
/// keeps it open past the test's bound.
fn read_until_closed(stream: &mut TcpStream) -> String {
    let started = Instant::now();
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!(
                "the server kept the connection open for {:?}: {e}",
                started.elapsed()
            ),
        }
    }
    String::from_utf8_lossy(&received).into_owned()
}

/// The server still answers a well-behaved client.
fn assert_healthy(server: &BackgroundServer) {
    let mut stream = connect(server);
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        .expect("send");
    let answer = read_until_closed(&mut stream);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[test]
fn a_client_that_stops_half_way_through_its_headers_is_disconnected() {
    let (server, _dir) = server();
    let mut stream = connect(&server);
    stream
        .write_all(b"POST /v1/enrol HTTP/1.1\r\nHost: test\r\nContent-Ty")
        .expect("send half a head");
    let answer = read_until_closed(&mut stream);
    assert!(!answer.contains("200 OK"), "{answer}");
    assert_healthy(&server);
}

#[test]
fn an_idle_keep_alive_connection_is_closed() {
    let (server, _dir) = server();
    let mut stream = connect(&server);
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
        .expect("send");
    // The answer arrives and the connection stays open for a next request, until it idles.
    let answer = read_until_closed(&mut stream);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"ok\""), "{answer}");
}

#[test]
fn a_body_that_stops_arriving_is_answered_408_and_enrols_nothing() {
    let (server, _dir) = server();
    let mut stream = connect(&server);
    stream
        .write_all(
            b"POST /v1/enrol HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
              Content-Length: 500\r\n\r\n{\"code\": \"ABCD",
        )
        .expect("send the head and a little body");
    let answer = read_until_closed(&mut stream);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"request_timeout\""), "{answer}");
    assert!(
        server.storage().devices().expect("devices").is_empty(),
        "a stalled enrolment enrolled a device"
    );
    assert_healthy(&server);
}
