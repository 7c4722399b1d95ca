//! The consent rule for a member of the public's personal data, written once: a device checks
//! it when a contact is recorded (`NewContact::validate`, `Store::record_contact`) and the sync
//! server on every op it accepts on a contact or its personal record
//! (`beatbook-server`'s `apply`), so a modified app or a raw push cannot store what the app
//! itself would refuse.
//!
//! - Personal details (name, phone, email, address) only with consent to recontact.
//! - Self-defined ethnicity (sensitive processing) only as the person stated it, one of the
//!   18+1 codes (the type allows nothing else), and only with their consent; "not stated"
//!   (`NS`) records nothing about them and needs none.
//! - The vulnerable flag (about the person's circumstances) only with consent.
//! - Never personal details or ethnicity from a volunteer (CiP): they do not handle personal
//!   data at all.

use super::people::Role;
use super::vocab::EthnicityCode;
use crate::validation::{Rule, ValidationError};

/// What a contact holds, or is about to hold, that the rule is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PersonalDataHeld {
    pub consent_to_recontact: bool,
    /// Any personal detail (a non-blank name, phone, email or address).
    pub details: bool,
    pub ethnicity: Option<EthnicityCode>,
    pub vulnerable: bool,
}

impl PersonalDataHeld {
    /// Whether an ethnicity that says something about the person is held.
    fn stated_ethnicity(&self) -> bool {
        self.ethnicity.is_some_and(|e| e != EthnicityCode::NS)
    }

    /// Consent covers what is held.
    pub fn check_consent(&self) -> Result<(), ValidationError> {
        if self.consent_to_recontact {
            return Ok(());
        }
        let field = if self.details {
            "personal"
        } else if self.stated_ethnicity() {
            "ethnicity"
        } else if self.vulnerable {
            "vulnerable"
        } else {
            return Ok(());
        };
        Err(ValidationError::new(field, Rule::ConsentRequired))
    }

    /// `role` may record what is held.
    pub fn check_role(&self, role: Role) -> Result<(), ValidationError> {
        if !role.may_handle_personal_data() && (self.details || self.ethnicity.is_some()) {
            return Err(ValidationError::new(
                "personal",
                Rule::RoleNotAllowed {
                    reason: "volunteers do not record personal details",
                },
            ));
        }
        Ok(())
    }

    /// The whole rule: the role first, then consent.
    pub fn check(&self, role: Role) -> Result<(), ValidationError> {
        self.check_role(role)?;
        self.check_consent()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_data_needs_consent_and_a_role_that_handles_it() {
        let none = PersonalDataHeld::default();
        assert_eq!(none.check(Role::Volunteer), Ok(()));
        let field = |held: PersonalDataHeld| held.check(Role::Pcso).map_err(|e| e.field);
        for (held, expected) in [
            (
                PersonalDataHeld {
                    details: true,
                    ..none
                },
                "personal",
            ),
            (
                PersonalDataHeld {
                    ethnicity: Some(EthnicityCode::A4),
                    ..none
                },
                "ethnicity",
            ),
            (
                PersonalDataHeld {
                    vulnerable: true,
                    ..none
                },
                "vulnerable",
            ),
        ] {
            assert_eq!(field(held), Err(expected.to_owned()));
            let consented = PersonalDataHeld {
                consent_to_recontact: true,
                ..held
            };
            assert_eq!(field(consented), Ok(()));
        }
        // "Not stated" says nothing about the person.
        let not_stated = PersonalDataHeld {
            ethnicity: Some(EthnicityCode::NS),
            ..none
        };
        assert_eq!(field(not_stated), Ok(()));
        let volunteer = PersonalDataHeld {
            consent_to_recontact: true,
            details: true,
            ..none
        };
        assert!(matches!(
            volunteer.check(Role::Volunteer).map_err(|e| e.rule),
            Err(Rule::RoleNotAllowed { .. })
        ));
    }
}
