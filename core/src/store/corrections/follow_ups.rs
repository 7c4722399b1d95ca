//! Amending a follow-up: when it is due, what was promised, and (a supervisor) who owns it.

use super::{changed_meanwhile, require_some};
use crate::error::Result;
use crate::ids::FollowUpId;
use crate::model::correction::{audit_detail, check_reason};
use crate::model::{Actor, FollowUp, FollowUpAmendment, FollowUpStatus, TimeKind};
use crate::store::audit::{self, AuditAction, AuditEvent};
use crate::store::contacts::{load_contact, write_contact};
use crate::store::follow_up_board::check_owner;
use crate::store::follow_ups::{load, may_amend, write};
use crate::store::sql_time::truncate;
use crate::store::Store;
use crate::validation::{check, limits, Rule, ValidationError};

const KIND: &str = "follow_up";

impl Store {
    /// Corrects an open follow-up's due time, promise or owner, with the reason. The due time
    /// may lie ahead (within a year) but not before the promise was made; a new owner, as for
    /// a reassignment, is given by a supervisor and is not a volunteer. A corrected promise is
    /// corrected on its contact too.
    pub fn amend_follow_up(
        &self,
        actor: &Actor,
        id: FollowUpId,
        amendment: FollowUpAmendment,
        reason: &str,
    ) -> Result<FollowUp> {
        check_reason(reason)?;
        let fields = amendment.field_names();
        require_some(&fields)?;
        if let Some(promise) = &amendment.promise {
            check::required_text("promise", promise, limits::LONG_TEXT)?;
        }
        if let Some(due_at) = amendment.due_at {
            self.time_sense().check("due_at", due_at, TimeKind::Due)?;
        }
        let current = self.follow_up(id)?;
        may_amend(actor, &current, amendment.owner)?;
        if current.status != FollowUpStatus::Open {
            return Err(ValidationError::new(
                "status",
                Rule::InvalidState {
                    reason: "only an open follow-up can be corrected",
                },
            )
            .into());
        }
        let due_at = amendment.due_at.map_or(current.due_at, truncate);
        if due_at < current.created_at {
            return Err(ValidationError::new(
                "due_at",
                Rule::TimeNotAllowed {
                    reason: "before the promise was made",
                },
            )
            .into());
        }
        let reason = reason.trim();
        let now = self.now();
        let after = FollowUp {
            due_at,
            promise: amendment
                .promise
                .map_or_else(|| current.promise.clone(), |p| p.trim().to_owned()),
            owner: amendment.owner.or(current.owner),
            correction_reason: Some(reason.to_owned()),
            ..current.clone()
        };
        let detail = audit_detail("corrected", &fields);
        self.write_as(Some(actor), |tx| {
            if load(tx, id)? != current {
                return Err(changed_meanwhile("follow_up"));
            }
            if let Some(new_owner) = after.owner.filter(|_| after.owner != current.owner) {
                check_owner(tx, new_owner)?;
            }
            write(tx, &after)?;
            audit::append(
                tx,
                actor,
                now,
                AuditEvent::new(AuditAction::Alteration, KIND, &id.to_string())
                    .justified(reason)
                    .detail(&detail),
            )?;
            // The promise is kept in two places; they are corrected together.
            if let (true, Some(contact_id)) = (after.promise != current.promise, after.contact_id) {
                let mut contact = load_contact(tx, contact_id)?;
                contact.promised = Some(after.promise.clone());
                contact.correction_reason = Some(reason.to_owned());
                contact.updated_at = now;
                write_contact(tx, &contact)?;
                audit::append(
                    tx,
                    actor,
                    now,
                    AuditEvent::new(AuditAction::Alteration, "contact", &contact_id.to_string())
                        .justified(reason)
                        .detail("corrected: promised"),
                )?;
            }
            Ok(after)
        })
    }
}
