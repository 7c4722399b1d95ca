//! Teams, users, devices and enrolment codes in SQLite. Secrets arrive here already hashed.

use crate::storage::{
    DeviceInfo, EnrolRefusal, NewDevice, Principal, ReferenceRow, StorageError, StorageResult,
    TeamRoster, TokenCheck,
};
use beatbook_core::ids::{DeviceId, TeamId, UserId};
use beatbook_core::model::{Team, User};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

/// How stale `last_seen_at` may get before a request writes it again (a write per request
/// would cost an fsync each).
const TOUCH_EVERY_MS: i64 = 60_000;

/// The server's HLC node id, made once when the store is created.
pub(super) fn server_node(conn: &Connection) -> StorageResult<DeviceId> {
    let existing: Option<DeviceId> = conn
        .query_row(
            "SELECT value FROM server_meta WHERE key = 'node_id'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(node) = existing {
        return Ok(node);
    }
    let node = DeviceId::new();
    conn.execute(
        "INSERT OR IGNORE INTO server_meta (key, value) VALUES ('node_id', ?1)",
        [node],
    )?;
    // Another process may have won the race: read back what is stored.
    Ok(conn.query_row(
        "SELECT value FROM server_meta WHERE key = 'node_id'",
        [],
        |r| r.get(0),
    )?)
}

/// The store's epoch (`storage::epoch`), made if the store has none yet.
pub(crate) fn epoch(conn: &Connection) -> StorageResult<uuid::Uuid> {
    conn.execute(
        "INSERT OR IGNORE INTO server_meta (key, value) VALUES (?1, ?2)",
        [
            crate::storage::epoch::EPOCH_KEY,
            &crate::storage::epoch::new_epoch().to_string(),
        ],
    )?;
    let text: String = conn.query_row(
        "SELECT value FROM server_meta WHERE key = ?1",
        [crate::storage::epoch::EPOCH_KEY],
        |r| r.get(0),
    )?;
    uuid::Uuid::parse_str(&text).map_err(|_| {
        crate::storage::StorageError::Corrupt("the store's epoch is not a UUID".into())
    })
}

/// Gives the store a new epoch: it now holds a history of its own (a restored backup).
pub(crate) fn renew_epoch(conn: &Connection) -> StorageResult<uuid::Uuid> {
    let epoch = crate::storage::epoch::new_epoch();
    conn.execute(
        "INSERT INTO server_meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [crate::storage::epoch::EPOCH_KEY, &epoch.to_string()],
    )?;
    Ok(epoch)
}

