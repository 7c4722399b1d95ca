//! Administration: the force's reference data (LAPs, teams, users, area boundaries, priority
//! areas), enrolment codes and devices. Used by the `admin` and `demo` commands.
//!
//! Every write of a user, team, area boundaries or priority area is also a feed record (kinds
//! `user`, `team`, `area_boundaries`, `priority_area`; fields = the core model type's serde
//! form), written in the same transaction as its table row, so devices receive reference data
//! through the ordinary pull.

use crate::reference;
use crate::secrets;
use crate::storage::{
    Decision, DeviceInfo, RecordMeta, RecordRow, ReferenceRow, StorageError, SyncStorage,
    WriteOutcome, WriteTarget,
};
use beatbook_core::geo::AreaIndex;
use beatbook_core::ids::{DeviceId, PriorityAreaId, TeamId, UserId};
use beatbook_core::model::{ClearHoldBuild, Lap, LsoaCode, PriorityArea, Role, Team, User};
use beatbook_core::sync::RecordKind;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// The id of the one `area_boundaries` record.
pub const AREA_BOUNDARIES_ID: &str = "current";
/// Default lifetime of an enrolment code.
pub const DEFAULT_CODE_HOURS: u32 = 24;

/// Why an administration command failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Random(#[from] secrets::RandomError),
}

pub type AdminResult<T> = Result<T, AdminError>;

/// A new enrolment code, to show once.
#[derive(Debug, Clone)]
pub struct IssuedCode {
    pub code: String,
    pub user: User,
    pub expires_at: DateTime<Utc>,
}

fn required(what: &str, text: &str) -> AdminResult<String> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 200 {
        return Err(AdminError::Invalid(format!(
            "{what} is required, at most 200 characters"
        )));
    }
    Ok(text.to_owned())
}

/// Writes a reference record (and its table rows) as the server.
pub(crate) fn write_reference<T: Serialize>(
    storage: &dyn SyncStorage,
    kind: RecordKind,
    record_id: &str,
    team_id: Option<TeamId>,
    value: &T,
    reference_rows: Vec<ReferenceRow>,
) -> AdminResult<()> {
    let node = storage.server_node()?;
    let values = reference::object_of(value).map_err(|e| AdminError::Invalid(e.to_string()))?;
    let now = Utc::now();
    let now_ms = u64::try_from(now.timestamp_millis()).unwrap_or(0);
    let target = WriteTarget {
        op_id: None,
        device_id: None,
        kind,
        record_id: record_id.to_owned(),
        now_ms: now.timestamp_millis(),
        pulled_through: None,
    };
    let mut rows = Some(reference_rows);
    let outcome = storage.write_record(&target, &mut |current| Decision::Write {
        record: RecordRow {
            kind,
            record_id: record_id.to_owned(),
            meta: RecordMeta {
                team_id,
                ..RecordMeta::default()
            },
            state: reference::stamp(&current.state, &values, node, now_ms),
        },
        extra: Vec::new(),
        reference_rows: rows.take().unwrap_or_default(),
        scrub_conflicts: crate::storage::ConflictScrub::Keep,
        audit: Vec::new(),
    })?;
    match outcome {
        WriteOutcome::Applied { .. } => Ok(()),
        other => Err(AdminError::Invalid(format!(
            "the {kind} record was not written: {other:?}"
        ))),
    }
}

/// Adds or renames a Local Area Partnership (laps are reference rows, not feed records: the
/// area boundaries devices receive carry LAP names).
pub fn create_lap(storage: &dyn SyncStorage, code: &str, name: &str) -> AdminResult<Lap> {
    let lap = Lap {
        code: required("a LAP code", code)?,
        name: required("a LAP name", name)?,
    };
    storage.upsert_reference_rows(
        &[ReferenceRow::Lap(lap.clone())],
        Utc::now().timestamp_millis(),
    )?;
    Ok(lap)
}

pub fn create_team(storage: &dyn SyncStorage, name: &str, lap: Option<&str>) -> AdminResult<Team> {
    let team = Team {
        id: TeamId::new(),
        name: required("a team name", name)?,
        lap_code: lap.map(|l| required("a LAP code", l)).transpose()?,
    };
    write_reference(
        storage,
        RecordKind::Team,
        &team.id.to_string(),
        Some(team.id),
        &team,
        vec![ReferenceRow::Team(team.clone())],
    )?;
    Ok(team)
}

