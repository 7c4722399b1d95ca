//! One smoke test of the `beatbook` binary against the real sync server (in process, on
//! loopback, as `sync-server/README.md` suggests for tests): two people enrol, one records a
//! patrol with a note and syncs, the other receives it, and a revoked device is wiped with exit
//! code 5. The protocol's cases are tested end to end in `tests/`; this checks the CLI's wiring.

use beatbook_core::model::Role;
use beatbook_server::admin;
use beatbook_server::background::BackgroundServer;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_beatbook");

/// One person's folder: key file and store.
struct Person {
    dir: TempDir,
}

impl Person {
    fn new() -> Person {
        let person = Person {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        person.ok(&["keygen", "--out", "me.key"]);
        person
    }

    fn store(&self) -> PathBuf {
        self.dir.path().join("beatbook.db")
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .current_dir(self.dir.path())
            .env_remove("BEATBOOK_KEY")
            .env_remove("BEATBOOK_SERVER")
            .env("BEATBOOK_KEY_FILE", self.dir.path().join("me.key"))
            .env("BEATBOOK_STORE", self.store())
            .args(args)
            .output()
            .expect("run beatbook")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "beatbook {args:?} failed\nstdout: {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut with_json = vec!["--json"];
        with_json.extend_from_slice(args);
        let stdout = self.ok(&with_json);
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {stdout}"))
    }
}

fn code_for(
    server: &BackgroundServer,
    team: beatbook_core::ids::TeamId,
    name: &str,
    role: Role,
) -> String {
    let storage = server.storage().as_ref();
    let user = admin::create_user(storage, name, role, team).expect("user");
    admin::enrol_code(storage, user.id, 1).expect("code").code
}

fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no text at {pointer} in {value}"))
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

#[test]
fn two_people_enrol_share_a_patrol_and_a_revoked_device_is_wiped() {
    let data = {
        use std::os::unix::fs::PermissionsExt;
        // Only this user: the server refuses a data directory others can read.
        tempfile::Builder::new()
            .permissions(std::fs::Permissions::from_mode(0o700))
            .tempdir()
            .expect("server dir")
    };
    let server = BackgroundServer::start(
        data.path(),
        &beatbook_core::StoreKey::from_bytes([0x42; 32]),
        Default::default(),
    )
    .expect("server");
    let team = admin::create_team(server.storage().as_ref(), "Northvale NPT", None)
        .expect("team")
        .id;
    let sam_code = code_for(&server, team, "PCSO Sam Patel", Role::Pcso);
    let kim_code = code_for(&server, team, "Sergeant Kim Lee", Role::Supervisor);
    let url = server.url();

    // Sam enrols and records a patrol with a note.
    let sam = Person::new();
    let enrolled = sam.json(&["enrol", "--server", &url, "--code", &sam_code]);
    assert_eq!(text(&enrolled, "/user/display_name"), "PCSO Sam Patel");
    assert_eq!(text(&enrolled, "/sync/outcome"), "synced");
    let patrol = sam.json(&[
        "patrol",
        "start",
        "--kind",
        "foot",
        "--lap",
        "LAP-NV",
        "--purpose",
        "Reassurance after garage burglaries",
    ]);
    let patrol_id = text(&patrol, "/id").to_owned();
    sam.ok(&["note", "add", "Side gate at the garages forced again"]);
    let status = sam.json(&["sync", "status"]);
    assert!(
        status["pending_changes"].as_u64().is_some_and(|n| n >= 2),
        "{status}"
    );

    let synced = sam.json(&["sync"]);
    assert_eq!(synced["accepted"], synced["pushed"]);
    assert!(
        synced["accepted"].as_u64().is_some_and(|n| n >= 2),
        "{synced}"
    );
    assert_eq!(synced["rejected"], 0);
    assert_eq!(synced["pending"], 0);

    // Kim enrols; the first sync brings Sam's patrol and note.
    let kim = Person::new();
    let enrolled = kim.json(&["enrol", "--server", &url, "--code", &kim_code]);
    assert!(
        enrolled["sync"]["pulled"].as_u64().is_some_and(|n| n >= 2),
        "{enrolled}"
    );
    let shown = kim.ok(&["patrol", "show", &patrol_id]);
    assert!(
        shown.contains("Reassurance after garage burglaries"),
        "{shown}"
    );
    assert!(shown.contains("Side gate at the garages"), "{shown}");

    // A used code is refused as a usage error.
    let other = Person::new();
    let out = other.run(&["enrol", "--server", &url, "--code", &kim_code]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("enrolment_code_used"));
    assert!(!other.store().exists());

    // Sam's device is revoked: the next sync wipes the store and exits 5.
    let device = text(&sam.json(&["whoami"]), "/device_id")
        .parse()
        .expect("device id");
    admin::revoke_device(server.storage().as_ref(), device).expect("revoke");
    let out = sam.run(&["sync"]);
    assert_eq!(out.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&out.stderr).contains("wiped"));
    assert!(
        !sam.store().exists(),
        "{} still exists",
        path_str(&sam.store())
    );
}
