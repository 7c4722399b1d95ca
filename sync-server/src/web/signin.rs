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
//! Failed attempts are rate-limited per minute and source address ([`SignInLimiter`]), on the
//! injected clock; 10 failures a minute against codes of 50 bits that live 10 minutes leaves a
//! guesser nothing.

use crate::admin::{AdminError, AdminResult};
use crate::secrets;
use crate::storage::{EnrolRefusal, NewDevice, StorageResult, SyncStorage};
use beatbook_core::ids::{DeviceId, UserId};
use beatbook_core::model::{Role, User};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// How long a sign-in code may wait to be used.
pub const CODE_LIFETIME: Duration = Duration::minutes(10);
/// Failed sign-ins allowed in one minute from one source address, then `429`.
pub const FAILURES_PER_MINUTE: u32 = 10;
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

/// Each source's window: when its first counted failure was, and how many since.
type Windows = HashMap<Option<IpAddr>, (DateTime<Utc>, u32)>;

/// How many sources' windows are kept at once; past it, expired windows are dropped, and if
/// none has expired, sources not yet counted share one window (a flood of addresses cannot grow
/// memory without bound, and gains nothing: the shared window fills as fast as any).
pub const MAX_SOURCES: usize = 10_000;

/// Counts failed sign-ins per minute for each source address, on the caller's clock. Per
/// source, so that one guesser cannot lock every supervisor out; `None` is a request with no
/// known peer (tests driving the router directly). Behind a reverse proxy every request has
/// the proxy's address, and the limit is the proxy's (docs/operations.md).
#[derive(Debug, Default)]
pub struct SignInLimiter {
    windows: Mutex<Windows>,
}

impl SignInLimiter {
    fn lock(&self) -> std::sync::MutexGuard<'_, Windows> {
        self.windows.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Seconds `source` must wait, when its minute's failures are used up.
    pub fn blocked_for(&self, source: Option<IpAddr>, now: DateTime<Utc>) -> Option<i64> {
        let windows = self.lock();
        match windows.get(&key_for(&windows, source)) {
            Some((start, failures))
                if now - *start < Duration::minutes(1) && *failures >= FAILURES_PER_MINUTE =>
            {
                Some((Duration::minutes(1) - (now - *start)).num_seconds().max(1))
            }
            _ => None,
        }
    }

    /// Notes a failed attempt from `source`.
    pub fn failed(&self, source: Option<IpAddr>, now: DateTime<Utc>) {
        let mut windows = self.lock();
        if !windows.contains_key(&source) && windows.len() >= MAX_SOURCES {
            windows.retain(|_, (start, _)| now - *start < Duration::minutes(1));
        }
        let key = key_for(&windows, source);
        let window = windows.entry(key).or_insert((now, 0));
        if now - window.0 >= Duration::minutes(1) {
            *window = (now, 0);
        }
        window.1 = window.1.saturating_add(1);
    }
}

/// The window `source` counts in: its own, or when the table is full and it has none, the
/// shared one.
fn key_for(windows: &Windows, source: Option<IpAddr>) -> Option<IpAddr> {
    if windows.contains_key(&source) || windows.len() < MAX_SOURCES {
        source
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn sign_in_codes_are_hashed_apart_from_enrolment_codes() {
        assert_ne!(code_hash("ABCDEFGHIJ"), secrets::hash("ABCDEFGHIJ"));
        assert_eq!(code_hash("abcde-fghij"), code_hash("ABCDEFGHIJ"));
    }

    #[test]
    fn ten_failures_a_minute_from_one_source_then_that_source_waits() {
        let t0 = Utc
            .with_ymd_and_hms(2031, 3, 4, 9, 0, 0)
            .single()
            .expect("time");
        let guesser = Some(IpAddr::from([203, 0, 113, 7]));
        let sergeant = Some(IpAddr::from([10, 1, 2, 3]));
        let limiter = SignInLimiter::default();
        for i in 0..FAILURES_PER_MINUTE {
            assert_eq!(limiter.blocked_for(guesser, t0), None, "attempt {i}");
            limiter.failed(guesser, t0);
        }
        assert_eq!(
            limiter.blocked_for(guesser, t0 + Duration::seconds(20)),
            Some(40)
        );
        // Another address is not locked out by the guesser.
        assert_eq!(
            limiter.blocked_for(sergeant, t0 + Duration::seconds(20)),
            None
        );
        assert_eq!(
            limiter.blocked_for(guesser, t0 + Duration::seconds(61)),
            None
        );
    }

    #[test]
    fn a_flood_of_addresses_is_bounded_and_shares_one_window() {
        let t0 = Utc
            .with_ymd_and_hms(2031, 3, 4, 9, 0, 0)
            .single()
            .expect("time");
        let limiter = SignInLimiter::default();
        for n in 0..MAX_SOURCES as u32 {
            limiter.failed(Some(IpAddr::from(n.to_be_bytes())), t0);
        }
        let late = |n: u32| Some(IpAddr::from((u32::MAX - n).to_be_bytes()));
        for n in 0..FAILURES_PER_MINUTE {
            limiter.failed(late(n), t0);
        }
        assert!(limiter.lock().len() <= MAX_SOURCES + 1);
        assert!(
            limiter.blocked_for(late(99), t0).is_some(),
            "the shared window is full"
        );
        // A minute on, expired windows make room again.
        let t1 = t0 + Duration::seconds(61);
        limiter.failed(late(100), t1);
        assert!(limiter.lock().len() <= 2);
        assert_eq!(limiter.blocked_for(late(100), t1), None);
    }
}
