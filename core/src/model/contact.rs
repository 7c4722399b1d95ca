//! Engagement contacts: who was engaged, where, how, what was raised and what was promised.
//!
//! Personal details of the member of the public are minimised: optional, only with consent to
//! recontact, kept apart from the contact (so they can be withheld from volunteers, redacted and
//! erased), never indexed for search, and every read of them is an audited consultation.

use super::code_enum::code_enum;
use super::consent::PersonalDataHeld;
use super::place::{GeoPoint, LsoaCode};
use super::vocab::{CrimeCategory, EthnicityCode};
use crate::ids::{ContactId, FollowUpId, PatrolId, ProblemId, UserId};
use crate::validation::{check, limits, Rule, ValidationError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

code_enum!(
    /// How the engagement happened.
    ContactMethod, "contact method" {
        FootPatrol => "foot_patrol",
        DoorKnock => "door_knock",
        /// Beat meeting or surgery.
        BeatMeeting => "beat_meeting",
        CommunityEvent => "community_event",
        PartnerMeeting => "partner_meeting",
        SchoolVisit => "school_visit",
        Phone => "phone",
        Online => "online",
        Letter => "letter",
    }
);

impl ContactMethod {
    /// Whether the engagement happened somewhere, face to face, so that its place (latitude
    /// and longitude) is part of the record. A phone call, an online exchange or a letter has
    /// no place worth a coordinate: it takes an LSOA or LAP code as the person gives it, or
    /// none.
    pub fn needs_place(self) -> bool {
        !matches!(
            self,
            ContactMethod::Phone | ContactMethod::Online | ContactMethod::Letter
        )
    }
}

code_enum!(
    /// Who was engaged.
    Audience, "audience" {
        Resident => "resident",
        Business => "business",
        /// Community or faith group.
        CommunityGroup => "community_group",
        PartnerAgency => "partner_agency",
        /// Parish or town council.
        ParishCouncil => "parish_council",
        YoungPeople => "young_people",
        VulnerablePerson => "vulnerable_person",
    }
);

/// A way to get back to the person. Personal data: only with consent to recontact.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PersonalDetails {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
}

impl PersonalDetails {
    pub fn is_empty(&self) -> bool {
        [&self.name, &self.phone, &self.email, &self.address]
            .iter()
            .all(|f| f.as_deref().is_none_or(|v| v.trim().is_empty()))
    }

    pub fn validate(&self) -> Result<(), ValidationError> {
        self.check_lengths()?;
        if let Some(email) = self.email.as_deref().filter(|e| !e.trim().is_empty()) {
            if !email.contains('@') {
                return Err(ValidationError::new(
                    "personal.email",
                    Rule::Format {
                        expected: "an email address",
                    },
                ));
            }
        }
        if self.is_empty() {
            return Err(ValidationError::new("personal", Rule::Required));
        }
        Ok(())
    }

    /// Each field fits its length; what every stored copy must keep.
    pub fn check_lengths(&self) -> Result<(), ValidationError> {
        check::optional_text("personal.name", self.name.as_deref(), limits::SHORT_TEXT)?;
        check::optional_text("personal.phone", self.phone.as_deref(), 40)?;
        check::optional_text("personal.email", self.email.as_deref(), limits::SHORT_TEXT)?;
        check::optional_text(
            "personal.address",
            self.address.as_deref(),
            limits::SHORT_TEXT * 2,
        )
    }
}

/// What recording a contact needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewContact {
    pub occurred_at: DateTime<Utc>,
    /// Where it happened; required when the method [needs a place](ContactMethod::needs_place).
    pub place: Option<GeoPoint>,
    /// The LSOA; when absent the store tags the place from loaded boundaries. Without a
    /// place, the LSOA the person gave (checked against the loaded areas).
    pub lsoa_code: Option<LsoaCode>,
    /// The LAP, for a contact without a place: the one the person gave, or the LSOA's. With a
    /// place the store tags it from the loaded boundaries.
    pub lap_code: Option<String>,
    pub method: ContactMethod,
    pub audience: Audience,
    /// How many people were engaged (1 to 10,000).
    pub people_count: u32,
    pub issues: Vec<CrimeCategory>,
    /// What was raised, in the officer's words. Must not hold personal details.
    pub issues_text: Option<String>,
    /// What was promised. A promise creates a follow-up.
    pub promised: Option<String>,
    /// When the follow-up is due; defaults to 72 hours after the contact.
    pub follow_up_due: Option<DateTime<Utc>>,
    /// Who owns the follow-up; defaults to whoever records the contact.
    pub follow_up_owner: Option<UserId>,
    pub consent_to_recontact: bool,
    pub personal: Option<PersonalDetails>,
    /// Self-defined, only as the person chose; never inferred.
    pub ethnicity: Option<EthnicityCode>,
    pub repeat_caller: bool,
    pub vulnerable: bool,
    pub problem_id: Option<ProblemId>,
    pub patrol_id: Option<PatrolId>,
}

