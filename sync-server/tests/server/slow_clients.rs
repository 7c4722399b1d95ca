//! Slow and stalled clients are timed out by the server itself: a connection that sends
//! nothing, a request head that stops half-way, an idle keep-alive connection (HTTP/1.1 and
//! HTTP/2), and a request body that stops arriving. Run with one-second timeouts; each test
//! waits on the connection's own outcome (closed or answered), bounded by a read timeout far
//! above the server's, never on a sleep.

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
    let server = BackgroundServer::start(dir.path(), &crate::common::store_key(), options)
        .expect("server starts");
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
fn a_client_that_connects_and_sends_nothing_is_disconnected() {
    // Before the first bytes the server cannot tell HTTP/1.1 from HTTP/2 and no protocol
    // timer runs yet: the connection's own deadline closes it.
    let (server, _dir) = server();
    let mut stream = connect(&server);
    assert_eq!(read_until_closed(&mut stream), "");
    let mut trickled = connect(&server);
    trickled
        .write_all(b"PRI * HTTP/2.0")
        .expect("half a preface");
    assert_eq!(read_until_closed(&mut trickled), "");
    assert_healthy(&server);
}

#[test]
fn an_idle_http2_connection_is_closed() {
    use http_body_util::Empty;
    use hyper::body::Bytes;
    use hyper_util::rt::{TokioExecutor, TokioIo};
    let (server, _dir) = server();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        // HTTP/2 with prior knowledge, from hyper's client, which answers the server's pings
        // as a live phone would (so only the idle bound can close the connection early).
        let tcp = tokio::net::TcpStream::connect(server.addr())
            .await
            .expect("connect");
        let (mut sender, connection) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
                .await
                .expect("HTTP/2 handshake");
        let connection = tokio::spawn(connection);
        let request = hyper::Request::get(format!("http://{}/healthz", server.addr()))
            .body(Empty::<Bytes>::new())
            .expect("request");
        let response = sender.send_request(request).await.expect("answered");
        assert_eq!(response.status(), 200);
        assert_eq!(response.version(), hyper::Version::HTTP_2);
        let idle_since = Instant::now();
        let closed = tokio::time::timeout(TEST_BOUND, connection).await;
        assert!(
            matches!(closed, Ok(Ok(Ok(())))),
            "the idle connection was not closed cleanly: {closed:?}"
        );
        // Closed for idling (1 s here), not by the keep-alive ping's 20 s timeout.
        assert!(
            idle_since.elapsed() < Duration::from_secs(10),
            "closed only after {:?}",
            idle_since.elapsed()
        );
    });
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
