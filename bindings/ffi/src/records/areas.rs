//! Who acts, and where: actors, users, teams, areas.

use crate::convert::{id, opt_text, texts};
use crate::error::{BeatbookError, Result};
use beatbook_core::model::{self as core, ClearHoldBuild, LsoaCode, Role};

/// Who is acting, from which device: the store's device owner.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Actor {
    pub user_id: String,
    pub role: Role,
    pub device_id: String,
}

impl From<core::Actor> for Actor {
    fn from(a: core::Actor) -> Self {
        Actor {
            user_id: a.user_id.to_string(),
            role: a.role,
            device_id: a.device_id.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct User {
    pub id: String,
    pub display_name: String,
    pub role: Role,
    pub team_id: Option<String>,
}

impl From<core::User> for User {
    fn from(u: core::User) -> Self {
        User {
            id: u.id.to_string(),
            display_name: u.display_name,
            role: u.role,
            team_id: opt_text(u.team_id),
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Team {
    pub id: String,
    pub name: String,
    pub lap_code: Option<String>,
}

impl From<core::Team> for Team {
    fn from(t: core::Team) -> Self {
        Team {
            id: t.id.to_string(),
            name: t.name,
            lap_code: t.lap_code,
        }
    }
}

/// The area a patrol or problem is about.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum AreaRef {
    /// A Local Area Partnership, by code.
    Lap { code: String },
    /// An LSOA, by GSS code (`E01027461`).
    Lsoa { code: String },
    /// A priority area, by id.
    Priority { id: String },
}

impl TryFrom<AreaRef> for core::AreaRef {
    type Error = BeatbookError;
    fn try_from(a: AreaRef) -> Result<Self> {
        Ok(match a {
            AreaRef::Lap { code } => core::AreaRef::Lap(code),
            AreaRef::Lsoa { code } => core::AreaRef::Lsoa(LsoaCode::parse_typed("area", &code)?),
            AreaRef::Priority { id: text } => core::AreaRef::Priority(id("area", &text)?),
        })
    }
}

impl From<core::AreaRef> for AreaRef {
    fn from(a: core::AreaRef) -> Self {
        match a {
            core::AreaRef::Lap(code) => AreaRef::Lap { code },
            core::AreaRef::Lsoa(code) => AreaRef::Lsoa {
                code: code.to_string(),
            },
            core::AreaRef::Priority(id) => AreaRef::Priority { id: id.to_string() },
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Lsoa {
    pub code: String,
    pub name: String,
    pub lap_code: String,
    pub neighbourhood: Option<String>,
}

impl From<core::Lsoa> for Lsoa {
    fn from(l: core::Lsoa) -> Self {
        Lsoa {
            code: l.code.to_string(),
            name: l.name,
            lap_code: l.lap_code,
            neighbourhood: l.neighbourhood,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PriorityArea {
    pub id: String,
    pub name: String,
    pub lsoa_codes: Vec<String>,
    pub phase: Option<ClearHoldBuild>,
}

impl From<core::PriorityArea> for PriorityArea {
    fn from(p: core::PriorityArea) -> Self {
        PriorityArea {
            id: p.id.to_string(),
            name: p.name,
            lsoa_codes: texts(&p.lsoa_codes),
            phase: p.phase,
        }
    }
}

/// The LSOA and LAP a point falls in.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AreaTag {
    pub lsoa_code: String,
    pub lap_code: String,
}

impl From<beatbook_core::geo::AreaTag> for AreaTag {
    fn from(t: beatbook_core::geo::AreaTag) -> Self {
        AreaTag {
            lsoa_code: t.lsoa_code.to_string(),
            lap_code: t.lap_code,
        }
    }
}
