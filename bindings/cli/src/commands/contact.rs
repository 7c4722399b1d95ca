//! `beatbook contact`: engagement contacts — who was engaged, where, how, what was raised and
//! promised.
//!
//! Personal details of the member of the public are taken only with `--consent`, are never
//! shown by `add`, `show` or `list` (only that they are held), and are read back only by
//! `contact personal`, which the store logs as a consultation with its justification.

use super::lookup;
use super::patrol::PatrolLink;
use crate::dates::{self, When};
use crate::error::Result;
use crate::output::{self, Table};
use crate::paging::{Keep, Paging};
use crate::session::Session;
use crate::vocab;
use beatbook_core::model::{
    Audience, Contact, ContactMethod, CrimeCategory, EthnicityCode, GeoPoint, LsoaCode, NewContact,
    PersonalDetails,
};
use beatbook_core::store::{NearbyContact, RecordedContact};
use chrono::{DateTime, Duration, Utc};
use std::io::Write;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Record a contact (and the follow-up, if you promised something).
    Add(Box<AddArgs>),
    /// Show a contact (without personal details).
    Show {
        /// The contact's reference as lists show it (like 7KQ4-ZM2P), or its id.
        id: String,
    },
    /// Show a contact's personal details. Logged, with your justification.
    Personal {
        /// The contact's reference as lists show it (like 7KQ4-ZM2P), or its id.
        id: String,
        /// Why you need to see them (logged), e.g. "Calling back about the promised visit".
        #[arg(long)]
        justification: String,
    },
    /// Correct a contact's time, place, method, audience, people, issues or promise, with the
    /// reason (personal details: `redact`, or record them again).
    Amend(Box<super::corrections::ContactAmendArgs>),
    /// Remove a contact's personal details, keeping the rest (recorder or supervisor).
    Redact {
        /// The contact's reference as lists show it (like 7KQ4-ZM2P), or its id.
        id: String,
        /// Why (logged).
        #[arg(long)]
        reason: String,
    },
    /// Erase a contact entirely, leaving only a logged tombstone (supervisors).
    Erase {
        /// The contact's reference as lists show it (like 7KQ4-ZM2P), or its id.
        id: String,
        /// Why (logged).
        #[arg(long)]
        reason: String,
    },
    /// List contacts (today unless --from/--to).
    List {
        /// From this date or time [default: today].
        #[arg(long, value_name = "DATE", value_parser = dates::parse_when)]
        from: Option<When>,
        /// Up to this date (inclusive) or time [default: now].
        #[arg(long, value_name = "DATE", value_parser = dates::parse_when)]
        to: Option<When>,
        #[command(flatten)]
        paging: Paging,
    },
}

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// Where (latitude, WGS84). Needed face to face; a phone, online or letter contact may
    /// give --lsoa or --lap instead, or nothing.
    #[arg(long, allow_negative_numbers = true, requires = "lon", value_parser = vocab::latitude)]
    pub lat: Option<f64>,
    /// Where (longitude, WGS84; west is negative); with --lat.
    #[arg(long, allow_negative_numbers = true, requires = "lat", value_parser = vocab::longitude)]
    pub lon: Option<f64>,
    /// The LSOA the person gave, e.g. E01990002 (without --lat/--lon: phone, online, letter).
    #[arg(long, value_name = "LSOA-CODE", value_parser = vocab::lsoa)]
    pub lsoa: Option<LsoaCode>,
    /// The LAP the person gave, e.g. LAP-NV (without --lat/--lon: phone, online, letter).
    #[arg(long, value_name = "LAP-CODE", conflicts_with = "lat")]
    pub lap: Option<String>,
    /// How the engagement happened.
    #[arg(long, value_parser = vocab::code(ContactMethod::ALL, ContactMethod::as_str))]
    pub method: ContactMethod,
    /// Who was engaged.
    #[arg(long, value_parser = vocab::code(Audience::ALL, Audience::as_str))]
    pub audience: Audience,
    /// How many people.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub people: u32,
    /// An issue raised (police.uk category); repeat for each.
    #[arg(long = "issue", value_name = "CATEGORY", value_parser = vocab::crime_category())]
    pub issues: Vec<CrimeCategory>,
    /// What was raised, in your words. No names or contact details here.
    #[arg(long, value_name = "TEXT")]
    pub raised: Option<String>,
    /// What you promised. Makes a follow-up, due in 72 hours unless --due-hours.
    #[arg(long, value_name = "TEXT")]
    pub promised: Option<String>,
    /// Hours until the follow-up is due [default: 72].
    #[arg(long, value_name = "HOURS", requires = "promised", value_parser = clap::value_parser!(u32).range(1..=8760))]
    pub due_hours: Option<u32>,
    /// Who owns the follow-up [default: you] (a name such as "kim" or "Sam Demo", or a user id; see `beatbook user list`).
    #[arg(long, requires = "promised", value_name = "USER")]
    pub owner: Option<String>,
    /// The person agreed to be contacted again. Needed for --name/--phone/--email/--address.
    #[arg(long)]
    pub consent: bool,
    /// Their name (personal data: only with --consent).
    #[arg(long)]
    pub name: Option<String>,
    /// Their phone number (personal data: only with --consent).
    #[arg(long)]
    pub phone: Option<String>,
    /// Their email address (personal data: only with --consent).
    #[arg(long)]
    pub email: Option<String>,
    /// Their address (personal data: only with --consent).
    #[arg(long)]
    pub address: Option<String>,
    /// Self-defined ethnicity, only as the person chose to state it; never guess (special
    /// category: only with --consent, except NS, not stated).
    #[arg(long, value_name = "CODE", value_parser = vocab::ethnicity())]
    pub ethnicity: Option<EthnicityCode>,
    /// The person is vulnerable (about their circumstances: only with --consent).
    #[arg(long)]
    pub vulnerable: bool,
    /// The person has been in touch about this before.
    #[arg(long)]
    pub repeat_caller: bool,
    /// Link to a problem.
    #[arg(long, value_name = "PROBLEM_ID")]
    pub problem: Option<String>,
    #[command(flatten)]
    pub patrol: PatrolLink,
    /// When it happened [default: now].
    #[arg(long, value_name = "TIME", value_parser = dates::parse_time)]
    pub at: Option<DateTime<Utc>>,
}

