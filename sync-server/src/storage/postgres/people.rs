//! Teams, users, devices and enrolment codes in PostgreSQL (the SQLite store's `people.rs`, in
//! PostgreSQL's dialect). Secrets arrive here already hashed.

use super::convert::{parsed, parsed_opt};
use crate::storage::{
    DeviceInfo, EnrolRefusal, NewDevice, Principal, ReferenceRow, StorageError, StorageResult,
    TeamRoster, TokenCheck,
};
use beatbook_core::ids::{DeviceId, TeamId, UserId};
use beatbook_core::model::{Team, User};
use postgres::{GenericClient, Row};

/// How stale `last_seen_at` may get before a request writes it again.
const TOUCH_EVERY_MS: i64 = 60_000;

/// The server's HLC node id, made once when the database is created (shared by every
/// instance on it: they are one server to devices).
pub(super) fn server_node(client: &mut impl GenericClient) -> StorageResult<DeviceId> {
    client.execute(
        "INSERT INTO server_meta (key, value) VALUES ('node_id', $1) ON CONFLICT (key) DO NOTHING",
        &[&DeviceId::new().to_string()],
    )?;
    let row = client.query_one("SELECT value FROM server_meta WHERE key = 'node_id'", &[])?;
    parsed(&row, 0, "server node id")
}

/// The database's epoch (`storage::epoch`), made if it has none yet; shared by every instance.
pub(crate) fn epoch(client: &mut impl GenericClient) -> StorageResult<uuid::Uuid> {
    client.execute(
        "INSERT INTO server_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        &[
            &crate::storage::epoch::EPOCH_KEY,
            &crate::storage::epoch::new_epoch().to_string(),
        ],
    )?;
    let row = client.query_one(
        "SELECT value FROM server_meta WHERE key = $1",
        &[&crate::storage::epoch::EPOCH_KEY],
    )?;
    parsed(&row, 0, "store epoch")
}

/// Gives the database a new epoch (after a point-in-time recovery or a pg_restore).
pub(crate) fn renew_epoch(client: &mut impl GenericClient) -> StorageResult<uuid::Uuid> {
    let epoch = crate::storage::epoch::new_epoch();
    client.execute(
        "INSERT INTO server_meta (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[&crate::storage::epoch::EPOCH_KEY, &epoch.to_string()],
    )?;
    Ok(epoch)
}

pub(super) fn teams(client: &mut impl GenericClient) -> StorageResult<Vec<Team>> {
    client
        .query(
            "SELECT id, name, lap_code FROM teams ORDER BY name, id",
            &[],
        )?
        .iter()
        .map(|r| {
            Ok(Team {
                id: parsed(r, 0, "team id")?,
                name: r.try_get(1)?,
                lap_code: r.try_get(2)?,
            })
        })
        .collect()
}

fn user_row(r: &Row) -> StorageResult<User> {
    Ok(User {
        id: parsed(r, 0, "user id")?,
        display_name: r.try_get(1)?,
        role: parsed(r, 2, "role")?,
        team_id: parsed_opt(r, 3, "team id")?,
    })
}

pub(super) fn users(client: &mut impl GenericClient) -> StorageResult<Vec<User>> {
    client
        .query(
            "SELECT id, display_name, role, team_id FROM users ORDER BY created_at, id",
            &[],
        )?
        .iter()
        .map(user_row)
        .collect()
}

pub(super) fn team_member_ids(
    client: &mut impl GenericClient,
    team: TeamId,
) -> StorageResult<Vec<UserId>> {
    client
        .query(
            "SELECT id FROM users WHERE team_id = $1",
            &[&team.to_string()],
        )?
        .iter()
        .map(|r| parsed(r, 0, "user id"))
        .collect()
}

pub(super) fn team_roster(
    client: &mut impl GenericClient,
    team: TeamId,
) -> StorageResult<TeamRoster> {
    let members = team_member_ids(client, team)?.into_iter().collect();
    let device_users = client
        .query(
            "SELECT d.id, d.user_id FROM users u JOIN devices d ON d.user_id = u.id
             WHERE u.team_id = $1",
            &[&team.to_string()],
        )?
        .iter()
        .map(|r| Ok((parsed(r, 0, "device id")?, parsed(r, 1, "user id")?)))
        .collect::<StorageResult<_>>()?;
    Ok(TeamRoster {
        members,
        device_users,
    })
}

pub(super) fn user(client: &mut impl GenericClient, id: UserId) -> StorageResult<Option<User>> {
    client
        .query_opt(
            "SELECT id, display_name, role, team_id FROM users WHERE id = $1",
            &[&id.to_string()],
        )?
        .as_ref()
        .map(user_row)
        .transpose()
}

/// Writes a reference table row (inside the caller's transaction).
pub(super) fn upsert_reference(
    client: &mut impl GenericClient,
    row: &ReferenceRow,
    now_ms: i64,
) -> StorageResult<()> {
    match row {
        ReferenceRow::Lap(lap) => {
            client.execute(
                "INSERT INTO laps (code, name) VALUES ($1, $2)
                 ON CONFLICT (code) DO UPDATE SET name = excluded.name",
                &[&lap.code, &lap.name],
            )?;
        }
        ReferenceRow::Team(team) => {
            client.execute(
                "INSERT INTO teams (id, name, lap_code, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, lap_code = excluded.lap_code",
                &[&team.id.to_string(), &team.name, &team.lap_code, &now_ms],
            )?;
        }
        ReferenceRow::User(user) => {
            client.execute(
                "INSERT INTO users (id, display_name, role, team_id, created_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name,
                   role = excluded.role, team_id = excluded.team_id",
                &[
                    &user.id.to_string(),
                    &user.display_name,
                    &user.role.as_str(),
                    &user.team_id.map(|t| t.to_string()),
                    &now_ms,
                ],
            )?;
        }
    }
    Ok(())
}

