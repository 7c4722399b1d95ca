//! The command line: `serve`, `admin <command>` and `demo`. Parsing only; `main.rs`
//! dispatches and `crate::commands` does the work.

use crate::logging::LogFormat;
use crate::storage::location::LocationError;
use crate::storage::StorageLocation;
use beatbook_core::ids::PriorityAreaId;
use beatbook_core::model::{ClearHoldBuild, Role};
use chrono::{DateTime, Utc};
use clap::builder::TypedValueParser as _;
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "beatbook-server",
    version,
    about = "The Beatbook sync server: enrolment, push and pull of field-level changes, scoped by role."
)]
pub struct Cli {
    /// Log format on standard error.
    #[arg(
        long,
        value_enum,
        default_value = "text",
        env = "BEATBOOK_LOG_FORMAT",
        global = true
    )]
    pub log_format: LogFormat,
    /// Most detailed log level: error, warn, info, debug or trace.
    #[arg(
        long,
        default_value = "info",
        env = "BEATBOOK_LOG_LEVEL",
        global = true
    )]
    pub log_level: tracing::Level,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the sync API until Ctrl-C or SIGTERM.
    Serve(ServeArgs),
    /// Administer the force: LAPs, teams, users, enrolment codes, devices, areas.
    Admin {
        #[command(flatten)]
        store: StoreArgs,
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Seed a fictional demo force into an empty store and print its enrolment codes.
    Demo {
        #[command(flatten)]
        store: StoreArgs,
        /// The URL devices will use, for the printed enrol command.
        #[arg(long, default_value = "http://127.0.0.1:8686")]
        server_url: String,
    },
}

/// Where the server's records live. Every instance serving one force, and every `admin`
/// command for it, names the same store.
#[derive(Debug, Clone, clap::Args)]
pub struct StoreArgs {
    /// The store: a directory or sqlite:PATH for the embedded SQLite store (created if
    /// missing), or postgres://USER@HOST:PORT/DBNAME for PostgreSQL (several instances may
    /// share one database).
    #[arg(
        long,
        env = "BEATBOOK_DATABASE",
        value_name = "DIR|sqlite:PATH|postgres://…"
    )]
    pub database: Option<StorageLocation>,
    /// The embedded store's data directory: the same as `--database DIR` (kept for existing
    /// scripts; `--database` wins when both are given).
    #[arg(long, env = "BEATBOOK_DATA", value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// The embedded store's encryption key: a file holding 64 hex characters, readable by the
    /// server's user only (make one with `admin new-store-key --out FILE`). Or put the key
    /// itself in BEATBOOK_STORE_KEY. Required for the embedded store (except `serve --demo`
    /// and `demo`, which make one); PostgreSQL ignores it.
    #[arg(long, env = "BEATBOOK_STORE_KEY_FILE", value_name = "FILE")]
    pub store_key_file: Option<PathBuf>,
}