pub fn run(cmd: Command, s: &Session, json: bool, out: &mut dyn Write) -> Result<()> {
    match cmd {
        Command::Add(args) => add(*args, s, json, out),
        Command::Amend(args) => super::corrections::amend_contact(*args, s, json, out),
        Command::Show { id } => show(s, &id, json, out),
        Command::Personal { id, justification } => personal(s, &id, &justification, json, out),
        Command::Redact { id, reason } => {
            let id = lookup::contact(s, &id)?;
            let contact = s.store.redact_contact(&s.actor, id, &reason)?;
            if json {
                return output::json(out, &contact);
            }
            writeln!(
                out,
                "Redacted contact {}: its personal details and ethnicity are gone.",
                id.short_ref()
            )?;
            Ok(())
        }
        Command::Erase { id, reason } => {
            let id = lookup::contact(s, &id)?;
            s.store.erase_contact(&s.actor, id, &reason)?;
            if json {
                return output::json(out, &serde_json::json!({ "erased": id }));
            }
            writeln!(
                out,
                "Erased contact {}; the audit log keeps who, when and why.",
                id.short_ref()
            )?;
            Ok(())
        }
        Command::List { from, to, paging } => list(s, from, to, paging, json, out),
    }
}

fn add(args: AddArgs, s: &Session, json: bool, out: &mut dyn Write) -> Result<()> {
    let occurred_at = args.at.unwrap_or_else(Utc::now);
    let personal = PersonalDetails {
        name: args.name,
        phone: args.phone,
        email: args.email,
        address: args.address,
    };
    let personal = (!personal.is_empty()).then_some(personal);
    let follow_up_owner = args
        .owner
        .as_deref()
        .map(|typed| lookup::user(s, typed))
        .transpose()?;
    let problem_id = args
        .problem
        .as_deref()
        .map(|typed| lookup::problem(s, typed))
        .transpose()?;
    let recorded = s.store.record_contact(
        &s.actor,
        NewContact {
            occurred_at,
            place: args
                .lat
                .zip(args.lon)
                .map(|(lat, lon)| GeoPoint::new(lat, lon)),
            lsoa_code: args.lsoa,
            lap_code: args.lap,
            method: args.method,
            audience: args.audience,
            people_count: args.people,
            issues: args.issues,
            issues_text: args.raised,
            promised: args.promised,
            follow_up_due: args
                .due_hours
                .map(|h| occurred_at + Duration::hours(i64::from(h))),
            follow_up_owner,
            consent_to_recontact: args.consent,
            personal,
            ethnicity: args.ethnicity,
            repeat_caller: args.repeat_caller,
            vulnerable: args.vulnerable,
            problem_id,
            patrol_id: args.patrol.resolve(s)?,
        },
    )?;
    if json {
        return output::json(out, &recorded);
    }
    let RecordedContact {
        contact,
        follow_up,
        nearby,
    } = recorded;
    writeln!(out, "Recorded contact {}", contact.id.short_ref())?;
    describe(s, &contact, out)?;
    write_nearby(&nearby, out)?;
    if let Some(f) = follow_up {
        let users = s.store.users()?;
        let keeper = match f.owner {
            Some(owner) => format!("owner: {}", s.name_of(&users, owner)),
            None => "referred to your team (a supervisor gives it to someone)".to_owned(),
        };
        output::field(
            out,
            "Follow-up",
            format!(
                "{} due {} (in {}), {keeper}",
                f.id.short_ref(),
                dates::show(f.due_at),
                dates::show_span(f.due_at - Utc::now()),
            ),
        )?;
    }
    Ok(())
}

