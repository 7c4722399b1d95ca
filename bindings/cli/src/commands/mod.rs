//! The commands, one file per group, each holding its flags (clap derive) and what it does.
//! `run` sends the parsed command line to the right one.

pub mod approve;
pub mod areas;
pub mod audit;
pub mod conflicts;
pub mod contact;
pub mod corrections;
pub mod enrol;
pub mod export;
pub mod followup;
pub mod init;
pub mod keygen;
pub mod note;
pub mod patrol;
pub mod performance;
pub mod problem;
pub mod report;
pub mod retention;
pub mod review;
pub mod search;
pub mod sync;
pub mod today;
pub mod users;

use crate::args::{Cli, Command};
use crate::error::Result;
use crate::session::Session;
use std::io::Write;

pub fn run(cli: Cli, out: &mut dyn Write) -> Result<()> {
    let global = &cli.global;
    match cli.command {
        Command::Keygen(args) => keygen::run(args, global, out),
        Command::Init(args) => init::run(args, global, out),
        Command::Enrol(args) => enrol::run(args, global, out),
        // Sync takes the store itself: a revoked device's store is wiped.
        Command::Sync(args) => sync::run(args, global, out),
        Command::Areas(cmd) => areas::run(cmd, global, out),
        command => {
            let session = Session::open(global)?;
            let json = global.json;
            match command {
                Command::Whoami => users::whoami(&session, json, out),
                Command::User(cmd) => users::run(cmd, &session, json, out),
                Command::Patrol(cmd) => patrol::run(cmd, &session, json, out),
                Command::Note(cmd) => note::run(cmd, &session, json, out),
                Command::Contact(cmd) => contact::run(cmd, &session, json, out),
                Command::Problem(cmd) => problem::run(cmd, &session, json, out),
                Command::Followups(args) => followup::list(args, &session, json, out),
                Command::Review(args) => review::run(args, &session, json, out),
                Command::Approve(args) => approve::run(args, &session, json, out),
                Command::Followup(cmd) => followup::run(cmd, &session, json, out),
                Command::Search(args) => search::run(args, &session, json, out),
                Command::Today(args) => today::run(args, &session, json, out),
                Command::Report(cmd) => report::run(cmd, &session, json, out),
                Command::Export(cmd) => export::run(cmd, &session, json, out),
                Command::Audit(args) => audit::run(args, &session, json, out),
                Command::Conflicts(args) => conflicts::run(args, &session, json, out),
                Command::Retention(cmd) => retention::run(cmd, &session, json, out),
                Command::Keygen(_)
                | Command::Init(_)
                | Command::Enrol(_)
                | Command::Sync(_)
                | Command::Areas(_) => Ok(()),
            }
        }
    }
}

/// Lookups that turn typed ids into ids, shared by the commands.
pub mod lookup {
    use crate::error::Result;
    use crate::ids::resolve;
    use crate::session::Session;
    use beatbook_core::ids::{
        ContactId, FollowUpId, NoteId, PatrolId, ProblemId, StageRequestId, UserId,
    };
    use chrono::{DateTime, Utc};

    /// The whole of time, for listing every record of a kind.
    fn all_time() -> (DateTime<Utc>, DateTime<Utc>) {
        (
            DateTime::<Utc>::UNIX_EPOCH,
            Utc::now() + chrono::Duration::days(365 * 100),
        )
    }

    pub fn patrol(s: &Session, typed: &str) -> Result<PatrolId> {
        resolve("patrol", typed, || {
            let (from, to) = all_time();
            Ok(s.store.patrols_between(from, to)?.into_iter().map(|p| p.id))
        })
    }

    pub fn contact(s: &Session, typed: &str) -> Result<ContactId> {
        resolve("contact", typed, || {
            let (from, to) = all_time();
            Ok(s.store
                .contacts_between(from, to)?
                .into_iter()
                .map(|c| c.id))
        })
    }

    /// Note prefixes are matched against every note, corrected ones too.
    pub fn note(s: &Session, typed: &str) -> Result<NoteId> {
        resolve("note", typed, || Ok(s.store.note_ids()?))
    }

    pub fn problem(s: &Session, typed: &str) -> Result<ProblemId> {
        resolve("problem", typed, || {
            Ok(s.store.problems()?.into_iter().map(|p| p.id))
        })
    }

    /// Follow-up prefixes are matched against your open follow-ups.
    pub fn follow_up(s: &Session, typed: &str) -> Result<FollowUpId> {
        resolve("follow-up", typed, || {
            Ok(s.store
                .open_follow_ups(s.actor.user_id, Utc::now())?
                .into_iter()
                .map(|f| f.id))
        })
    }

    /// Stage-request prefixes are matched against the pending requests.
    pub fn stage_request(s: &Session, typed: &str) -> Result<StageRequestId> {
        resolve("stage request", typed, || {
            Ok(s.store.pending_stage_requests()?.into_iter().map(|r| r.id))
        })
    }

    /// A user this store knows, by id, id prefix or name (`crate::people`). Checked even for
    /// a full id: the core takes user ids on trust in some places, and an unknown one would
    /// only fail later, less clearly.
    pub fn user(s: &Session, typed: &str) -> Result<UserId> {
        let users = s.store.users()?;
        let looks_like_id = typed.trim().len() >= crate::ids::MIN_PREFIX
            && typed
                .trim()
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == '-');
        let id = if looks_like_id {
            resolve("user", typed, || Ok(users.iter().map(|u| u.id)))?
        } else {
            crate::people::by_name(typed, &users)?
        };
        s.store.user(id)?;
        Ok(id)
    }
}

/// The area a patrol or problem is about: a LAP or an LSOA.
#[derive(Debug, Clone, clap::Args)]
#[group(required = true, multiple = false)]
pub struct AreaArgs {
    /// A Local Area Partnership, e.g. LAP-NV (see `beatbook areas list`).
    #[arg(long, value_name = "LAP-CODE")]
    pub lap: Option<String>,
    /// An LSOA, e.g. E01990002.
    #[arg(long, value_name = "LSOA-CODE", value_parser = crate::vocab::lsoa)]
    pub lsoa: Option<beatbook_core::model::LsoaCode>,
}

impl AreaArgs {
    /// The area, after warning (not failing: boundaries may be out of date) when it is not one
    /// of the loaded areas.
    pub fn area(self, s: &Session) -> Result<beatbook_core::model::AreaRef> {
        use beatbook_core::model::AreaRef;
        let lsoas = s.store.lsoas()?;
        let area = match (self.lap, self.lsoa) {
            (_, Some(code)) => AreaRef::Lsoa(code),
            (Some(lap), None) => AreaRef::Lap(lap.trim().to_owned()),
            (None, None) => {
                return Err(crate::error::CliError::usage(
                    "give the area with --lap or --lsoa",
                ))
            }
        };
        if !lsoas.is_empty() {
            let known = match &area {
                AreaRef::Lap(lap) => lsoas.iter().any(|l| &l.lap_code == lap),
                AreaRef::Lsoa(code) => lsoas.iter().any(|l| &l.code == code),
                AreaRef::Priority(_) => true,
            };
            if !known {
                eprintln!(
                    "warning: {} is not in the loaded areas (see `beatbook areas list`)",
                    crate::output::area(&area)
                );
            }
        }
        Ok(area)
    }
}
