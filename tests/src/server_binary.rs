//! Which `beatbook-server` binary the end-to-end tests and benches run, and that it is built
//! from the sources beside them.
//!
//! Cargo builds a package's binaries before that package's own integration tests, but not
//! before another package's: `cargo test -p beatbook-e2e` after an edit to the server would
//! otherwise run yesterday's server and report on code that is no longer there (issue "Speed
//! and size", part 7: the harness always runs a freshly built server). So the first start in a
//! process compares the binary with every file it is built from (`core/` and `sync-server/`
//! sources, migrations and manifests, the lock file) and has cargo build it when any is newer
//! or the binary is missing. `cargo test --workspace` has just built it, so there the check is
//! a walk over a few hundred files' dates and no build.
//!
//! `BEATBOOK_E2E_SERVER` names a binary to run as it is, with no check: a bench binary copied
//! beside an older server for a side-by-side measurement, or an installed server.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::SystemTime;

/// Names a server binary to run without checking or building it.
pub const SERVER_BINARY_ENV: &str = "BEATBOOK_E2E_SERVER";

/// What goes into the server binary, relative to the workspace root: a change to any of these
/// files makes the binary stale. Tests and benches of the two packages are not in it.
const SERVER_INPUTS: [&str; 8] = [
    "Cargo.toml",
    "Cargo.lock",
    "core/Cargo.toml",
    "core/src",
    "core/migrations",
    "sync-server/Cargo.toml",
    "sync-server/src",
    "sync-server/migrations",
];

/// The `beatbook-server` binary to run: [`SERVER_BINARY_ENV`] if set, else this workspace's,
/// beside the running test or bench, built first if it is missing or older than its sources.
/// Decided once per process.
pub fn server_binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY
        .get_or_init(|| match std::env::var_os(SERVER_BINARY_ENV) {
            Some(named) => PathBuf::from(named),
            None => workspace_server(),
        })
        .clone()
}

/// The server in the cargo profile folder the running executable came from.
fn workspace_server() -> PathBuf {
    let exe = std::env::current_exe().expect("executable path");
    // Tests run from target/<profile>/deps/, binaries from target/<profile>/.
    let mut profile_dir = exe.parent().expect("executable folder");
    if profile_dir.ends_with("deps") {
        profile_dir = profile_dir.parent().expect("target profile folder");
    }
    let binary = profile_dir.join("beatbook-server");
    // A folder cargo did not make (a bench copied elsewhere with its server) is run as it is.
    if !profile_dir.join(".fingerprint").is_dir() {
        return binary;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root above tests/");
    if !is_stale(&binary, root) {
        return binary;
    }
    build_server(profile_dir, root);
    assert!(
        binary.exists(),
        "cargo built beatbook-server but {} is not there",
        binary.display()
    );
    binary
}

/// Whether `binary` is missing or older than any file it is built from.
fn is_stale(binary: &Path, root: &Path) -> bool {
    let Some(built) = modified(binary) else {
        return true;
    };
    SERVER_INPUTS
        .iter()
        .filter_map(|input| newest_below(&root.join(input)))
        .any(|changed| changed > built)
}

/// Runs `cargo build` of the server binary for the profile and target folder `profile_dir` is
/// in. With this package selected too, cargo resolves the features its tests were built with,
/// so the build reuses their `beatbook-core` and libraries (`-p beatbook-server` alone is
/// another set of features: a minute and a half of rebuilding here).
fn build_server(profile_dir: &Path, root: &Path) {
    let profile = profile_dir
        .file_name()
        .and_then(|name| name.to_str())
        .expect("profile folder name");
    let target_dir = profile_dir.parent().expect("target folder");
    let mut build = Command::new(env!("CARGO"));
    build
        .current_dir(root)
        .env("CARGO_TARGET_DIR", target_dir)
        .args([
            "build",
            "--locked",
            "-p",
            "beatbook-server",
            "-p",
            "beatbook-e2e",
        ])
        .args(["--bin", "beatbook-server", "--profile"])
        .arg(match profile {
            "debug" => "dev",
            other => other,
        });
    eprintln!("beatbook-server is older than its sources or missing: building it");
    let status = build.status().expect("run cargo build");
    assert!(status.success(), "building beatbook-server failed");
}

/// The latest modification time of `path` or, for a folder, of any file below it; `None` if
/// nothing is there.
fn newest_below(path: &Path) -> Option<SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    std::fs::read_dir(path)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| newest_below(&entry.path()))
        .max()
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::{self, File};
    use std::time::Duration;

    /// Sets a file's modification time to `at` seconds after a fixed instant.
    fn touch(path: &Path, at: u64) {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("folders");
        }
        let file = File::options()
            .create(true)
            .append(true)
            .open(path)
            .expect("open");
        let instant = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + at);
        file.set_modified(instant).expect("set modified time");
    }

    #[test]
    fn a_binary_older_than_any_source_it_is_built_from_is_stale() {
        let root = tempfile::tempdir().expect("temp dir");
        let binary = root.path().join("target/debug/beatbook-server");
        assert!(is_stale(&binary, root.path()), "a missing binary is stale");

        touch(&root.path().join("Cargo.lock"), 10);
        touch(&root.path().join("core/src/store/mod.rs"), 20);
        touch(&root.path().join("sync-server/migrations/0001.sql"), 30);
        touch(&binary, 40);
        assert!(!is_stale(&binary, root.path()), "built after every source");

        // Tests and benches do not go into the binary.
        touch(&root.path().join("sync-server/tests/server/push.rs"), 50);
        touch(&root.path().join("core/benches/field_store.rs"), 50);
        assert!(!is_stale(&binary, root.path()));

        // An edit deep in the server's sources does.
        touch(
            &root.path().join("sync-server/src/storage/sqlite/push.rs"),
            60,
        );
        assert!(is_stale(&binary, root.path()));
        touch(&binary, 70);
        assert!(!is_stale(&binary, root.path()));

        // So does a core source the server links.
        touch(&root.path().join("core/src/sync/merge.rs"), 80);
        assert!(is_stale(&binary, root.path()));
    }

    #[test]
    fn the_newest_time_below_a_folder_is_its_newest_files() {
        let root = tempfile::tempdir().expect("temp dir");
        assert_eq!(newest_below(&root.path().join("absent")), None);
        touch(&root.path().join("a/b/c.rs"), 5);
        touch(&root.path().join("a/d.rs"), 3);
        let newest = newest_below(&root.path().join("a")).expect("files below");
        assert_eq!(
            newest,
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_005)
        );
    }
}
