//! PostgreSQL for tests (this crate's and other crates'): each [`TestSchema`] is a fresh schema
//! with a random name on the test server, dropped (with everything in it) when the value is
//! dropped, so tests run in parallel on one database and a fresh CI machine needs nothing but
//! an empty database.
//!
//! The server is `BEATBOOK_TEST_POSTGRES` (default [`DEFAULT_URL`]). A test that needs it
//! **fails** when it cannot be reached — CI (`scripts/test.sh`) must not pass having skipped
//! PostgreSQL — unless the variable is explicitly set to `skip` or to nothing, for a developer
//! without PostgreSQL: then [`TestSchema::create`] says so loudly on stderr and returns `None`.
//! Under CI (`CI` set, as CI services and `.ci/run` do) skipping is refused here too, not only
//! by `scripts/test.sh`: a test binary run on its own in CI cannot skip PostgreSQL either.

use uuid::Uuid;

/// The variable naming the test server.
pub const ENV: &str = "BEATBOOK_TEST_POSTGRES";

/// The server tests use when [`ENV`] is not set.
pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A schema of its own on the test server, dropped on drop.
#[derive(Debug)]
pub struct TestSchema {
    server_url: String,
    name: String,
    url: String,
}

impl TestSchema {
    /// Creates a fresh schema. `None` only when [`ENV`] is `skip` or empty.
    ///
    /// # Panics
    /// When the server cannot be reached or the schema not created (a test failure, on purpose).
    pub fn create() -> Option<Self> {
        let server_url = match std::env::var(ENV) {
            Ok(v) if v.trim().is_empty() || v.trim() == "skip" => {
                assert!(
                    !in_ci(),
                    "{ENV}={v:?} under CI: the PostgreSQL tests may not be skipped in CI"
                );
                eprintln!(
                    "!!! {ENV}={v:?}: SKIPPING a PostgreSQL test. CI must not set this; unset it \
                     to test against {DEFAULT_URL}."
                );
                return None;
            }
            Ok(v) => v,
            Err(_) => DEFAULT_URL.to_owned(),
        };
        let name = format!("bb_test_{}", Uuid::now_v7().simple());
        let mut client = connect(&server_url);
        if let Err(e) = client.batch_execute(&format!("CREATE SCHEMA {name}")) {
            panic!("could not create test schema {name} on {server_url}: {e}");
        }
        let separator = if server_url.contains('?') { '&' } else { '?' };
        let url = format!("{server_url}{separator}options=-csearch_path%3D{name}");
        Some(Self {
            server_url,
            name,
            url,
        })
    }

    /// The URL a storage opens: the test server, with this schema as its search path.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The schema's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Whether this runs under CI: `CI` set and not empty (as `scripts/test.sh` decides it).
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty())
}

fn connect(server_url: &str) -> postgres::Client {
    match postgres::Client::connect(server_url, postgres::NoTls) {
        Ok(client) => client,
        Err(e) => panic!(
            "PostgreSQL is not reachable at {server_url} ({e}). Start it, point {ENV} at one, \
             or set {ENV}=skip to skip the PostgreSQL tests (never in CI)."
        ),
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        let dropped = postgres::Client::connect(&self.server_url, postgres::NoTls)
            .and_then(|mut c| c.batch_execute(&format!("DROP SCHEMA {} CASCADE", self.name)));
        if let Err(e) = dropped {
            eprintln!("could not drop test schema {}: {e}", self.name);
        }
    }
}
