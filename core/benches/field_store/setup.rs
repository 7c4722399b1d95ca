//! Stores, keys, actors and raw keyed connections for the benchmark.

use beatbook_core::ids::{DeviceId, TeamId, UserId};
use beatbook_core::model::{Actor, GeoPoint, Role, Team, User};
use beatbook_core::{Store, StoreKey};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// The demo grid's south-west corner and cell size (degrees): a made-up town near Coventry.
const SOUTH: f64 = 52.38;
const WEST: f64 = -1.58;
const CELL_LAT: f64 = 0.01;
const CELL_LON: f64 = 0.016;
const GRID_ROWS: usize = 6;
const GRID_COLS: usize = 8;

pub const KEY_BYTES: [u8; 32] = [0x5a; 32];

pub fn key() -> StoreKey {
    StoreKey::from_bytes(KEY_BYTES)
}

/// A fresh folder under `BEATBOOK_BENCH_DIR`, or else Cargo's `target/tmp`: on the same disk
/// as the build, and not a RAM-backed `/tmp`.
pub fn temp_dir(label: &str) -> TempDir {
    let root = std::env::var_os("BEATBOOK_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")));
    std::fs::create_dir_all(&root).expect("create the benchmark folder");
    tempfile::Builder::new()
        .prefix(&format!("field-store-{label}-"))
        .tempdir_in(root)
        .expect("create a temporary folder")
}

/// A raw SQLCipher connection with the store's key and the store's connection settings
/// (`core/src/store/connection.rs`), except for `synchronous`, which the caller chooses.
pub fn raw_connection(path: &Path, synchronous: &str) -> Connection {
    // Keyed as the store opens its file (the same page MAC: `store_key::open_keyed`).
    let conn = beatbook_core::store_key::open_keyed(
        path,
        &key(),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_CREATE,
    )
    .expect("open a raw connection with the key");
    conn.pragma_update(None, "foreign_keys", "ON")
        .expect("foreign keys");
    conn.pragma_update(None, "secure_delete", "ON")
        .expect("secure delete");
    conn.pragma_update(None, "temp_store", "MEMORY")
        .expect("temp store");
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
        .expect("WAL");
    assert!(mode.eq_ignore_ascii_case("wal"), "not in WAL mode: {mode}");
    conn.pragma_update(None, "synchronous", synchronous)
        .expect("synchronous");
    conn
}

/// A store with a team, one PCSO (the actor) and a grid of made-up LSOA boundaries, so that
/// records are tagged with their area as on a device.
pub fn new_store(path: &Path) -> (Store, Actor) {
    let store = Store::open(path, &key()).expect("open the store");
    let team = Team {
        id: TeamId::new(),
        name: "Benchmark NPT".into(),
        lap_code: Some("LAP-B".into()),
    };
    store.upsert_team(&team).expect("team");
    let user = User {
        id: UserId::new(),
        display_name: "PCSO Bench".into(),
        role: Role::Pcso,
        team_id: Some(team.id),
    };
    store.upsert_user(&user).expect("user");
    store
        .load_area_boundaries(&grid_geojson())
        .expect("load the area grid");
    let actor = Actor {
        user_id: user.id,
        role: user.role,
        device_id: DeviceId::new(),
    };
    (store, actor)
}

/// A point somewhere in the grid, from two numbers in `[0, 1)`.
pub fn point_in_grid(u: f64, v: f64) -> GeoPoint {
    GeoPoint::new(
        SOUTH + u * CELL_LAT * GRID_ROWS as f64,
        WEST + v * CELL_LON * GRID_COLS as f64,
    )
}

/// A FeatureCollection of `GRID_ROWS x GRID_COLS` square LSOAs in two LAPs.
fn grid_geojson() -> String {
    let mut features = Vec::new();
    for row in 0..GRID_ROWS {
        for col in 0..GRID_COLS {
            let n = row * GRID_COLS + col + 1;
            let (s, w) = (SOUTH + row as f64 * CELL_LAT, WEST + col as f64 * CELL_LON);
            let (north, east) = (s + CELL_LAT, w + CELL_LON);
            let lap = if col < GRID_COLS / 2 { "W" } else { "E" };
            features.push(format!(
                r#"{{"type":"Feature","properties":{{"lsoa_code":"E0199{n:04}","lsoa_name":"Bench {n:03}","lap_code":"LAP-{lap}","lap_name":"Bench {lap}"}},"geometry":{{"type":"Polygon","coordinates":[[[{w},{s}],[{east},{s}],[{east},{north}],[{w},{north}],[{w},{s}]]]}}}}"#
            ));
        }
    }
    format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",")
    )
}
