//! The command line: global options and the list of commands. Each command's own flags live
//! with the command in `commands/`, so a command's flags and what it does are read together.

use crate::commands::{
    approve, areas, audit, conflicts, contact, enrol, export, followup, init, keygen, note, patrol,
    problem, report, retention, review, search, sync, today, users,
};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

const LONG_ABOUT: &str = "\
Beatbook keeps a neighbourhood team's field record on this device, encrypted, and works with no
signal: patrols with their purpose and value, notes, engagement contacts and the promises made
in them, SARA problems, and the audit log of who saw or shared what.

A patrol shift, in order:

  Once, to set up:
    beatbook keygen --out ~/.beatbook.key        make the store key (keep it safe)
    export BEATBOOK_KEY_FILE=~/.beatbook.key
    beatbook init --name \"PCSO Sam Patel\" --role pcso --team \"Northvale NPT\" \\
        --areas areas.geojson                     create your store

  Each shift:
    beatbook followups                           what you promised people, overdue first
    beatbook patrol start --lap LAP-NV --purpose \"Reassurance after garage burglaries\"
    beatbook note add \"Side gate at the garages forced again\"
    beatbook contact add --lat 52.445 --lon -1.51 --method door_knock --audience resident \\
        --issue burglary --promised \"Ask the council about lighting\" \\
        --consent --name \"…\" --phone \"…\"   (contact details only with consent)
    beatbook contact add --method phone --audience resident --lsoa E01990002
                                                 a call: an area (--lsoa, --lap) or none, no place
    beatbook problem open --title \"Garage burglaries\" --category burglary --lap LAP-NV \\
        --summary \"Five break-ins since May\"
    beatbook search \"garages\"
    beatbook today                               what you did today
    beatbook patrol end --purpose-met yes --rating 4 --summary \"Spoke to 12 residents\"
    beatbook followup answer ID --outcome \"Lighting repair booked\"

  With your force's sync server (instead of `init`; the code comes from your administrator):
    beatbook enrol --server https://beatbook.force.example --code ABCD234EFG
    beatbook sync                                send your changes, receive your team's
    beatbook sync status                         what waits to be sent, last sync, conflicts
    beatbook conflicts                           one field edited in two places: both values
    beatbook conflicts resolve ID --keep winner|loser     settle one

  Supervisors, after `beatbook sync` at base:
    beatbook review                              the team's new and changed work, per member
    beatbook review --mark                       mark it reviewed (syncs; logged)
    beatbook approve                             SARA stage moves waiting, with their evidence
    beatbook approve ID | beatbook approve ID --send-back \"what is missing\"
    beatbook followups --team                    every open promise, overdue first; 72-hour share
    beatbook followup reassign ID --to USER      give a promise to someone else

  Reporting:
    beatbook report --from 2025-06-01 --to 2025-06-30 --lap LAP-NV   every framework figure
    beatbook report contacts --by lsoa
    beatbook export contacts --from 2025-06-01 --to 2025-06-30 \\
        --justification \"LAP monthly report\" --out june.csv   (logged as a disclosure)
    beatbook audit

The store key never goes on the command line: give the key file with --key-file or
BEATBOOK_KEY_FILE, or the key itself in BEATBOOK_KEY (64 hexadecimal characters).
Personal details of the public are shown only by `beatbook contact personal`, and every look
is logged. Records are shown by a short reference (like 7KQ4-ZM2P; any case, the hyphen
optional), which every command takes where it takes an id, as it takes a full id or its first
8 or more characters; a user by their name (kim, sam demo) or id.
Dates are YYYY-MM-DD (local; as an end date it includes the whole day), YYYY-MM-DD HH:MM, or
RFC 3339. Every command has --help.

Exit codes: 0 done, 1 other failure (including no connection to the sync server),
2 wrong usage or invalid input, 3 store key missing or wrong, 4 record not found,
5 the sync server revoked this device and its store was wiped.";

/// The Beatbook terminal client.
#[derive(Debug, Parser)]
#[command(name = "beatbook", version, about = "Beatbook: a neighbourhood team's field record, offline and encrypted", long_about = LONG_ABOUT)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// The store file.
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "BEATBOOK_STORE",
        default_value = "beatbook.db",
        value_name = "PATH"
    )]
    pub store: PathBuf,
    /// File holding the store key (64 hexadecimal characters). Without it, BEATBOOK_KEY is used.
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "BEATBOOK_KEY_FILE",
        value_name = "PATH"
    )]
    pub key_file: Option<PathBuf>,
    /// Print JSON instead of text, for scripts.
    #[arg(long, global = true, help_heading = "Global options")]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Make a new store key file (once, before `init`).
    Keygen(keygen::Args),
    /// Create your store: you, your team and (optionally) the area boundaries.
    Init(init::Args),
    /// Create your store from your force's sync server with an enrolment code (not `init`).
    Enrol(enrol::Args),
    /// Send your changes and receive your team's; `sync status`, `sync rejections`.
    Sync(sync::Args),
    /// Edits of the same field made in two places: list them; `conflicts resolve` settles one.
    Conflicts(conflicts::Args),
    /// Show who this store belongs to.
    Whoami,
    /// Team members known to this store (for --with and --owner).
    #[command(subcommand)]
    User(users::Command),
    /// Area boundaries: load them, list the LSOAs, find which LSOA a point is in.
    #[command(subcommand)]
    Areas(areas::Command),
    /// Start, end, list and show patrols.
    #[command(subcommand)]
    Patrol(patrol::Command),
    /// Add a patrol note (an observation).
    #[command(subcommand)]
    Note(note::Command),
    /// Record and look up engagement contacts.
    #[command(subcommand)]
    Contact(contact::Command),
    /// SARA problems: open, record, move through the stages.
    #[command(subcommand)]
    Problem(problem::Command),
    /// Your open follow-ups (promises to the public), overdue first; --team for the team's.
    Followups(followup::ListArgs),
    /// Answer a follow-up.
    #[command(subcommand)]
    Followup(followup::Command),
    /// Supervisors: the team's work you have not reviewed yet, per member; --mark when done.
    Review(review::Args),
    /// Supervisors: SARA stage moves waiting for you, with their evidence; approve or send back.
    Approve(approve::Args),
    /// Search notes, contacts, problems and patrols.
    Search(search::Args),
    /// What you did today, and what you owe.
    Today(today::Args),
    /// The performance-framework report for a period and an area (or a single count).
    Report(report::Args),
    /// Export records (logged as a disclosure).
    #[command(subcommand)]
    Export(export::Command),
    /// The audit log: who collected, changed, viewed, shared or erased what.
    Audit(audit::Args),
    /// Retention: the schedule, what is due for review, retain or dispose; `retention apply`.
    #[command(subcommand)]
    Retention(retention::Command),
}
