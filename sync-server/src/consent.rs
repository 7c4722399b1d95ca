//! The consent rule on the server: the core's rule (`beatbook_core::model::consent`, the one
//! a device runs when a contact is recorded) applied to a contact and its personal record as
//! they would stand after an op, read from their stored fields. A contact and its personal
//! record share an id and are judged together (the storage loads the other one as the
//! record's companion), so consent cannot be withdrawn under personal details still held, and
//! personal details cannot arrive for a contact without consent, in whichever order or push
//! the two records' ops come.
//!
//! Refused ops are answered `personal_data_forbidden`; the message names the field and the
//! rule (`… consent to recontact`), never a value.

use crate::apply::Rejection;
use beatbook_core::model::{EthnicityCode, PersonalDataHeld, Role};
use beatbook_core::policy::fields::{contact, contact_personal};
use beatbook_core::sync::merge::RecordState;
use beatbook_core::sync::protocol::RejectCode;
use beatbook_core::sync::RecordKind;
use serde_json::Value;

/// The fields the rule reads, by kind: an op that sets none of them cannot break it, so a
/// contact stored before the server enforced it can still be edited otherwise.
fn ruled_fields(kind: RecordKind) -> &'static [&'static str] {
    match kind {
        RecordKind::Contact => &[contact::CONSENT_TO_RECONTACT, contact::VULNERABLE],
        RecordKind::ContactPersonal => &[contact_personal::DETAILS, contact_personal::ETHNICITY],
        _ => &[],
    }
}

/// Checks the rule for an op on `kind` that sets the fields `sets` and leaves the record as
/// `merged`; `companion` is the other record of the pair as stored.
pub fn check(
    role: Role,
    kind: RecordKind,
    sets: &dyn Fn(&str) -> bool,
    merged: &RecordState,
    companion: Option<&RecordState>,
) -> Result<(), Rejection> {
    if !ruled_fields(kind).iter().any(|f| sets(f)) {
        return Ok(());
    }
    let (contact, personal) = match kind {
        RecordKind::Contact => (Some(merged), companion),
        RecordKind::ContactPersonal => (companion, Some(merged)),
        _ => return Ok(()),
    };
    let field = |state: Option<&RecordState>, name: &str| {
        state
            .filter(|s| !s.erased)
            .and_then(|s| s.fields.get(name))
            .map(|f| f.value.clone())
            .unwrap_or(Value::Null)
    };
    let held = PersonalDataHeld {
        consent_to_recontact: field(contact, contact::CONSENT_TO_RECONTACT) == Value::Bool(true),
        details: holds_details(&field(personal, contact_personal::DETAILS)),
        ethnicity: match field(personal, contact_personal::ETHNICITY) {
            Value::String(code) => code.parse::<EthnicityCode>().ok(),
            _ => None,
        },
        vulnerable: field(contact, contact::VULNERABLE) == Value::Bool(true),
    };
    held.check(role).map_err(|e| Rejection {
        code: RejectCode::PersonalDataForbidden,
        message: format!("{kind}: {e}"),
    })
}

/// Whether a personal record's `details` hold any non-blank value.
fn holds_details(details: &Value) -> bool {
    match details {
        Value::Object(map) => map
            .values()
            .any(|v| v.as_str().is_some_and(|s| !s.trim().is_empty())),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use beatbook_core::ids::DeviceId;
    use beatbook_core::sync::protocol::FieldState;
    use beatbook_core::sync::Hlc;
    use serde_json::json;

    fn state(value: Value) -> RecordState {
        let Value::Object(map) = value else {
            panic!("an object")
        };
        RecordState {
            fields: map
                .into_iter()
                .map(|(k, value)| {
                    let hlc = Hlc::new(1, DeviceId::new());
                    (k, FieldState { value, hlc })
                })
                .collect(),
            erased: false,
        }
    }

    #[test]
    fn a_contact_and_its_personal_record_are_judged_together() {
        let consented = state(json!({"consent_to_recontact": true, "vulnerable": false}));
        let refused = state(json!({"consent_to_recontact": false, "vulnerable": false}));
        let details = state(json!({"details": {"name": "Ada Example"}, "ethnicity": null}));
        let blank = state(json!({"details": {"name": "  "}, "ethnicity": "NS"}));
        let personal = RecordKind::ContactPersonal;
        let all = |_: &str| true;
        let code = |r: Result<(), Rejection>| r.map_err(|e| e.code);
        assert_eq!(
            code(check(
                Role::Pcso,
                personal,
                &all,
                &details,
                Some(&consented)
            )),
            Ok(())
        );
        assert_eq!(
            code(check(Role::Pcso, personal, &all, &details, Some(&refused))),
            Err(RejectCode::PersonalDataForbidden)
        );
        // No contact stored: no consent.
        assert!(check(Role::Pcso, personal, &all, &details, None).is_err());
        assert_eq!(
            code(check(Role::Pcso, personal, &all, &blank, None)),
            Ok(())
        );
        // Consent withdrawn on the contact while details are held.
        assert!(check(
            Role::Pcso,
            RecordKind::Contact,
            &all,
            &refused,
            Some(&details)
        )
        .is_err());
        let vulnerable = state(json!({"consent_to_recontact": false, "vulnerable": true}));
        let err = check(Role::Officer, RecordKind::Contact, &all, &vulnerable, None)
            .expect_err("refused");
        assert!(err.message.contains("vulnerable"), "{}", err.message);
        let ethnicity = state(json!({"details": null, "ethnicity": "W1"}));
        let err =
            check(Role::Officer, personal, &all, &ethnicity, Some(&refused)).expect_err("refused");
        assert!(err.message.contains("ethnicity"), "{}", err.message);
        assert!(!err.message.contains("W1"), "{}", err.message);
        // An op setting none of the fields the rule reads is not judged by it.
        let other = |f: &str| f == "issues_text";
        assert_eq!(
            code(check(
                Role::Pcso,
                RecordKind::Contact,
                &other,
                &vulnerable,
                None
            )),
            Ok(())
        );
    }
}
