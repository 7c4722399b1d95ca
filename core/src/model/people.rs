//! Users, roles and teams, and the `Actor` that every write and every consultation names for
//! the audit log.

use super::code_enum::code_enum;
use crate::ids::{DeviceId, TeamId, UserId};
use serde::{Deserialize, Serialize};

code_enum!(
    /// What a user is; it decides what they may record and see.
    Role, "role" {
        Officer => "officer",
        /// Police Community Support Officer.
        Pcso => "pcso",
        /// Citizens in Policing volunteer: never sees personal data of the public.
        Volunteer => "cip_volunteer",
        Supervisor => "supervisor",
    }
);

impl Role {
    /// Whether this role may record or read personal details of members of the public.
    pub fn may_handle_personal_data(&self) -> bool {
        !matches!(self, Role::Volunteer)
    }

    /// Whether this role approves SARA stage moves and reviews the team's work.
    pub fn is_supervisor(&self) -> bool {
        matches!(self, Role::Supervisor)
    }
}

/// A neighbourhood team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Team {
    pub id: TeamId,
    pub name: String,
    /// The LAP the team covers, when it covers one.
    pub lap_code: Option<String>,
}

/// A person who uses Beatbook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub display_name: String,
    pub role: Role,
    pub team_id: Option<TeamId>,
}

/// Who is acting, from which device: recorded with every change and every audit entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: UserId,
    pub role: Role,
    pub device_id: DeviceId,
}
