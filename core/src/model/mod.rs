//! The domain model: what neighbourhood teams record, as plain serde types with their
//! validation. No storage here; the store persists these types.

pub(crate) mod code_enum;

pub mod area;
pub mod consent;
pub mod contact;
pub mod correction;
pub mod followup;
pub mod note;
pub mod patrol;
pub mod people;
pub mod place;
pub mod problem;
pub mod problem_fields;
pub mod review;
pub mod stored_rules;
pub mod time_sense;
pub mod vocab;

pub use area::{AreaRef, ClearHoldBuild, Lap, Lsoa, PriorityArea};
pub use code_enum::UnknownCode;
pub use consent::PersonalDataHeld;
pub use contact::{
    Audience, Contact, ContactMethod, ContactPersonalData, NewContact, PersonalDetails,
};
pub use correction::{ContactAmendment, FollowUpAmendment, NoteAmendment, PatrolAmendment};
pub use followup::{FollowUp, FollowUpStatus};
pub use note::{NewNote, Note, NoteCategory};
pub use patrol::{
    NewPatrol, Patrol, PatrolClosure, PatrolKind, PurposeMet, TrackPoint, ValueAssessment,
};
pub use people::{Actor, Role, Team, User};
pub use place::{GeoPoint, LsoaCode};
pub use problem::{
    ActionStatus, AnalysisTriangle, Assessment, Measure, NewProblem, Problem, ProblemStep,
    RepeatType, ResponseAction, SaraStage, StageRequest, StageRequestStatus,
};
pub use problem_fields::{
    legacy_triangle_corners, LEGACY_TRIANGLE, TRIANGLE_CORNERS, TRIANGLE_GUARDIAN,
    TRIANGLE_HANDLER, TRIANGLE_LOCATION, TRIANGLE_MANAGER, TRIANGLE_OFFENDER, TRIANGLE_VICTIM,
};
pub use review::{Review, ReviewItemKind, ReviewedItem, MAX_REVIEW_ITEMS};
pub use stored_rules::StoredValueRules;
pub use time_sense::{TimeKind, TimeSense};
pub use vocab::{CrimeCategory, EthnicityCode};
