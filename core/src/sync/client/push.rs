//! The push: the outbox goes to the server in batches, each answered op by op.
//!
//! Why pipelined: a batch costs this device time to read and encode (the outbox is encrypted,
//! the body gzipped) and to apply its answer (a transaction that clears the ops), and costs the
//! server time to validate and commit it. Done one after the other, each side waits for the
//! other and half the time nothing works (a 100k-contact push measured ~54% idle across the
//! two). So while the server handles batch k, this device applies the answer to batch k−1
//! and reads, encodes and gzips batch k+1 (gzipping it as it was sent put ~4 ms of a 500-op
//! batch's ~85 ms round trip on the critical path, measured in a 5k push) — it reads past the
//! ops already sent (their place in the outbox, which may be zero or negative: a re-sync
//! queues ahead of the outbox) instead of waiting for them to leave it. One request is in flight at a time, so
//! the server sees the same sequence of pushes as before.
//!
//! What stays as it was: a push takes at most the ops queued when it began (a device recording
//! meanwhile must still finish its sync); a batch over the body limit or refused with 413 is
//! halved; answers refusing the device's clock re-stamp the outbox and start again from its
//! oldest op, at most [`MAX_RESTAMPS_PER_SYNC`] times; a pass that gets nothing out ends the
//! push. A cancelled push ends after the batch in flight, its answer applied.

use super::transport::{Gzipped, Repeat, Traffic};
use super::{Run, SyncClient, SyncError, SyncPhase, MAX_RESTAMPS_PER_SYNC};
use crate::store::device_sync::epoch::EpochSeen;
use crate::store::device_sync::{PlacedAnswer, QueuedOp};
use crate::store::Store;
use crate::sync::compact_push::{EitherPushResponse, ANSWER_PARAM, COMPACT_ANSWER};
use crate::sync::hlc::Hlc;
use crate::sync::protocol::{
    OpResult, PushResponse, MAX_BODY_BYTES, MAX_OPS_PER_PUSH, PROTOCOL_VERSION,
};
use reqwest::Url;
use serde::Serialize;
use serde_json::value::RawValue;
use uuid::Uuid;

/// A push request with each op as the outbox stores it: it encodes exactly as
/// [`PushRequest`](crate::sync::protocol::PushRequest) does with those ops parsed (a test holds
/// the two to the same bytes), without building the ops to encode them again.
#[derive(Serialize)]
struct StoredOpsRequest<'a> {
    protocol: u32,
    ops: Vec<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pulled_through: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    epoch: Option<Uuid>,
}

/// What the push keeps of an op it sent: its place in the outbox, its id (to match the answer)
/// and the stamp it was sent with (recorded when the answer is applied).
#[derive(Debug, Clone, Copy)]
struct SentOp {
    place: i64,
    op_id: Uuid,
    stamp: Hlc,
}

/// A batch read from the outbox, encoded and gzipped, ready to send.
struct Batch {
    /// Its ops, in request order.
    sent: Vec<SentOp>,
    body: Gzipped,
}

/// The server's answer to a batch, with the batch's ops in request order.
struct Answered {
    response: PushResponse,
    sent: Vec<SentOp>,
}

impl Batch {
    fn len(&self) -> u64 {
        self.sent.len() as u64
    }
}

/// What the push does after an answer has been applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    Go,
    /// The server refused this device's clock: re-stamp the outbox and start again.
    Restamp,
    /// Nothing of the batch got out: stop for this sync.
    Stop,
}

/// One push's place in the outbox and what it has done.
struct Pusher<'a> {
    store: &'a Store,
    batch_size: usize,
    /// Ops queued when the push began: it never takes more (re-sends after a re-stamp aside).
    queued: u64,
    /// Ops it may still take from the outbox.
    budget: u64,
    /// The outbox place the next batch starts at.
    from: i64,
    /// Ops answered for good (accepted, duplicate or rejected).
    done: u64,
    /// The device's pull cursor, sent with every batch (no-echo); a push does not move it.
    pulled_through: u64,
}

