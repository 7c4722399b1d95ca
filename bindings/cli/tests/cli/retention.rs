//! `beatbook retention` and the erasure of patrols, problems and follow-ups, through the built
//! binary: a sergeant sees the schedule (nothing until the administrator sets one) and an
//! empty review list, keeps a note with a reason, disposes of one, applies the schedule on the
//! device, and erases a patrol, a problem and a follow-up; a PCSO has no review list and
//! cannot erase. Shown problems naming people are logged as consultations.

use crate::shift::{text, Officer, LAT, LON};
use serde_json::Value;

fn note(officer: &Officer, words: &str) -> String {
    let note = officer.json(&["note", "add", words, "--lat", LAT, "--lon", LON]);
    text(&note, "/id").to_owned()
}

fn audit_of(officer: &Officer, id: &str) -> Vec<Value> {
    let log = officer.json(&["audit", "--record", id]);
    log.as_array()
        .cloned()
        .or_else(|| log["entries"].as_array().cloned())
        .unwrap_or_default()
}

#[test]
fn a_sergeant_reviews_retains_disposes_and_erases_from_the_terminal() {
    let kim = Officer::set_up_as("Sgt Kim Hollis", "supervisor");

    let shown = kim.ok(&["retention", "show"]);
    assert!(shown.contains("Nothing is scheduled"), "{shown}");
    assert_eq!(kim.json(&["retention", "due"]), Value::Array(vec![]));
    let applied = kim.json(&["retention", "apply"]);
    assert_eq!(
        (applied["redacted"].as_u64(), applied["erased"].as_u64()),
        (Some(0), Some(0))
    );

    // Keep a note until a new review date, with the reason.
    let kept = note(&kim, "Garage side gate forced");
    let until = (chrono::Utc::now() + chrono::Duration::days(90))
        .format("%Y-%m-%d")
        .to_string();
    let review = kim.json(&[
        "retention",
        "retain",
        "note",
        &kept,
        "--until",
        &until,
        "--reason",
        "Linked to the garage burglary series",
    ]);
    assert_eq!(text(&review, "/record_kind"), "note");
    assert_eq!(
        text(&review, "/reason"),
        "Linked to the garage burglary series"
    );
    let past = kim.fails(
        2,
        &[
            "retention",
            "retain",
            "note",
            &kept,
            "--until",
            "2020-01-01",
            "--reason",
            "Too late",
        ],
    );
    assert!(past.contains("review"), "{past}");
    let unknown_kind = kim.fails(
        2,
        &[
            "retention",
            "retain",
            "pocketbook",
            &kept,
            "--until",
            &until,
            "--reason",
            "x",
        ],
    );
    assert!(unknown_kind.contains("contact-personal"), "{unknown_kind}");

    // Dispose of another at review.
    let gone = note(&kim, "Recorded twice by mistake");
    let out = kim.ok(&[
        "retention",
        "dispose",
        "note",
        &gone,
        "--reason",
        "Duplicate note",
    ]);
    assert!(out.contains("Disposed of note"), "{out}");
    kim.fails(4, &["note", "show", &gone]);
    let erasures: Vec<Value> = audit_of(&kim, &gone)
        .into_iter()
        .filter(|e| e["action"] == "erasure")
        .collect();
    assert_eq!(erasures.len(), 1, "{erasures:?}");
    assert_eq!(erasures[0]["detail"], "disposal at review");

    // Erase a patrol, a problem and a follow-up, spelled as `contact erase` is.
    let patrol = kim.json(&[
        "patrol",
        "start",
        "--kind",
        "foot",
        "--lap",
        "LAP-NV",
        "--purpose",
        "Started by mistake",
    ]);
    let patrol_id = text(&patrol, "/id").to_owned();
    kim.fails(2, &["patrol", "erase", &patrol_id, "--reason", " "]);
    let erased = kim.json(&[
        "patrol",
        "erase",
        &patrol_id,
        "--reason",
        "Started by mistake",
    ]);
    assert_eq!(text(&erased, "/erased"), patrol_id);
    kim.fails(4, &["patrol", "show", &patrol_id]);

    let problem = kim.json(&[
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
    let problem_id = text(&problem, "/id").to_owned();
    let out = kim.ok(&["problem", "erase", &problem_id, "--reason", "Opened twice"]);
    assert!(out.contains("Erased problem"), "{out}");
    kim.fails(4, &["problem", "show", &problem_id]);

    let contact = kim.json(&[
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
        "--promised",
        "Call back about lighting",
    ]);
    let follow_up_id = text(&contact, "/follow_up/id").to_owned();
    let erased = kim.json(&[
        "followup",
        "erase",
        &follow_up_id,
        "--reason",
        "Promise recorded twice",
    ]);
    assert_eq!(text(&erased, "/erased"), follow_up_id);
    let contact_id = text(&contact, "/contact/id").to_owned();
    kim.ok(&["contact", "show", &contact_id]);

    // `today` applies the schedule first; with nothing scheduled the kept note stays.
    kim.ok(&["today"]);
    kim.ok(&["note", "show", &kept]);
}

#[test]
fn a_pcso_has_no_review_list_and_erases_nothing() {
    let sam = Officer::set_up();
    let denied = sam.fails(1, &["retention", "due"]);
    assert!(denied.contains("supervisor"), "{denied}");
    let kept = note(&sam, "Garage side gate forced");
    sam.fails(
        1,
        &[
            "retention",
            "retain",
            "note",
            &kept,
            "--until",
            "2099-01-01",
            "--reason",
            "Keep",
        ],
    );
    let patrol = sam.json(&[
        "patrol",
        "start",
        "--kind",
        "foot",
        "--lap",
        "LAP-NV",
        "--purpose",
        "Reassurance",
    ]);
    let refused = sam.fails(
        2,
        &[
            "patrol",
            "erase",
            text(&patrol, "/id"),
            "--reason",
            "Mistake",
        ],
    );
    assert!(refused.contains("supervisor"), "{refused}");
    sam.ok(&["patrol", "show", text(&patrol, "/id")]);
}

#[test]
fn showing_a_problem_that_names_an_offender_is_logged_as_a_consultation() {
    let sam = Officer::set_up();
    let problem = sam.json(&[
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
    sam.ok(&["problem", "show", &id]);
    let consulted = |sam: &Officer| {
        audit_of(sam, &id)
            .into_iter()
            .filter(|e| e["action"] == "consultation")
            .count()
    };
    assert_eq!(consulted(&sam), 0, "no corner names anyone yet");
    sam.ok(&[
        "problem",
        "analyse",
        &id,
        "--offender",
        "Jaxon Verrill-Pike",
    ]);
    let shown = sam.ok(&["problem", "show", &id]);
    assert!(shown.contains("Garage burglaries"), "{shown}");
    assert_eq!(consulted(&sam), 1);
    let log = serde_json::to_string(&audit_of(&sam, &id)).expect("json");
    assert!(!log.contains("Verrill"), "{log}");
}
