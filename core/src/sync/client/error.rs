//! What a sync can fail with, typed so that an app can react to each case (ask for a new
//! enrolment code, wipe, try later) rather than parse messages.
//!
//! Messages are safe to show, log and store as the store's `last_error`: they never carry the
//! device token, a request or response body, or a record's content. Server messages are
//! included because the protocol promises they hold no personal data.

use crate::Error;

/// Why enrolment or a sync failed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// This store has no enrolment yet: enrol it first.
    #[error("this device is not enrolled with a sync server")]
    NotEnrolled,
    /// The server revoked this device. [`super::sync_or_wipe`] wipes the store on this.
    #[error("this device was revoked by the sync server")]
    DeviceRevoked,
    /// The server address is unusable (not https, or not an address at all).
    #[error("bad sync server address: {0}")]
    BadServerUrl(String),
    /// The server could not be reached, or the connection broke (after retrying).
    #[error("network: {0}")]
    Network(String),
    /// A certificate pin given for the server (at enrolment, or in the client's options) is
    /// not a base64 SHA-256.
    #[error("bad certificate pin: {0}")]
    BadPin(#[from] super::pinning::PinError),
    /// The server's certificate carries none of the keys pinned for it: refused, even though
    /// a trusted CA signed it. Not retried. Either the force has changed its server's key
    /// without pinning the new one first, or someone is impersonating the server.
    #[error(
        "the sync server's certificate key ({presented}) matches none of the keys pinned for it \
         at enrolment: not connecting (ask your administrator)"
    )]
    CertificatePinMismatch {
        /// The pin of the key the server presented (base64 SHA-256 of its public key).
        presented: String,
    },
    /// The server refused the request (or kept failing after retries).
    #[error("the sync server answered {status} {code}: {message}")]
    Server {
        status: u16,
        /// The protocol's stable error code (`enrolment_code_used`, `slow_down`, ...), or
        /// `unknown` when the answer did not come from a Beatbook server (a proxy's page).
        code: String,
        message: String,
    },
    /// The server's answer did not follow the protocol.
    #[error("the sync server's answer broke the protocol: {0}")]
    Protocol(String),
    /// The caller cancelled; everything finished before that is kept.
    #[error("sync cancelled")]
    Cancelled,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] Error),
}

impl SyncError {
    /// The protocol's error code for a refusal by the server, if this is one.
    pub fn server_code(&self) -> Option<&str> {
        match self {
            SyncError::Server { code, .. } => Some(code),
            SyncError::DeviceRevoked => Some("device_revoked"),
            _ => None,
        }
    }
}
