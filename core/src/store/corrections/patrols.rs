//! Amending a patrol (times, purpose, area, kind) and cancelling one started by mistake.

use super::{changed_meanwhile, require_some};
use crate::error::Result;
use crate::ids::PatrolId;
use crate::model::correction::{audit_detail, check_reason};
use crate::model::{Actor, NewPatrol, Patrol, PatrolAmendment};
use crate::store::audit::{self, AuditAction, AuditEvent};
use crate::store::patrols::{check_kind_for_role, load_patrol, may_correct, write_patrol};
use crate::store::sql_time::truncate;
use crate::store::Store;
use crate::validation::{Rule, ValidationError};

const KIND: &str = "patrol";

impl Store {
    /// Corrects a patrol's times, purpose, area or kind, with the reason. A time it sets must
    /// have happened (not in the future) and the patrol stay within its length; a time it
    /// leaves alone is not judged again. A cancelled patrol cannot be amended, and an open
    /// patrol's end is set by closing it.
    pub fn amend_patrol(
        &self,
        actor: &Actor,
        id: PatrolId,
        amendment: PatrolAmendment,
        reason: &str,
    ) -> Result<Patrol> {
        check_reason(reason)?;
        let fields = amendment.field_names();
        require_some(&fields)?;
        let current = self.patrol(id)?;
        may_correct(actor, &current)?;
        refuse_if_cancelled(&current)?;
        if amendment.ended_at.is_some() && current.ended_at.is_none() {
            return Err(ValidationError::new(
                "ended_at",
                Rule::InvalidState {
                    reason: "an open patrol is ended by closing it with its assessment",
                },
            )
            .into());
        }
        let area = match amendment.area {
            Some(area) => {
                area.validate("area")?;
                self.known_area("area", area)?
            }
            None => current.area.clone(),
        };
        let mut after = Patrol {
            kind: amendment.kind.unwrap_or(current.kind),
            area,
            purpose: amendment
                .purpose
                .map_or_else(|| current.purpose.clone(), |p| p.trim().to_owned()),
            // Empty text clears the operation's name (a patrol corrected to another kind).
            operation_name: match amendment.operation_name {
                Some(name) => Some(name.trim().to_owned()).filter(|n| !n.is_empty()),
                None => current.operation_name.clone(),
            },
            started_at: amendment.started_at.map_or(current.started_at, truncate),
            ended_at: amendment.ended_at.map(truncate).or(current.ended_at),
            ..current.clone()
        };
        // The plan keeps the rules of a new patrol: a purpose, a valid area, a named operation.
        NewPatrol {
            kind: after.kind,
            area: after.area.clone(),
            purpose: after.purpose.clone(),
            operation_name: after.operation_name.clone(),
            participants: Vec::new(),
            started_at: after.started_at,
        }
        .validate()?;
        check_kind_for_role(actor, after.kind)?;
        if after.ended_at.is_some_and(|end| end < after.started_at) {
            return Err(ValidationError::new("ended_at", Rule::EndBeforeStart).into());
        }
        self.time_sense().check_patrol_correction(
            amendment.started_at.is_some(),
            amendment.ended_at.is_some(),
            after.started_at,
            after.ended_at,
        )?;
        let now = self.now();
        after.correction_reason = Some(reason.trim().to_owned());
        after.updated_at = now;
        let detail = audit_detail("corrected", &fields);
        self.write_patrol_correction(actor, &current, &after, &detail, reason)?;
        Ok(after)
    }

    /// Cancels a patrol started (or recorded) by mistake, with the reason: it stays on the
    /// device and the server, marked cancelled, but counts in no report and is nobody's open
    /// patrol (so no longer the default for today's notes). Its start is not judged again: a
    /// patrol started in the future by mistake can be cancelled.
    pub fn cancel_patrol(&self, actor: &Actor, id: PatrolId, reason: &str) -> Result<Patrol> {
        check_reason(reason)?;
        let current = self.patrol(id)?;
        may_correct(actor, &current)?;
        refuse_if_cancelled(&current)?;
        let now = self.now();
        let after = Patrol {
            cancelled_at: Some(now),
            correction_reason: Some(reason.trim().to_owned()),
            updated_at: now,
            ..current.clone()
        };
        self.write_patrol_correction(actor, &current, &after, "cancelled", reason)?;
        Ok(after)
    }

    /// Writes a corrected patrol and its audit entry, if the patrol is still as it was checked.
    fn write_patrol_correction(
        &self,
        actor: &Actor,
        checked: &Patrol,
        after: &Patrol,
        detail: &str,
        reason: &str,
    ) -> Result<()> {
        self.write_as(Some(actor), |tx| {
            if load_patrol(tx, checked.id)? != *checked {
                return Err(changed_meanwhile("patrol"));
            }
            write_patrol(tx, after)?;
            let id = after.id.to_string();
            audit::append(
                tx,
                actor,
                after.updated_at,
                AuditEvent::new(AuditAction::Alteration, KIND, &id)
                    .justified(reason.trim())
                    .detail(detail),
            )
        })
    }
}

fn refuse_if_cancelled(patrol: &Patrol) -> Result<()> {
    if patrol.is_cancelled() {
        return Err(ValidationError::new(
            "cancelled_at",
            Rule::InvalidState {
                reason: "the patrol was cancelled",
            },
        )
        .into());
    }
    Ok(())
}
