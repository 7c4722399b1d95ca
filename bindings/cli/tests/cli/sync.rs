//! `enrol`, `sync` and `conflicts` through the built binary, without a server: what they say
//! about a store made with `init`, and the checks `enrol` makes before it creates or spends
//! anything. Syncing against a real server is tested end to end in `tests/`.

use std::path::PathBuf;
use std::process::{Command, Output};
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_beatbook");

struct Officer {
    dir: TempDir,
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Officer {
    /// A folder with a key file and no store yet.
    fn new() -> Officer {
        let officer = Officer {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        let run = officer.run(&["keygen", "--out", "officer.key"]);
        assert_eq!(run.code, Some(0), "keygen: {}", run.stderr);
        officer
    }

    /// With a store made by `init`.
    fn initialised() -> Officer {
        let officer = Officer::new();
        let run = officer.run(&[
            "init",
            "--name",
            "PCSO Sam Patel",
            "--role",
            "pcso",
            "--team",
            "Northvale NPT",
        ]);
        assert_eq!(run.code, Some(0), "init: {}", run.stderr);
        officer
    }

    fn store(&self) -> PathBuf {
        self.dir.path().join("beatbook.db")
    }

    fn run(&self, args: &[&str]) -> Run {
        let Output {
            status,
            stdout,
            stderr,
        } = Command::new(BIN)
            .current_dir(self.dir.path())
            .env_remove("BEATBOOK_KEY")
            .env_remove("BEATBOOK_SERVER")
            .env("BEATBOOK_KEY_FILE", self.dir.path().join("officer.key"))
            .env("BEATBOOK_STORE", self.store())
            .args(args)
            .output()
            .expect("run beatbook");
        Run {
            code: status.code(),
            stdout: String::from_utf8(stdout).expect("utf-8"),
            stderr: String::from_utf8(stderr).expect("utf-8"),
        }
    }
}

#[test]
fn a_store_made_with_init_does_not_sync_and_says_how_to_get_one_that_does() {
    let officer = Officer::initialised();

    let run = officer.run(&["sync"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("not enrolled"), "{}", run.stderr);
    assert!(run.stderr.contains("beatbook enrol"), "{}", run.stderr);

    let run = officer.run(&["sync", "status"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("does not sync"), "{}", run.stdout);
    assert!(run.stdout.contains("0 changes to send"), "{}", run.stdout);

    let run = officer.run(&["--json", "sync", "status"]);
    let status: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(status["enrolled"], false);
    assert_eq!(status["server"], serde_json::Value::Null);

    let run = officer.run(&["sync", "rejections"]);
    assert!(run.stdout.contains("nothing refused"), "{}", run.stdout);
    let run = officer.run(&["conflicts", "--all"]);
    assert!(run.stdout.contains("0 conflicts open"), "{}", run.stdout);
}

#[test]
fn enrol_refuses_a_store_that_is_already_set_up() {
    let officer = Officer::initialised();

    let run = officer.run(&[
        "enrol",
        "--server",
        "http://127.0.0.1:9",
        "--code",
        "ABCDEFGHIJ",
    ]);

    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("already set up for PCSO Sam Patel"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--store"), "{}", run.stderr);
}

#[test]
fn enrol_refuses_a_server_address_that_would_send_the_token_in_clear() {
    let officer = Officer::new();

    let run = officer.run(&[
        "enrol",
        "--server",
        "http://sync.force.example",
        "--code",
        "ABCDEFGHIJ",
    ]);

    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("https"), "{}", run.stderr);
    assert!(
        !officer.store().exists(),
        "no store is made for a bad address"
    );
}

#[test]
fn enrol_refuses_a_malformed_pin_or_a_missing_ca_file_before_making_a_store() {
    let officer = Officer::new();
    let base = [
        "enrol",
        "--server",
        "https://sync.force.example",
        "--code",
        "ABCDEFGHIJ",
    ];

    let run = officer.run(&[&base[..], &["--pin", "not-a-pin"]].concat());
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("bad certificate pin"), "{}", run.stderr);
    assert!(run.stderr.contains("SHA-256"), "{}", run.stderr);

    let missing = officer.dir.path().join("no-such-ca.pem");
    let run = officer.run(&[&base[..], &["--server-ca", missing.to_str().expect("path")]].concat());
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("--server-ca"), "{}", run.stderr);

    assert!(
        !officer.store().exists(),
        "no store is made for bad TLS options"
    );
    let help = officer.run(&["enrol", "--help"]);
    assert!(help.stdout.contains("--pin"), "{}", help.stdout);
    assert!(
        help.stdout.contains("openssl dgst -sha256"),
        "{}",
        help.stdout
    );
}

#[test]
fn the_help_shows_the_sync_commands_and_the_wiped_exit_code() {
    let officer = Officer::new();
    let run = officer.run(&["--help"]);
    for command in ["enrol", "sync", "conflicts"] {
        assert!(
            run.stdout
                .lines()
                .any(|l| l.trim_start().starts_with(command)),
            "{command} missing from:\n{}",
            run.stdout
        );
    }
    assert!(run.stdout.contains("5 the sync server"), "{}", run.stdout);
    let run = officer.run(&["conflicts", "resolve", "--help"]);
    assert!(run.stdout.contains("winner") && run.stdout.contains("loser"));
}
