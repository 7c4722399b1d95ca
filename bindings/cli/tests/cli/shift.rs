//! A patrol shift through the built `beatbook` binary, as a person would type it: keygen, init
//! with the demo areas, a patrol with notes and contacts, follow-ups, search, ending the patrol
//! (first without its assessment), export and the audit log; and the key rules: a wrong key is
//! refused with exit code 3, and there is no way to put the key on the command line.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_beatbook");
pub(crate) const DEMO_AREAS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../core/tests/fixtures/demo_areas.geojson"
);

// Inside LSOA E01990002 (Northvale 001B, LAP-NV) of the demo areas, clear of its pond.
pub(crate) const LAT: &str = "52.445";
pub(crate) const LON: &str = "-1.51";
// 20 m north of it.
const LAT_20M: &str = "52.44518";

// Personal details that must never appear outside `contact personal`.
const NAME: &str = "Ada Example";
const PHONE: &str = "07700 900123";

/// One person's folder: a key file and a store.
pub(crate) struct Officer {
    dir: TempDir,
}

/// What a run printed, and how it ended.
pub(crate) struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Officer {
    fn new() -> Officer {
        Officer {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn key(&self) -> PathBuf {
        self.path("officer.key")
    }

    /// `beatbook ARGS` in the folder, with this officer's key file and store and nothing from
    /// the caller's environment.
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.current_dir(self.dir.path())
            .env_remove("BEATBOOK_KEY")
            .env_remove("BEATBOOK_KEY_FILE")
            .env_remove("BEATBOOK_STORE")
            .env("BEATBOOK_KEY_FILE", self.key())
            .env("BEATBOOK_STORE", self.path("beatbook.db"))
            .args(args);
        cmd
    }

    fn run_command(mut cmd: Command) -> Run {
        let Output {
            status,
            stdout,
            stderr,
        } = cmd.output().expect("run beatbook");
        Run {
            code: status.code(),
            stdout: String::from_utf8(stdout).expect("utf-8 stdout"),
            stderr: String::from_utf8(stderr).expect("utf-8 stderr"),
        }
    }

    pub(crate) fn run(&self, args: &[&str]) -> Run {
        Self::run_command(self.command(args))
    }

    /// Runs and expects success; returns stdout.
    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        assert_eq!(
            run.code,
            Some(0),
            "beatbook {args:?} failed\nstdout: {}\nstderr: {}",
            run.stdout,
            run.stderr
        );
        run.stdout
    }

    /// Runs with `--json` and expects success; returns the parsed output.
    pub(crate) fn json(&self, args: &[&str]) -> Value {
        let mut with_json = vec!["--json"];
        with_json.extend_from_slice(args);
        let stdout = self.ok(&with_json);
        serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {stdout}"))
    }

    /// Runs and expects exit code `code`; returns stderr.
    pub(crate) fn fails(&self, code: i32, args: &[&str]) -> String {
        let run = self.run(args);
        assert_eq!(
            run.code,
            Some(code),
            "beatbook {args:?} should exit {code}\nstdout: {}\nstderr: {}",
            run.stdout,
            run.stderr
        );
        run.stderr
    }

    /// keygen and init as a PCSO with the demo areas.
    pub(crate) fn set_up() -> Officer {
        Officer::set_up_as("PCSO Sam Patel", "pcso")
    }

    /// keygen and init as `name` in `role` with the demo areas.
    pub(crate) fn set_up_as(name: &str, role: &str) -> Officer {
        let officer = Officer::new();
        officer.ok(&["keygen", "--out", path_str(&officer.key())]);
        officer.ok(&[
            "init",
            "--name",
            name,
            "--role",
            role,
            "--team",
            "Northvale NPT",
            "--lap",
            "LAP-NV",
            "--areas",
            DEMO_AREAS,
        ]);
        officer
    }
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

pub(crate) fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no text at {pointer} in {value}"))
}

