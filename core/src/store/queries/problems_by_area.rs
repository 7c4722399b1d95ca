//! Problems grouped by SARA stage within an area. A problem is in a LAP when it was opened for
//! the LAP itself, for one of its LSOAs, or for a priority area with an LSOA in it.

use crate::error::Result;
use crate::ids::{ProblemId, UserId};
use crate::model::{AreaRef, CrimeCategory, LsoaCode, PriorityArea, SaraStage};
use crate::store::sql_time::SqlTime;
use crate::store::Store;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Which area to look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "code", rename_all = "snake_case")]
pub enum AreaFilter {
    All,
    Lap(String),
    Lsoa(LsoaCode),
}

/// A problem in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProblemSummary {
    pub id: ProblemId,
    pub title: String,
    pub category: CrimeCategory,
    pub area: AreaRef,
    pub owner: UserId,
    pub stage: SaraStage,
    pub stage_changed_at: DateTime<Utc>,
}

/// The problems at one stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageGroup {
    pub stage: SaraStage,
    pub problems: Vec<ProblemSummary>,
}

impl Store {
    /// Problems in `area`, grouped by stage in SARA order (every stage present, maybe empty);
    /// within a stage, longest at that stage first.
    pub fn problems_by_stage(&self, area: &AreaFilter) -> Result<Vec<StageGroup>> {
        let lsoa_laps: HashMap<String, String> = self
            .lsoas()?
            .into_iter()
            .map(|l| (l.code.to_string(), l.lap_code))
            .collect();
        let priority: HashMap<String, PriorityArea> = self
            .priority_areas()?
            .into_iter()
            .map(|p| (p.id.to_string(), p))
            .collect();
        let summaries = self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, title, category, area_kind, area_id, owner, stage, stage_changed_at
                 FROM problems ORDER BY stage_changed_at, id",
            )?;
            let rows = stmt.query_map([], |r| {
                let area = AreaRef::from_parts(&r.get::<_, String>(3)?, &r.get::<_, String>(4)?)
                    .map_err(crate::store::rows::conversion)?;
                Ok(ProblemSummary {
                    id: r.get(0)?,
                    title: r.get(1)?,
                    category: r.get(2)?,
                    area,
                    owner: r.get(5)?,
                    stage: r.get(6)?,
                    stage_changed_at: r.get::<_, SqlTime>(7)?.0,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })?;
        let in_area = |p: &ProblemSummary| match area {
            AreaFilter::All => true,
            AreaFilter::Lap(lap) => match &p.area {
                AreaRef::Lap(code) => code == lap,
                AreaRef::Lsoa(code) => lsoa_laps.get(code.as_str()) == Some(lap),
                AreaRef::Priority(id) => priority.get(&id.to_string()).is_some_and(|pa| {
                    pa.lsoa_codes
                        .iter()
                        .any(|c| lsoa_laps.get(c.as_str()) == Some(lap))
                }),
            },
            AreaFilter::Lsoa(lsoa) => match &p.area {
                AreaRef::Lsoa(code) => code == lsoa,
                AreaRef::Priority(id) => priority
                    .get(&id.to_string())
                    .is_some_and(|pa| pa.lsoa_codes.contains(lsoa)),
                AreaRef::Lap(_) => false,
            },
        };
        let mut groups: Vec<StageGroup> = SaraStage::ALL
            .iter()
            .map(|&stage| StageGroup {
                stage,
                problems: Vec::new(),
            })
            .collect();
        for p in summaries.into_iter().filter(in_area) {
            groups[p.stage.index()].problems.push(p);
        }
        Ok(groups)
    }
}
