//! Corrections: `contact amend`, `patrol amend`, `patrol cancel`, `followup amend` and
//! `note amend`. Each takes the record's reference, a `--reason` (kept on the record, synced,
//! and in the audit log) and only the options for what was wrong; what is left out stays as
//! it was. A note is never changed: `note amend` adds a corrected note that takes the old one's
//! place in lists (`note show` still shows the old one, and the whole history).

use super::lookup;
use crate::dates;
use crate::error::{CliError, Result};
use crate::ids::resolve;
use crate::output;
use crate::session::Session;
use crate::vocab;
use beatbook_core::model::{
    AreaRef, Audience, ContactAmendment, ContactMethod, CrimeCategory, FollowUpAmendment, GeoPoint,
    LsoaCode, NoteAmendment, PatrolAmendment, PatrolKind,
};
use chrono::{DateTime, Utc};
use std::io::Write;

/// Why the record is being corrected (required; kept with the record and logged).
#[derive(Debug, clap::Args)]
pub struct Reason {
    /// Why it is being corrected, in a line, e.g. "Typed the wrong day" (kept and logged).
    #[arg(long)]
    pub reason: String,
}

#[derive(Debug, clap::Args)]
pub struct PatrolAmendArgs {
    /// The patrol's reference as lists show it (like 7KQ4-ZM2P), or its id.
    pub id: String,
    #[command(flatten)]
    pub reason: Reason,
    /// When it really started.
    #[arg(long, value_name = "TIME", value_parser = dates::parse_time)]
    pub at: Option<DateTime<Utc>>,
    /// When it really ended (a closed patrol only).
    #[arg(long, value_name = "TIME", value_parser = dates::parse_time)]
    pub ended: Option<DateTime<Utc>>,
    /// Its purpose.
    #[arg(long)]
    pub purpose: Option<String>,
    /// What sort of patrol it was.
    #[arg(long, value_parser = vocab::code(PatrolKind::ALL, PatrolKind::as_str))]
    pub kind: Option<PatrolKind>,
    /// Its Local Area Partnership, e.g. LAP-NV.
    #[arg(long, value_name = "LAP-CODE", conflicts_with = "lsoa")]
    pub lap: Option<String>,
    /// Its LSOA, e.g. E01990002.
    #[arg(long, value_name = "LSOA-CODE", value_parser = vocab::lsoa)]
    pub lsoa: Option<LsoaCode>,
    /// The operation's name, for --kind operation ("" clears it).
    #[arg(long, value_name = "NAME")]
    pub operation: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct PatrolCancelArgs {
    /// The patrol's reference as lists show it (like 7KQ4-ZM2P), or its id.
    pub id: String,
    #[command(flatten)]
    pub reason: Reason,
}

#[derive(Debug, clap::Args)]
pub struct ContactAmendArgs {
    /// The contact's reference as lists show it (like 7KQ4-ZM2P), or its id.
    pub id: String,
    #[command(flatten)]
    pub reason: Reason,
    /// When it really happened.
    #[arg(long, value_name = "TIME", value_parser = dates::parse_time)]
    pub at: Option<DateTime<Utc>>,
    /// Where (latitude, WGS84); with --lon.
    #[arg(long, requires = "lon", allow_negative_numbers = true, value_parser = vocab::latitude)]
    pub lat: Option<f64>,
    /// Where (longitude, WGS84; west is negative); with --lat.
    #[arg(long, requires = "lat", allow_negative_numbers = true, value_parser = vocab::longitude)]
    pub lon: Option<f64>,
    /// The LSOA it happened in, e.g. E01990002.
    #[arg(long, value_name = "LSOA-CODE", value_parser = vocab::lsoa)]
    pub lsoa: Option<LsoaCode>,
    /// How the engagement happened.
    #[arg(long, value_parser = vocab::code(ContactMethod::ALL, ContactMethod::as_str))]
    pub method: Option<ContactMethod>,
    /// Who was engaged.
    #[arg(long, value_parser = vocab::code(Audience::ALL, Audience::as_str))]
    pub audience: Option<Audience>,
    /// How many people.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub people: Option<u32>,
    /// The issues raised (police.uk categories), replacing those recorded; repeat for each.
    #[arg(long = "issue", value_name = "CATEGORY", value_parser = vocab::crime_category())]
    pub issues: Vec<CrimeCategory>,
    /// What was raised, in your words ("" clears it). No names or contact details here.
    #[arg(long, value_name = "TEXT")]
    pub raised: Option<String>,
    /// What you promised (its follow-up is corrected too).
    #[arg(long, value_name = "TEXT")]
    pub promised: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct FollowUpAmendArgs {
    /// The follow-up's reference (like 7KQ4-ZM2P; see `beatbook followups`), or its id.
    pub id: String,
    #[command(flatten)]
    pub reason: Reason,
    /// When it is due.
    #[arg(long, value_name = "TIME", value_parser = dates::parse_time)]
    pub due: Option<DateTime<Utc>>,
    /// What was promised (its contact is corrected too).
    #[arg(long, value_name = "TEXT")]
    pub promise: Option<String>,
    /// Who owns it (supervisors; a name such as "kim", or a user id).
    #[arg(long, value_name = "USER")]
    pub owner: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct NoteAmendArgs {
    /// The note's reference (like 7KQ4-ZM2P; see `beatbook patrol show`), or its id.
    pub id: String,
    #[command(flatten)]
    pub reason: Reason,
    /// The corrected text: the whole note as it should read.
    pub text: String,
    /// When you really saw it [default: as the note said].
    #[arg(long, value_name = "TIME", value_parser = dates::parse_time)]
    pub at: Option<DateTime<Utc>>,
}

pub fn amend_patrol(
    args: PatrolAmendArgs,
    s: &Session,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let id = lookup::patrol(s, &args.id)?;
    let area = match (args.lap, args.lsoa) {
        (_, Some(code)) => Some(AreaRef::Lsoa(code)),
        (Some(lap), None) => Some(AreaRef::Lap(lap.trim().to_owned())),
        (None, None) => None,
    };
    let amendment = PatrolAmendment {
        started_at: args.at,
        ended_at: args.ended,
        purpose: args.purpose,
        area,
        kind: args.kind,
        operation_name: args.operation,
    };
    nothing_to_correct(
        amendment.field_names().is_empty(),
        "--at, --ended, --purpose, --kind, --lap/--lsoa or --operation",
    )?;
    let patrol = s
        .store
        .amend_patrol(&s.actor, id, amendment, &args.reason.reason)?;
    if json {
        return output::json(out, &patrol);
    }
    writeln!(
        out,
        "Corrected {} patrol {}",
        patrol.kind,
        patrol.id.short_ref()
    )?;
    output::field(out, "Area", output::area(&patrol.area))?;
    output::field(out, "Started", dates::show(patrol.started_at))?;
    if let Some(end) = patrol.ended_at {
        output::field(out, "Ended", dates::show(end))?;
    }
    output::field(out, "Purpose", &patrol.purpose)?;
    reason_line(out, patrol.correction_reason.as_deref())
}

pub fn cancel_patrol(
    args: PatrolCancelArgs,
    s: &Session,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let id = lookup::patrol(s, &args.id)?;
    let patrol = s.store.cancel_patrol(&s.actor, id, &args.reason.reason)?;
    if json {
        return output::json(out, &patrol);
    }
    writeln!(
        out,
        "Cancelled patrol {}: it counts in no report and notes no longer link to it.",
        patrol.id.short_ref()
    )?;
    reason_line(out, patrol.correction_reason.as_deref())
}

pub fn amend_contact(
    args: ContactAmendArgs,
    s: &Session,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let id = lookup::contact(s, &args.id)?;
    let amendment = ContactAmendment {
        occurred_at: args.at,
        place: args
            .lat
            .zip(args.lon)
            .map(|(lat, lon)| GeoPoint::new(lat, lon)),
        lsoa_code: args.lsoa,
        method: args.method,
        audience: args.audience,
        people_count: args.people,
        issues: (!args.issues.is_empty()).then_some(args.issues),
        issues_text: args.raised,
        promised: args.promised,
        repeat_caller: None,
    };
    nothing_to_correct(amendment.field_names().is_empty(), "--at, --lat/--lon, --lsoa, --method, --audience, --people, --issue, --raised or --promised")?;
    let contact = s
        .store
        .amend_contact(&s.actor, id, amendment, &args.reason.reason)?;
    if json {
        return output::json(out, &contact);
    }
    writeln!(
        out,
        "Corrected contact {}: {} with {}",
        contact.id.short_ref(),
        contact.method,
        contact.audience
    )?;
    output::field(out, "When", dates::show(contact.occurred_at))?;
    output::field(out, "People", contact.people_count)?;
    if let Some(promised) = &contact.promised {
        output::field(out, "Promised", promised)?;
    }
    reason_line(out, contact.correction_reason.as_deref())
}

pub fn amend_follow_up(
    args: FollowUpAmendArgs,
    s: &Session,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    // Your own follow-ups, or (a supervisor) any on the team's board.
    let id = resolve("follow-up", &args.id, || {
        let mut ids: Vec<_> = s
            .store
            .open_follow_ups(s.actor.user_id, Utc::now())?
            .into_iter()
            .map(|f| f.id)
            .collect();
        ids.extend(
            s.store
                .follow_up_board(Utc::now())?
                .into_iter()
                .map(|r| r.follow_up.id),
        );
        ids.sort();
        ids.dedup();
        Ok(ids.into_iter())
    })?;
    let owner = args
        .owner
        .as_deref()
        .map(|typed| lookup::user(s, typed))
        .transpose()?;
    let amendment = FollowUpAmendment {
        due_at: args.due,
        promise: args.promise,
        owner,
    };
    nothing_to_correct(
        amendment.field_names().is_empty(),
        "--due, --promise or --owner",
    )?;
    let follow_up = s
        .store
        .amend_follow_up(&s.actor, id, amendment, &args.reason.reason)?;
    if json {
        return output::json(out, &follow_up);
    }
    let users = s.store.users()?;
    writeln!(out, "Corrected follow-up {}", follow_up.id.short_ref())?;
    output::field(out, "Promise", &follow_up.promise)?;
    output::field(out, "Due", dates::show(follow_up.due_at))?;
    let owner = follow_up.owner.map_or_else(
        || "unassigned (a referral for the team)".to_owned(),
        |owner| s.name_of(&users, owner),
    );
    output::field(out, "Owner", owner)?;
    reason_line(out, follow_up.correction_reason.as_deref())
}

pub fn amend_note(args: NoteAmendArgs, s: &Session, json: bool, out: &mut dyn Write) -> Result<()> {
    let id = lookup::note(s, &args.id)?;
    let note = s.store.amend_note(
        &s.actor,
        id,
        NoteAmendment {
            text: args.text,
            observed_at: args.at,
        },
        &args.reason.reason,
    )?;
    if json {
        return output::json(out, &note);
    }
    writeln!(
        out,
        "Added note {} correcting note {}; lists show the corrected one.",
        note.id.short_ref(),
        id.short_ref()
    )?;
    output::field(out, "At", dates::show(note.observed_at))?;
    reason_line(out, note.correction_reason.as_deref())
}

fn nothing_to_correct(nothing: bool, options: &str) -> Result<()> {
    if nothing {
        return Err(CliError::usage("nothing to correct").hint(format!("give {options}")));
    }
    Ok(())
}

fn reason_line(out: &mut dyn Write, reason: Option<&str>) -> Result<()> {
    if let Some(reason) = reason {
        output::field(out, "Reason", reason)?;
    }
    Ok(())
}
