//! Shared set-up for the store's integration tests: a fresh encrypted store in a temporary
//! folder, a team, and actors of each role.
#![allow(dead_code)]

use beatbook_core::ids::{DeviceId, TeamId, UserId};
use beatbook_core::model::{Actor, Role, Team, User};
use beatbook_core::{ManualClock, Store, StoreKey};
use chrono::{DateTime, TimeZone, Utc};
use std::sync::Arc;
use tempfile::TempDir;

pub mod fake_server;

pub const DEMO_AREAS: &str = include_str!("../../fixtures/demo_areas.geojson");

pub fn key() -> StoreKey {
    StoreKey::from_bytes([7; 32])
}

/// Where a fixture's clock starts unless a test says otherwise: a fixed instant, so that no
/// test depends on the day the suite runs (see `core::clock`).
pub fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0)
        .single()
        .expect("a valid time")
}

/// A store at `path` whose clock stands at [`epoch`], knowing `team` and `users` as a device of
/// that team does after its first sync: one device of several in a convergence test.
pub fn store_knowing(path: &std::path::Path, team: &Team, users: &[User]) -> Store {
    let store =
        Store::open_with_clock(path, &key(), ManualClock::shared(epoch())).expect("open store");
    store.upsert_team(team).expect("team");
    for user in users {
        store.upsert_user(user).expect("user");
    }
    store
}

/// A fresh store with one team. Keep the `TempDir` alive as long as the store.
pub struct Fixture {
    pub dir: TempDir,
    pub store: Store,
    pub team: Team,
    /// The store's clock: stands still at [`epoch`] (or the test's own time) until moved.
    pub clock: Arc<ManualClock>,
}

impl Fixture {
    /// A fresh store whose clock stands at [`epoch`].
    pub fn new() -> Fixture {
        Fixture::at(epoch())
    }

    /// A fresh store whose clock stands at `now`.
    pub fn at(now: DateTime<Utc>) -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let clock = ManualClock::shared(now);
        let store = Store::open_with_clock(dir.path().join("beatbook.db"), &key(), clock.clone())
            .expect("open store");
        let team = Team {
            id: TeamId::new(),
            name: "Northvale NPT".into(),
            lap_code: Some("LAP-NV".into()),
        };
        store.upsert_team(&team).expect("team");
        Fixture {
            dir,
            store,
            team,
            clock,
        }
    }

    /// The store's current time.
    pub fn now(&self) -> DateTime<Utc> {
        self.store.now()
    }

    /// A fixture with the demo area boundaries loaded.
    pub fn with_areas() -> Fixture {
        Fixture::with_areas_at(epoch())
    }

    /// A fixture with the demo area boundaries loaded, its clock standing at `now`.
    pub fn with_areas_at(now: DateTime<Utc>) -> Fixture {
        let f = Fixture::at(now);
        f.store
            .load_area_boundaries(DEMO_AREAS)
            .expect("load demo areas");
        f
    }

    /// A new user of `role` in the team, acting from a new device.
    pub fn actor(&self, role: Role, name: &str) -> Actor {
        let user = User {
            id: UserId::new(),
            display_name: name.into(),
            role,
            team_id: Some(self.team.id),
        };
        self.store.upsert_user(&user).expect("user");
        Actor {
            user_id: user.id,
            role,
            device_id: DeviceId::new(),
        }
    }

    /// Counts rows in a table, for "nothing was written" assertions.
    pub fn count(&self, table: &str) -> i64 {
        count_rows(&self.dir.path().join("beatbook.db"), &key(), table)
    }
}

/// A connection of its own to the store file at `path`, keyed as the store opens it (its page
/// MAC found: `store_key::open_keyed`), read-write.
pub fn keyed_connection(path: impl AsRef<std::path::Path>, key: &StoreKey) -> rusqlite::Connection {
    beatbook_core::store_key::open_keyed(
        path.as_ref(),
        key,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_CREATE,
    )
    .expect("open the store file with its key")
}

/// The entries of the repeat-location index (`contacts_near`, store version 28), read from the
/// index itself: a "table" for [`count_rows`] and [`Fixture::count`].
pub const ON_REPEAT_INDEX: &str = "contacts INDEXED BY contacts_near WHERE near_cell IS NOT NULL";

/// The rows of `table` in the store at `path`, read with a connection of its own.
pub fn count_rows(path: &std::path::Path, key: &StoreKey, table: &str) -> i64 {
    let conn = keyed_connection(path, key);
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .expect("count")
}

/// A contact with nothing optional filled in: tests set what they are about with `..`.
pub fn plain_contact(
    occurred_at: chrono::DateTime<chrono::Utc>,
    place: beatbook_core::model::GeoPoint,
) -> beatbook_core::model::NewContact {
    use beatbook_core::model::{Audience, ContactMethod, NewContact};
    NewContact {
        occurred_at,
        place: Some(place),
        lsoa_code: None,
        lap_code: None,
        method: ContactMethod::FootPatrol,
        audience: Audience::Resident,
        people_count: 1,
        issues: vec![],
        issues_text: None,
        promised: None,
        follow_up_due: None,
        follow_up_owner: None,
        consent_to_recontact: false,
        personal: None,
        ethnicity: None,
        repeat_caller: false,
        vulnerable: false,
        problem_id: None,
        patrol_id: None,
    }
}

/// Every text value in every table of the store at `path` (FTS shadow tables included), for
/// "no trace left" checks after an erasure.
pub fn all_text(path: &std::path::Path, key: &StoreKey) -> String {
    let conn = keyed_connection(path, key);
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name != 'search_index'")
        .expect("tables")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("names");
    let mut text = String::new();
    for table in tables {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM \"{table}\""))
            .expect("select");
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).expect("rows");
        while let Some(row) = rows.next().expect("row") {
            for i in 0..columns {
                if let rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) =
                    row.get_ref(i).expect("value")
                {
                    text.push_str(&String::from_utf8_lossy(t));
                    text.push('\n');
                }
            }
        }
    }
    text
}
