//! Handing this device's s.62 log to the server beside every sync's push
//! (`POST /v1/sync/audit`, wire form in `sync::audit_wire`), in batches until the server holds
//! every entry. Also the last act of a revoked device before it wipes: the server accepts a
//! revoked device's log (and nothing else from it), so what was done on a lost phone between
//! its last sync and its revocation still reaches the force's log.

use super::transport::{Repeat, Traffic};
use super::{Run, SyncClient, SyncError};
use crate::store::Store;
use crate::sync::audit_wire::{
    AuditUploadRequest, AuditUploadResponse, MAX_AUDIT_ENTRIES_PER_UPLOAD,
};
use crate::sync::client::progress::CancelFlag;
use crate::sync::protocol::PROTOCOL_VERSION;

impl SyncClient {
    /// Pushes the outbox (unless a re-sync is replaying: its pull goes first) while the
    /// entries the server has not acknowledged go to it beside the push, on a connection of
    /// their own. Returns the push's outcome and the hand-in's, both run to their end.
    ///
    /// Why beside: handed in after the push, a device's log (about two entries a record, 500
    /// to a batch) added one round trip per batch to the sync; beside it, those round trips
    /// overlap the push's. Over a 40 ms round trip a 20k-contact push went from 8.4–9.7 s to
    /// 5.4–6.1 s (`docs/performance.md` §7). The two touch different state on both sides (the
    /// outbox and the records; the log and its acknowledged mark), so neither's order matters
    /// to the other.
    pub(super) fn push_beside_log(
        &self,
        store: &Store,
        token: &str,
        run: &mut Run<'_>,
    ) -> (Result<(), SyncError>, Result<(), SyncError>) {
        let cancel = run.cancel;
        let mut log_traffic = Traffic::default();
        let (pushed, handed_in) = std::thread::scope(|scope| {
            let hand_in = scope.spawn(|| self.upload(store, token, cancel, &mut log_traffic));
            let pushed = match store.replaying() {
                Ok(true) => Ok(()),
                Ok(false) => self.push(store, token, run),
                Err(e) => Err(e.into()),
            };
            let handed_in = hand_in.join().unwrap_or_else(|_| {
                Err(SyncError::Protocol(
                    "handing in this device's log failed unexpectedly".into(),
                ))
            });
            (pushed, handed_in)
        });
        run.traffic.sent += log_traffic.sent;
        run.traffic.received += log_traffic.received;
        let handed_in = handed_in.map(|sent| run.report.audit_entries_sent += sent);
        (pushed, handed_in)
    }

    /// A revoked device's last upload, before its store is wiped. Best effort: whatever it
    /// returns, the caller wipes.
    pub(super) fn hand_in_audit_log(
        &self,
        store: &Store,
        cancel: &CancelFlag,
    ) -> Result<u64, SyncError> {
        let token = self.enrolled_token(store)?;
        self.upload(store, &token, cancel, &mut Traffic::default())
    }

    fn upload(
        &self,
        store: &Store,
        token: &str,
        cancel: &CancelFlag,
        traffic: &mut Traffic,
    ) -> Result<u64, SyncError> {
        let url = self.base.endpoint("v1/sync/audit");
        let mut sent = 0;
        let mut rewound_to = None;
        // Never an entry logged after the upload began: a device that records while it syncs
        // logs as it goes, and the upload must still end (the rest goes next sync).
        let logged_before_upload = store.audit_log_newest()?;
        loop {
            cancel.check()?;
            let entries =
                store.audit_entries_to_send(MAX_AUDIT_ENTRIES_PER_UPLOAD, logged_before_upload)?;
            let Some(last) = entries.last().map(|e| e.seq) else {
                return Ok(sent);
            };
            let request = AuditUploadRequest {
                protocol: PROTOCOL_VERSION,
                entries,
            };
            let answer: AuditUploadResponse = match self.transport.post(
                url.clone(),
                Some(token),
                &super::transport::to_json(&request)?,
                Repeat::Safe,
                cancel,
                traffic,
                "audit upload answer",
            ) {
                // A server older than the endpoint: the entries stay here, marked unsent, until
                // the server is upgraded; the sync itself goes on.
                Err(SyncError::Server { status: 404, .. }) => return Ok(sent),
                other => other?,
            };
            let through = answer.acknowledged_through;
            if !(0..=last).contains(&through) {
                return Err(SyncError::Protocol(format!(
                    "the server acknowledged audit entry {through}, but this device sent up to {last}"
                )));
            }
            store.note_audit_acknowledged(through)?;
            sent += request.entries.iter().filter(|e| e.seq <= through).count() as u64;
            if through < last {
                // The server holds less than was sent: it lacks earlier entries (restored from
                // a backup since it acknowledged them). The mark moved back; send from there,
                // once — a server that keeps losing them is broken, not slow.
                if rewound_to == Some(through) {
                    return Err(SyncError::Protocol(format!(
                        "the server holds this device's audit entries only through {through} of {last}"
                    )));
                }
                rewound_to = Some(through);
            }
        }
    }
}
