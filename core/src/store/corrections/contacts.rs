//! Amending a contact's non-personal fields (time, place and area, method, audience, people,
//! issues, the promise's text). Personal details keep their own consented, audited path.

use super::{changed_meanwhile, require_some};
use crate::error::Result;
use crate::ids::ContactId;
use crate::model::contact::check_engagement;
use crate::model::correction::{audit_detail, check_reason};
use crate::model::{Actor, AreaRef, Contact, ContactAmendment, TimeKind};
use crate::store::audit::{self, AuditAction, AuditEvent};
use crate::store::contacts::{load_contact, log_nearby, may_amend, relink_nearby, write_contact};
use crate::store::follow_ups;
use crate::store::sql_time::truncate;
use crate::store::Store;
use crate::validation::{Rule, ValidationError};

const KIND: &str = "contact";

impl Store {
    /// Corrects a contact's non-personal fields, with the reason. A new place is tagged with
    /// its LSOA and LAP again; a corrected promise is corrected on the contact's follow-up too
    /// (a contact that promised nothing cannot gain a promise here: that is a new contact's
    /// follow-up). A corrected place or time is checked again for earlier contacts nearby: the
    /// repeat-location flag and links follow the correction.
    pub fn amend_contact(
        &self,
        actor: &Actor,
        id: ContactId,
        amendment: ContactAmendment,
        reason: &str,
    ) -> Result<Contact> {
        check_reason(reason)?;
        let fields = amendment.field_names();
        require_some(&fields)?;
        let current = self.contact(id)?;
        may_amend(actor, &current)?;
        let mut after = current.clone();
        if let Some(occurred_at) = amendment.occurred_at {
            self.time_sense()
                .check("occurred_at", occurred_at, TimeKind::Happened)?;
            after.occurred_at = truncate(occurred_at);
        }
        if let Some(place) = amendment.place {
            place.validate("place")?;
            let tag = self.tag_new_place("place", place)?;
            after.place = Some(place);
            after.lsoa_code = tag.as_ref().map(|t| t.lsoa_code.clone());
            after.lap_code = tag.map(|t| t.lap_code);
        }
        if let Some(code) = amendment.lsoa_code {
            if let AreaRef::Lsoa(known) = self.known_area("lsoa_code", AreaRef::Lsoa(code))? {
                after.lsoa_code = Some(known);
            }
        }
        after.method = amendment.method.unwrap_or(after.method);
        after.audience = amendment.audience.unwrap_or(after.audience);
        after.people_count = amendment.people_count.unwrap_or(after.people_count);
        after.repeat_caller = amendment.repeat_caller.unwrap_or(after.repeat_caller);
        if let Some(issues) = amendment.issues {
            after.issues = issues;
        }
        if let Some(text) = amendment.issues_text {
            after.issues_text = Some(text.trim().to_owned()).filter(|t| !t.is_empty());
        }
        if let Some(promised) = amendment.promised {
            if current.follow_up_id.is_none() {
                return Err(ValidationError::new(
                    "promised",
                    Rule::InvalidState {
                        reason: "the contact promised nothing; a new promise is a new contact",
                    },
                )
                .into());
            }
            crate::validation::check::required_text(
                "promised",
                &promised,
                crate::validation::limits::LONG_TEXT,
            )?;
            after.promised = Some(promised.trim().to_owned());
        }
        check_engagement(
            after.method,
            after.place.as_ref(),
            after.people_count,
            after.issues_text.as_deref(),
            after.promised.as_deref(),
        )?;
        let reason = reason.trim();
        let now = self.now();
        after.correction_reason = Some(reason.to_owned());
        after.updated_at = now;
        let detail = audit_detail("corrected", &fields);
        let promise_changed = after.promised != current.promised;
        let moved = after.place != current.place || after.occurred_at != current.occurred_at;
        let radius = self.repeat_radius_m();
        self.write_as(Some(actor), |tx| {
            if load_contact(tx, id)? != current {
                return Err(changed_meanwhile("contact"));
            }
            let id_text = id.to_string();
            // A contact corrected to another place or time is checked again for earlier
            // contacts nearby, as if recorded there: its flag and its links follow the
            // correction. (Later contacts keep what they found when they were recorded.)
            let relinked = if moved {
                let nearby = relink_nearby(tx, &after, radius)?;
                after.repeat_location = !nearby.is_empty();
                Some(nearby.len())
            } else {
                None
            };
            write_contact(tx, &after)?;
            audit::append(
                tx,
                actor,
                now,
                AuditEvent::new(AuditAction::Alteration, KIND, &id_text)
                    .justified(reason)
                    .detail(&detail),
            )?;
            if let Some(linked) = relinked {
                log_nearby(tx, actor, now, &id_text, linked, ", after a correction")?;
            }
            // The promise is kept in two places; they are corrected together.
            if let (true, Some(follow_up_id), Some(promise)) =
                (promise_changed, after.follow_up_id, after.promised.as_ref())
            {
                let mut follow_up = follow_ups::load(tx, follow_up_id)?;
                follow_up.promise = promise.clone();
                follow_up.correction_reason = Some(reason.to_owned());
                follow_ups::write(tx, &follow_up)?;
                audit::append(
                    tx,
                    actor,
                    now,
                    AuditEvent::new(
                        AuditAction::Alteration,
                        "follow_up",
                        &follow_up_id.to_string(),
                    )
                    .justified(reason)
                    .detail("corrected: promise"),
                )?;
            }
            Ok(after)
        })
    }
}
