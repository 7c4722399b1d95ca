//! `beatbook whoami` and `beatbook user`: the store's owner and the team members it knows.
//!
//! On a phone, colleagues arrive by sync. In the terminal they are added by hand, so that a
//! patrol can name who went out (`patrol start --with`) and a promise can be handed to someone
//! else (`contact add --owner`).

use crate::error::Result;
use crate::output::{self, Table};
use crate::session::Session;
use crate::vocab;
use beatbook_core::ids::UserId;
use beatbook_core::model::{Role, User};
use std::io::Write;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Add a team member (to your team).
    Add {
        /// Their name, e.g. "Volunteer Alex Kim".
        #[arg(long)]
        name: String,
        /// Their role.
        #[arg(long, value_parser = vocab::code(Role::ALL, Role::as_str))]
        role: Role,
    },
    /// List the people this store knows, with their ids.
    List,
}

pub fn run(cmd: Command, s: &Session, json: bool, out: &mut dyn Write) -> Result<()> {
    match cmd {
        Command::Add { name, role } => {
            let me = s.me()?;
            let user = User {
                id: UserId::new(),
                display_name: name.trim().to_owned(),
                role,
                team_id: me.team_id,
            };
            s.store.upsert_user(&user)?;
            if json {
                return output::json(out, &user);
            }
            writeln!(
                out,
                "Added {} ({}), user id {}.",
                user.display_name, user.role, user.id
            )?;
            Ok(())
        }
        Command::List => {
            let users = s.store.users()?;
            if json {
                return output::json(out, &users);
            }
            let mut table = Table::new(&["ID", "ROLE", "NAME"]);
            for u in &users {
                let mut name = u.display_name.clone();
                if u.id == s.actor.user_id {
                    name.push_str(" (you)");
                }
                table.row(vec![u.id.to_string(), u.role.to_string(), name]);
            }
            table.write(out, "no users")
        }
    }
}

pub fn whoami(s: &Session, json: bool, out: &mut dyn Write) -> Result<()> {
    let me = s.me()?;
    let team = match me.team_id {
        Some(id) => s.store.teams()?.into_iter().find(|t| t.id == id),
        None => None,
    };
    let lsoas = s.store.lsoas()?.len();
    if json {
        return output::json(
            out,
            &serde_json::json!({
                "user": me,
                "team": team,
                "device_id": s.actor.device_id,
                "lsoas_loaded": lsoas,
                "store": s.store.path(),
            }),
        );
    }
    output::field(out, "You", format!("{} ({})", me.display_name, me.role))?;
    output::field(out, "User id", me.id)?;
    if let Some(team) = team {
        let lap = team
            .lap_code
            .map(|l| format!(", LAP {l}"))
            .unwrap_or_default();
        output::field(out, "Team", format!("{}{lap}", team.name))?;
    }
    output::field(out, "Device id", s.actor.device_id)?;
    output::field(out, "Store", s.store.path().display())?;
    output::field(
        out,
        "Areas",
        output::count(lsoas, "LSOA loaded", "LSOAs loaded"),
    )?;
    Ok(())
}
