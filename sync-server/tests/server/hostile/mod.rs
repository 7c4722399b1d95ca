//! Hostile input at the HTTP edge: every byte the server reads may come from an attacker or a
//! broken client. Each case is answered with a 4xx and an `ErrorBody` (or, inside a push that
//! parses, a per-op rejection), never a 5xx or a dropped connection, and changes nothing: the
//! feed head, the devices and what a team member pulls are compared before and after.

mod auth;
mod bodies;
mod ops;

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
