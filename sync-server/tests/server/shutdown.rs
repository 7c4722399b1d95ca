//! Graceful shutdown: in-flight requests finish, new connections are refused; SIGTERM does
//! the same for the real binary.

use beatbook_server::background::BackgroundServer;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

/// Polls `condition` up to ~5 s.
fn wait_for(what: &str, mut condition: impl FnMut() -> bool) {
    for _ in 0..500 {
        if condition() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("timed out waiting for {what}");
}

#[test]
fn a_request_in_flight_finishes_after_shutdown_starts() {
    let dir = crate::common::private_tempdir();
    let mut server =
        BackgroundServer::start(dir.path(), &crate::common::store_key(), Default::default())
            .expect("server");
    let addr = server.addr();
    wait_for("the server to accept", || TcpStream::connect(addr).is_ok());

    // A request in flight when shutdown begins: `Expect: 100-continue` makes the server say
    // when its handler has started reading the body, so the request is known to be in flight.
    let body = br#"{"code": "NOSUCHCODE", "device_name": "phone"}"#;
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "POST /v1/enrol HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Expect: 100-continue\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .expect("headers");
    stream.flush().expect("flush");
    let mut interim = Vec::new();
    let mut byte = [0u8; 1];
    while !interim.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).expect("interim answer");
        interim.push(byte[0]);
    }
    assert!(
        String::from_utf8_lossy(&interim).starts_with("HTTP/1.1 100"),
        "{}",
        String::from_utf8_lossy(&interim)
    );

    server.begin_shutdown();
    wait_for("new connections to be refused", || {
        TcpStream::connect(addr).is_err()
    });

    stream.write_all(body).expect("the body");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("enrolment_code_invalid"), "{answer}");
    server.shutdown().expect("clean shutdown");
}

#[test]
fn the_binary_stops_cleanly_on_sigterm() {
    let dir = crate::common::private_tempdir();
    let mut child = crate::common::serve_binary()
        .arg("--data")
        .arg(dir.path())
        .spawn()
        .expect("server binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("listening line");
    let url = line
        .trim()
        .strip_prefix("beatbook-server listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line}"))
        .to_owned();
    let client = crate::common::http_client().build().expect("client");
    let health = client
        .get(format!("{url}/healthz"))
        .send()
        .expect("healthz");
    assert_eq!(health.status(), reqwest::StatusCode::OK);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let mut exit = None;
    wait_for("the server to exit", || {
        exit = child.try_wait().expect("wait");
        exit.is_some()
    });
    assert!(exit.expect("exited").success(), "exit status {exit:?}");
}
