//! Hostile input at the HTTP edge: every byte the server reads may come from an attacker or a
//! broken client. Each case is answered with a 4xx and an `ErrorBody` (or, inside a push that
//! parses, a per-op rejection), never a 5xx or a dropped connection, and changes nothing: the
//! feed head, the devices and what a team member pulls are compared before and after.

mod auth;
mod bodies;
mod crowd;
mod guessing;
mod hygiene;
mod logs;
mod ops;
mod parser;
mod readers;

use crate::common::{contact, new_id, note, patrol, statuses, Device, Harness};
use beatbook_core::sync::protocol::{Change, ErrorBody, RecordKind};
use reqwest::StatusCode;

/// Text that must never come back in an error message (messages never quote values).
pub const MARKER: &str = "Zelda-Quaxley";

/// What an attacker could have changed.
#[derive(Debug, PartialEq)]
pub struct Snapshot {
    head: u64,
    devices: Vec<String>,
    changes: Vec<Change>,
}

/// A harness with a few records in it, and a supervisor's device to read them back with.
pub struct World {
    pub h: Harness,
    pub pcso: Device,
    pub reader: Device,
}

impl World {
    pub fn start() -> Self {
        let h = Harness::start();
        let pcso = h.enrol(&h.pcso);
        let reader = h.enrol(&h.supervisor);
        let (n, p, c) = (new_id(), new_id(), new_id());
        let ops = vec![
            pcso.op(RecordKind::Note, &n, note(&n, h.pcso.id, "Gate left open")),
            pcso.op(
                RecordKind::Patrol,
                &p,
                patrol(&p, h.pcso.id, &[h.pcso2.id], "foot"),
            ),
            pcso.op(RecordKind::Contact, &c, contact(&c, h.pcso.id)),
        ];
        assert_eq!(
            statuses(&h.push(&pcso, &ops)),
            ["accepted", "accepted", "accepted"]
        );
        Self { h, pcso, reader }
    }

    pub fn snapshot(&self) -> Snapshot {
        let storage = self.h.storage();
        let mut devices: Vec<String> = beatbook_server::admin::list_devices(storage)
            .expect("devices")
            .iter()
            .map(|d| format!("{} {} {:?}", d.id, d.name, d.revoked_at_ms))
            .collect();
        devices.sort();
        Snapshot {
            head: storage.feed_head().expect("head"),
            devices,
            changes: self.h.pull_all(&self.reader).1,
        }
    }
}

/// Asserts an error answer: the status, the `ErrorBody` shape and code, a message that says
/// something and quotes nothing it was sent.
pub fn assert_error(case: &str, status: StatusCode, text: &str, want: StatusCode, code: &str) {
    assert_eq!(status, want, "{case}: {text}");
    let body: ErrorBody = serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("{case}: not an ErrorBody ({e}): {text}"));
    assert_eq!(body.code.as_str(), code, "{case}: {text}");
    assert!(!body.message.is_empty(), "{case}: empty message");
    assert!(
        !body.message.contains(MARKER),
        "{case}: the message quotes the request: {}",
        body.message
    );
}

/// A raw connection to `server` from the loopback address `source` (std cannot bind before
/// connecting; tokio's socket can, and hands the stream back as a blocking std one).
pub fn raw_from(server: std::net::SocketAddr, source: std::net::Ipv4Addr) -> std::net::TcpStream {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket
            .bind(std::net::SocketAddr::from((source, 0)))
            .expect("bind the source address");
        let stream = socket.connect(server).await.expect("connect");
        let stream = stream.into_std().expect("std stream");
        stream.set_nonblocking(false).expect("blocking");
        stream
    })
}

/// Reads until the server closes the connection, failing if it has not within `bound`.
pub fn read_answer(stream: &mut std::net::TcpStream, bound: std::time::Duration) -> String {
    use std::io::Read;
    let started = std::time::Instant::now();
    stream.set_read_timeout(Some(bound)).expect("read timeout");
    let mut received = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!(
                "no whole answer after {:?}: {e}; got {:?}",
                started.elapsed(),
                String::from_utf8_lossy(&received)
            ),
        }
    }
    String::from_utf8_lossy(&received).into_owned()
}
