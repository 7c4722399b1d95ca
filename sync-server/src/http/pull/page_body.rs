//! A pull page's JSON, written once. Each change is serialised straight into the page's body
//! in the form the device asked for, and its bytes are what the page's byte budget counts — so
//! a change is never serialised a second time just to be measured (that was 8% of the server's
//! time in a pull), and the compact form's pages are bounded by their own size, not by the
//! larger full form's. The body is byte for byte what serialising a `PullResponse` or a
//! `CompactPullResponse` gives (tested).

use chrono::{DateTime, Utc};
use serde::Serialize;

const OPENING: &[u8] = b"{\"changes\":[";

/// The changes of a page being written.
pub(super) struct Changes {
    body: Vec<u8>,
    count: usize,
    last_seq: Option<u64>,
}

/// What follows the changes: the fields of `PullResponse` / `CompactPullResponse` after
/// `changes`, with the same names, order and omissions.
#[derive(Serialize)]
pub(super) struct Tail {
    pub next_cursor: u64,
    pub has_more: bool,
    pub server_time: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub epoch: Option<uuid::Uuid>,
}

impl Changes {
    pub(super) fn new() -> Self {
        Changes {
            body: OPENING.to_vec(),
            count: 0,
            last_seq: None,
        }
    }

    /// Appends `change` (at feed position `seq`) unless the changes, with it, would pass
    /// `max_bytes`: then nothing is appended and the answer is `false`. The first change is
    /// always taken, so a page always moves the cursor.
    pub(super) fn push<C: Serialize>(
        &mut self,
        seq: u64,
        change: &C,
        max_bytes: usize,
    ) -> serde_json::Result<bool> {
        let mark = self.body.len();
        if self.count > 0 {
            self.body.push(b',');
        }
        if let Err(e) = serde_json::to_writer(&mut self.body, change) {
            self.body.truncate(mark);
            return Err(e);
        }
        if self.count > 0 && self.bytes() > max_bytes {
            self.body.truncate(mark);
            return Ok(false);
        }
        self.count += 1;
        self.last_seq = Some(seq);
        Ok(true)
    }

    /// How many changes the page holds.
    pub(super) fn count(&self) -> usize {
        self.count
    }

    /// The bytes of the changes written so far, with their separators.
    pub(super) fn bytes(&self) -> usize {
        self.body.len() - OPENING.len()
    }

    /// The feed position of the last change taken.
    pub(super) fn last_seq(&self) -> Option<u64> {
        self.last_seq
    }

    /// The whole page: the changes, then `tail`'s fields.
    pub(super) fn finish(mut self, tail: &Tail) -> serde_json::Result<Vec<u8>> {
        let tail = serde_json::to_vec(tail)?;
        self.body.extend_from_slice(b"],");
        // `tail` is an object with at least `next_cursor`: its fields follow its opening brace.
        self.body
            .extend_from_slice(tail.get(1..).unwrap_or_default());
        Ok(self.body)
    }
}

#[cfg(test)]
mod tests;
