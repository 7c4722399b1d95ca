//! Errors as a person reads them.
//!
//! Whoever runs `beatbook` is usually mid-shift, so a failure is one line saying what is wrong,
//! often a second saying how to fix it, and an exit code a script can branch on. Core errors
//! never carry a field's value (see `beatbook_core::error`), and nothing here adds one, so an
//! error message never shows personal data.

use beatbook_core::sync::client::SyncError;
use beatbook_core::validation::{Rule, ValidationError};
use beatbook_core::Error;
use std::fmt;
use std::path::Path;

/// Exit codes, as documented in `beatbook --help`.
pub mod exit {
    /// Anything not covered below (a database or file failure, a role not permitted…).
    pub const OTHER: u8 = 1;
    /// Wrong usage or invalid input: fix the command and run it again.
    pub const USAGE: u8 = 2;
    /// The store key is missing, malformed or wrong.
    pub const KEY: u8 = 3;
    /// A record with that id does not exist.
    pub const NOT_FOUND: u8 = 4;
    /// The sync server revoked this device, and its store was wiped.
    pub const WIPED: u8 = 5;
}

/// A failure of one command.
#[derive(Debug)]
pub struct CliError {
    pub message: String,
    pub hint: Option<String>,
    pub code: u8,
    /// Set when stdout was closed early (`beatbook audit | head`): not a failure.
    pub broken_pipe: bool,
}

pub type Result<T, E = CliError> = std::result::Result<T, E>;

impl CliError {
    fn new(code: u8, message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            hint: None,
            code,
            broken_pipe: false,
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(exit::USAGE, message)
    }

    pub fn key(message: impl Into<String>) -> Self {
        Self::new(exit::KEY, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(exit::NOT_FOUND, message)
    }

    pub fn other(message: impl Into<String>) -> Self {
        Self::new(exit::OTHER, message)
    }

    pub fn wiped(message: impl Into<String>) -> Self {
        Self::new(exit::WIPED, message)
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// A file the person named could not be read or written.
    pub fn file(path: &Path, action: &str, err: &std::io::Error) -> Self {
        let code = match err.kind() {
            std::io::ErrorKind::NotFound | std::io::ErrorKind::AlreadyExists => exit::USAGE,
            _ => exit::OTHER,
        };
        Self::new(
            code,
            format!("cannot {action} {}: {}", path.display(), io_reason(err)),
        )
    }
}

/// An I/O error's reason without the "(os error 2)" noise.
pub fn io_reason(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".to_owned(),
        std::io::ErrorKind::AlreadyExists => "it already exists".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => err.to_string(),
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<std::io::Error> for CliError {
    fn from(err: std::io::Error) -> Self {
        let mut e = CliError::other(format!("output failed: {}", io_reason(&err)));
        e.broken_pipe = err.kind() == std::io::ErrorKind::BrokenPipe;
        e
    }
}

impl From<serde_json::Error> for CliError {
    fn from(err: serde_json::Error) -> Self {
        if err.is_io() {
            return std::io::Error::from(err).into();
        }
        CliError::other(format!("could not write JSON: {err}"))
    }
}

impl From<Error> for CliError {
    fn from(err: Error) -> Self {
        match err {
            Error::WrongKey => CliError::key(err.to_string()).hint(
                "use the key file this store was made with (--key-file or BEATBOOK_KEY_FILE), \
                 or point --store at your own store",
            ),
            Error::BadKey(_) => CliError::key(err.to_string()),
            Error::Invalid(v) => {
                let hint = validation_hint(&v);
                let e = CliError::usage(crate::field_words::sentence(&v));
                match hint {
                    Some(h) => e.hint(h),
                    None => e,
                }
            }
            Error::NotFound { .. } => CliError::not_found(err.to_string()),
            Error::Geo(_) => CliError::usage(err.to_string()),
            Error::Denied(_) => CliError::other(err.to_string()),
            Error::SchemaTooNew { .. } => CliError::other(err.to_string())
                .hint("this store was written by a newer Beatbook; update this client"),
            _ => CliError::other(err.to_string()),
        }
    }
}

impl From<SyncError> for CliError {
    fn from(err: SyncError) -> Self {
        let stays =
            "everything recorded stays on this device and goes with the next `beatbook sync`";
        match err {
            SyncError::Store(e) => e.into(),
            SyncError::NotEnrolled => CliError::usage(
                "this store is not enrolled with a sync server (it was made with `init`)",
            )
            .hint(
                "`beatbook enrol --server URL --code CODE --store NEW-PATH` makes a store that \
                 syncs; a store made with `init` stays on this device",
            ),
            SyncError::BadServerUrl(_) => CliError::usage(err.to_string()),
            SyncError::DeviceRevoked => CliError::wiped(err.to_string()),
            SyncError::Network(_) => CliError::other(err.to_string()).hint(stays),
            SyncError::BadPin(_) => CliError::usage(err.to_string()).hint(
                "a pin is the base64 SHA-256 of the server certificate's public key \
                 (`beatbook enrol --help` shows how to compute it)",
            ),
            SyncError::CertificatePinMismatch { .. } => CliError::other(err.to_string()).hint(
                "nothing was sent; if the force has changed its server's key, enrol again \
                 with the new pin; otherwise someone may be impersonating the server",
            ),
            SyncError::Server { ref code, .. } => {
                let hint = match code.as_str() {
                    "enrolment_code_invalid" => {
                        "check the code (10 letters and digits), or ask your administrator for a new one"
                    }
                    "enrolment_code_expired" | "enrolment_code_used" => {
                        "ask your administrator for a new enrolment code"
                    }
                    "unauthenticated" => {
                        "the server does not know this device; ask your administrator to enrol it again"
                    }
                    _ => stays,
                };
                let code = if code.starts_with("enrolment_code_") {
                    exit::USAGE
                } else {
                    exit::OTHER
                };
                CliError::new(code, err.to_string()).hint(hint)
            }
            SyncError::Protocol(_) => CliError::other(err.to_string()).hint(
                "this client and the server disagree; update Beatbook or tell your administrator",
            ),
            SyncError::Cancelled => CliError::other(err.to_string()).hint(stays),
        }
    }
}

/// How to fix a broken rule, in terms of this client's flags.
fn validation_hint(v: &ValidationError) -> Option<String> {
    let hint = match (&v.rule, v.field.as_str()) {
        (Rule::AssessmentRequired, _) => {
            "end it with its value assessment: --purpose-met yes|partly|no --rating 1-5 \
             --summary \"what the patrol achieved\""
        }
        (Rule::ConsentRequired, _) => {
            "add --consent only if the person agreed to be contacted again; otherwise leave out \
             --name, --phone, --email and --address"
        }
        (Rule::SupervisorOnly, _) => "a supervisor does this from their own Beatbook",
        (Rule::StageEvidenceMissing { .. }, _) if v.field == "to" => {
            "record it first: `beatbook problem step` at the Analysis stage, or \
             `beatbook problem assess` at the Assessment stage"
        }
        (Rule::Required, "purpose") => "say why this patrol is going out with --purpose",
        (Rule::Required, "promised") => "--due-hours and --owner need --promised",
        (Rule::Required, "justification") => "say why with --justification",
        (Rule::Required, "reason") => "say why with --reason",
        (Rule::Required, "operation_name") => "a named operation needs --operation NAME",
        _ => return None,
    };
    Some(hint.to_owned())
}
