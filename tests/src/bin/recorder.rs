//! A device that records contacts as fast as it can and prints the id of each one as soon as
//! the store has acknowledged it. The crash tests kill it with SIGKILL at random moments and
//! check that every printed id survived.
//!
//! Usage: `recorder STORE_PATH` with the key as 64 hex characters in `BEATBOOK_KEY`.

use beatbook_core::ids::{DeviceId, TeamId, UserId};
use beatbook_core::model::*;
use beatbook_core::{Store, StoreKey};
use beatbook_e2e::workload;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("recorder: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: recorder STORE_PATH")?;
    let key = StoreKey::from_hex(&std::env::var("BEATBOOK_KEY")?)?;
    let store = Store::open(&path, &key)?;
    let team = Team {
        id: TeamId::new(),
        name: "Crash team".into(),
        lap_code: None,
    };
    store.upsert_team(&team)?;
    let user = User {
        id: UserId::new(),
        display_name: "Crash PCSO".into(),
        role: Role::Pcso,
        team_id: Some(team.id),
    };
    store.upsert_user(&user)?;
    let actor = Actor {
        user_id: user.id,
        role: Role::Pcso,
        device_id: DeviceId::new(),
    };
    let mut out = std::io::stdout().lock();
    for i in 0u64.. {
        let recorded = store.record_contact(&actor, workload::contact(i))?;
        writeln!(out, "{}", recorded.contact.id)?;
        out.flush()?;
    }
    Ok(())
}
