//! Browser sessions for the supervisors' pages, kept in the server's memory.
//!
//! Why in memory and not in the store: a session is short (15 minutes idle, 8 hours at most),
//! and a server restart signing every sergeant out is a fair price for adding nothing to the
//! storage trait. What a session stands on *is* in the store: signing in enrols a device for
//! the browser (`crate::web::signin`), whose token only this map knows (the plaintext is never
//! shown to anyone), so each request re-reads the holder's role and team as they are now and a
//! revoked browser session is refused at once.
//!
//! The cookie carries a random 256-bit session id; the map is keyed by its SHA-256, so even a
//! dump of the process's memory holds no cookie a thief could present. Every time comes from
//! the caller (the handlers read an injected [`beatbook_core::clock::Clock`]), so the expiry
//! rules are tested without waiting and without the wall clock.

use beatbook_core::ids::{DeviceId, UserId};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::sync::Mutex;

/// A session unused for this long is over.
pub const IDLE_TIMEOUT: Duration = Duration::minutes(15);
/// A session is over this long after sign-in, however busy.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(8);
/// Sessions held at once; past it (after sweeping expired ones) sign-in is refused.
pub const MAX_SESSIONS: usize = 10_000;

/// One signed-in browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The device enrolled for this browser at sign-in (revoked at sign-out or expiry).
    pub device_id: DeviceId,
    /// The hash of that device's token: how each request finds the holder's current role.
    pub token_hash: [u8; 32],
    pub user_id: UserId,
    /// The anti-forgery token every state-changing form of this session carries.
    pub csrf: String,
    pub signed_in_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// Why a session id was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionCheck {
    Active(Session),
    /// It existed and has run out (it is now removed); its device should be revoked.
    Expired(DeviceId),
    Unknown,
}

/// Why a session could not be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many sessions are open; try again later")]
pub struct TooManySessions;

/// The open sessions, by the SHA-256 of their id.
#[derive(Debug, Default)]
pub struct Sessions {
    map: Mutex<HashMap<[u8; 32], Session>>,
}

fn expired(session: &Session, now: DateTime<Utc>) -> bool {
    now - session.last_seen_at >= IDLE_TIMEOUT || now - session.signed_in_at >= ABSOLUTE_TIMEOUT
}

impl Sessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Session>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Opens a session; returns the devices of expired sessions swept to make room.
    pub fn open(
        &self,
        id_hash: [u8; 32],
        session: Session,
        now: DateTime<Utc>,
    ) -> Result<Vec<DeviceId>, TooManySessions> {
        let mut map = self.lock();
        let mut swept = Vec::new();
        // Every sign-in sweeps: a session left to expire unvisited still has its device revoked.
        map.retain(|_, s| {
            let gone = expired(s, now);
            if gone {
                swept.push(s.device_id);
            }
            !gone
        });
        if map.len() >= MAX_SESSIONS {
            return Err(TooManySessions);
        }
        map.insert(id_hash, session);
        Ok(swept)
    }

    /// Checks a session at `now` and, if it is active, notes it as used then.
    pub fn touch(&self, id_hash: &[u8; 32], now: DateTime<Utc>) -> SessionCheck {
        let mut map = self.lock();
        let Some(session) = map.get_mut(id_hash) else {
            return SessionCheck::Unknown;
        };
        if expired(session, now) {
            let device = session.device_id;
            map.remove(id_hash);
            return SessionCheck::Expired(device);
        }
        session.last_seen_at = now;
        SessionCheck::Active(session.clone())
    }

    /// Ends a session (sign-out); its device, to revoke.
    pub fn close(&self, id_hash: &[u8; 32]) -> Option<DeviceId> {
        self.lock().remove(id_hash).map(|s| s.device_id)
    }

    /// Open sessions.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2031, 3, 4, h, m, 0)
            .single()
            .expect("a valid time")
    }

    fn session(now: DateTime<Utc>) -> Session {
        Session {
            device_id: DeviceId::new(),
            token_hash: [7; 32],
            user_id: UserId::new(),
            csrf: "c".into(),
            signed_in_at: now,
            last_seen_at: now,
        }
    }

    #[test]
    fn a_session_ends_after_fifteen_idle_minutes() {
        let sessions = Sessions::default();
        let s = session(at(9, 0));
        let device = s.device_id;
        sessions.open([1; 32], s, at(9, 0)).expect("opens");
        assert!(matches!(
            sessions.touch(&[1; 32], at(9, 14)),
            SessionCheck::Active(_)
        ));
        // Used at 9:14, so still alive at 9:28, then idle until 9:43.
        assert!(matches!(
            sessions.touch(&[1; 32], at(9, 28)),
            SessionCheck::Active(_)
        ));
        assert_eq!(
            sessions.touch(&[1; 32], at(9, 43)),
            SessionCheck::Expired(device)
        );
        assert_eq!(sessions.touch(&[1; 32], at(9, 44)), SessionCheck::Unknown);
    }

    #[test]
    fn a_busy_session_still_ends_eight_hours_after_sign_in() {
        let sessions = Sessions::default();
        sessions
            .open([2; 32], session(at(8, 0)), at(8, 0))
            .expect("opens");
        let mut now = at(8, 0);
        while now < at(15, 50) {
            now += Duration::minutes(10);
            assert!(
                matches!(sessions.touch(&[2; 32], now), SessionCheck::Active(_)),
                "{now}"
            );
        }
        assert!(matches!(
            sessions.touch(&[2; 32], at(16, 0)),
            SessionCheck::Expired(_)
        ));
    }

    #[test]
    fn a_sign_in_sweeps_sessions_left_to_expire() {
        let sessions = Sessions::default();
        let old = session(at(8, 0));
        let device = old.device_id;
        sessions.open([4; 32], old, at(8, 0)).expect("opens");
        let swept = sessions
            .open([5; 32], session(at(9, 0)), at(9, 0))
            .expect("opens");
        assert_eq!(swept, vec![device]);
        assert_eq!(sessions.len(), 1);
    }

    #[test]
    fn sign_out_closes_and_returns_the_device() {
        let sessions = Sessions::default();
        let s = session(at(9, 0));
        let device = s.device_id;
        sessions.open([3; 32], s, at(9, 0)).expect("opens");
        assert_eq!(sessions.close(&[3; 32]), Some(device));
        assert_eq!(sessions.touch(&[3; 32], at(9, 1)), SessionCheck::Unknown);
        assert!(sessions.is_empty());
    }
}