/// The non-personal facts of a contact.
fn describe(s: &Session, c: &Contact, out: &mut dyn Write) -> Result<()> {
    output::field(out, "When", dates::show(c.occurred_at))?;
    output::field(out, "Where", where_it_was(s, c)?)?;
    output::field(
        out,
        "Engaged",
        format!(
            "{} by {}, {}",
            c.audience,
            c.method,
            output::count(c.people_count as usize, "person", "people")
        ),
    )?;
    if !c.issues.is_empty() {
        let issues: Vec<&str> = c.issues.iter().map(|i| i.as_str()).collect();
        output::field(out, "Issues", issues.join(", "))?;
    }
    if let Some(text) = &c.issues_text {
        output::field(out, "Raised", text)?;
    }
    if let Some(p) = &c.promised {
        output::field(out, "Promised", p)?;
    }
    let consent = match (c.consent_to_recontact, c.has_personal_details, c.redacted_at) {
        (_, _, Some(at)) => format!("personal details redacted {}", dates::show(at)),
        (true, true, None) => format!(
            "yes; contact details held (see them with `beatbook contact personal {} --justification \"…\"`)",
            c.id.short_ref()
        ),
        (true, false, None) => "yes; no contact details taken".to_owned(),
        (false, _, None) => "no".to_owned(),
    };
    output::field(out, "Consent", consent)?;
    let flags: Vec<&str> = [
        (c.repeat_location, "REPEAT LOCATION"),
        (c.vulnerable, "vulnerable"),
        (c.repeat_caller, "repeat caller"),
        (c.has_ethnicity, "ethnicity stated"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, name)| *name)
    .collect();
    if !flags.is_empty() {
        output::field(out, "Flags", flags.join(", "))?;
    }
    if let Some(p) = c.patrol_id {
        output::field(out, "Patrol", p.short_ref())?;
    }
    if let Some(p) = c.problem_id {
        output::field(out, "Problem", p.short_ref())?;
    }
    Ok(())
}

/// The place and the area it is in; or, for a contact without a place (a phone call, a
/// letter), the area given, or that none was.
fn where_it_was(s: &Session, c: &Contact) -> Result<String> {
    let lsoa_name = |lsoa: &LsoaCode| -> Result<String> {
        Ok(s.store
            .lsoas()?
            .into_iter()
            .find(|l| &l.code == lsoa)
            .map(|l| format!(" ({})", l.name))
            .unwrap_or_default())
    };
    let lap = c
        .lap_code
        .as_ref()
        .map(|l| format!(", LAP {l}"))
        .unwrap_or_default();
    Ok(match (&c.place, &c.lsoa_code, &c.lap_code) {
        (Some(p), Some(lsoa), _) => {
            format!(
                "{:.5}, {:.5} in LSOA {lsoa}{}{lap}",
                p.lat,
                p.lon,
                lsoa_name(lsoa)?
            )
        }
        (Some(p), None, _) => format!("{:.5}, {:.5} (outside the loaded areas)", p.lat, p.lon),
        (None, Some(lsoa), _) => format!(
            "no place ({}); LSOA {lsoa}{}{lap}",
            c.method,
            lsoa_name(lsoa)?
        ),
        (None, None, Some(lap)) => format!("no place ({}); LAP {lap}", c.method),
        (None, None, None) => format!("no place or area given ({})", c.method),
    })
}

