//! The supervisor's commands against the real sync server seeded with the demo force and its
//! fictional activity — what a newcomer sees after `scripts/serve-demo.sh`: the sergeant enrols,
//! and `review`, `approve` and `followups --team` are populated at once; a move sent back and a
//! promise reassigned reach the PCSOs' devices after they sync.

use beatbook_server::background::BackgroundServer;
use beatbook_server::demo;
use serde_json::Value;
use std::process::{Command, Output};
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_beatbook");

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

    fn run(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .current_dir(self.dir.path())
            .env_remove("BEATBOOK_KEY")
            .env_remove("BEATBOOK_SERVER")
            .env("BEATBOOK_KEY_FILE", self.dir.path().join("me.key"))
            .env("BEATBOOK_STORE", self.dir.path().join("beatbook.db"))
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

fn len(value: &Value) -> usize {
    value.as_array().map_or(0, Vec::len)
}

#[test]
fn the_sergeant_of_the_demo_force_reviews_approves_and_reassigns_from_the_terminal() {
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
    let force = demo::seed_if_empty(server.storage().as_ref())
        .expect("seed")
        .expect("an empty store is seeded");
    let code = |name: &str| {
        force
            .codes
            .iter()
            .find(|c| c.user.display_name == name)
            .map(|c| c.code.clone())
            .expect("code")
    };
    let url = server.url();

    let kim = Person::new();
    kim.ok(&[
        "enrol",
        "--server",
        &url,
        "--code",
        &code("Sergeant Kim Demo"),
    ]);

    // The review queue: both PCSOs and the volunteer have work waiting.
    let review = kim.json(&["review"]);
    let queue = &review["queue"];
    assert_eq!(len(queue), 3, "{queue}");
    let text = kim.ok(&["review"]);
    assert!(text.contains("PCSO Alex Demo —"), "{text}");
    assert!(text.contains("Volunteer Jo Demo —"), "{text}");
    // Marking Alex's work reviewed leaves the other two.
    let alex_id = force
        .codes
        .iter()
        .find(|c| c.user.display_name == "PCSO Alex Demo")
        .map(|c| c.user.id.to_string())
        .expect("alex");
    // People by name, as a sergeant types them (a word prefix, any case).
    // Marking covers exactly what was listed: a code from another listing marks nothing.
    let listed = kim.json(&["review", "--member", "alex"]);
    let listed_code = listed["listed_code"]
        .as_str()
        .expect("a listing code")
        .to_owned();
    let shown = kim.ok(&["review", "--member", "alex"]);
    assert!(
        shown.contains(&format!(
            "beatbook review --mark --listed {listed_code} --member \"alex\""
        )),
        "{shown}"
    );
    let stale = kim.run(&[
        "review",
        "--member",
        "alex",
        "--mark",
        "--listed",
        "0000-0000",
    ]);
    assert!(!stale.status.success());
    let stderr = String::from_utf8_lossy(&stale.stderr);
    assert!(stderr.contains("changed since it was listed"), "{stderr}");
    assert_eq!(len(&kim.json(&["review"])["queue"]), 3, "nothing marked");
    let marked = kim.json(&[
        "review",
        "--member",
        "alex",
        "--mark",
        "--listed",
        &listed_code.to_lowercase(),
    ]);
    assert!(len(&marked["marked"]) >= 1, "{marked}");
    assert_eq!(len(&kim.json(&["review"])["queue"]), 2);

    // Approvals: the two seeded moves wait, each with its evidence.
    let approvals = kim.json(&["approve"]);
    assert_eq!(len(&approvals), 2, "{approvals}");
    let kestrel = approvals
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|p| p["problem"]["title"] == "Youths gathering at Kestrel Parade shops")
        })
        .expect("kestrel");
    assert_eq!(len(&kestrel["evidence"]), 2);
    let request = kestrel["request"]["id"].as_str().expect("id").to_owned();
    let out = kim.run(&["approve", &request, "--send-back", " "]);
    assert_eq!(out.status.code(), Some(2), "an empty reason is refused");
    let sent = kim.ok(&[
        "approve",
        &request,
        "--send-back",
        "Add what the shopkeepers' CCTV shows",
    ]);
    assert!(sent.contains("Sent back"), "{sent}");
    assert_eq!(len(&kim.json(&["approve"])), 1);

    // The follow-up board: overdue first, and the 72-hour share over the period.
    let board = kim.json(&["followups", "--team"]);
    let open = board["open"].as_array().expect("open");
    assert!(open.len() >= 2, "{board}");
    assert_eq!(open[0]["overdue"], true, "{board}");
    assert!(
        board["promptness"]["share_within_72h"].is_number(),
        "{board}"
    );
    let overdue_id = open[0]["follow_up"]["id"].as_str().expect("id").to_owned();
    let old_owner = open[0]["follow_up"]["owner"]
        .as_str()
        .expect("owner")
        .to_owned();
    let new_owner = if old_owner == alex_id {
        force
            .codes
            .iter()
            .find(|c| c.user.display_name == "PCSO Sam Demo")
            .map(|c| c.user.id.to_string())
            .expect("sam")
    } else {
        alex_id.clone()
    };
    let new_owner_name = if new_owner == alex_id {
        "Alex Demo"
    } else {
        "pcso sam"
    };
    let reassigned = kim.json(&["followup", "reassign", &overdue_id, "--to", new_owner_name]);
    assert_eq!(reassigned["owner"], Value::String(new_owner.clone()));
    let synced = kim.json(&["sync"]);
    assert_eq!(synced["rejected"], 0, "{synced}");

    // Sam, who asked for the Kestrel Parade move, enrols and sees it sent back with the reason.
    let sam = Person::new();
    sam.ok(&["enrol", "--server", &url, "--code", &code("PCSO Sam Demo")]);
    let problem_id = kestrel["problem"]["id"].as_str().expect("problem id");
    let shown = sam.ok(&["problem", "show", problem_id]);
    assert!(
        shown.contains("Add what the shopkeepers' CCTV shows"),
        "{shown}"
    );
    // ... and on their day's page, until they ask again.
    let today = sam.json(&["today"]);
    let sent_back = today["sent_back"].as_array().expect("sent_back");
    assert_eq!(sent_back.len(), 1, "{today}");
    assert_eq!(sent_back[0]["id"], request.as_str());
    let today_text = sam.ok(&["today"]);
    assert!(
        today_text.contains("SARA requests sent back to you (1)")
            && today_text.contains("Add what the shopkeepers"),
        "{today_text}"
    );
    // The reassigned promise is on its new owner's list.
    let new_owners_device = if new_owner == alex_id {
        let alex = Person::new();
        alex.ok(&["enrol", "--server", &url, "--code", &code("PCSO Alex Demo")]);
        alex
    } else {
        sam
    };
    let owed = new_owners_device.json(&["followups"]);
    assert!(
        owed.as_array().is_some_and(|a| a
            .iter()
            .any(|f| f["follow_up"]["id"] == overdue_id.as_str())),
        "{owed}"
    );
    // ... and `today` tells them it was given to them, someone else's promise.
    let today = new_owners_device.json(&["today"]);
    assert!(
        today["given_to_you"]
            .as_array()
            .is_some_and(|a| a.iter().any(|f| f["id"] == overdue_id.as_str())),
        "{today}"
    );
    let today_text = new_owners_device.ok(&["today"]);
    assert!(today_text.contains("(given to you)"), "{today_text}");
}
