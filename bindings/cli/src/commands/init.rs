//! `beatbook init`: create the store and set it up for its owner.
//!
//! A store belongs to one person on one device (the device owner); every later command acts as
//! them. On a phone the team, the user and the boundaries arrive by sync; here they are typed
//! once. A store that `init` created is removed again if setting it up fails, so a typo never
//! leaves a half-made store behind.

use crate::args::Global;
use crate::error::{CliError, Result};
use crate::{output, session, vocab};
use beatbook_core::ids::{DeviceId, TeamId, UserId};
use beatbook_core::model::{Role, Team, User};
use beatbook_core::Store;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Your name as colleagues know you, e.g. "PCSO Sam Patel".
    #[arg(long)]
    pub name: String,
    /// Your role: what you may record and see.
    #[arg(long, value_parser = vocab::code(Role::ALL, Role::as_str))]
    pub role: Role,
    /// Your neighbourhood team, e.g. "Northvale NPT".
    #[arg(long)]
    pub team: String,
    /// The Local Area Partnership your team covers, e.g. LAP-NV.
    #[arg(long, value_name = "LAP-CODE")]
    pub lap: Option<String>,
    /// Area boundaries to load (GeoJSON of LSOAs), for tagging places with their LSOA.
    #[arg(long, value_name = "FILE.geojson")]
    pub areas: Option<PathBuf>,
}

pub fn run(args: Args, global: &Global, out: &mut dyn Write) -> Result<()> {
    let key = session::key(global)?;
    let boundaries = match &args.areas {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .map_err(|e| CliError::file(path, "read the area boundaries", &e))?,
        ),
        None => None,
    };
    let path = &global.store;
    let existed = path.exists();
    let store = Store::open(path, &key)?;
    if let Some(owner) = store.device_actor()? {
        let user = store.user(owner.user_id)?;
        return Err(CliError::usage(format!(
            "the store {} is already set up for {} ({})",
            path.display(),
            user.display_name,
            user.role
        ))
        .hint("a store belongs to one person; make another with --store NEW-PATH"));
    }
    match set_up(&store, &args, boundaries.as_deref()) {
        Ok(done) => {
            drop(store);
            report(&done, &args, path, global.json, out)
        }
        Err(e) => {
            drop(store);
            if !existed {
                remove_store_files(path);
            }
            Err(e)
        }
    }
}

struct Done {
    team: Team,
    user: User,
    device_id: DeviceId,
    lsoas: Option<usize>,
}

fn set_up(store: &Store, args: &Args, boundaries: Option<&str>) -> Result<Done> {
    let lsoas = boundaries
        .map(|geojson| store.load_area_boundaries(geojson))
        .transpose()?;
    let team = Team {
        id: TeamId::new(),
        name: args.team.trim().to_owned(),
        lap_code: args
            .lap
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned),
    };
    store.upsert_team(&team)?;
    let user = User {
        id: UserId::new(),
        display_name: args.name.trim().to_owned(),
        role: args.role,
        team_id: Some(team.id),
    };
    store.upsert_user(&user)?;
    let device_id = DeviceId::new();
    store.set_device_owner(device_id, user.id)?;
    Ok(Done {
        team,
        user,
        device_id,
        lsoas,
    })
}

fn report(done: &Done, args: &Args, path: &Path, json: bool, out: &mut dyn Write) -> Result<()> {
    if json {
        return output::json(
            out,
            &serde_json::json!({
                "store": path,
                "team": done.team,
                "user": done.user,
                "device_id": done.device_id,
                "lsoas_loaded": done.lsoas,
            }),
        );
    }
    writeln!(out, "Created the store {}.", path.display())?;
    output::field(
        out,
        "You",
        format!("{} ({})", done.user.display_name, done.user.role),
    )?;
    output::field(out, "User id", done.user.id)?;
    output::field(out, "Team", &done.team.name)?;
    if let Some(lap) = &done.team.lap_code {
        output::field(out, "LAP", lap)?;
    }
    match (done.lsoas, &args.areas) {
        (Some(n), Some(file)) => {
            output::field(out, "Areas", format!("{n} LSOAs from {}", file.display()))?
        }
        _ => output::field(
            out,
            "Areas",
            "none loaded (places will not be tagged with an LSOA; see `beatbook areas load`)",
        )?,
    }
    writeln!(out, "Next: beatbook patrol start --help")?;
    Ok(())
}

/// Removes a store this run created (and SQLite's side files), after a failed set-up.
fn remove_store_files(path: &Path) {
    let mut paths = vec![path.to_path_buf()];
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        paths.push(PathBuf::from(side));
    }
    for p in paths {
        let _ = std::fs::remove_file(p);
    }
}
