//! `beatbook report`: the performance-framework report for a period and an area (tables in
//! `performance.rs`), and the older single counts — contacts by LSOA, method or audience, and
//! Citizens in Policing volunteer hours by month — as subcommands.

use crate::dates::{self, When};
use crate::error::Result;
use crate::output::{self, Table};
use crate::session::Session;
use beatbook_core::store::queries::ContactBreakdown;
use std::io::Write;

/// `beatbook report [FLAGS]` or `beatbook report contacts|volunteer-hours ...`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub report: super::performance::PeriodAndArea,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Contacts and people reached, grouped (the last 28 days unless --from/--to).
    Contacts {
        /// What to group by.
        #[arg(long, value_enum)]
        by: By,
        /// From this date or time [default: 28 days ago].
        #[arg(long, value_name = "DATE", value_parser = dates::parse_when)]
        from: Option<When>,
        /// Up to this date (inclusive) or time [default: now].
        #[arg(long, value_name = "DATE", value_parser = dates::parse_when)]
        to: Option<When>,
    },
    /// Patrol hours per volunteer per month (closed patrols; last 28 days unless --from/--to).
    VolunteerHours {
        /// From this date or time [default: 28 days ago].
        #[arg(long, value_name = "DATE", value_parser = dates::parse_when)]
        from: Option<When>,
        /// Up to this date (inclusive) or time [default: now].
        #[arg(long, value_name = "DATE", value_parser = dates::parse_when)]
        to: Option<When>,
    },
}

/// What to group contacts by.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum By {
    /// The LSOA the contact happened in.
    Lsoa,
    /// How the engagement happened.
    Method,
    /// Who was engaged.
    Audience,
}

pub fn run(args: Args, s: &Session, json: bool, out: &mut dyn Write) -> Result<()> {
    let Some(cmd) = args.command else {
        return super::performance::run(args.report, s, json, out);
    };
    match cmd {
        Command::Contacts { by, from, to } => {
            let (from, to) = dates::period(from, to, 28);
            let breakdown = match by {
                By::Lsoa => ContactBreakdown::Lsoa,
                By::Method => ContactBreakdown::Method,
                By::Audience => ContactBreakdown::Audience,
            };
            let rows = s.store.contact_breakdown(breakdown, from, to)?;
            if json {
                return output::json(out, &rows);
            }
            writeln!(
                out,
                "Contacts from {} to {}",
                dates::show(from),
                dates::show(to)
            )?;
            let header = match by {
                By::Lsoa => "LSOA",
                By::Method => "METHOD",
                By::Audience => "AUDIENCE",
            };
            let mut table = Table::new(&[header, "CONTACTS", "PEOPLE"]);
            for r in &rows {
                table.row(vec![
                    r.key.clone(),
                    r.contacts.to_string(),
                    r.people.to_string(),
                ]);
            }
            table.write(out, "no contacts in that period")
        }
        Command::VolunteerHours { from, to } => {
            let (from, to) = dates::period(from, to, 28);
            let rows = s.store.volunteer_hours(from, to)?;
            if json {
                return output::json(out, &rows);
            }
            writeln!(
                out,
                "Volunteer patrol hours from {} to {}",
                dates::show(from),
                dates::show(to)
            )?;
            let mut table = Table::new(&["MONTH", "PATROLS", "HOURS", "VOLUNTEER"]);
            for r in &rows {
                table.row(vec![
                    r.month.clone(),
                    r.patrols.to_string(),
                    format!("{:.1}", r.hours),
                    r.display_name.clone(),
                ]);
            }
            table.write(out, "no volunteer patrols in that period")
        }
    }
}
