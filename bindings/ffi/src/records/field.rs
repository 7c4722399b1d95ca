//! What is recorded on patrol: patrols, notes, contacts, follow-ups.

use super::AreaRef;
use crate::convert::{all, ids, instant, opt_id, opt_instant, opt_text, opt_time, texts, time};
use crate::error::{BeatbookError, Result};
use beatbook_core::model::{
    self as core, Audience, ContactMethod, CrimeCategory, EthnicityCode, FollowUpStatus, GeoPoint,
    LsoaCode, NoteCategory, PatrolKind, PersonalDetails, ValueAssessment,
};
use beatbook_core::store as core_store;
use std::time::SystemTime;

/// What starting a patrol needs.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewPatrol {
    pub kind: PatrolKind,
    pub area: AreaRef,
    pub purpose: String,
    pub operation_name: Option<String>,
    /// User ids of everyone on the patrol besides the person recording it.
    pub participants: Vec<String>,
    pub started_at: SystemTime,
}

impl TryFrom<NewPatrol> for core::NewPatrol {
    type Error = BeatbookError;
    fn try_from(p: NewPatrol) -> Result<Self> {
        Ok(core::NewPatrol {
            kind: p.kind,
            area: p.area.try_into()?,
            purpose: p.purpose,
            operation_name: p.operation_name,
            participants: ids("participants", p.participants)?,
            started_at: time(p.started_at),
        })
    }
}

/// What closing a patrol needs (the assessment is required).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PatrolClosure {
    pub ended_at: SystemTime,
    pub observations: Option<String>,
    pub assessment: Option<ValueAssessment>,
}