impl SyncClient {
    /// Sends the outbox, pipelined (see the module docs).
    pub(super) fn push(
        &self,
        store: &Store,
        token: &str,
        run: &mut Run<'_>,
    ) -> Result<(), SyncError> {
        let queued = store.pending_count()?;
        run.progress(SyncPhase::Push, 0, Some(queued));
        if queued == 0 {
            run.clock_refused = 0;
            return Ok(());
        }
        // The compact answer (`sync::compact_push`); an older server answers in full.
        let mut url = self.base.endpoint("v1/sync/push");
        url.query_pairs_mut()
            .append_pair(ANSWER_PARAM, COMPACT_ANSWER);
        let mut p = Pusher {
            store,
            batch_size: self.options.push_batch.clamp(1, MAX_OPS_PER_PUSH),
            queued,
            budget: queued,
            from: i64::MIN,
            done: 0,
            pulled_through: store.pull_cursor()?,
        };
        let mut sending = p.next_batch()?;
        // The answer to the batch before, applied while the next one is on its way.
        let mut answered: Option<Answered> = None;
        loop {
            let Some(batch) = sending.take() else {
                // Nothing more to send: the last answer is applied, and a re-stamp starts over.
                if p.apply_held(run, &mut answered)? != Next::Restamp {
                    return Ok(());
                }
                p.restamp(run)?;
                sending = p.next_batch()?;
                continue;
            };
            if let Err(cancelled) = run.cancel.check() {
                p.apply_held(run, &mut answered)?;
                return Err(cancelled);
            }
            // This batch goes out while the answer before is applied and the next batch read.
            let cancel = run.cancel;
            let (posted, applied, next) = std::thread::scope(|scope| {
                let sender = scope.spawn(|| self.send(url.clone(), token, &batch, cancel));
                let applied = p.apply_held(run, &mut answered);
                let next = match applied {
                    Ok(Next::Go) => p.next_batch(),
                    _ => Ok(None),
                };
                (sender.join(), applied, next)
            });
            let (answer, traffic) = posted.map_err(|_| {
                SyncError::Protocol("sending a push batch failed unexpectedly".into())
            })?;
            run.traffic.sent += traffic.sent;
            run.traffic.received += traffic.received;
            let step = applied?;
            let mut next = next?;
            match answer {
                Err(SyncError::Server { status: 413, .. }) if batch.len() > 1 => {
                    // Too large for the server: this batch (and the one read after it) again,
                    // in halves.
                    p.put_back(&batch, next.take());
                    if step == Next::Go {
                        next = p.next_batch()?;
                    }
                }
                other => {
                    let response = other?;
                    check_results(&batch.sent, &response.results)?;
                    answered = Some(Answered {
                        response,
                        sent: batch.sent,
                    });
                }
            }
            match step {
                Next::Go => sending = next,
                Next::Restamp => {
                    p.apply_held(run, &mut answered)?;
                    p.restamp(run)?;
                    sending = p.next_batch()?;
                }
                Next::Stop => {
                    p.apply_held(run, &mut answered)?;
                    return Ok(());
                }
            }
        }
    }

    /// Posts one batch; its traffic is counted apart (it runs beside the store's work).
    fn send(
        &self,
        url: Url,
        token: &str,
        batch: &Batch,
        cancel: &super::CancelFlag,
    ) -> (Result<PushResponse, SyncError>, Traffic) {
        let mut traffic = Traffic::default();
        let answer = self
            .transport
            .post_gzipped::<EitherPushResponse>(
                url,
                Some(token),
                &batch.body,
                Repeat::Safe,
                cancel,
                &mut traffic,
                "push answer",
            )
            .and_then(|answer| {
                let sent: Vec<_> = batch.sent.iter().map(|op| op.op_id).collect();
                answer
                    .into_full(&sent)
                    .map_err(|e| SyncError::Protocol(e.to_string()))
            });
        (answer, traffic)
    }
}

