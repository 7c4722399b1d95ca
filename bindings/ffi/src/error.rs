//! The one error the bindings throw: `BeatbookException` in Kotlin, `BeatbookError` in Swift.
//!
//! One level, no nested error types, so an app handles it with one `when`/`switch`. Every
//! variant's `detail` (its human-readable text, also the Rust `Display`) and every other field
//! is safe to show and to log: the core's messages never carry a record's values, and the one
//! that could (a corrupt row's decoding error, which may quote stored text) is replaced by
//! fixed text here. (The text is `detail`, not `message`: Kotlin exceptions own `message`.) A panic never crosses the boundary:
//! uniffi catches it into its internal error, and the async variants catch their own.

use beatbook_core::sync::client::SyncError;
use beatbook_core::validation::{Rule, ValidationError};
use beatbook_core::Error as CoreError;

/// Anything a Beatbook call can fail with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum BeatbookError {
    /// The key does not open this store (or the file is not a Beatbook store).
    #[error("{detail}")]
    WrongKey { detail: String },
    /// The key from the platform keystore is missing or malformed (it must be 32 bytes).
    #[error("{detail}")]
    BadKey { detail: String },
    /// Input broke a rule; nothing was written. `field` names the field (`people_count`,
    /// `place.lat`, ...), `rule` the rule (`required`, `out_of_range`, `consent_required`, ...).
    #[error("{detail}")]
    Invalid {
        field: String,
        rule: String,
        detail: String,
    },
    /// A referenced record does not exist (or was erased).
    #[error("{detail}")]
    NotFound {
        kind: String,
        id: String,
        detail: String,
    },
    /// Not permitted: `code` is the core's stable denial code (`beatbook_core::policy::DenialCode`,
    /// e.g. `volunteers_refer`), for the app to match on.
    #[error("{detail}")]
    Forbidden { code: String, detail: String },
    /// The store was written by a newer app version.
    #[error("{detail}")]
    SchemaTooNew { detail: String },
    /// Stored data could not be read back (the store is damaged).
    #[error("{detail}")]
    Corrupt { detail: String },
    /// Area boundaries could not be loaded.
    #[error("{detail}")]
    AreaData { detail: String },
    /// The database or the filesystem failed.
    #[error("{detail}")]
    Storage { detail: String },
    /// The store was closed (or wiped): open it again, or enrol a new one.
    #[error("{detail}")]
    Closed { detail: String },
    /// The store has no device owner yet: enrol it first.
    #[error("{detail}")]
    NotEnrolled { detail: String },
    /// The server address is unusable (not https, or not an address).
    #[error("{detail}")]
    BadServerUrl { detail: String },
    /// The server could not be reached, or the connection broke (after retries): try later.
    #[error("{detail}")]
    Network { detail: String },
    /// A pin given at enrolment is not a base64 SHA-256 (32 bytes).
    #[error("{detail}")]
    BadPin { detail: String },
    /// The server's certificate carries none of the keys pinned at enrolment: refused before
    /// anything was sent, even though a trusted CA signed it. `presented` is the pin of the
    /// key it showed. Either the force changed its server's key without pinning the new one
    /// (re-enrol with the new pin), or someone is impersonating the server.
    #[error("{detail}")]
    CertificatePinMismatch { presented: String, detail: String },
    /// The server refused; `code` is the protocol's stable error code
    /// (`enrolment_code_used`, `slow_down`, ...).
    #[error("{detail}")]
    Server {
        status: u16,
        code: String,
        detail: String,
    },
    /// The server's answer broke the protocol.
    #[error("{detail}")]
    Protocol { detail: String },
    /// The sync was cancelled; everything finished before that is kept.
    #[error("{detail}")]
    Cancelled { detail: String },
    /// A bug: the call panicked (async variants) or a callback failed. Nothing was lost that
    /// had committed.
    #[error("{detail}")]
    Internal { detail: String },
}

/// The bindings' result type.
pub type Result<T, E = BeatbookError> = std::result::Result<T, E>;

impl BeatbookError {
    pub(crate) fn closed() -> Self {
        BeatbookError::Closed {
            detail: "the store is closed (or was wiped)".into(),
        }
    }

    pub(crate) fn not_enrolled() -> Self {
        BeatbookError::NotEnrolled {
            detail: "this store has no device owner: enrol it first".into(),
        }
    }

    pub(crate) fn internal(what: &str) -> Self {
        BeatbookError::Internal {
            detail: format!("internal error: {what}"),
        }
    }
}

