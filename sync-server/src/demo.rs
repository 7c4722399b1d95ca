//! A plainly fictional demo force, so that a newcomer can run a server and enrol a device in
//! a minute: LAP Northvale (LAP-NV) with the made-up boundaries the core's tests use, team
//! "Northvale NPT", two PCSOs, a CiP volunteer and a supervisor, and an enrolment code each.
//! Seeding happens only into an empty store (no users), so it never touches real data.

use crate::admin::{self, AdminResult, IssuedCode};
use crate::storage::SyncStorage;
use beatbook_core::model::{Role, Team};

/// Fictional LSOA boundaries (codes E0199xxxx do not exist).
pub const DEMO_AREAS: &str = include_str!("../../core/tests/fixtures/demo_areas.geojson");

const DEMO_USERS: &[(&str, Role)] = &[
    ("PCSO Alex Demo", Role::Pcso),
    ("PCSO Sam Demo", Role::Pcso),
    ("Volunteer Jo Demo", Role::Volunteer),
    ("Sergeant Kim Demo", Role::Supervisor),
];

/// What seeding made.
#[derive(Debug, Clone)]
pub struct DemoForce {
    pub team: Team,
    pub codes: Vec<IssuedCode>,
}

/// Seeds the demo force if the store has no users; `None` if it already had some.
pub fn seed_if_empty(storage: &dyn SyncStorage) -> AdminResult<Option<DemoForce>> {
    if !storage.users()?.is_empty() {
        return Ok(None);
    }
    admin::load_areas(storage, DEMO_AREAS)?;
    admin::create_lap(storage, "LAP-NV", "Northvale")?;
    let team = admin::create_team(storage, "Northvale NPT", Some("LAP-NV"))?;
    let mut codes = Vec::new();
    for (name, role) in DEMO_USERS {
        let user = admin::create_user(storage, name, *role, team.id)?;
        codes.push(admin::enrol_code(
            storage,
            user.id,
            admin::DEFAULT_CODE_HOURS,
        )?);
    }
    Ok(Some(DemoForce { team, codes }))
}

/// What a newcomer needs, for the terminal.
pub fn describe(force: &DemoForce, server_url: &str) -> String {
    let mut out = format!(
        "Demo force seeded (fictional): LAP Northvale (LAP-NV), team \"{}\" ({}).\n\
         Enrolment codes (one use each; expire {}):\n",
        force.team.name,
        force.team.id,
        force
            .codes
            .first()
            .map(|c| c.expires_at.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default()
    );
    for issued in &force.codes {
        out.push_str(&format!(
            "  {:<20} {:<14} {}   user {}\n",
            issued.user.display_name,
            issued.user.role.as_str(),
            issued.code,
            issued.user.id
        ));
    }
    out.push_str(&format!(
        "Enrol a device (one code per device):\n  beatbook enrol --server {server_url} --code <CODE>\n"
    ));
    out
}
