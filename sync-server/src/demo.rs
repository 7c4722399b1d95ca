//! A plainly fictional demo force, so that a newcomer can run a server and enrol a device in
//! a minute: LAP Northvale (LAP-NV) with the made-up boundaries the core's tests use, team
//! "Northvale NPT", two PCSOs, a CiP volunteer and a supervisor, and an enrolment code each,
//! a priority area, and three weeks of the team's fictional activity (`crate::demo_data`) so
//! that the supervisor's review queue, approvals, follow-up board and reports are populated.
//! Seeding happens only into an empty store (no users), so it never touches real data.

use crate::admin::{self, AdminError, AdminResult, IssuedCode};
use crate::demo_data::{self, ActivityTally, DemoPeople};
use crate::storage::SyncStorage;
use beatbook_core::model::{ClearHoldBuild, Role, Team};
use chrono::Utc;

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
    pub activity: ActivityTally,
}

/// Seeds the demo force if the store has no users; `None` if it already had some.
pub fn seed_if_empty(storage: &dyn SyncStorage) -> AdminResult<Option<DemoForce>> {
    if !storage.users()?.is_empty() {
        return Ok(None);
    }
    admin::load_areas(storage, DEMO_AREAS)?;
    admin::create_lap(storage, "LAP-NV", "Northvale")?;
    let team = admin::create_team(storage, "Northvale NPT", Some("LAP-NV"))?;
    admin::set_priority_area(
        storage,
        None,
        "Kestrel Parade (fictional)",
        &["E01990002".to_owned()],
        Some(ClearHoldBuild::Hold),
    )?;
    let mut codes = Vec::new();
    for (name, role) in DEMO_USERS {
        let user = admin::create_user(storage, name, *role, team.id)?;
        codes.push(admin::enrol_code(
            storage,
            user.id,
            admin::DEFAULT_CODE_HOURS,
        )?);
    }
    let id_of = |role: Role, nth: usize| {
        codes
            .iter()
            .filter(|c| c.user.role == role)
            .nth(nth)
            .map(|c| c.user.id)
            .ok_or_else(|| AdminError::Invalid(format!("the demo has no {role} #{nth}")))
    };
    let people = DemoPeople {
        pcsos: [id_of(Role::Pcso, 0)?, id_of(Role::Pcso, 1)?],
        volunteer: id_of(Role::Volunteer, 0)?,
        supervisor: id_of(Role::Supervisor, 0)?,
    };
    let activity = demo_data::seed_activity(storage, team.id, people, Utc::now())?;
    Ok(Some(DemoForce {
        team,
        codes,
        activity,
    }))
}

/// A web sign-in code for the demo sergeant, if this store has the demo force.
pub fn web_sign_in(
    storage: &dyn SyncStorage,
    now: chrono::DateTime<Utc>,
) -> AdminResult<Option<crate::web::signin::IssuedSignInCode>> {
    let sergeant = storage.users()?.into_iter().find(|u| {
        u.role == Role::Supervisor && DEMO_USERS.iter().any(|(n, _)| *n == u.display_name)
    });
    sergeant
        .map(|u| crate::web::signin::issue_code(storage, u.id, now))
        .transpose()
}

/// What a newcomer needs, for the terminal.
pub fn describe(force: &DemoForce, server_url: &str) -> String {
    let a = &force.activity;
    let mut out = format!(
        "Demo force seeded (fictional): LAP Northvale (LAP-NV), team \"{}\" ({}).\n\
         Fictional activity over the last {} days: {} patrols, {} contacts, {} follow-ups, {} SARA \
         problems ({} stage moves waiting for the supervisor).\n\
         Enrolment codes (one use each; expire {}):\n",
        force.team.name,
        force.team.id,
        demo_data::DEMO_DAYS,
        a.patrols,
        a.contacts,
        a.follow_ups,
        a.problems,
        a.pending_requests,
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
        "Enrol a device (one code per device):\n  beatbook enrol --server {server_url} --code <CODE>\n\
         As the supervisor, after enrolling: beatbook review, beatbook approve, \
         beatbook followups --team\n"
    ));
    out
}