impl StoreArgs {
    /// The store named, by `--database` or else `--data`.
    pub fn location(&self) -> Result<StorageLocation, LocationError> {
        match (&self.database, &self.data) {
            (Some(location), _) => Ok(location.clone()),
            (None, Some(dir)) => Ok(StorageLocation::Sqlite(dir.clone())),
            (None, None) => Err(LocationError::missing()),
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (with --tls-cert, or behind a TLS-terminating reverse proxy, in
    /// production).
    #[arg(long, default_value = "127.0.0.1:8686", env = "BEATBOOK_LISTEN")]
    pub listen: SocketAddr,
    /// Serve TLS with this PEM certificate chain (leaf first); reloaded on SIGHUP.
    #[arg(
        long,
        env = "BEATBOOK_TLS_CERT",
        requires = "tls_key",
        value_name = "FILE"
    )]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1).
    #[arg(
        long,
        env = "BEATBOOK_TLS_KEY",
        requires = "tls_cert",
        value_name = "FILE"
    )]
    pub tls_key: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Ops whose clock is further ahead of the server's than this are refused `clock_ahead`.
    #[arg(long, default_value_t = 300)]
    pub max_clock_skew_secs: u64,
    /// The earliest time a record may carry (RFC 3339): ops setting an earlier time (a
    /// contact "in 1901") are refused `invalid_record`. Times ahead of the server's clock by
    /// more than the clock skew are refused too (`docs/data-model.md`, "Time sense").
    #[arg(long, default_value = "2000-01-01T00:00:00Z")]
    pub earliest_record_time: chrono::DateTime<chrono::Utc>,
    /// Seconds in-flight requests get to finish after Ctrl-C or SIGTERM.
    #[arg(long, default_value_t = 10)]
    pub shutdown_grace_secs: u64,
    /// Seconds a client has to send a request's headers (and an idle connection is kept).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout_secs: u64,
    /// Seconds a request body may stall (no byte arriving) before it is answered 408.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub body_timeout_secs: u64,
    /// Seconds a request body may take to arrive whole, however steadily it trickles (408).
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..))]
    pub body_deadline_secs: u64,
    /// Reader connections the embedded SQLite store keeps at most (reads beyond them wait).
    #[arg(long, default_value_t = crate::storage::sqlite::DEFAULT_READERS, env = "BEATBOOK_SQLITE_READERS", value_parser = clap::value_parser!(u64).range(1..256).map(|n| n as usize))]
    pub sqlite_readers: usize,
    /// Milliseconds a request waits for a store connection (a SQLite reader, a PostgreSQL
    /// pooled connection) before it is answered 503 with Retry-After.
    #[arg(long, default_value_t = 5000, env = "BEATBOOK_STORE_WAIT_MS", value_parser = clap::value_parser!(u64).range(1..))]
    pub store_wait_ms: u64,
    /// Failed guesses (enrolment codes, web sign-in codes, bearer tokens) one client address
    /// may make before it must wait (429 with Retry-After).
    #[arg(long, default_value_t = crate::throttle::DEFAULT_FREE_FAILURES, env = "BEATBOOK_GUESS_FREE_FAILURES")]
    pub guess_free_failures: u32,
    /// Seconds of the first wait after the free failures; each further failure doubles it.
    #[arg(long, default_value_t = crate::throttle::DEFAULT_FIRST_WAIT_SECS, env = "BEATBOOK_GUESS_FIRST_WAIT_SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub guess_first_wait_secs: u64,
    /// Seconds of the longest wait.
    #[arg(long, default_value_t = crate::throttle::DEFAULT_MAX_WAIT_SECS, env = "BEATBOOK_GUESS_MAX_WAIT_SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub guess_max_wait_secs: u64,
    /// A reverse proxy's address whose X-Forwarded-For names the client for the guessing
    /// limits (repeat for each; the header is ignored from any other address).
    #[arg(
        long = "trusted-proxy",
        value_name = "IP",
        env = "BEATBOOK_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Seed the fictional demo force first if the store is empty, and print its codes (and a
    /// web sign-in code for the demo sergeant).
    #[arg(long)]
    pub demo: bool,
    /// Mark the web pages' cookies `Secure`: set it when browsers reach the server over HTTPS
    /// (through the TLS-terminating reverse proxy); leave it off only for plain-HTTP loopback.
    #[arg(long, env = "BEATBOOK_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Where to serve the Prometheus metrics (`GET /metrics`, no authentication: keep it on
    /// loopback or a management network); `none` turns them off.
    #[arg(
        long,
        default_value = "127.0.0.1:9464",
        env = "BEATBOOK_METRICS_LISTEN"
    )]
    pub metrics_listen: crate::metrics::MetricsListen,
    /// Minutes between retention sweeps (disposing of records past their review date); the
    /// server also sweeps at start. 0: only at start and on `admin retention sweep`.
    #[arg(long, default_value_t = 60, env = "BEATBOOK_RETENTION_SWEEP_MINUTES")]
    pub retention_sweep_minutes: u64,
    /// For tests only: a file holding a signed number of seconds added to the server's clock
    /// (retention, the push's time checks), re-read as it changes (docs/operations.md).
    #[arg(long, env = "BEATBOOK_TEST_CLOCK_OFFSET_FILE", hide = true)]
    pub test_clock_offset_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Add (or rename) a Local Area Partnership.
    CreateLap {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
    },
    /// Add a neighbourhood team; prints its id.
    CreateTeam {
        #[arg(long)]
        name: String,
        /// The LAP the team covers.
        #[arg(long)]
        lap: Option<String>,
    },
    /// Add a user to a team; prints their id.
    CreateUser {
        #[arg(long)]
        name: String,
        /// officer, pcso, cip_volunteer or supervisor.
        #[arg(long)]
        role: Role,
        /// The team: its name (or the start of a word in it) or its id.
        #[arg(long)]
        team: String,
    },
    /// Issue a one-time enrolment code for a user (shown once; only its hash is kept).
    EnrolCode {
        /// The user: their name ("sam demo"; any case, the start of a word in it) or their id.
        #[arg(long)]
        user: String,
        #[arg(long, default_value_t = crate::admin::DEFAULT_CODE_HOURS)]
        expires_hours: u32,
    },
    /// Issue a one-time code a supervisor signs in to the web pages (`/web/`) with; shown
    /// once, only its hash is kept, and it expires in 10 minutes.
    SignInCode {
        /// The supervisor: their name (or the start of a word in it) or their user id.
        #[arg(long)]
        user: String,
    },
    /// List teams and users with their ids.
    ListUsers,
    /// List enrolled devices.
    ListDevices,
    /// Revoke a device: its next request gets `401 device_revoked` and its app wipes its data.
    RevokeDevice {
        /// The device: its id, the first 8 or more characters of it, or its name.
        device: String,
    },
    /// Load LSOA boundaries (GeoJSON, the format in core/src/geo) for every device.
    LoadAreas {
        /// The boundary file.
        file: PathBuf,
    },
    /// Create or update a priority area (force-wide).
    SetPriorityArea {
        /// Update this priority area instead of creating one.
        #[arg(long)]
        id: Option<PriorityAreaId>,
        #[arg(long)]
        name: String,
        /// An LSOA code in the area (repeat for each).
        #[arg(long = "lsoa", required = true)]
        lsoas: Vec<String>,
        /// Clear-Hold-Build phase: clear, hold or build.
        #[arg(long)]
        phase: Option<ClearHoldBuild>,
    },
    /// The performance-framework report (JSON), for one team or the whole force; with --csv,
    /// written as CSV and logged in the server's audit log as a disclosure.
    Report {
        /// Start of the period (RFC 3339).
        #[arg(long)]
        from: DateTime<Utc>,
        /// End of the period, exclusive (RFC 3339).
        #[arg(long)]
        to: DateTime<Utc>,
        /// Only this team's records, by name or id [default: every team's].
        #[arg(long)]
        team: Option<String>,
        /// all, team:ID, lap:CODE, lsoa:CODE or priority:ID.
        #[arg(long, default_value = "all")]
        area: String,
        /// Write CSV to this file instead of JSON to standard output.
        #[arg(long, requires = "justification")]
        csv: Option<PathBuf>,
        /// Why the figures are being disclosed (logged with the export).
        #[arg(long)]
        justification: Option<String>,
    },
    /// Subject access (DPA 2018 s.45): every record that holds or names a person, found by
    /// what they gave (any case and spacing; phone numbers by their digits), written to a file
    /// for the data protection officer. The search is logged as a consultation and each record
    /// written as a disclosure to the recipient, before the file is written.
    SubjectAccess(crate::subject_access_cli::SubjectAccessArgs),
    /// The server's s.62 log, newest first (filter by --user, --record, --operation, --from,
    /// --to); `verify` checks its hash chain, `head` prints the hash to keep off the host,
    /// `export` writes it out (the export is itself logged).
    Audit(crate::audit_cli::AuditArgs),
    /// Make a new key for the embedded store (64 hex characters, mode 0600) at FILE; never
    /// overwrites. Pass it to every command with --store-key-file FILE.
    NewStoreKey {
        /// Where to write the key: keep it off the store's disk and out of its backups.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// The retention schedule (show, set, unset, notice), the sweep, and what is due for
    /// review (`crate::retention`).
    #[command(subcommand)]
    Retention(crate::retention_cli::RetentionCommand),
    /// Erase any record (a contact with its personal record and follow-ups; a problem with its
    /// steps and stage requests; a contact's personal record is redacted), with a reason
    /// logged in the s.62 log.
    Erase(crate::retention_cli::EraseArgs),
    /// backup, restore, verify, new-epoch, encrypt-store (`crate::backup`).
    #[command(flatten)]
    Backup(crate::backup::BackupCommand),
}