pub fn create_user(
    storage: &dyn SyncStorage,
    name: &str,
    role: Role,
    team: TeamId,
) -> AdminResult<User> {
    if !storage.teams()?.iter().any(|t| t.id == team) {
        return Err(AdminError::NotFound(format!("no team {team}")));
    }
    let user = User {
        id: UserId::new(),
        display_name: required("a display name", name)?,
        role,
        team_id: Some(team),
    };
    write_reference(
        storage,
        RecordKind::User,
        &user.id.to_string(),
        Some(team),
        &user,
        vec![ReferenceRow::User(user.clone())],
    )?;
    Ok(user)
}

/// Issues a one-time enrolment code for `user`, valid for `hours`.
pub fn enrol_code(storage: &dyn SyncStorage, user: UserId, hours: u32) -> AdminResult<IssuedCode> {
    if hours == 0 || hours > 24 * 30 {
        return Err(AdminError::Invalid(
            "a code must expire within 1 hour to 30 days".into(),
        ));
    }
    let user = storage
        .user(user)?
        .ok_or_else(|| AdminError::NotFound(format!("no user {user}")))?;
    let code = secrets::new_enrolment_code()?;
    let now = Utc::now();
    let expires_at = now + Duration::hours(i64::from(hours));
    storage.add_enrolment_code(
        secrets::hash(&code),
        user.id,
        now.timestamp_millis(),
        expires_at.timestamp_millis(),
    )?;
    Ok(IssuedCode {
        code,
        user,
        expires_at,
    })
}

pub fn list_devices(storage: &dyn SyncStorage) -> AdminResult<Vec<DeviceInfo>> {
    Ok(storage.devices()?)
}

pub fn revoke_device(storage: &dyn SyncStorage, id: DeviceId) -> AdminResult<()> {
    if storage.revoke_device(id, Utc::now().timestamp_millis())? {
        Ok(())
    } else {
        Err(AdminError::NotFound(format!("no device {id}")))
    }
}

/// What loading boundaries did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreasLoaded {
    pub lsoas: usize,
    pub laps: Vec<Lap>,
}

/// Validates a boundary file (the core's rules: `beatbook_core::geo`), stores it as the
/// `area_boundaries` record "current", and its LAPs as reference rows.
pub fn load_areas(storage: &dyn SyncStorage, geojson: &str) -> AdminResult<AreasLoaded> {
    let index = AreaIndex::from_geojson(geojson)
        .map_err(|e| AdminError::Invalid(format!("the boundary file was refused: {e}")))?;
    let laps: BTreeMap<String, String> = index
        .boundaries()
        .iter()
        .map(|b| (b.lap_code.clone(), b.lap_name.clone()))
        .collect();
    let laps: Vec<Lap> = laps
        .into_iter()
        .map(|(code, name)| Lap { code, name })
        .collect();
    write_reference(
        storage,
        RecordKind::AreaBoundaries,
        AREA_BOUNDARIES_ID,
        None,
        &serde_json::json!({ "geojson": geojson }),
        laps.iter().cloned().map(ReferenceRow::Lap).collect(),
    )?;
    Ok(AreasLoaded {
        lsoas: index.len(),
        laps,
    })
}

/// Creates (no id) or updates a priority area, force-wide.
pub fn set_priority_area(
    storage: &dyn SyncStorage,
    id: Option<PriorityAreaId>,
    name: &str,
    lsoas: &[String],
    phase: Option<ClearHoldBuild>,
) -> AdminResult<PriorityArea> {
    let lsoa_codes = lsoas
        .iter()
        .map(|code| {
            LsoaCode::parse(code.trim())
                .map_err(|_| AdminError::Invalid(format!("`{code}` is not an LSOA code")))
        })
        .collect::<AdminResult<Vec<_>>>()?;
    if lsoa_codes.is_empty() {
        return Err(AdminError::Invalid(
            "a priority area needs at least one LSOA".into(),
        ));
    }
    let area = PriorityArea {
        id: id.unwrap_or_default(),
        name: required("a priority area name", name)?,
        lsoa_codes,
        phase,
    };
    write_reference(
        storage,
        RecordKind::PriorityArea,
        &area.id.to_string(),
        None,
        &area,
        Vec::new(),
    )?;
    Ok(area)
}