/// The most people one contact can record.
pub const MAX_PEOPLE_PER_CONTACT: u32 = 10_000;

/// The checks a new contact and every stored copy of one share: the place (present when the
/// method needs one), how many people, and the length of what was raised and promised.
pub(crate) fn check_engagement(
    method: ContactMethod,
    place: Option<&GeoPoint>,
    people_count: u32,
    issues_text: Option<&str>,
    promised: Option<&str>,
) -> Result<(), ValidationError> {
    match place {
        Some(place) => place.validate("place")?,
        None if method.needs_place() => {
            return Err(ValidationError::new(
                "place",
                Rule::PlaceRequired {
                    method: method.as_str(),
                },
            ))
        }
        None => {}
    }
    if !(1..=MAX_PEOPLE_PER_CONTACT).contains(&people_count) {
        return Err(ValidationError::new(
            "people_count",
            Rule::OutOfRange {
                min: "1".into(),
                max: MAX_PEOPLE_PER_CONTACT.to_string(),
            },
        ));
    }
    check::optional_text("issues_text", issues_text, limits::LONG_TEXT)?;
    check::optional_text("promised", promised, limits::LONG_TEXT)
}

impl NewContact {
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_engagement(
            self.method,
            self.place.as_ref(),
            self.people_count,
            self.issues_text.as_deref(),
            self.promised.as_deref(),
        )?;
        let has_promise = self
            .promised
            .as_deref()
            .is_some_and(|p| !p.trim().is_empty());
        if !has_promise && (self.follow_up_due.is_some() || self.follow_up_owner.is_some()) {
            return Err(ValidationError::new("promised", Rule::Required));
        }
        if let Some(due) = self.follow_up_due {
            if due < self.occurred_at {
                return Err(ValidationError::new(
                    "follow_up_due",
                    Rule::TimeNotAllowed {
                        reason: "a follow-up cannot be due before the contact",
                    },
                ));
            }
        }
        if self.place.is_some() && self.lap_code.is_some() {
            return Err(ValidationError::new(
                "lap_code",
                Rule::MustBeEmpty {
                    reason: "a contact with a place gets its LAP from the place",
                },
            ));
        }
        check::optional_text("lap_code", self.lap_code.as_deref(), limits::SHORT_TEXT)?;
        self.personal_data_held().check_consent()?;
        if let Some(personal) = &self.personal {
            personal.validate()?;
        }
        Ok(())
    }

    /// What the consent rule (`model::consent`, shared with the sync server) judges.
    pub fn personal_data_held(&self) -> PersonalDataHeld {
        PersonalDataHeld {
            consent_to_recontact: self.consent_to_recontact,
            details: self.personal.is_some(),
            ethnicity: self.ethnicity,
            vulnerable: self.vulnerable,
        }
    }
}

/// A contact as stored, without its personal details (read those through an audited call).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub id: ContactId,
    pub occurred_at: DateTime<Utc>,
    /// Where it happened; `None` for a contact whose method needs no place (a phone call, an
    /// online exchange, a letter). Always present on the wire (`null` when none), so that a
    /// record still arriving in parts is told from one without a place.
    #[serde(deserialize_with = "Option::deserialize")]
    pub place: Option<GeoPoint>,
    pub lsoa_code: Option<LsoaCode>,
    pub lap_code: Option<String>,
    pub method: ContactMethod,
    pub audience: Audience,
    pub people_count: u32,
    pub issues: Vec<CrimeCategory>,
    pub issues_text: Option<String>,
    pub promised: Option<String>,
    pub follow_up_id: Option<FollowUpId>,
    pub consent_to_recontact: bool,
    /// Whether personal details are held (read them with `contact_personal_details`).
    /// Derived from the personal details' own record when read from a store, never on the
    /// wire: a contact read without it (a pulled change) has none.
    #[serde(default)]
    pub has_personal_details: bool,
    /// As `has_personal_details`, for the ethnicity in those details.
    #[serde(default)]
    pub has_ethnicity: bool,
    pub repeat_caller: bool,
    pub vulnerable: bool,
    /// Flagged when earlier contacts happened nearby in the last 28 days.
    pub repeat_location: bool,
    pub problem_id: Option<ProblemId>,
    pub patrol_id: Option<PatrolId>,
    pub recorded_by: UserId,
    /// Set once the personal fields have been redacted.
    pub redacted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Why the contact was last corrected (`None` if it never was).
    #[serde(default)]
    pub correction_reason: Option<String>,
}

