//! What each command does: `serve` (with `--demo`), `admin …` and `demo`. Output for people
//! goes to standard output; logs go to standard error.

use crate::admin::{self, AdminError};
use crate::admin_names;
use crate::cli::{AdminCommand, Command, ServeArgs, StoreArgs};
use crate::demo;
use crate::http::HttpConfig;
use crate::printable::printable;
use crate::reports;
use crate::serve::{self, ServeError, ServeOptions};
use crate::storage::location::LocationError;
use crate::storage::sqlite::key as store_key;
use crate::storage::{StorageError, StorageLocation, StoreOptions, SyncStorage};
use beatbook_core::reports::{Period, ReportQuery};
use chrono::{DateTime, Utc};
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Location(#[from] LocationError),
    #[error(transparent)]
    Admin(#[from] AdminError),
    #[error(transparent)]
    Serve(#[from] ServeError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Backup(#[from] crate::backup::BackupError),
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
}

pub fn run(command: Command) -> Result<(), CommandError> {
    match command {
        Command::Serve(args) => serve_command(args),
        // Needs no store: the key is made before any store uses it.
        Command::Admin {
            command: AdminCommand::NewStoreKey { out },
            ..
        } => {
            store_key::generate(&out).map_err(StorageError::from)?;
            println!(
                "Wrote a new store key to {} (readable by its owner only).",
                out.display()
            );
            println!(
                "Keep it off the store's disk and out of its backups, and keep a copy safe: \
                 without it the store and its backups cannot be opened. Pass it with \
                 --store-key-file {} (or BEATBOOK_STORE_KEY_FILE).",
                out.display()
            );
            Ok(())
        }
        // Backups work on the store's files, before (and without) opening it as a server.
        Command::Admin {
            store,
            command: AdminCommand::Backup(command),
        } => {
            let location = store.location()?;
            let key = match &location {
                StorageLocation::Sqlite(_) => Some(
                    store_key::require(store.store_key_file.as_deref())
                        .map_err(StorageError::from)?,
                ),
                StorageLocation::Postgres(_) => None,
            };
            Ok(crate::backup::run(&location, key.as_ref(), command)?)
        }
        Command::Admin { store, command } => {
            let (_, storage) = open_store(&store, StoreOptions::default(), false)?;
            admin_command(storage.as_ref(), command)
        }
        Command::Demo { store, server_url } => {
            let (location, storage) = open_store(&store, StoreOptions::default(), true)?;
            match demo::seed_if_empty(storage.as_ref())? {
                Some(force) => print!("{}", demo::describe(&force, &server_url)),
                None => println!(
                    "The store already has users; nothing seeded. Issue codes with `beatbook-server admin --database {location} --store-key-file KEY enrol-code --user ID`.",
                ),
            }
            Ok(())
        }
    }
}

fn serve_command(args: ServeArgs) -> Result<(), CommandError> {
    let location = args.store.location()?;
    // A bad certificate or key stops the server before it opens the store.
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(Arc::new(crate::tls::ServerTls::load(cert, key)?)),
        _ => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let store_options = StoreOptions::with(
        args.sqlite_readers,
        Duration::from_millis(args.store_wait_ms),
    );
    let (_, storage) = open_store(&args.store, store_options, args.demo)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // Bound before anything is printed, so the demo's steps carry the real port (never 0).
    let listener = runtime.block_on(serve::bind(args.listen))?;
    let addr = listener.local_addr()?;
    let metrics = match args.metrics_listen.0 {
        Some(at) => Some(runtime.block_on(serve::bind(at))?),
        None => None,
    };
    if args.demo {
        print_demo(storage.as_ref(), &location, &format!("{scheme}://{addr}"))?;
    }
    runtime.block_on(async move {
        tracing::info!(%addr, database = %location, "listening");
        // Scripts and tests read this line to find the port when listening on port 0.
        println!("beatbook-server listening on {scheme}://{addr}");
        if let Some(metrics) = &metrics {
            let at = metrics.local_addr()?;
            tracing::info!(addr = %at, "metrics listening");
            println!("beatbook-server metrics on http://{at}/metrics");
        }
        std::io::stdout().flush()?;
        let options = ServeOptions {
            http: HttpConfig {
                max_clock_skew_ms: args.max_clock_skew_secs.saturating_mul(1000),
                earliest_record_time: args.earliest_record_time,
                header_timeout: Duration::from_secs(args.header_timeout_secs),
                body_idle_timeout: Duration::from_secs(args.body_timeout_secs),
                body_deadline: Duration::from_secs(args.body_deadline_secs),
                secure_cookies: args.secure_cookies,
                guess_limits: crate::throttle::GuessLimits {
                    free: args.guess_free_failures,
                    first_wait: crate::throttle::secs(args.guess_first_wait_secs),
                    max_wait: crate::throttle::secs(
                        args.guess_max_wait_secs.max(args.guess_first_wait_secs),
                    ),
                },
                trusted_proxies: args.trusted_proxies,
                clock: crate::clock::server_clock(args.test_clock_offset_file.as_deref()),
            },
            shutdown_grace: Duration::from_secs(args.shutdown_grace_secs),
            metrics_listen: args.metrics_listen.0,
            tls,
            retention_sweep: (args.retention_sweep_minutes > 0)
                .then(|| Duration::from_secs(args.retention_sweep_minutes.saturating_mul(60))),
        };
        let stop = serve::termination_signal();
        serve::run_with_metrics(listener, metrics, storage, options, stop).await?;
        Ok(())
    })
}

/// Opens the store `store` names with `options`: the embedded store with its key
/// (`--store-key-file` or `BEATBOOK_STORE_KEY`, required), except that a `demo` with no key
/// given keeps a generated one beside its store and says so (`store_key::demo_key`).
fn open_store(
    store: &StoreArgs,
    mut options: StoreOptions,
    demo: bool,
) -> Result<(StorageLocation, Arc<dyn SyncStorage>), CommandError> {
    let location = store.location()?;
    if let StorageLocation::Sqlite(dir) = &location {
        let given = store_key::load(store.store_key_file.as_deref()).map_err(StorageError::from)?;
        options.sqlite_key = Some(match given {
            Some(key) => key,
            None if demo => {
                let (key, path) = store_key::demo_key(dir)?;
                println!(
                    "Demo: no --store-key-file given, so the store is encrypted with a key made \
                     for the demo and kept at {} — beside the store, which protects nothing; \
                     fine for fictional people only. A real store's key lives elsewhere \
                     (docs/operations.md, \"The store key\").",
                    path.display()
                );
                key
            }
            None => return Err(StorageError::from(store_key::StoreKeyError::Missing).into()),
        });
    }
    let storage = location.open_with(&options)?;
    Ok((location, storage))
}

/// `serve --demo`: seeds an empty store, or on a restart issues the demo users fresh codes,
/// then prints the steps to follow and the sergeant's web sign-in code.
fn print_demo(
    storage: &dyn SyncStorage,
    location: &impl std::fmt::Display,
    url: &str,
) -> Result<(), CommandError> {
    match demo::seed_if_empty(storage)? {
        Some(force) => print!("{}", demo::describe(&force, url)),
        None => {
            let codes = demo::reissue_codes(storage)?;
            if codes.is_empty() {
                println!("The store already has users, none of them the demo's: nothing seeded.");
            } else {
                println!("The demo force is already seeded; new codes for its users.");
                print!("{}", demo::describe_codes(&codes));
                print!("{}", demo::next_steps(url));
            }
        }
    }
    match demo::web_sign_in(storage, Utc::now())? {
        Some(issued) => println!(
            "Web pages for supervisors: open {url}/web/ and sign in as {} with the code {} \
             (one use, expires {}; a new one: beatbook-server admin --database {} --store-key-file KEY sign-in-code --user {}).",
            issued.user.display_name,
            issued.code,
            issued.expires_at.format("%H:%M UTC"),
            location,
            issued.user.id
        ),
        None => println!("No demo sergeant in this store: no web sign-in code printed."),
    }
    Ok(())
}

fn time(ms: Option<i64>) -> String {
    ms.and_then(DateTime::<Utc>::from_timestamp_millis)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "-".into())
}

fn admin_command(storage: &dyn SyncStorage, command: AdminCommand) -> Result<(), CommandError> {
    match command {
        AdminCommand::CreateLap { code, name } => {
            let lap = admin::create_lap(storage, &code, &name)?;
            println!("LAP {} \"{}\" saved", lap.code, lap.name);
        }
        AdminCommand::CreateTeam { name, lap } => {
            let team = admin::create_team(storage, &name, lap.as_deref())?;
            println!("{}", team.id);
            eprintln!("team \"{}\" created", team.name);
        }
        AdminCommand::CreateUser { name, role, team } => {
            let team = admin_names::team(storage, &team)?;
            let user = admin::create_user(storage, &name, role, team)?;
            println!("{}", user.id);
            eprintln!("user \"{}\" ({}) created", user.display_name, user.role);
        }
        AdminCommand::EnrolCode {
            user,
            expires_hours,
        } => {
            let user = admin_names::user(storage, &user)?;
            let issued = admin::enrol_code(storage, user, expires_hours)?;
            println!("{}", issued.code);
            eprintln!(
                "one-time enrolment code for \"{}\", expires {}; it is shown only now",
                issued.user.display_name,
                issued.expires_at.format("%Y-%m-%d %H:%M UTC")
            );
        }
        AdminCommand::SignInCode { user } => {
            let user = admin_names::user(storage, &user)?;
            let issued = crate::web::signin::issue_code(storage, user, Utc::now())?;
            println!("{}", issued.code);
            eprintln!(
                "one-time web sign-in code for \"{}\", expires {}; it is shown only now",
                issued.user.display_name,
                issued.expires_at.format("%Y-%m-%d %H:%M UTC")
            );
        }
        AdminCommand::ListUsers => {
            for team in storage.teams()? {
                println!(
                    "team {}  {}  (LAP {})",
                    team.id,
                    team.name,
                    team.lap_code.as_deref().unwrap_or("-")
                );
            }
            for user in storage.users()? {
                println!(
                    "user {}  {:<14} {}  team {}",
                    user.id,
                    user.role.as_str(),
                    user.display_name,
                    user.team_id
                        .map(|t| t.to_string())
                        .unwrap_or_else(|| "-".into())
                );
            }
        }
        AdminCommand::ListDevices => {
            for d in admin::list_devices(storage)? {
                println!(
                    "{}  {:<24} user {} ({})  enrolled {}  last seen {}  {}",
                    d.id,
                    printable(&d.name),
                    d.user_id,
                    printable(&d.user_name),
                    time(Some(d.created_at_ms)),
                    time(d.last_seen_at_ms),
                    match d.revoked_at_ms {
                        Some(_) => format!("REVOKED {}", time(d.revoked_at_ms)),
                        None => "active".into(),
                    }
                );
            }
        }
        AdminCommand::RevokeDevice { device } => {
            let id = admin_names::device(storage, &device)?;
            admin::revoke_device(storage, id)?;
            println!("device {id} revoked; its next sync wipes its data");
        }
        AdminCommand::LoadAreas { file } => {
            let text = std::fs::read_to_string(&file)?;
            let loaded = admin::load_areas(storage, &text)?;
            println!(
                "{} LSOAs in {} LAPs loaded ({})",
                loaded.lsoas,
                loaded.laps.len(),
                loaded
                    .laps
                    .iter()
                    .map(|l| l.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        AdminCommand::SetPriorityArea {
            id,
            name,
            lsoas,
            phase,
        } => {
            let area = admin::set_priority_area(storage, id, &name, &lsoas, phase)?;
            println!("{}", area.id);
            eprintln!(
                "priority area \"{}\" saved ({} LSOAs)",
                area.name,
                area.lsoa_codes.len()
            );
        }
        AdminCommand::Report {
            from,
            to,
            team,
            area,
            csv,
            justification,
        } => {
            let team = team
                .map(|typed| admin_names::team(storage, &typed))
                .transpose()?;
            let period = Period::new(from, to)
                .map_err(|e| AdminError::Invalid(format!("--from/--to: {e}")))?;
            let area = reports::parse_area(&area).map_err(|e| AdminError::Invalid(e.into()))?;
            let query = ReportQuery {
                period,
                area,
                as_of: Utc::now(),
            };
            let report = reports::report(storage, team, &query)?;
            match csv {
                None => {
                    let text = serde_json::to_string_pretty(&report)
                        .map_err(|e| AdminError::Invalid(e.to_string()))?;
                    println!("{text}");
                }
                Some(path) => {
                    let justification = justification.unwrap_or_default();
                    // Logged first: a disclosure that cannot be logged does not happen.
                    reports::log_admin_export(
                        storage,
                        team,
                        &query,
                        &justification,
                        Utc::now().timestamp_millis(),
                    )?;
                    std::fs::write(&path, beatbook_core::reports::to_csv(&report))?;
                    eprintln!(
                        "report written to {} (logged as a disclosure)",
                        path.display()
                    );
                }
            }
        }
        AdminCommand::Backup(command) => {
            return Err(AdminError::Invalid(format!(
                "{command:?} runs on the store's files, not an open store"
            ))
            .into());
        }
        AdminCommand::NewStoreKey { .. } => {
            return Err(AdminError::Invalid("new-store-key needs no open store".into()).into());
        }
        AdminCommand::Audit(args) => crate::audit_cli::run(storage, args)?,
        AdminCommand::Retention(command) => crate::retention_cli::run(storage, command)?,
        AdminCommand::Erase(args) => crate::retention_cli::erase(storage, args)?,
        AdminCommand::SubjectAccess(args) => crate::subject_access_cli::run(storage, args)?,
    }
    Ok(())
}
