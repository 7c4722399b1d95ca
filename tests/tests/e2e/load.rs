//! Load (docs/reliability.md): simulated devices pushing and pulling at once against one server
//! with zero errors, every team's notes reaching every member exactly once. The short run here
//! uses 50 devices; the full run is the `load` binary with 500 (see `scripts/reliability-full.sh`).

use beatbook_e2e::inspect;
use beatbook_e2e::load::{run, LoadConfig};
use beatbook_e2e::server::ServerProcess;
use std::time::Duration;

#[test]
fn fifty_devices_sync_at_once_without_an_error() {
    let server = ServerProcess::start(&[]);
    let config = LoadConfig {
        devices: 50,
        team_size: 10,
        rounds: 3,
        notes_per_push: 20,
        deadline: Duration::from_secs(120),
    };
    let report = run(&server, config);
    println!("{report}");
    assert_eq!(report.errors, Vec::<String>::new());
    let expected = (config.devices * config.rounds * config.notes_per_push) as u64;
    assert_eq!(report.ops_pushed, expected);
    let db = inspect::server_db(server.data.path());
    assert_eq!(
        inspect::count(&db, "SELECT count(*) FROM records WHERE kind = 'note'", &[]),
        expected,
        "each pushed note on the server once"
    );
    assert_eq!(
        inspect::count(&db, "SELECT count(*) FROM applied_ops", &[]),
        expected
    );
}
