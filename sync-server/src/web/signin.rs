//! Signing a supervisor in to the web pages without a password to manage.
//!
//! An administrator runs `beatbook-server admin sign-in-code --user ID`: the server makes a
//! one-time code (10 base32 characters from the OS CSPRNG, as for enrolment), prints it once and
//! stores only its hash, with a 10-minute expiry. The code is stored as an enrolment code whose
//! hash is taken over `web-sign-in:` + the code, so it cannot enrol a phone through
//! `/v1/enrol` (which hashes the code alone), and an enrolment code cannot open a web session.
//!
//! Exchanging it enrols a device for the browser through the storage's ordinary, one-time,
//! transactional [`SyncStorage::enrol`]: the code is used exactly once, the browser session
//! appears in `admin list-devices` (and can be revoked there), and no storage method was added.
//! The device's token is made here, hashed, and its plaintext dropped: it never leaves the
//! server, so a browser session is no credential for the sync API.
//!
//! Failed attempts are limited per source address with exponential back-off
//! (`crate::throttle`, the same limiter as enrolment codes and tokens), on the injected clock,
//! and checked before the form is read (`guard::SignInAllowed`); 10 failures, then waits that
//! double from 30 s, against codes of 50 bits that live 10 minutes leaves a guesser nothing.

use crate::admin::{AdminError, AdminResult};
use crate::secrets;
use crate::storage::{EnrolRefusal, NewDevice, StorageResult, SyncStorage};
use beatbook_core::ids::{DeviceId, UserId};
use beatbook_core::model::{Role, User};
use chrono::{DateTime, Duration, Utc};

/// How long a sign-in code may wait to be used.
pub const CODE_LIFETIME: Duration = Duration::minutes(10);
/// The device name a browser session is enrolled under (shown by `admin list-devices`).
pub const DEVICE_NAME: &str = "web pages (browser session)";

/// The hash a sign-in code is stored under: kept apart from enrolment codes' hashes.
pub fn code_hash(code: &str) -> [u8; 32] {
    secrets::hash(&format!("web-sign-in:{}", secrets::normalise_code(code)))
}

/// A sign-in code as issued: shown once.
#[derive(Debug, Clone)]
pub struct IssuedSignInCode {
    pub code: String,
    pub user: User,
    pub expires_at: DateTime<Utc>,
}

/// Issues a one-time sign-in code for a supervisor (administration).
pub fn issue_code(
    storage: &dyn SyncStorage,
    user: UserId,
    now: DateTime<Utc>,
) -> AdminResult<IssuedSignInCode> {
    let user = storage
        .user(user)?
        .ok_or_else(|| AdminError::Invalid(format!("no user {user}")))?;
    if user.role != Role::Supervisor {
        return Err(AdminError::Invalid(format!(
            "the web pages are for supervisors; {} is {}",
            user.display_name, user.role
        )));
    }
    let code = secrets::new_enrolment_code().map_err(|e| AdminError::Invalid(e.to_string()))?;
    let expires_at = now + CODE_LIFETIME;
    storage.add_enrolment_code(
        code_hash(&code),
        user.id,
        now.timestamp_millis(),
        expires_at.timestamp_millis(),
    )?;
    Ok(IssuedSignInCode {
        code,
        user,
        expires_at,
    })
}

/// A browser signed in: the device enrolled for it and its token's hash.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedIn {
    pub user: User,
    pub device_id: DeviceId,
    pub token_hash: [u8; 32],
}

/// Why a code did not sign anyone in (the page says only "not valid").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInRefusal {
    Invalid,
    Expired,
    Used,
    NotSupervisor,
}

/// Exchanges a typed code for a browser device (one time).
pub fn exchange(
    storage: &dyn SyncStorage,
    typed: &str,
    now: DateTime<Utc>,
) -> StorageResult<Result<SignedIn, SignInRefusal>> {
    if secrets::normalise_code(typed).len() != secrets::CODE_LEN {
        return Ok(Err(SignInRefusal::Invalid));
    }
    let Ok(token) = secrets::new_token() else {
        return Err(crate::storage::StorageError::Invalid(
            "the system random number generator failed".into(),
        ));
    };
    let device = NewDevice {
        id: DeviceId::new(),
        name: DEVICE_NAME.into(),
        token_hash: secrets::hash(&token),
    };
    let now_ms = now.timestamp_millis();
    match storage.enrol(code_hash(typed), &device, now_ms)? {
        Ok(user) if user.role == Role::Supervisor => Ok(Ok(SignedIn {
            user,
            device_id: device.id,
            token_hash: device.token_hash,
        })),
        Ok(_) => {
            storage.revoke_device(device.id, now_ms)?;
            Ok(Err(SignInRefusal::NotSupervisor))
        }
        Err(EnrolRefusal::Invalid) => Ok(Err(SignInRefusal::Invalid)),
        Err(EnrolRefusal::Expired) => Ok(Err(SignInRefusal::Expired)),
        Err(EnrolRefusal::Used) => Ok(Err(SignInRefusal::Used)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_codes_are_hashed_apart_from_enrolment_codes() {
        assert_ne!(code_hash("ABCDEFGHIJ"), secrets::hash("ABCDEFGHIJ"));
        assert_eq!(code_hash("abcde-fghij"), code_hash("ABCDEFGHIJ"));
    }
}