pub(super) fn teams(conn: &Connection) -> StorageResult<Vec<Team>> {
    let mut stmt = conn.prepare("SELECT id, name, lap_code FROM teams ORDER BY name, id")?;
    let rows = stmt.query_map([], |r| {
        Ok(Team {
            id: r.get(0)?,
            name: r.get(1)?,
            lap_code: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        display_name: r.get(1)?,
        role: r.get(2)?,
        team_id: r.get(3)?,
    })
}

pub(super) fn users(conn: &Connection) -> StorageResult<Vec<User>> {
    let mut stmt =
        conn.prepare("SELECT id, display_name, role, team_id FROM users ORDER BY created_at, id")?;
    let rows = stmt.query_map([], user_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(super) fn team_member_ids(conn: &Connection, team: TeamId) -> StorageResult<Vec<UserId>> {
    let mut stmt = conn.prepare_cached("SELECT id FROM users WHERE team_id = ?1")?;
    let rows = stmt.query_map([team], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The devices of a team's users: by `users_team` and `devices_user` (migration 0011), so a
/// push reads its own team's rows, not the force's.
pub(super) const TEAM_DEVICES: &str =
    "SELECT d.id, d.user_id FROM users u JOIN devices d ON d.user_id = u.id WHERE u.team_id = ?1";

pub(super) fn team_roster(conn: &Connection, team: TeamId) -> StorageResult<TeamRoster> {
    let members = team_member_ids(conn, team)?.into_iter().collect();
    let mut stmt = conn.prepare_cached(TEAM_DEVICES)?;
    let device_users = stmt
        .query_map([team], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(TeamRoster {
        members,
        device_users,
    })
}

pub(super) fn user(conn: &Connection, id: UserId) -> StorageResult<Option<User>> {
    Ok(conn
        .query_row(
            "SELECT id, display_name, role, team_id FROM users WHERE id = ?1",
            [id],
            user_row,
        )
        .optional()?)
}

/// Writes a reference table row (inside the caller's transaction).
pub(super) fn upsert_reference(
    conn: &Connection,
    row: &ReferenceRow,
    now_ms: i64,
) -> StorageResult<()> {
    match row {
        ReferenceRow::Lap(lap) => {
            conn.execute(
                "INSERT INTO laps (code, name) VALUES (?1, ?2)
                 ON CONFLICT (code) DO UPDATE SET name = excluded.name",
                params![lap.code, lap.name],
            )?;
        }
        ReferenceRow::Team(team) => {
            conn.execute(
                "INSERT INTO teams (id, name, lap_code, created_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, lap_code = excluded.lap_code",
                params![team.id, team.name, team.lap_code, now_ms],
            )?;
        }
        ReferenceRow::User(user) => {
            conn.execute(
                "INSERT INTO users (id, display_name, role, team_id, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name,
                   role = excluded.role, team_id = excluded.team_id",
                params![user.id, user.display_name, user.role, user.team_id, now_ms],
            )?;
        }
    }
    Ok(())
}

pub(super) fn add_enrolment_code(
    conn: &Connection,
    code_hash: [u8; 32],
    user: UserId,
    now_ms: i64,
    expires_at_ms: i64,
) -> StorageResult<()> {
    let known: bool = conn
        .query_row("SELECT 1 FROM users WHERE id = ?1", [user], |_| Ok(()))
        .optional()?
        .is_some();
    if !known {
        return Err(StorageError::NotFound(format!("no user {user}")));
    }
    conn.execute(
        "INSERT INTO enrolment_codes (code_hash, user_id, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![&code_hash[..], user, now_ms, expires_at_ms],
    )?;
    Ok(())
}

pub(super) fn devices(conn: &Connection) -> StorageResult<Vec<DeviceInfo>> {
    let mut stmt = conn.prepare(
        "SELECT d.id, d.user_id, u.display_name, d.name, d.created_at, d.last_seen_at, d.revoked_at
         FROM devices d JOIN users u ON u.id = d.user_id ORDER BY d.created_at, d.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(DeviceInfo {
            id: r.get(0)?,
            user_id: r.get(1)?,
            user_name: r.get(2)?,
            name: r.get(3)?,
            created_at_ms: r.get(4)?,
            last_seen_at_ms: r.get(5)?,
            revoked_at_ms: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(super) fn revoke_device(conn: &Connection, id: DeviceId, now_ms: i64) -> StorageResult<bool> {
    let known: bool = conn
        .query_row("SELECT 1 FROM devices WHERE id = ?1", [id], |_| Ok(()))
        .optional()?
        .is_some();
    if known {
        conn.execute(
            "UPDATE devices SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            params![id, now_ms],
        )?;
    }
    Ok(known)
}

pub(super) fn enrol(
    conn: &mut Connection,
    code_hash: [u8; 32],
    device: &NewDevice,
    now_ms: i64,
) -> StorageResult<Result<User, EnrolRefusal>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let code: Option<(UserId, i64, Option<i64>)> = tx
        .query_row(
            "SELECT user_id, expires_at, used_at FROM enrolment_codes WHERE code_hash = ?1",
            [&code_hash[..]],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((user_id, expires_at, used_at)) = code else {
        return Ok(Err(EnrolRefusal::Invalid));
    };
    if used_at.is_some() {
        return Ok(Err(EnrolRefusal::Used));
    }
    if now_ms >= expires_at {
        return Ok(Err(EnrolRefusal::Expired));
    }
    let Some(user) = user(&tx, user_id)? else {
        return Ok(Err(EnrolRefusal::Invalid));
    };
    tx.execute(
        "INSERT INTO devices (id, user_id, name, token_hash, created_at, last_seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![
            device.id,
            user_id,
            device.name,
            &device.token_hash[..],
            now_ms
        ],
    )?;
    tx.execute(
        "UPDATE enrolment_codes SET used_at = ?2, device_id = ?3 WHERE code_hash = ?1",
        params![&code_hash[..], now_ms, device.id],
    )?;
    tx.commit()?;
    Ok(Ok(user))
}

/// A device row joined with its holder, as a token lookup reads it.
struct TokenRow {
    revoked_at: Option<i64>,
    last_seen_at: Option<i64>,
    principal: Principal,
}

/// The token's device, and when it was last seen.
pub(super) fn check_token(
    conn: &Connection,
    token_hash: [u8; 32],
) -> StorageResult<(TokenCheck, Option<i64>)> {
    // Every request runs this: the statement is kept prepared on each reader.
    let row = conn
        .prepare_cached(
            "SELECT d.id, d.user_id, d.revoked_at, d.last_seen_at, u.role, u.team_id
             FROM devices d JOIN users u ON u.id = d.user_id WHERE d.token_hash = ?1",
        )?
        .query_row([&token_hash[..]], |r| {
            Ok(TokenRow {
                revoked_at: r.get(2)?,
                last_seen_at: r.get(3)?,
                principal: Principal {
                    device_id: r.get(0)?,
                    user_id: r.get(1)?,
                    role: r.get(4)?,
                    team_id: r.get::<_, Option<TeamId>>(5)?,
                },
            })
        })
        .optional()?;
    Ok(match row {
        None => (TokenCheck::Unknown, None),
        Some(row) if row.revoked_at.is_some() => {
            (TokenCheck::Revoked(row.principal), row.last_seen_at)
        }
        Some(row) => (TokenCheck::Active(row.principal), row.last_seen_at),
    })
}

pub(super) fn should_touch(last_seen: Option<i64>, now_ms: i64) -> bool {
    last_seen.is_none_or(|seen| now_ms - seen >= TOUCH_EVERY_MS)
}

pub(super) fn touch_device(conn: &Connection, id: DeviceId, now_ms: i64) -> StorageResult<()> {
    conn.execute(
        "UPDATE devices SET last_seen_at = ?2 WHERE id = ?1",
        params![id, now_ms],
    )?;
    Ok(())
}
