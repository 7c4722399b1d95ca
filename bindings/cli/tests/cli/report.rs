//! `beatbook report` through the built binary: the framework figures for a period and an area,
//! as tables and as JSON, and its flags' mistakes refused with exit code 2.

use serde_json::Value;
use std::process::{Command, Output};
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_beatbook");
const DEMO_AREAS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../core/tests/fixtures/demo_areas.geojson"
);

/// Runs `beatbook ARGS` with this folder's key and store, in UTC; returns (exit code, stdout,
/// stderr).
fn run(dir: &TempDir, args: &[&str]) -> (Option<i32>, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(BIN)
        .current_dir(dir.path())
        .env_remove("BEATBOOK_KEY")
        .env("BEATBOOK_KEY_FILE", dir.path().join("k.key"))
        .env("BEATBOOK_STORE", dir.path().join("b.db"))
        .env("TZ", "UTC")
        .args(args)
        .output()
        .expect("run beatbook");
    (
        status.code(),
        String::from_utf8(stdout).expect("utf-8"),
        String::from_utf8(stderr).expect("utf-8"),
    )
}

fn ok(dir: &TempDir, args: &[&str]) -> String {
    let (code, out, err) = run(dir, args);
    assert_eq!(code, Some(0), "{args:?}\n{out}\n{err}");
    out
}

fn json(dir: &TempDir, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&ok(dir, &all)).expect("json")
}

#[test]
fn the_report_shows_every_figure_for_a_period_and_an_area() {
    let dir = tempfile::tempdir().expect("dir");
    let key = dir.path().join("k.key");
    ok(&dir, &["keygen", "--out", key.to_str().expect("path")]);
    ok(
        &dir,
        &[
            "init",
            "--name",
            "PCSO Sam Patel",
            "--role",
            "pcso",
            "--team",
            "Northvale NPT",
            "--lap",
            "LAP-NV",
            "--areas",
            DEMO_AREAS,
        ],
    );
    // A 2 h foot patrol in LSOA E01990002 on 2 March, from 11:00 to 13:00.
    ok(
        &dir,
        &[
            "patrol",
            "start",
            "--lsoa",
            "E01990002",
            "--purpose",
            "Reassurance",
            "--at",
            "2026-03-02T11:00:00Z",
        ],
    );
    ok(
        &dir,
        &[
            "patrol",
            "end",
            "--purpose-met",
            "yes",
            "--rating",
            "4",
            "--summary",
            "Spoke to 3",
            "--at",
            "2026-03-02T13:00:00Z",
        ],
    );
    let march = ["report", "--from", "2026-03-01", "--to", "2026-03-31"];
    let mut in_lap = march.to_vec();
    in_lap.extend(["--lap", "LAP-NV"]);
    let r = json(&dir, &in_lap);
    assert_eq!(r["patrol_hours"]["hours"], 2.0);
    assert_eq!(r["patrol_hours"]["by_kind"][0]["kind"], "foot");
    assert_eq!(r["patrol_hours"]["by_kind"][0]["patrols"], 1);
    assert_eq!(r["value_assessments"][0]["ratings"][3], 1);
    assert_eq!(r["query"]["area"]["kind"], "lap");
    // Another LAP's report has none of it; the period ends before 2 March: none either.
    let mut elsewhere = march.to_vec();
    elsewhere.extend(["--lap", "LAP-SM"]);
    assert_eq!(json(&dir, &elsewhere)["patrol_hours"]["patrols"], 0);
    let early = json(
        &dir,
        &["report", "--from", "2026-02-01", "--to", "2026-03-01"],
    );
    assert_eq!(early["patrol_hours"]["patrols"], 0);

    let text = ok(&dir, &in_lap);
    for heading in [
        "Performance report, 2026-03-01 00:00 UTC to 2026-04-01 00:00 UTC, LAP LAP-NV",
        "Visible patrol hours: 2.0 in 1 patrol, 2.0 person-hours",
        "Engagement: 0 contacts",
        "Promises to the public",
        "SARA problems",
        "Citizens in Policing volunteer hours",
        "Value assessments",
        "Priority areas by Clear-Hold-Build phase",
    ] {
        assert!(text.contains(heading), "missing {heading:?} in\n{text}");
    }
    assert!(text.contains("Northvale 001B (E01990002)"), "{text}");

    // One area at a time; a bad LSOA code is a usage error; the old counts still work.
    let (code, _, err) = run(&dir, &["report", "--lap", "LAP-NV", "--lsoa", "E01990002"]);
    assert_eq!(code, Some(2), "{err}");
    let (code, _, err) = run(&dir, &["report", "--lsoa", "nowhere"]);
    assert_eq!(code, Some(2), "{err}");
    let (code, _, err) = run(&dir, &["report", "--team", "No Such Team"]);
    assert_eq!(code, Some(4), "{err}");
    ok(&dir, &["report", "contacts", "--by", "lsoa"]);
}
