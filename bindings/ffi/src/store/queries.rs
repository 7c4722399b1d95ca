//! Search, the day's activity, breakdowns, reference data, areas and the audit log. Every call
//! blocks (disk); `search` and `load_area_boundaries` have async variants.

use super::Store;
use crate::convert::{all, id, time};
use crate::error::Result;
use crate::records::{
    AreaFilter, AreaTag, AuditEntry, Lsoa, PriorityArea, StageGroup, Team, TodaysActivity, User,
    VolunteerMonth,
};
use beatbook_core::model::GeoPoint;
use beatbook_core::store::queries::{BreakdownRow, ContactBreakdown};
use beatbook_core::store::SearchHit;
use std::time::SystemTime;

#[uniffi::export]
impl Store {
    /// Offline full-text search over notes, contacts' non-personal text, problems and
    /// patrols; best match first, at most `limit` (capped at 200).
    pub fn search(&self, query: String, limit: u32) -> Result<Vec<SearchHit>> {
        Ok(self.core()?.search(&query, limit as usize)?)
    }

    /// What `user_id` did in `[day_start, day_end)`; `now` decides what is overdue.
    pub fn todays_activity(
        &self,
        user_id: String,
        day_start: SystemTime,
        day_end: SystemTime,
        now: SystemTime,
    ) -> Result<TodaysActivity> {
        let user = id("user_id", &user_id)?;
        Ok(self
            .core()?
            .todays_activity(user, time(day_start), time(day_end), time(now))?
            .into())
    }

    /// Contacts in `[from, to)` grouped by LSOA, method or audience.
    pub fn contact_breakdown(
        &self,
        by: ContactBreakdown,
        from: SystemTime,
        to: SystemTime,
    ) -> Result<Vec<BreakdownRow>> {
        Ok(self.core()?.contact_breakdown(by, time(from), time(to))?)
    }

    /// Problems in an area, grouped by SARA stage.
    pub fn problems_by_stage(&self, area: AreaFilter) -> Result<Vec<StageGroup>> {
        Ok(all(self.core()?.problems_by_stage(&area.try_into()?)?))
    }

    /// Volunteer hours by volunteer and month, for patrols started in `[from, to)`.
    pub fn volunteer_hours(&self, from: SystemTime, to: SystemTime) -> Result<Vec<VolunteerMonth>> {
        Ok(all(self.core()?.volunteer_hours(time(from), time(to))?))
    }

    /// The processing log, for one record or all.
    pub fn audit_entries(&self, record_id: Option<String>) -> Result<Vec<AuditEntry>> {
        Ok(all(self.core()?.audit_entries(record_id.as_deref())?))
    }

    pub fn users(&self) -> Result<Vec<User>> {
        Ok(all(self.core()?.users()?))
    }

    pub fn teams(&self) -> Result<Vec<Team>> {
        Ok(all(self.core()?.teams()?))
    }

    pub fn priority_areas(&self) -> Result<Vec<PriorityArea>> {
        Ok(all(self.core()?.priority_areas()?))
    }

    pub fn lsoas(&self) -> Result<Vec<Lsoa>> {
        Ok(all(self.core()?.lsoas()?))
    }

    /// Loads LSOA boundaries (GeoJSON) for offline area tagging; answers how many loaded.
    pub fn load_area_boundaries(&self, geojson: String) -> Result<u64> {
        Ok(self.core()?.load_area_boundaries(&geojson)? as u64)
    }

    /// The LSOA and LAP a point falls in, when boundaries are loaded.
    pub fn tag_point(&self, point: GeoPoint) -> Result<Option<AreaTag>> {
        Ok(self.core()?.tag_point(point)?.map(Into::into))
    }
}