pub(super) fn add_enrolment_code(
    client: &mut impl GenericClient,
    code_hash: [u8; 32],
    user: UserId,
    now_ms: i64,
    expires_at_ms: i64,
) -> StorageResult<()> {
    let known = client
        .query_opt("SELECT 1 FROM users WHERE id = $1", &[&user.to_string()])?
        .is_some();
    if !known {
        return Err(StorageError::NotFound(format!("no user {user}")));
    }
    client.execute(
        "INSERT INTO enrolment_codes (code_hash, user_id, created_at, expires_at)
         VALUES ($1, $2, $3, $4)",
        &[&&code_hash[..], &user.to_string(), &now_ms, &expires_at_ms],
    )?;
    Ok(())
}

pub(super) fn devices(client: &mut impl GenericClient) -> StorageResult<Vec<DeviceInfo>> {
    client
        .query(
            "SELECT d.id, d.user_id, u.display_name, d.name, d.created_at, d.last_seen_at,
               d.revoked_at
             FROM devices d JOIN users u ON u.id = d.user_id ORDER BY d.created_at, d.id",
            &[],
        )?
        .iter()
        .map(|r| {
            Ok(DeviceInfo {
                id: parsed(r, 0, "device id")?,
                user_id: parsed(r, 1, "user id")?,
                user_name: r.try_get(2)?,
                name: r.try_get(3)?,
                created_at_ms: r.try_get(4)?,
                last_seen_at_ms: r.try_get(5)?,
                revoked_at_ms: r.try_get(6)?,
            })
        })
        .collect()
}

pub(super) fn revoke_device(
    client: &mut impl GenericClient,
    id: DeviceId,
    now_ms: i64,
) -> StorageResult<bool> {
    let id = id.to_string();
    let known = client
        .query_opt("SELECT 1 FROM devices WHERE id = $1", &[&id])?
        .is_some();
    if known {
        client.execute(
            "UPDATE devices SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
            &[&id, &now_ms],
        )?;
    }
    Ok(known)
}

/// Uses a code and registers the device, in one transaction. The code's row is locked first,
/// so two devices presenting one code at once through two instances cannot both enrol.
pub(super) fn enrol(
    client: &mut postgres::Client,
    code_hash: [u8; 32],
    device: &NewDevice,
    now_ms: i64,
) -> StorageResult<Result<User, EnrolRefusal>> {
    let mut tx = client.transaction()?;
    let code = tx.query_opt(
        "SELECT user_id, expires_at, used_at FROM enrolment_codes WHERE code_hash = $1
         FOR UPDATE",
        &[&&code_hash[..]],
    )?;
    let Some(code) = code else {
        return Ok(Err(EnrolRefusal::Invalid));
    };
    let user_id: UserId = parsed(&code, 0, "user id")?;
    let expires_at: i64 = code.try_get(1)?;
    let used_at: Option<i64> = code.try_get(2)?;
    if used_at.is_some() {
        return Ok(Err(EnrolRefusal::Used));
    }
    if now_ms >= expires_at {
        return Ok(Err(EnrolRefusal::Expired));
    }
    let Some(user) = user(&mut tx, user_id)? else {
        return Ok(Err(EnrolRefusal::Invalid));
    };
    tx.execute(
        "INSERT INTO devices (id, user_id, name, token_hash, created_at, last_seen_at)
         VALUES ($1, $2, $3, $4, $5, $5)",
        &[
            &device.id.to_string(),
            &user_id.to_string(),
            &device.name,
            &&device.token_hash[..],
            &now_ms,
        ],
    )?;
    tx.execute(
        "UPDATE enrolment_codes SET used_at = $2, device_id = $3 WHERE code_hash = $1",
        &[&&code_hash[..], &now_ms, &device.id.to_string()],
    )?;
    tx.commit()?;
    Ok(Ok(user))
}

/// The token's device and when it was last seen.
pub(super) fn check_token(
    client: &mut impl GenericClient,
    token_hash: [u8; 32],
) -> StorageResult<(TokenCheck, Option<i64>)> {
    let row = client.query_opt(
        "SELECT d.id, d.user_id, d.revoked_at, d.last_seen_at, u.role, u.team_id
         FROM devices d JOIN users u ON u.id = d.user_id WHERE d.token_hash = $1",
        &[&&token_hash[..]],
    )?;
    let Some(row) = row else {
        return Ok((TokenCheck::Unknown, None));
    };
    let revoked_at: Option<i64> = row.try_get(2)?;
    let last_seen_at: Option<i64> = row.try_get(3)?;
    let principal = Principal {
        device_id: parsed(&row, 0, "device id")?,
        user_id: parsed(&row, 1, "user id")?,
        role: parsed(&row, 4, "role")?,
        team_id: parsed_opt(&row, 5, "team id")?,
    };
    if revoked_at.is_some() {
        return Ok((TokenCheck::Revoked(principal), last_seen_at));
    }
    Ok((TokenCheck::Active(principal), last_seen_at))
}

pub(super) fn should_touch(last_seen: Option<i64>, now_ms: i64) -> bool {
    last_seen.is_none_or(|seen| now_ms - seen >= TOUCH_EVERY_MS)
}

pub(super) fn touch_device(
    client: &mut impl GenericClient,
    id: DeviceId,
    now_ms: i64,
) -> StorageResult<()> {
    client.execute(
        "UPDATE devices SET last_seen_at = $2 WHERE id = $1",
        &[&id.to_string(), &now_ms],
    )?;
    Ok(())
}
