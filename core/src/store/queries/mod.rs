//! The questions a shift asks of the store, each one query with its own result type: today's
//! activity, open follow-ups, problems by stage in an area, volunteer hours, contact breakdowns.
//! (The repeat-location flag is computed when a contact is recorded; see `contacts`.)

mod activity;
mod breakdown;
mod problems_by_area;
mod volunteer_hours;

pub use activity::TodaysActivity;
pub use breakdown::{BreakdownRow, ContactBreakdown};
pub use problems_by_area::{AreaFilter, ProblemSummary, StageGroup};
pub use volunteer_hours::VolunteerMonth;