impl Pusher<'_> {
    /// Reads and encodes the next batch after the ops already taken, within the budget;
    /// `None` when there is nothing more to take.
    fn next_batch(&mut self) -> Result<Option<Batch>, SyncError> {
        loop {
            let limit = usize::try_from(self.budget)
                .unwrap_or(usize::MAX)
                .min(self.batch_size);
            if limit == 0 {
                return Ok(None);
            }
            let queued = self.store.queued_ops_from(self.from, limit)?;
            let Some(last) = queued.last().map(|op| op.place) else {
                return Ok(None);
            };
            let json = encode(&queued, self.pulled_through, self.store.server_epoch()?)?;
            if json.len() > MAX_BODY_BYTES && queued.len() > 1 {
                self.batch_size = queued.len() / 2;
                continue;
            }
            let batch = Batch {
                sent: queued
                    .iter()
                    .map(|op| SentOp {
                        place: op.place,
                        op_id: op.op_id,
                        stamp: op.hlc,
                    })
                    .collect(),
                body: Gzipped::of(&json)?,
            };
            self.from = last.saturating_add(1);
            self.budget -= batch.len().min(self.budget);
            return Ok(Some(batch));
        }
    }

    /// Gives back a batch the server found too large (and the one read after it): the next
    /// batch starts where it did, half its size.
    fn put_back(&mut self, batch: &Batch, read_after: Option<Batch>) {
        self.from = batch.sent.first().map_or(self.from, |op| op.place);
        self.budget += batch.len() + read_after.map_or(0, |b| b.len());
        self.batch_size = (batch.sent.len() / 2).max(1);
    }

    /// Applies the answer held back, if there is one (`Go` when there is none).
    fn apply_held(
        &mut self,
        run: &mut Run<'_>,
        held: &mut Option<Answered>,
    ) -> Result<Next, SyncError> {
        match held.take() {
            Some(answered) => self.apply(run, &answered),
            None => Ok(Next::Go),
        }
    }

    /// Applies the server's answer to a batch: the outbox, the tallies, the progress.
    fn apply(&mut self, run: &mut Run<'_>, answered: &Answered) -> Result<Next, SyncError> {
        let response = &answered.response;
        if self.store.note_server_epoch(response.epoch)? == EpochSeen::Changed {
            run.report.epoch_changes += 1;
        }
        // `check_results` matched the answers to the batch's ops, so they pair with what was sent.
        let placed: Vec<PlacedAnswer<'_>> = answered
            .sent
            .iter()
            .zip(&response.results)
            .map(|(sent, result)| PlacedAnswer {
                place: sent.place,
                stamp: sent.stamp,
                status: &result.status,
            })
            .collect();
        let tally = self
            .store
            .apply_push_answers(&placed, response.server_time)?;
        let out = tally.accepted + tally.duplicate + tally.rejected;
        let report = &mut run.report;
        report.accepted += tally.accepted;
        report.duplicate += tally.duplicate;
        report.rejected += tally.rejected;
        report.pushed += out;
        self.done += out;
        run.progress(SyncPhase::Push, self.done, Some(self.queued.max(self.done)));
        run.clock_refused = tally.clock_ahead;
        if tally.clock_ahead > 0 && run.report.restamped < MAX_RESTAMPS_PER_SYNC {
            Ok(Next::Restamp)
        } else if out == 0 {
            Ok(Next::Stop)
        } else {
            Ok(Next::Go)
        }
    }

    /// Stamps the outbox again after the answer corrected the clock offset, and starts over
    /// from its oldest op with what is left of the queue.
    fn restamp(&mut self, run: &mut Run<'_>) -> Result<(), SyncError> {
        self.store.restamp_pending()?;
        run.report.restamped += 1;
        self.from = i64::MIN;
        self.budget = self.queued.saturating_sub(self.done);
        Ok(())
    }
}

