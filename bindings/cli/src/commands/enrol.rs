//! `beatbook enrol`: make a store that syncs, with an enrolment code from the force's sync
//! server instead of typing who you are (`init`).
//!
//! The server says who the code is for (name, role, team) and gives this device its id and
//! token; the first sync then brings the team's records. Enrolment needs a new store: a store
//! already set up (by `init` or an earlier enrolment) is refused before the code is spent, and
//! a store this command created is removed again if enrolment fails.

use super::sync;
use crate::args::Global;
use crate::error::{CliError, Result};
use crate::{output, session};
use beatbook_core::model::Actor;
use beatbook_core::store::wipe_files;
use beatbook_core::sync::client::{SyncClient, SyncOptions};
use beatbook_core::Store;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The sync server's address, e.g. https://beatbook.force.example (http only to localhost).
    #[arg(long, value_name = "URL", env = "BEATBOOK_SERVER")]
    pub server: String,
    /// The one-use enrolment code your administrator gave you (expires after a day).
    #[arg(long)]
    pub code: String,
    /// How this device is listed for your administrator.
    #[arg(long, default_value = "Beatbook terminal", value_name = "NAME")]
    pub device_name: String,
    /// The force's private CA certificate(s), a PEM file, trusted besides the system's CAs for
    /// the server's certificate. Kept with the enrolment: every later sync uses it.
    #[arg(long, value_name = "PEM-FILE")]
    pub server_ca: Option<PathBuf>,
    /// Pin the server's key: the base64 SHA-256 of its certificate's public key
    /// (SubjectPublicKeyInfo). Repeat for the next key, so a planned key change keeps working.
    /// Kept with the enrolment: every later sync refuses a server whose certificate has another
    /// key, even one a trusted CA signed. Compute it with
    /// `openssl x509 -in cert.pem -pubkey -noout | openssl pkey -pubin -outform der |
    /// openssl dgst -sha256 -binary | base64`.
    #[arg(long = "pin", value_name = "BASE64-SHA256")]
    pub pins: Vec<String>,
}

/// The client options `args` ask for; the CA file is read here, so a missing file is refused
/// before a store is made.
fn options(args: &Args) -> Result<SyncOptions> {
    let private_ca_pem = match &args.server_ca {
        None => None,
        Some(path) => Some(std::fs::read_to_string(path).map_err(|e| {
            CliError::usage(format!("cannot read --server-ca {}: {e}", path.display()))
        })?),
    };
    Ok(SyncOptions {
        private_ca_pem,
        pinned_server_keys: args.pins.clone(),
        ..SyncOptions::default()
    })
}

pub fn run(args: Args, global: &Global, out: &mut dyn Write) -> Result<()> {
    let key = session::key(global)?;
    // A bad address, CA file or pin fails here, before a store file is made.
    let client = SyncClient::new(&args.server, options(&args)?)?;
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
        .hint("enrolling makes a new store: choose another with --store NEW-PATH"));
    }
    let actor = match client.enrol(&store, &args.code, &args.device_name) {
        Ok(actor) => actor,
        Err(e) => {
            drop(store);
            if !existed {
                // Nothing was written but the empty store: leave no half-made store behind.
                let _ = wipe_files(path);
            }
            return Err(e.into());
        }
    };
    let user = store.user(actor.user_id)?;
    if !global.json {
        writeln!(
            out,
            "Enrolled {} as {} ({}).",
            path.display(),
            user.display_name,
            user.role
        )?;
        output::field(out, "Server", client.server_url())?;
        output::field(out, "Device id", actor.device_id)?;
        output::field(out, "User id", actor.user_id)?;
        writeln!(out, "First sync...")?;
        out.flush()?;
    }
    let synced = sync::run_sync(&client, store, path, global.json);
    if global.json {
        let sync = match &synced {
            Ok(report) => sync::report_json(report, client.server_url()),
            Err(e) => serde_json::json!({ "outcome": "failed", "error": e.message }),
        };
        output::json(
            out,
            &enrolled_json(&actor, &user, path, client.server_url(), sync),
        )?;
        return synced.map(|_| ());
    }
    match synced {
        Ok(report) => {
            sync::write_report(&report, client.server_url(), false, out)?;
            writeln!(out, "Next: beatbook whoami, beatbook patrol start --help")?;
            Ok(())
        }
        Err(e) if e.code == crate::error::exit::WIPED => Err(e),
        Err(e) => Err(CliError {
            message: format!("enrolled, but the first sync failed: {}", e.message),
            hint: Some("run `beatbook sync` when you have a connection".to_owned()),
            ..e
        }),
    }
}

fn enrolled_json(
    actor: &Actor,
    user: &beatbook_core::model::User,
    path: &std::path::Path,
    server: &str,
    sync: serde_json::Value,
) -> serde_json::Value {
    serde_json::json!({
        "store": path,
        "server": server,
        "device_id": actor.device_id,
        "user": user,
        "sync": sync,
    })
}
