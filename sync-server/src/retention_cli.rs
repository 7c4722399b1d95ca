//! `beatbook-server admin retention …` (the schedule, the sweep, what is due) and `admin erase`
//! (`crate::retention`). Output for people on standard output; errors name the rule broken.

use crate::admin::AdminError;
use crate::retention::{self, schedule, ScheduleChange};
use crate::storage::SyncStorage;
use beatbook_core::retention::RetainedKind;
use beatbook_core::sync::RecordKind;
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum RetentionCommand {
    /// Print the force's retention schedule.
    Show,
    /// Review records of a kind this many days after their anchor (contact_personal, contact,
    /// note, patrol, problem).
    Set {
        #[arg(long)]
        kind: RetainedKind,
        #[arg(long)]
        days: u32,
    },
    /// Stop reviewing records of a kind (they are kept until erased).
    Unset {
        #[arg(long)]
        kind: RetainedKind,
    },
    /// Put records on the supervisors' lists this many days before their review date.
    Notice {
        #[arg(long)]
        days: u32,
    },
    /// Dispose of every record past its review date now (the server also does this at start
    /// and every --retention-sweep-minutes); prints what it disposed of.
    Sweep {
        /// For tests only: the running server's clock offset file.
        #[arg(long, env = "BEATBOOK_TEST_CLOCK_OFFSET_FILE", hide = true)]
        test_clock_offset_file: Option<PathBuf>,
    },
    /// List the records due for review (within the schedule's notice) or past it.
    Due {
        /// Only this team's records, by name or id [default: every team's].
        #[arg(long)]
        team: Option<String>,
        /// For tests only: the running server's clock offset file.
        #[arg(long, env = "BEATBOOK_TEST_CLOCK_OFFSET_FILE", hide = true)]
        test_clock_offset_file: Option<PathBuf>,
    },
}

/// `admin erase`'s arguments.
#[derive(Debug, clap::Args)]
pub struct EraseArgs {
    /// contact (with its personal record and follow-ups), contact_personal (redacted),
    /// note, patrol, problem (with its steps and stage requests), problem_step or follow_up.
    #[arg(long)]
    pub kind: RecordKind,
    #[arg(long)]
    pub id: String,
    /// Why (logged in the s.62 log as the erasure's justification).
    #[arg(long)]
    pub reason: String,
    /// The administrator erasing it (logged with the entry).
    #[arg(long = "as", value_name = "ADMIN NAME")]
    pub as_admin: Option<String>,
    /// For tests only: the running server's clock offset file.
    #[arg(long, env = "BEATBOOK_TEST_CLOCK_OFFSET_FILE", hide = true)]
    pub test_clock_offset_file: Option<PathBuf>,
}

fn invalid(e: impl std::fmt::Display) -> AdminError {
    AdminError::Invalid(e.to_string())
}

pub fn run(storage: &dyn SyncStorage, command: RetentionCommand) -> Result<(), AdminError> {
    let change = |change| schedule::change_schedule(storage, change).map_err(invalid);
    match command {
        RetentionCommand::Show => {
            let current = retention::current_schedule(storage).map_err(invalid)?;
            print!("{}", schedule::describe(&current));
        }
        RetentionCommand::Set { kind, days } => {
            print!(
                "{}",
                schedule::describe(&change(ScheduleChange::Set { kind, days })?)
            );
        }
        RetentionCommand::Unset { kind } => {
            print!(
                "{}",
                schedule::describe(&change(ScheduleChange::Unset { kind })?)
            );
        }
        RetentionCommand::Notice { days } => {
            print!(
                "{}",
                schedule::describe(&change(ScheduleChange::Notice { days })?)
            );
        }
        RetentionCommand::Sweep {
            test_clock_offset_file,
        } => {
            let clock = crate::clock::server_clock(test_clock_offset_file.as_deref());
            let report = retention::sweep(storage, clock.now()).map_err(invalid)?;
            for kind in RetainedKind::ALL {
                println!(
                    "{:<17} {}",
                    kind.as_str(),
                    report.disposed.get(kind).copied().unwrap_or(0)
                );
            }
            println!("children erased   {}", report.children);
            if report.refused > 0 {
                println!("refused           {} (see the log)", report.refused);
            }
            if report.more {
                println!("more remain: run the sweep again");
            }
        }
        RetentionCommand::Due {
            team,
            test_clock_offset_file,
        } => {
            let team = team
                .map(|typed| crate::admin_names::team(storage, &typed))
                .transpose()?;
            let clock = crate::clock::server_clock(test_clock_offset_file.as_deref());
            let due = retention::due_for_review(storage, team, clock.now()).map_err(invalid)?;
            if due.is_empty() {
                println!("Nothing is due for review.");
            }
            for record in due {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    record.kind,
                    record.record_id,
                    record
                        .anchor
                        .map_or_else(|| "-".to_owned(), |a| a.to_rfc3339()),
                    record.review_on.to_rfc3339(),
                    if record.expired {
                        "expired"
                    } else if record.retained {
                        "due (retained before)"
                    } else {
                        "due"
                    }
                );
            }
        }
    }
    Ok(())
}

pub fn erase(storage: &dyn SyncStorage, args: EraseArgs) -> Result<(), AdminError> {
    let done = retention::erase(
        storage,
        args.kind,
        &args.id,
        &args.reason,
        args.as_admin.as_deref(),
        crate::clock::server_clock(args.test_clock_offset_file.as_deref()).now(),
    )
    .map_err(|e| match e {
        retention::EraseError::Dispose(retention::DisposeError::NotFound(..)) => {
            AdminError::NotFound(e.to_string())
        }
        retention::EraseError::Dispose(retention::DisposeError::Storage(e)) => e.into(),
        other => invalid(other),
    })?;
    for (kind, id, redacted) in done.records {
        println!(
            "{} {kind} {id}",
            if redacted { "redacted" } else { "erased" }
        );
    }
    eprintln!("logged in the s.62 log with the reason");
    Ok(())
}