/// What a foreign callback threw (a `SyncListener`'s exception).
impl From<uniffi::UnexpectedUniFFICallbackError> for BeatbookError {
    fn from(_: uniffi::UnexpectedUniFFICallbackError) -> Self {
        BeatbookError::internal("the progress listener threw")
    }
}

impl From<ValidationError> for BeatbookError {
    fn from(e: ValidationError) -> Self {
        BeatbookError::Invalid {
            detail: format!("invalid input: {e}"),
            rule: rule_code(&e.rule).to_owned(),
            field: e.field,
        }
    }
}

impl From<CoreError> for BeatbookError {
    fn from(e: CoreError) -> Self {
        let detail = e.to_string();
        match e {
            CoreError::WrongKey => BeatbookError::WrongKey { detail },
            CoreError::BadKey(_) => BeatbookError::BadKey { detail },
            CoreError::Invalid(v) => v.into(),
            CoreError::NotFound { kind, id } => BeatbookError::NotFound {
                kind: kind.to_owned(),
                id,
                detail,
            },
            CoreError::Denied(denial) => BeatbookError::Forbidden {
                code: denial.code.as_str().to_owned(),
                detail,
            },
            CoreError::SchemaTooNew { .. } => BeatbookError::SchemaTooNew { detail },
            // The reason is a decoding error, which may quote the stored text.
            CoreError::Corrupt { kind, .. } => BeatbookError::Corrupt {
                detail: format!("a stored {kind} could not be read"),
            },
            CoreError::Geo(_) => BeatbookError::AreaData { detail },
            CoreError::Database(_) | CoreError::Io(_) => BeatbookError::Storage { detail },
        }
    }
}

impl From<SyncError> for BeatbookError {
    fn from(e: SyncError) -> Self {
        let detail = e.to_string();
        match e {
            SyncError::Store(core) => core.into(),
            SyncError::NotEnrolled => BeatbookError::NotEnrolled { detail },
            // Only reached by calls that do not wipe (server status); `sync` wipes instead.
            SyncError::DeviceRevoked => BeatbookError::Server {
                status: 401,
                code: "device_revoked".into(),
                detail,
            },
            SyncError::BadServerUrl(_) => BeatbookError::BadServerUrl { detail },
            SyncError::Network(_) => BeatbookError::Network { detail },
            SyncError::BadPin(_) => BeatbookError::BadPin { detail },
            SyncError::CertificatePinMismatch { presented } => {
                BeatbookError::CertificatePinMismatch { presented, detail }
            }
            SyncError::Server { status, code, .. } => BeatbookError::Server {
                status,
                code,
                detail,
            },
            SyncError::Protocol(_) => BeatbookError::Protocol { detail },
            SyncError::Cancelled => BeatbookError::Cancelled { detail },
        }
    }
}

/// A stable code for each validation rule, for apps to branch on.
fn rule_code(rule: &Rule) -> &'static str {
    match rule {
        Rule::Required => "required",
        Rule::TooLong { .. } => "too_long",
        Rule::OutOfRange { .. } => "out_of_range",
        Rule::Format { .. } => "format",
        Rule::NotInCodeList { .. } => "not_in_code_list",
        Rule::EndBeforeStart => "end_before_start",
        Rule::TimeNotAllowed { .. } => "time_not_allowed",
        Rule::ConsentRequired => "consent_required",
        Rule::AssessmentRequired => "assessment_required",
        Rule::InvalidState { .. } => "invalid_state",
        Rule::StageSkipped { .. } => "stage_skipped",
        Rule::StageEvidenceMissing { .. } => "stage_evidence_missing",
        Rule::SupervisorOnly => "supervisor_only",
        Rule::RoleNotAllowed { .. } => "role_not_allowed",
        Rule::UnknownReference { .. } => "unknown_reference",
        Rule::UnknownArea { .. } => "unknown_area",
        Rule::MustBeEmpty { .. } => "must_be_empty",
        Rule::PlaceRequired { .. } => "place_required",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_corrupt_rows_decoding_error_never_reaches_the_app() {
        let e = BeatbookError::from(CoreError::Corrupt {
            kind: "contact",
            reason: "invalid type: string \"Ada Example\"".into(),
        });
        assert!(!e.to_string().contains("Ada"), "{e}");
    }

    #[test]
    fn validation_errors_keep_their_field_and_rule() {
        let e = BeatbookError::from(CoreError::from(ValidationError::new(
            "personal",
            Rule::ConsentRequired,
        )));
        match e {
            BeatbookError::Invalid { field, rule, .. } => {
                assert_eq!(
                    (field.as_str(), rule.as_str()),
                    ("personal", "consent_required")
                );
            }
            other => panic!("not Invalid: {other:?}"),
        }
    }
}
