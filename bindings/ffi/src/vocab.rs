//! The core's closed vocabularies and its plain value types, exposed as they are (uniffi
//! "remote" declarations: no copy, no conversion). A code list that changes in the core must
//! change here too, or this crate stops compiling — which is the point.

use beatbook_core::model::{
    ActionStatus, AnalysisTriangle, Assessment, Audience, ClearHoldBuild, ContactMethod,
    ContactPersonalData, CrimeCategory, EthnicityCode, FollowUpStatus, GeoPoint, Measure,
    NoteCategory, PatrolKind, PersonalDetails, PurposeMet, RepeatType, ReviewItemKind, Role,
    SaraStage, StageRequestStatus, ValueAssessment,
};
use beatbook_core::retention::RetainedKind;
use beatbook_core::store::queries::{BreakdownRow, ContactBreakdown};
use beatbook_core::store::{AuditAction, PushTally, SearchHit, SearchKind};
use beatbook_core::sync::client::SyncPhase;
use beatbook_core::sync::conflict::Resolution;

#[uniffi::remote(Enum)]
pub enum ContactMethod {
    FootPatrol,
    DoorKnock,
    BeatMeeting,
    CommunityEvent,
    PartnerMeeting,
    SchoolVisit,
    Phone,
    Online,
    Letter,
}

#[uniffi::remote(Enum)]
pub enum Audience {
    Resident,
    Business,
    CommunityGroup,
    PartnerAgency,
    ParishCouncil,
    YoungPeople,
    VulnerablePerson,
}

#[uniffi::remote(Enum)]
pub enum CrimeCategory {
    AntiSocialBehaviour,
    BicycleTheft,
    Burglary,
    CriminalDamageArson,
    Drugs,
    OtherTheft,
    PossessionOfWeapons,
    PublicOrder,
    Robbery,
    Shoplifting,
    TheftFromThePerson,
    VehicleCrime,
    ViolentCrime,
    OtherCrime,
}

#[uniffi::remote(Enum)]
pub enum EthnicityCode {
    W1,
    W2,
    W3,
    W9,
    M1,
    M2,
    M3,
    M9,
    A1,
    A2,
    A3,
    A4,
    A9,
    B1,
    B2,
    B9,
    O1,
    O9,
    NS,
}

#[uniffi::remote(Enum)]
pub enum Role {
    Officer,
    Pcso,
    Volunteer,
    Supervisor,
}

#[uniffi::remote(Enum)]
pub enum PatrolKind {
    Foot,
    Hotspot,
    CipTargeted,
    Operation,
    WeekOfAction,
}

#[uniffi::remote(Enum)]
pub enum PurposeMet {
    Yes,
    Partly,
    No,
}

#[uniffi::remote(Enum)]
pub enum NoteCategory {
    Observation,
    AntiSocialBehaviour,
    Environmental,
    Vehicle,
    Community,
    Intelligence,
    Other,
}

#[uniffi::remote(Enum)]
pub enum FollowUpStatus {
    Open,
    Answered,
    Cancelled,
}

#[uniffi::remote(Enum)]
pub enum SaraStage {
    Scanning,
    Analysis,
    Response,
    Assessment,
    Closed,
}

#[uniffi::remote(Enum)]
pub enum RepeatType {
    Wolf,
    Duck,
    Den,
}

#[uniffi::remote(Enum)]
pub enum ActionStatus {
    Planned,
    InProgress,
    Done,
    Abandoned,
}

#[uniffi::remote(Enum)]
pub enum StageRequestStatus {
    Pending,
    Approved,
    SentBack,
}

#[uniffi::remote(Enum)]
pub enum ClearHoldBuild {
    Clear,
    Hold,
    Build,
}

#[uniffi::remote(Enum)]
pub enum ReviewItemKind {
    Contact,
    Patrol,
    ProblemStep,
}

#[uniffi::remote(Enum)]
pub enum SearchKind {
    Note,
    Contact,
    Problem,
    Patrol,
}

#[uniffi::remote(Enum)]
pub enum Resolution {
    KeepWinner,
    KeepLoser,
}

#[uniffi::remote(Enum)]
pub enum AuditAction {
    Collection,
    Alteration,
    Consultation,
    Disclosure,
    Combination,
    Erasure,
}

#[uniffi::remote(Enum)]
pub enum SyncPhase {
    Push,
    Pull,
}

#[uniffi::remote(Enum)]
pub enum ContactBreakdown {
    Lsoa,
    Method,
    Audience,
}

#[uniffi::remote(Record)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

#[uniffi::remote(Record)]
pub struct ValueAssessment {
    pub purpose_met: PurposeMet,
    pub value_rating: u8,
    pub summary: String,
}

#[uniffi::remote(Record)]
pub struct PersonalDetails {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
}

#[uniffi::remote(Record)]
pub struct ContactPersonalData {
    pub details: Option<PersonalDetails>,
    pub ethnicity: Option<EthnicityCode>,
}

#[uniffi::remote(Record)]
pub struct AnalysisTriangle {
    pub offender: Option<String>,
    pub victim: Option<String>,
    pub location: Option<String>,
    pub handler: Option<String>,
    pub guardian: Option<String>,
    pub manager: Option<String>,
}

#[uniffi::remote(Record)]
pub struct Measure {
    pub name: String,
    pub before: f64,
    pub after: f64,
}

#[uniffi::remote(Record)]
pub struct Assessment {
    pub process: String,
    pub impact: String,
    pub measures: Vec<Measure>,
}

#[uniffi::remote(Record)]
pub struct SearchHit {
    pub kind: SearchKind,
    pub record_id: String,
    pub title: String,
    pub snippet: String,
    pub rank: f64,
}

#[uniffi::remote(Record)]
pub struct BreakdownRow {
    pub key: String,
    pub contacts: u64,
    pub people: u64,
}

#[uniffi::remote(Record)]
pub struct PushTally {
    pub accepted: u64,
    pub duplicate: u64,
    pub rejected: u64,
    pub clock_ahead: u64,
}

#[uniffi::remote(Enum)]
pub enum RetainedKind {
    ContactPersonal,
    Contact,
    Note,
    Patrol,
    Problem,
}