/// A push request's JSON for `queued`, the ops as stored.
fn encode(
    queued: &[QueuedOp],
    pulled_through: u64,
    epoch: Option<Uuid>,
) -> Result<Vec<u8>, SyncError> {
    super::transport::to_json(&StoredOpsRequest {
        protocol: PROTOCOL_VERSION,
        ops: queued.iter().map(|op| op.json.as_ref()).collect(),
        pulled_through: Some(pulled_through),
        epoch,
    })
}

/// The protocol answers every op, in request order; anything else would let ops be dropped or
/// double-counted.
fn check_results(sent: &[SentOp], results: &[OpResult]) -> Result<(), SyncError> {
    let matches = results.len() == sent.len()
        && results
            .iter()
            .zip(sent)
            .all(|(result, op)| result.op_id == op.op_id);
    if matches {
        Ok(())
    } else {
        Err(SyncError::Protocol(format!(
            "the push answer has {} results for {} ops, or not in request order",
            results.len(),
            sent.len()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_server::TestServer;
    use super::super::tests::{one_device, options};
    use super::*;
    use crate::model::{
        Audience, ContactMethod, CrimeCategory, GeoPoint, NewContact, NewNote, NoteCategory,
    };
    use crate::sync::protocol::PushRequest;
    use chrono::Utc;

    #[test]
    fn a_batch_of_stored_ops_encodes_as_the_same_request_built_from_parsed_ops() {
        let server = TestServer::start();
        let (_client, device) = one_device(&server, options());
        let (store, actor) = (&device.store, &device.actor);
        store
            .add_note(
                actor,
                NewNote {
                    observed_at: Utc::now(),
                    text: "Bins \"set alight\" behind the garages — again\n".into(),
                    category: NoteCategory::Environmental,
                    place: Some(GeoPoint::new(52.445174245, -1.524690718)),
                    patrol_id: None,
                    problem_id: None,
                },
            )
            .expect("note");
        store
            .record_contact(
                actor,
                NewContact {
                    occurred_at: Utc::now(),
                    place: Some(GeoPoint::new(52.41, -1.51)),
                    lsoa_code: None,
                    lap_code: None,
                    method: ContactMethod::DoorKnock,
                    audience: Audience::Resident,
                    people_count: 3,
                    issues: vec![CrimeCategory::AntiSocialBehaviour, CrimeCategory::Drugs],
                    issues_text: Some("Speeding on Elm Road".into()),
                    promised: Some("Call back about the streetlight".into()),
                    follow_up_due: Some(Utc::now() + chrono::Duration::days(3)),
                    follow_up_owner: None,
                    consent_to_recontact: false,
                    personal: None,
                    ethnicity: None,
                    repeat_caller: true,
                    vulnerable: false,
                    problem_id: None,
                    patrol_id: None,
                },
            )
            .expect("contact");
        let parsed = store.pending_ops_from(i64::MIN, 100).expect("parsed ops");
        let queued = store.queued_ops_from(i64::MIN, 100).expect("stored ops");
        assert!(queued.len() >= 3, "a note, a contact and its follow-up");
        assert_eq!(queued.len(), parsed.len());
        for (stored, (place, op)) in queued.iter().zip(&parsed) {
            assert_eq!(
                (stored.place, stored.op_id, stored.hlc),
                (*place, op.op_id, op.hlc)
            );
        }
        for epoch in [None, Some(Uuid::now_v7())] {
            let built = super::super::transport::to_json(&PushRequest {
                protocol: PROTOCOL_VERSION,
                ops: parsed.iter().map(|(_, op)| op.clone()).collect(),
                pulled_through: Some(42),
                epoch,
            })
            .expect("built");
            let spliced = encode(&queued, 42, epoch).expect("spliced");
            assert_eq!(
                String::from_utf8(spliced).expect("utf-8"),
                String::from_utf8(built).expect("utf-8")
            );
        }
    }
}
