//! The geography that activity is targeted by: Local Area Partnerships, LSOAs and priority areas
//! (which can carry a Clear-Hold-Build phase), and the `AreaRef` that records point at.

use super::code_enum::code_enum;
use super::place::LsoaCode;
use crate::ids::PriorityAreaId;
use crate::validation::{check, limits, ValidationError};
use serde::{Deserialize, Serialize};

code_enum!(
    /// Where a priority area is in the Clear-Hold-Build model.
    ClearHoldBuild, "Clear-Hold-Build phase" {
        Clear => "clear",
        Hold => "hold",
        Build => "build",
    }
);

/// A Local Area Partnership.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lap {
    pub code: String,
    pub name: String,
}

/// A Lower Layer Super Output Area, with the LAP (and neighbourhood) it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lsoa {
    pub code: LsoaCode,
    pub name: String,
    pub lap_code: String,
    pub neighbourhood: Option<String>,
}

/// An area chosen for targeted activity by threat, risk, harm and vulnerability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriorityArea {
    pub id: PriorityAreaId,
    pub name: String,
    pub lsoa_codes: Vec<LsoaCode>,
    pub phase: Option<ClearHoldBuild>,
}

/// The area a patrol or problem is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum AreaRef {
    Lap(String),
    Lsoa(LsoaCode),
    Priority(PriorityAreaId),
}

impl AreaRef {
    /// Stored as two columns: a kind and an id.
    pub fn kind(&self) -> &'static str {
        match self {
            AreaRef::Lap(_) => "lap",
            AreaRef::Lsoa(_) => "lsoa",
            AreaRef::Priority(_) => "priority",
        }
    }

    pub fn id_string(&self) -> String {
        match self {
            AreaRef::Lap(code) => code.clone(),
            AreaRef::Lsoa(code) => code.to_string(),
            AreaRef::Priority(id) => id.to_string(),
        }
    }

    /// Rebuilds from the stored columns.
    pub fn from_parts(kind: &str, id: &str) -> Result<Self, ValidationError> {
        match kind {
            "lap" => Ok(AreaRef::Lap(id.to_owned())),
            "lsoa" => LsoaCode::parse_field("area", id).map(AreaRef::Lsoa),
            "priority" => id.parse().map(AreaRef::Priority).map_err(|_| {
                ValidationError::new(
                    "area",
                    crate::validation::Rule::Format {
                        expected: "a priority area id",
                    },
                )
            }),
            _ => Err(ValidationError::new(
                "area",
                crate::validation::Rule::NotInCodeList { list: "area kind" },
            )),
        }
    }

    pub fn validate(&self, field: &str) -> Result<(), ValidationError> {
        match self {
            AreaRef::Lap(code) => check::required_text(field, code, limits::SHORT_TEXT),
            AreaRef::Lsoa(_) | AreaRef::Priority(_) => Ok(()),
        }
    }
}