#[test]
fn keygen_writes_a_private_hex_key_once() {
    let officer = Officer::new();
    let out = officer.ok(&["keygen", "--out", path_str(&officer.key())]);
    let written = std::fs::read_to_string(officer.key()).expect("key file");
    let hex = written.trim();
    assert_eq!(hex.len(), 64, "{written:?}");
    assert!(hex.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(!out.contains(hex), "keygen must not print the key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(officer.key())
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let stderr = officer.fails(2, &["keygen", "--out", path_str(&officer.key())]);
    assert!(stderr.contains("already exists"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(officer.key()).expect("key file"),
        written
    );

    let other = officer.path("other.key");
    officer.ok(&["keygen", "--out", path_str(&other)]);
    assert_ne!(
        std::fs::read_to_string(other).expect("other key"),
        written,
        "keys are random"
    );
}

#[test]
fn a_patrol_shift_from_start_to_export() {
    let officer = Officer::set_up();
    let me = officer.json(&["whoami"]);
    assert_eq!(text(&me, "/user/role"), "pcso");
    assert_eq!(me["lsoas_loaded"], 6);
    let my_id = text(&me, "/user/id").to_owned();

    // Start a foot patrol with its purpose.
    let patrol = officer.json(&[
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
    assert_eq!(
        text(&patrol, "/purpose"),
        "Reassurance after garage burglaries"
    );
    assert!(patrol["ended_at"].is_null());

    // A note during the patrol links to it and is tagged with its LSOA.
    let note = officer.json(&[
        "note",
        "add",
        "Side gate at the garages forced again",
        "--lat",
        LAT,
        "--lon",
        LON,
    ]);
    let note_id = text(&note, "/id").to_owned();
    assert_eq!(text(&note, "/patrol_id"), patrol_id);
    assert_eq!(text(&note, "/lsoa_code"), "E01990002");

    // A contact with consent, contact details and a promise.
    let first = officer.json(&[
        "contact",
        "add",
        "--lat",
        LAT,
        "--lon",
        LON,
        "--method",
        "door_knock",
        "--audience",
        "resident",
        "--issue",
        "burglary",
        "--raised",
        "Worried about the garages",
        "--promised",
        "Ask the council about the lane lighting",
        "--consent",
        "--name",
        NAME,
        "--phone",
        PHONE,
    ]);
    let first_text = first.to_string();
    assert!(
        !first_text.contains(NAME) && !first_text.contains(PHONE),
        "{first_text}"
    );
    let first_id = text(&first, "/contact/id").to_owned();
    assert_eq!(text(&first, "/contact/lsoa_code"), "E01990002");
    assert_eq!(text(&first, "/contact/patrol_id"), patrol_id);
    assert_eq!(first["contact"]["has_personal_details"], true);
    assert_eq!(first["contact"]["repeat_location"], false);
    let occurred = chrono::DateTime::parse_from_rfc3339(text(&first, "/contact/occurred_at"))
        .expect("occurred_at");
    let due =
        chrono::DateTime::parse_from_rfc3339(text(&first, "/follow_up/due_at")).expect("due_at");
    assert_eq!(
        (due - occurred).num_hours(),
        72,
        "the 72-hour meaningful response"
    );
    assert_eq!(text(&first, "/follow_up/owner"), my_id);
    let follow_up_id = text(&first, "/follow_up/id").to_owned();

    // A second contact 20 m away is flagged as a repeat location, naming the first.
    let second = officer.ok(&[
        "contact",
        "add",
        "--lat",
        LAT_20M,
        "--lon",
        LON,
        "--method",
        "door_knock",
        "--audience",
        "resident",
        "--people",
        "2",
        "--issue",
        "anti-social-behaviour",
    ]);
    assert!(second.contains("REPEAT LOCATION"), "{second}");
    assert!(second.contains(&first_id), "{second}");
    assert!(second.contains("20 m away"), "{second}");
    assert!(
        second.contains("LSOA E01990002 (Northvale 001B), LAP LAP-NV"),
        "{second}"
    );
    // The confirmation names the contact by its short reference, which finds it again.
    let second_ref = second
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("Recorded contact "))
        .expect("first line names the contact")
        .to_owned();
    assert_eq!(
        second_ref.len(),
        9,
        "a reference like 7KQ4-ZM2P: {second_ref}"
    );
    let shown = officer.json(&["contact", "show", &second_ref.to_lowercase()]);
    let second_id = text(&shown, "/contact/id").to_owned();
    assert_eq!(shown["contact"]["repeat_location"], true);
    assert_eq!(text(&shown, "/nearby/0/contact_id"), first_id);
    // A long list is cut to the newest rows, saying how many more there are.
    let listed = officer.ok(&["contact", "list", "--limit", "1"]);
    assert!(listed.contains(&second_ref), "{listed}");
    assert!(listed.contains("1 more not shown"), "{listed}");
    let listed = officer.ok(&["contact", "list", "--all"]);
    assert!(!listed.contains("more not shown"), "{listed}");

    // The promise is owed, not yet overdue, and shown in the plain list with when it is due.
    let owed = officer.json(&["followups"]);
    let owed = owed.as_array().expect("a list");
    assert_eq!(owed.len(), 1);
    assert_eq!(text(&owed[0], "/follow_up/id"), follow_up_id);
    assert_eq!(owed[0]["overdue"], false);
    let owed_text = officer.ok(&["followups"]);
    assert!(
        owed_text.contains("Ask the council about the lane lighting"),
        "{owed_text}"
    );
    assert!(
        owed_text.contains("due in 3d 0h") || owed_text.contains("due in 2d 23h"),
        "{owed_text}"
    );

    // Search finds the note, with the word marked.
    let hits = officer.json(&["search", "gate garages"]);
    let hits = hits.as_array().expect("a list");
    let note_hit = hits
        .iter()
        .find(|h| h["kind"] == "note")
        .unwrap_or_else(|| panic!("no note hit in {hits:?}"));
    assert_eq!(text(note_hit, "/record_id"), note_id);
    assert!(
        text(note_hit, "/snippet").contains("[garages]"),
        "{note_hit}"
    );

    // Ending without the value assessment is refused, clearly, and the patrol stays open.
    let stderr = officer.fails(2, &["patrol", "end"]);
    assert!(
        stderr.contains("error: a patrol cannot close without its value assessment"),
        "{stderr}"
    );
    assert!(
        stderr.contains("--purpose-met"),
        "the hint names the flags: {stderr}"
    );
    let stderr = officer.fails(2, &["patrol", "end", "--rating", "4"]);
    assert!(
        stderr.contains("also needs --purpose-met and --summary"),
        "{stderr}"
    );
    let open = officer.json(&["patrol", "list", "--open"]);
    assert_eq!(open.as_array().map(Vec::len), Some(1));

    // With it, the patrol closes.
    let ended = officer.json(&[
        "patrol",
        "end",
        "--purpose-met",
        "partly",
        "--rating",
        "4",
        "--summary",
        "Spoke to residents; lighting raised with the council",
    ]);
    assert_eq!(text(&ended, "/id"), patrol_id);
    assert!(!ended["ended_at"].is_null());
    assert_eq!(text(&ended, "/assessment/purpose_met"), "partly");
    assert_eq!(ended["assessment"]["value_rating"], 4);
    let shown = officer.ok(&["patrol", "show", &patrol_id[..13]]);
    assert!(
        shown.contains("Side gate at the garages forced again"),
        "{shown}"
    );

    // `today` has it all.
    let today = officer.json(&["today"]);
    assert_eq!(today["patrols"].as_array().map(Vec::len), Some(1));
    assert_eq!(today["notes"].as_array().map(Vec::len), Some(1));
    assert_eq!(today["contacts"].as_array().map(Vec::len), Some(2));

    // Export writes CSV without personal details, and is logged as a disclosure.
    let csv_path = officer.path("export.csv");
    let done = officer.ok(&[
        "export",
        "contacts",
        "--from",
        "2000-01-01",
        "--to",
        "2100-12-31",
        "--justification",
        "LAP monthly report",
        "--out",
        path_str(&csv_path),
        "--excel",
    ]);
    assert!(done.contains("Exported 2 contacts"), "{done}");
    let csv = std::fs::read_to_string(&csv_path).expect("csv written");
    let csv = csv
        .strip_prefix('\u{feff}')
        .expect("--excel starts with a BOM");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(
        lines[0].starts_with("id,occurred_at_local,lat,lon,lsoa_code"),
        "{csv}"
    );
    assert!(csv.contains(&first_id) && csv.contains(&second_id), "{csv}");
    assert!(!csv.contains(NAME) && !csv.contains(PHONE), "{csv}");
    let audit = officer.json(&["audit"]);
    let disclosure = audit
        .as_array()
        .expect("a list")
        .iter()
        .find(|e| e["action"] == "disclosure")
        .unwrap_or_else(|| panic!("no disclosure in {audit}"));
    assert_eq!(text(disclosure, "/justification"), "LAP monthly report");
    assert_eq!(text(disclosure, "/user_id"), my_id);
    // Only the latest entries unless asked: the log only grows.
    let everything = officer.json(&["audit", "--all"]);
    let latest = officer.json(&["audit", "--limit", "2"]);
    let seqs = |v: &serde_json::Value| -> Vec<u64> {
        v.as_array()
            .map(|a| a.iter().filter_map(|e| e["seq"].as_u64()).collect())
            .unwrap_or_default()
    };
    let all_seqs = seqs(&everything);
    assert!(all_seqs.len() > 2, "{everything}");
    assert_eq!(seqs(&latest), all_seqs[all_seqs.len() - 2..].to_vec());
    let latest_text = officer.ok(&["audit", "--limit", "2"]);
    assert!(
        latest_text.contains(&format!("The latest 2 of {} entries", all_seqs.len())),
        "{latest_text}"
    );
    let audit_text = officer.ok(&["audit"]);
    assert!(audit_text.contains("disclosure"), "{audit_text}");
    assert!(
        !audit_text.contains(NAME) && !audit_text.contains(PHONE),
        "{audit_text}"
    );

    // Only `contact personal` shows the details, and that look is logged with its reason.
    let details = officer.ok(&[
        "contact",
        "personal",
        &first_id,
        "--justification",
        "Calling back about the lighting",
    ]);
    assert!(
        details.contains(NAME) && details.contains(PHONE),
        "{details}"
    );
    let shown = officer.ok(&["contact", "show", &first_id]);
    assert!(!shown.contains(NAME) && !shown.contains(PHONE), "{shown}");
    let trail = officer.json(&["audit", "--record", &first_id]);
    let looked = trail
        .as_array()
        .expect("a list")
        .iter()
        .find(|e| e["action"] == "consultation")
        .unwrap_or_else(|| panic!("no consultation in {trail}"));
    assert_eq!(
        text(looked, "/justification"),
        "Calling back about the lighting"
    );

    // Answering the promise clears it.
    officer.ok(&[
        "followup",
        "answer",
        &follow_up_id,
        "--outcome",
        "Council booked a repair",
    ]);
    assert_eq!(
        officer.json(&["followups"]).as_array().map(Vec::len),
        Some(0)
    );
}

#[test]
fn a_problem_moves_by_request_and_only_a_supervisor_decides() {
    let officer = Officer::set_up();
    let problem = officer.json(&[
        "problem",
        "open",
        "--title",
        "Garage burglaries",
        "--category",
        "burglary",
        "--lsoa",
        "E01990002",
        "--summary",
        "Five break-ins since May via the rear lane",
    ]);
    let id = text(&problem, "/id").to_owned();
    assert_eq!(text(&problem, "/stage"), "scanning");
    let analysed = officer.json(&[
        "problem",
        "analyse",
        &id,
        "--location",
        "Unlit rear lane",
        "--repeat",
        "den",
    ]);
    assert_eq!(text(&analysed, "/triangle_location"), "Unlit rear lane");
    // Sides left out keep their value.
    let analysed = officer.json(&["problem", "analyse", &id, "--manager", "Council housing"]);
    assert_eq!(text(&analysed, "/triangle_location"), "Unlit rear lane");
    assert_eq!(analysed["repeat_types"], serde_json::json!(["den"]));

    let stderr = officer.fails(2, &["problem", "request", &id, "--to", "response"]);
    assert!(stderr.contains("stages cannot be skipped"), "{stderr}");
    let request = officer.json(&["problem", "request", &id, "--to", "analysis"]);
    let request_id = text(&request, "/id").to_owned();
    let listed = officer.json(&["problem", "list", "--lap", "LAP-NV"]);
    assert_eq!(text(&listed, "/stages/0/problems/0/id"), id);
    assert_eq!(text(&listed, "/pending_requests/0/id"), request_id);

    let stderr = officer.fails(2, &["problem", "approve", &request_id]);
    assert!(stderr.contains("only a supervisor can do this"), "{stderr}");
    let shown = officer.ok(&["problem", "show", &id]);
    assert!(shown.contains("Scanning since"), "{shown}");
    assert!(shown.contains("scanning → analysis"), "{shown}");
}

#[test]
fn a_wrong_key_is_refused_with_exit_code_3() {
    let officer = Officer::set_up();
    let other = officer.path("someone-else.key");
    officer.ok(&["keygen", "--out", path_str(&other)]);
    let mut cmd = officer.command(&["today"]);
    cmd.env("BEATBOOK_KEY_FILE", &other);
    let run = Officer::run_command(cmd);
    assert_eq!(run.code, Some(3), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("error: the store key is wrong, or the file is not a Beatbook store"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());

    // The key given in BEATBOOK_KEY instead of a file works, and a malformed one is refused.
    let hex = std::fs::read_to_string(officer.key()).expect("key");
    let mut cmd = officer.command(&["whoami"]);
    cmd.env_remove("BEATBOOK_KEY_FILE")
        .env("BEATBOOK_KEY", hex.trim());
    assert_eq!(Officer::run_command(cmd).code, Some(0));
    let mut cmd = officer.command(&["whoami"]);
    cmd.env_remove("BEATBOOK_KEY_FILE")
        .env("BEATBOOK_KEY", "not-a-key");
    let run = Officer::run_command(cmd);
    assert_eq!(run.code, Some(3));
    assert!(
        run.stderr
            .contains("BEATBOOK_KEY does not hold a store key"),
        "{}",
        run.stderr
    );

    // No key at all says how to give one.
    let mut cmd = officer.command(&["whoami"]);
    cmd.env_remove("BEATBOOK_KEY_FILE");
    let run = Officer::run_command(cmd);
    assert_eq!(run.code, Some(3));
    assert!(
        run.stderr.contains("no store key was given"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--key-file"), "{}", run.stderr);
}

#[test]
fn the_key_cannot_be_given_on_the_command_line() {
    let officer = Officer::set_up();
    let hex = std::fs::read_to_string(officer.key()).expect("key");
    let hex = hex.trim();
    for flag in ["--key", "--store-key", "--password"] {
        let stderr = officer.fails(2, &[flag, hex, "today"]);
        assert!(
            stderr.contains(&format!("unexpected argument '{flag}'")),
            "{stderr}"
        );
        assert!(!stderr.contains(hex), "the key is not echoed: {stderr}");
    }
    let stderr = officer.fails(3, &["--key-file", hex, "today"]);
    assert!(
        stderr.contains("takes the path of a key file, not the key"),
        "{stderr}"
    );
    assert!(!stderr.contains(hex), "the key is not echoed: {stderr}");
    let help = officer.ok(&["--help"]);
    assert!(!help.contains("--key <"), "{help}");
    assert!(help.contains("--key-file <PATH>"), "{help}");
}

#[test]
fn before_init_commands_say_how_to_set_up_and_touch_nothing() {
    let officer = Officer::new();
    officer.ok(&["keygen", "--out", path_str(&officer.key())]);
    let stderr = officer.fails(2, &["patrol", "list"]);
    assert!(stderr.contains("error: there is no store at"), "{stderr}");
    assert!(stderr.contains("beatbook init"), "{stderr}");
    assert!(!officer.path("beatbook.db").exists());

    // A failed init (bad boundaries) leaves no half-made store.
    let bad = officer.path("bad.geojson");
    std::fs::write(&bad, "{\"type\": \"Feature\"}").expect("write");
    let stderr = officer.fails(
        2,
        &[
            "init",
            "--name",
            "PCSO Sam Patel",
            "--role",
            "pcso",
            "--team",
            "Northvale NPT",
            "--areas",
            path_str(&bad),
        ],
    );
    assert!(stderr.contains("FeatureCollection"), "{stderr}");
    assert!(!officer.path("beatbook.db").exists());

    // A store belongs to one person.
    officer.ok(&[
        "init",
        "--name",
        "PCSO Sam Patel",
        "--role",
        "pcso",
        "--team",
        "Northvale NPT",
    ]);
    let stderr = officer.fails(
        2,
        &[
            "init",
            "--name",
            "Someone Else",
            "--role",
            "officer",
            "--team",
            "Northvale NPT",
        ],
    );
    assert!(
        stderr.contains("already set up for PCSO Sam Patel"),
        "{stderr}"
    );
}

#[test]
fn mistakes_get_one_clear_line_and_the_right_exit_code() {
    let officer = Officer::set_up();
    // Personal details without consent: refused by the store's rule, nothing recorded.
    let stderr = officer.fails(
        2,
        &[
            "contact",
            "add",
            "--lat",
            LAT,
            "--lon",
            LON,
            "--method",
            "door_knock",
            "--audience",
            "resident",
            "--name",
            NAME,
        ],
    );
    assert!(
        stderr.starts_with("error: personal details can only be recorded with consent"),
        "{stderr}"
    );
    assert!(!stderr.contains(NAME), "{stderr}");
    assert_eq!(
        officer.json(&["contact", "list"]).as_array().map(Vec::len),
        Some(0)
    );

    // An unknown code lists the codes.
    let stderr = officer.fails(
        2,
        &[
            "contact",
            "add",
            "--lat",
            LAT,
            "--lon",
            LON,
            "--method",
            "knock",
            "--audience",
            "resident",
        ],
    );
    assert!(stderr.contains("door_knock"), "{stderr}");

    // An empty purpose, an unknown id, a too-short id.
    let stderr = officer.fails(2, &["patrol", "start", "--lap", "LAP-NV", "--purpose", " "]);
    assert!(
        stderr.starts_with("error: --purpose is required"),
        "{stderr}"
    );
    let stderr = officer.fails(
        4,
        &["contact", "show", "01234567-89ab-7def-8123-456789abcdef"],
    );
    assert!(stderr.contains("not found"), "{stderr}");
    let stderr = officer.fails(2, &["contact", "show", "0123"]);
    assert!(stderr.contains("first 8 or more characters"), "{stderr}");
    let stderr = officer.fails(2, &["patrol", "end"]);
    assert!(stderr.contains("you have no open patrol"), "{stderr}");
}

#[test]
fn help_walks_a_newcomer_through_a_shift_in_order() {
    let help = Officer::new().ok(&["--help"]);
    let steps = [
        "beatbook keygen",
        "beatbook init",
        "beatbook patrol start",
        "beatbook note add",
        "beatbook contact add",
        "beatbook search",
        "beatbook today",
        "beatbook patrol end",
        "beatbook followup answer",
        "beatbook export contacts",
        "beatbook audit",
    ];
    let mut at = 0;
    for step in steps {
        let found = help[at..]
            .find(step)
            .unwrap_or_else(|| panic!("{step} missing or out of order"));
        at += found + step.len();
    }
    for exit in ["2 wrong usage", "3 store key", "4 record not found"] {
        assert!(help.contains(exit), "{exit}");
    }
}
