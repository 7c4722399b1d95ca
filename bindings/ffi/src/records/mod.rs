//! The records that cross the boundary, where the core's own type cannot: ids become text,
//! times platform instants. Inputs convert into the core's types with `TryFrom` (a bad id is a
//! typed `Invalid` error); outputs with `From`. Field names and meanings are the core's
//! (`core/src/model`), so its documentation applies.

mod areas;
mod corrections;
mod field;
mod problem;
mod queries;
mod retention;
mod supervisor;
mod sync;

pub use areas::*;
pub use corrections::*;
pub use field::*;
pub use problem::*;
pub use queries::*;
pub use retention::*;
pub use supervisor::*;
pub use sync::*;