impl From<PatrolClosure> for core::PatrolClosure {
    fn from(c: PatrolClosure) -> Self {
        core::PatrolClosure {
            ended_at: time(c.ended_at),
            observations: c.observations,
            assessment: c.assessment,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Patrol {
    pub id: String,
    pub kind: PatrolKind,
    pub area: AreaRef,
    pub purpose: String,
    pub operation_name: Option<String>,
    pub recorded_by: String,
    pub participants: Vec<String>,
    pub started_at: SystemTime,
    /// `None` while the patrol is open.
    pub ended_at: Option<SystemTime>,
    pub observations: Option<String>,
    pub assessment: Option<ValueAssessment>,
    pub created_at: SystemTime,
    pub updated_at: SystemTime,
    /// Why the patrol was last corrected or cancelled.
    pub correction_reason: Option<String>,
    /// Set when the patrol was cancelled as started by mistake (it counts in no report).
    pub cancelled_at: Option<SystemTime>,
}

impl From<core::Patrol> for Patrol {
    fn from(p: core::Patrol) -> Self {
        Patrol {
            id: p.id.to_string(),
            kind: p.kind,
            area: p.area.into(),
            purpose: p.purpose,
            operation_name: p.operation_name,
            recorded_by: p.recorded_by.to_string(),
            participants: texts(&p.participants),
            started_at: instant(p.started_at),
            ended_at: opt_instant(p.ended_at),
            observations: p.observations,
            assessment: p.assessment,
            created_at: instant(p.created_at),
            updated_at: instant(p.updated_at),
            correction_reason: p.correction_reason,
            cancelled_at: opt_instant(p.cancelled_at),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct TrackPoint {
    pub at: SystemTime,
    pub point: GeoPoint,
}

impl From<TrackPoint> for core::TrackPoint {
    fn from(t: TrackPoint) -> Self {
        core::TrackPoint {
            at: time(t.at),
            point: t.point,
        }
    }
}

impl From<core::TrackPoint> for TrackPoint {
    fn from(t: core::TrackPoint) -> Self {
        TrackPoint {
            at: instant(t.at),
            point: t.point,
        }
    }
}

/// What adding a note needs.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewNote {
    pub observed_at: SystemTime,
    pub text: String,
    pub category: NoteCategory,
    pub place: Option<GeoPoint>,
    pub patrol_id: Option<String>,
    pub problem_id: Option<String>,
}

impl TryFrom<NewNote> for core::NewNote {
    type Error = BeatbookError;
    fn try_from(n: NewNote) -> Result<Self> {
        Ok(core::NewNote {
            observed_at: time(n.observed_at),
            text: n.text,
            category: n.category,
            place: n.place,
            patrol_id: opt_id("patrol_id", n.patrol_id)?,
            problem_id: opt_id("problem_id", n.problem_id)?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Note {
    pub id: String,
    pub observed_at: SystemTime,
    pub text: String,
    pub category: NoteCategory,
    pub place: Option<GeoPoint>,
    pub lsoa_code: Option<String>,
    pub patrol_id: Option<String>,
    pub problem_id: Option<String>,
    pub author: String,
    pub created_at: SystemTime,
    /// The id of the note this one corrects (lists show this one instead).
    pub amends: Option<String>,
    /// Why the note it amends was corrected.
    pub correction_reason: Option<String>,
}

impl From<core::Note> for Note {
    fn from(n: core::Note) -> Self {
        Note {
            id: n.id.to_string(),
            observed_at: instant(n.observed_at),
            text: n.text,
            category: n.category,
            place: n.place,
            lsoa_code: opt_text(n.lsoa_code),
            patrol_id: opt_text(n.patrol_id),
            problem_id: opt_text(n.problem_id),
            author: n.author.to_string(),
            created_at: instant(n.created_at),
            amends: opt_text(n.amends),
            correction_reason: n.correction_reason,
        }
    }
}

/// What recording a contact needs. Personal details only with consent to recontact.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewContact {
    pub occurred_at: SystemTime,
    /// Where; required face to face, optional for a phone, online or letter contact.
    pub place: Option<GeoPoint>,
    /// The LSOA (without a place: as the person gave it, any case).
    pub lsoa_code: Option<String>,
    /// The LAP as the person gave it, for a contact without a place.
    pub lap_code: Option<String>,
    pub method: ContactMethod,
    pub audience: Audience,
    pub people_count: u32,
    pub issues: Vec<CrimeCategory>,
    pub issues_text: Option<String>,
    pub promised: Option<String>,
    pub follow_up_due: Option<SystemTime>,
    pub follow_up_owner: Option<String>,
    pub consent_to_recontact: bool,
    pub personal: Option<PersonalDetails>,
    pub ethnicity: Option<EthnicityCode>,
    pub repeat_caller: bool,
    pub vulnerable: bool,
    pub problem_id: Option<String>,
    pub patrol_id: Option<String>,
}

impl TryFrom<NewContact> for core::NewContact {
    type Error = BeatbookError;
    fn try_from(c: NewContact) -> Result<Self> {
        Ok(core::NewContact {
            occurred_at: time(c.occurred_at),
            place: c.place,
            lsoa_code: c
                .lsoa_code
                .map(|code| LsoaCode::parse_typed("lsoa_code", &code))
                .transpose()?,
            lap_code: c.lap_code,
            method: c.method,
            audience: c.audience,
            people_count: c.people_count,
            issues: c.issues,
            issues_text: c.issues_text,
            promised: c.promised,
            follow_up_due: opt_time(c.follow_up_due),
            follow_up_owner: opt_id("follow_up_owner", c.follow_up_owner)?,
            consent_to_recontact: c.consent_to_recontact,
            personal: c.personal,
            ethnicity: c.ethnicity,
            repeat_caller: c.repeat_caller,
            vulnerable: c.vulnerable,
            problem_id: opt_id("problem_id", c.problem_id)?,
            patrol_id: opt_id("patrol_id", c.patrol_id)?,
        })
    }
}

/// A contact as stored, without its personal details (`contact_personal_details` reads them,
/// audited).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Contact {
    pub id: String,
    pub occurred_at: SystemTime,
    /// `None` for a phone, online or letter contact recorded without one.
    pub place: Option<GeoPoint>,
    pub lsoa_code: Option<String>,
    pub lap_code: Option<String>,
    pub method: ContactMethod,
    pub audience: Audience,
    pub people_count: u32,
    pub issues: Vec<CrimeCategory>,
    pub issues_text: Option<String>,
    pub promised: Option<String>,
    pub follow_up_id: Option<String>,
    pub consent_to_recontact: bool,
    pub has_personal_details: bool,
    pub has_ethnicity: bool,
    pub repeat_caller: bool,
    pub vulnerable: bool,
    pub repeat_location: bool,
    pub problem_id: Option<String>,
    pub patrol_id: Option<String>,
    pub recorded_by: String,
    pub redacted_at: Option<SystemTime>,
    pub created_at: SystemTime,
    pub updated_at: SystemTime,
    /// Why the contact was last corrected.
    pub correction_reason: Option<String>,
}

impl From<core::Contact> for Contact {
    fn from(c: core::Contact) -> Self {
        Contact {
            id: c.id.to_string(),
            occurred_at: instant(c.occurred_at),
            place: c.place,
            lsoa_code: opt_text(c.lsoa_code),
            lap_code: c.lap_code,
            method: c.method,
            audience: c.audience,
            people_count: c.people_count,
            issues: c.issues,
            issues_text: c.issues_text,
            promised: c.promised,
            follow_up_id: opt_text(c.follow_up_id),
            consent_to_recontact: c.consent_to_recontact,
            has_personal_details: c.has_personal_details,
            has_ethnicity: c.has_ethnicity,
            repeat_caller: c.repeat_caller,
            vulnerable: c.vulnerable,
            repeat_location: c.repeat_location,
            problem_id: opt_text(c.problem_id),
            patrol_id: opt_text(c.patrol_id),
            recorded_by: c.recorded_by.to_string(),
            redacted_at: opt_instant(c.redacted_at),
            created_at: instant(c.created_at),
            updated_at: instant(c.updated_at),
            correction_reason: c.correction_reason,
        }
    }
}

/// An earlier contact near a new one.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NearbyContact {
    pub contact_id: String,
    pub occurred_at: SystemTime,
    pub distance_m: f64,
}

impl From<core_store::NearbyContact> for NearbyContact {
    fn from(n: core_store::NearbyContact) -> Self {
        NearbyContact {
            contact_id: n.contact_id.to_string(),
            occurred_at: instant(n.occurred_at),
            distance_m: n.distance_m,
        }
    }
}

/// What recording a contact produced.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct RecordedContact {
    pub contact: Contact,
    pub follow_up: Option<FollowUp>,
    pub nearby: Vec<NearbyContact>,
}

impl From<core_store::RecordedContact> for RecordedContact {
    fn from(r: core_store::RecordedContact) -> Self {
        RecordedContact {
            contact: r.contact.into(),
            follow_up: r.follow_up.map(Into::into),
            nearby: all(r.nearby),
        }
    }
}

/// A promise to a member of the public.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FollowUp {
    pub id: String,
    pub contact_id: Option<String>,
    pub promise: String,
    /// Who keeps the promise; none while a volunteer's referral waits for a supervisor.
    pub owner: Option<String>,
    /// A volunteer's promise is referred to the team: the volunteer who made it. Shown to
    /// them as "referred", never as a follow-up they owe.
    pub referred_by: Option<String>,
    pub created_at: SystemTime,
    pub due_at: SystemTime,
    pub status: FollowUpStatus,
    pub answered_at: Option<SystemTime>,
    pub outcome: Option<String>,
    /// Why the follow-up was last corrected.
    pub correction_reason: Option<String>,
}

impl From<core::FollowUp> for FollowUp {
    fn from(f: core::FollowUp) -> Self {
        FollowUp {
            id: f.id.to_string(),
            contact_id: opt_text(f.contact_id),
            promise: f.promise,
            owner: opt_text(f.owner),
            referred_by: opt_text(f.referred_by),
            created_at: instant(f.created_at),
            due_at: instant(f.due_at),
            status: f.status,
            answered_at: opt_instant(f.answered_at),
            outcome: f.outcome,
            correction_reason: f.correction_reason,
        }
    }
}
