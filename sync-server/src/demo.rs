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

/// Fresh enrolment codes for the demo users already in the store (a restarted demo: the first
/// codes may be used or expired). Users whose names are not the demo's get none.
pub fn reissue_codes(storage: &dyn SyncStorage) -> AdminResult<Vec<IssuedCode>> {
    let mut users: Vec<_> = storage
        .users()?
        .into_iter()
        .filter(|u| DEMO_USERS.iter().any(|(name, _)| *name == u.display_name))
        .collect();
    users.sort_by_key(|u| {
        DEMO_USERS
            .iter()
            .position(|(name, _)| *name == u.display_name)
    });
    users
        .iter()
        .map(|u| admin::enrol_code(storage, u.id, admin::DEFAULT_CODE_HOURS))
        .collect()
}

/// The codes, one line per demo user (the supervisor's line ends `supervisor CODE user ID`,
/// which `scripts/demo.sh` reads).
pub fn describe_codes(codes: &[IssuedCode]) -> String {
    let mut out = format!(
        "Enrolment codes (one use each; expire {}):\n",
        codes
            .first()
            .map(|c| c.expires_at.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default()
    );
    for issued in codes {
        out.push_str(&format!(
            "  {:<20} {:<14} {}   user {}\n",
            issued.user.display_name,
            issued.user.role.as_str(),
            issued.code,
            issued.user.id
        ));
    }
    out
}

/// The steps a newcomer follows in a second terminal, with the address the server really
/// listens on (never port 0).
pub fn next_steps(server_url: &str) -> String {
    format!(
        "\nIn a second terminal, with `beatbook` on your PATH (scripts/serve-demo.sh prints where):\n\
         \n  As PCSO Sam Demo (use Sam's code above):\n\
         \x20   beatbook keygen --out /tmp/pcso.key\n\
         \x20   export BEATBOOK_KEY_FILE=/tmp/pcso.key BEATBOOK_STORE=/tmp/pcso.db\n\
         \x20   beatbook enrol --server {server_url} --code <SAM'S CODE>\n\
         \x20   beatbook patrol start --kind foot --lap LAP-NV --purpose \"Reassurance after burglaries\"\n\
         \x20   beatbook note add \"Side gate to the garages forced again\" --lat 52.4450 --lon -1.5100\n\
         \x20   beatbook sync\n\
         \n  As Sergeant Kim Demo, with a second store (use the supervisor's code above):\n\
         \x20   beatbook keygen --out /tmp/sergeant.key\n\
         \x20   export BEATBOOK_KEY_FILE=/tmp/sergeant.key BEATBOOK_STORE=/tmp/sergeant.db\n\
         \x20   beatbook enrol --server {server_url} --code <SERGEANT'S CODE>\n\
         \x20   beatbook review              # the team's work not yet reviewed, per member\n\
         \x20   beatbook approve             # SARA stage moves waiting, with their evidence\n\
         \x20   beatbook followups --team    # every open promise, overdue first\n\
         \x20   beatbook report              # the performance framework figures\n\n"
    )
}

/// What a newcomer needs, for the terminal.
pub fn describe(force: &DemoForce, server_url: &str) -> String {
    let a = &force.activity;
    let mut out = format!(
        "Demo force seeded (fictional): LAP Northvale (LAP-NV), team \"{}\" ({}).\n\
         Fictional activity over the last {} days: {} patrols, {} contacts, {} follow-ups, {} SARA \
         problems ({} stage moves waiting for the supervisor).\n",
        force.team.name,
        force.team.id,
        demo_data::DEMO_DAYS,
        a.patrols,
        a.contacts,
        a.follow_ups,
        a.problems,
        a.pending_requests,
    );
    out.push_str(&describe_codes(&force.codes));
    out.push_str(&next_steps(server_url));
    out
}