impl Contact {
    /// The fields a store derives from the personal details' own record, never synced: a
    /// device leaves them out of what it sends, and a contact read without them has none.
    pub const DERIVED_FIELDS: [&'static str; 2] = ["has_personal_details", "has_ethnicity"];
}

/// A contact's personal fields, returned only by an audited consultation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactPersonalData {
    pub details: Option<PersonalDetails>,
    pub ethnicity: Option<EthnicityCode>,
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn contact() -> NewContact {
        NewContact {
            occurred_at: Utc::now(),
            place: Some(GeoPoint::new(52.41, -1.51)),
            lsoa_code: None,
            lap_code: None,
            method: ContactMethod::FootPatrol,
            audience: Audience::Resident,
            people_count: 1,
            issues: vec![CrimeCategory::AntiSocialBehaviour],
            issues_text: Some("Youths on the garages".into()),
            promised: None,
            follow_up_due: None,
            follow_up_owner: None,
            consent_to_recontact: false,
            personal: None,
            ethnicity: None,
            repeat_caller: false,
            vulnerable: false,
            problem_id: None,
            patrol_id: None,
        }
    }

    #[test]
    fn personal_details_without_consent_are_refused() {
        let mut c = contact();
        c.personal = Some(PersonalDetails {
            name: Some("Ada Example".into()),
            ..Default::default()
        });
        assert_eq!(
            c.validate(),
            Err(ValidationError::new("personal", Rule::ConsentRequired))
        );
        c.consent_to_recontact = true;
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn follow_up_needs_a_promise_and_cannot_be_due_before_the_contact() {
        let mut c = contact();
        c.follow_up_due = Some(c.occurred_at + chrono::Duration::hours(1));
        assert_eq!(
            c.validate().map_err(|e| e.field),
            Err("promised".to_owned())
        );
        c.promised = Some("Call back about the lighting".into());
        assert_eq!(c.validate(), Ok(()));
        c.follow_up_due = Some(c.occurred_at - chrono::Duration::hours(1));
        assert_eq!(
            c.validate().map_err(|e| e.field),
            Err("follow_up_due".to_owned())
        );
    }

    #[test]
    fn people_count_must_be_at_least_one() {
        let mut c = contact();
        c.people_count = 0;
        assert_eq!(
            c.validate().map_err(|e| e.field),
            Err("people_count".to_owned())
        );
    }

    #[test]
    fn only_contacts_that_are_not_face_to_face_may_go_without_a_place() {
        let mut c = contact();
        c.place = None;
        for method in ContactMethod::ALL {
            c.method = *method;
            let result = c.validate();
            if method.needs_place() {
                assert_eq!(
                    result,
                    Err(ValidationError::new(
                        "place",
                        Rule::PlaceRequired {
                            method: method.as_str()
                        }
                    )),
                    "{method}"
                );
            } else {
                assert_eq!(result, Ok(()), "{method}");
            }
        }
        let remote: Vec<&str> = ContactMethod::ALL
            .iter()
            .filter(|m| !m.needs_place())
            .map(|m| m.as_str())
            .collect();
        assert_eq!(remote, ["phone", "online", "letter"]);
    }

    #[test]
    fn a_lap_code_goes_with_a_contact_without_a_place() {
        let mut c = contact();
        c.lap_code = Some("LAP-NV".into());
        assert_eq!(
            c.validate().map_err(|e| e.field),
            Err("lap_code".to_owned())
        );
        c.place = None;
        c.method = ContactMethod::Phone;
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn a_stored_contact_always_names_its_place_even_when_there_is_none() {
        // `place: null` is a contact without a place; no `place` at all is a record still
        // arriving in parts (the server and devices wait for the rest).
        let missing = serde_json::from_value::<Option<GeoPoint>>(serde_json::Value::Null);
        assert_eq!(missing.ok(), Some(None));
        #[derive(Deserialize)]
        struct OnlyPlace {
            #[serde(deserialize_with = "Option::deserialize")]
            #[allow(dead_code)]
            place: Option<GeoPoint>,
        }
        let err = serde_json::from_str::<OnlyPlace>("{}")
            .err()
            .map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.starts_with("missing field `place`")));
    }
}