/// A contact's area in a list: its LSOA, else the LAP given, else "-".
fn area_cell(c: &Contact) -> String {
    match (&c.lsoa_code, &c.lap_code) {
        (Some(lsoa), _) => lsoa.to_string(),
        (None, Some(lap)) => lap.clone(),
        (None, None) => "-".into(),
    }
}

fn write_nearby(nearby: &[NearbyContact], out: &mut dyn Write) -> Result<()> {
    if nearby.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "  REPEAT LOCATION: {} nearby in the last 28 days:",
        output::count(nearby.len(), "earlier contact", "earlier contacts")
    )?;
    for n in nearby {
        writeln!(
            out,
            "    {}  {}  {:.0} m away",
            n.contact_id,
            dates::show(n.occurred_at),
            n.distance_m
        )?;
    }
    Ok(())
}

fn show(s: &Session, typed: &str, json: bool, out: &mut dyn Write) -> Result<()> {
    let id = lookup::contact(s, typed)?;
    let contact = s.store.contact(id)?;
    let nearby = s.store.nearby_contacts(id)?;
    // An erased follow-up leaves its id on the contact (on every device): shown as none.
    let follow_up = match contact.follow_up_id.map(|f| s.store.follow_up(f)) {
        Some(Err(beatbook_core::Error::NotFound { .. })) | None => None,
        Some(found) => Some(found?),
    };
    if json {
        return output::json(
            out,
            &serde_json::json!({ "contact": contact, "nearby": nearby, "follow_up": follow_up }),
        );
    }
    writeln!(out, "Contact {}", contact.id.short_ref())?;
    output::field(out, "Id", contact.id)?;
    describe(s, &contact, out)?;
    write_nearby(&nearby, out)?;
    if let Some(f) = follow_up {
        let state = match (f.status, f.answered_at) {
            (beatbook_core::model::FollowUpStatus::Open, _) => {
                format!("open, due {}", dates::show(f.due_at))
            }
            (status, Some(at)) => format!("{status} {}", dates::show(at)),
            (status, None) => status.to_string(),
        };
        output::field(out, "Follow-up", format!("{} {state}", f.id.short_ref()))?;
        if let Some(outcome) = &f.outcome {
            output::field(out, "Outcome", outcome)?;
        }
    }
    Ok(())
}

fn personal(
    s: &Session,
    typed: &str,
    justification: &str,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let id = lookup::contact(s, typed)?;
    let data = s
        .store
        .contact_personal_details(&s.actor, id, justification)?;
    if json {
        return output::json(out, &data);
    }
    writeln!(
        out,
        "Personal details of contact {} (this consultation is logged):",
        id.short_ref()
    )?;
    let details = data.details.unwrap_or_default();
    let none = "-".to_owned();
    output::field(out, "Name", details.name.as_ref().unwrap_or(&none))?;
    output::field(out, "Phone", details.phone.as_ref().unwrap_or(&none))?;
    output::field(out, "Email", details.email.as_ref().unwrap_or(&none))?;
    output::field(out, "Address", details.address.as_ref().unwrap_or(&none))?;
    output::field(
        out,
        "Ethnicity",
        data.ethnicity
            .map_or_else(|| none.clone(), |e| e.to_string()),
    )?;
    Ok(())
}

fn list(
    s: &Session,
    from: Option<When>,
    to: Option<When>,
    paging: Paging,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let (from, to) = dates::period(from, to, 1);
    let mut contacts = s.store.contacts_between(from, to)?;
    if json {
        return output::json(out, &contacts);
    }
    // Oldest first: the newest are kept.
    let left_out = paging.cut(&mut contacts, Keep::Last);
    let mut table = Table::new(&[
        "REF", "WHEN", "AREA", "METHOD", "AUDIENCE", "PEOPLE", "FLAGS", "ISSUES",
    ]);
    for c in &contacts {
        let mut flags = Vec::new();
        if c.repeat_location {
            flags.push("repeat-loc");
        }
        if c.vulnerable {
            flags.push("vulnerable");
        }
        if c.repeat_caller {
            flags.push("repeat-caller");
        }
        if c.follow_up_id.is_some() {
            flags.push("promise");
        }
        let issues: Vec<&str> = c.issues.iter().map(|i| i.as_str()).collect();
        table.row(vec![
            c.id.short_ref(),
            dates::show(c.occurred_at),
            area_cell(c),
            c.method.to_string(),
            c.audience.to_string(),
            c.people_count.to_string(),
            flags.join(","),
            issues.join(", "),
        ]);
    }
    table.write(out, "no contacts in that period")?;
    Ok(paging.note(left_out, out)?)
}
