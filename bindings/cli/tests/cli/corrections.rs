//! Corrections through the built `beatbook` binary: a patrol's start and purpose amended, a
//! note corrected by an amending note that takes its place in `patrol show` while `note show`
//! keeps the original, a contact and its promise corrected, and a patrol cancelled so that it
//! is no longer the open patrol; refusals (a future start, nothing to correct, no reason) say
//! what to do and change nothing.

use super::shift::{text, Officer, LAT, LON};
use chrono::{Duration, SecondsFormat, Utc};

fn time(at: chrono::DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[test]
fn a_shift_corrected_with_reasons() {
    let officer = Officer::set_up();
    let patrol = officer.json(&[
        "patrol",
        "start",
        "--lap",
        "LAP-NV",
        "--purpose",
        "Reassurance",
    ]);
    let patrol_id = text(&patrol, "/id").to_owned();
    let note = officer.json(&["note", "add", "Gate open at no. 12"]);
    let note_id = text(&note, "/id").to_owned();

    // Refusals change nothing.
    let tomorrow = time(Utc::now() + Duration::days(1));
    let stderr = officer.fails(
        2,
        &[
            "patrol", "amend", &patrol_id, "--reason", "Later", "--at", &tomorrow,
        ],
    );
    assert!(stderr.contains("future"), "{stderr}");
    let stderr = officer.fails(2, &["patrol", "amend", &patrol_id, "--reason", "Nothing"]);
    assert!(stderr.contains("nothing to correct"), "{stderr}");
    assert!(stderr.contains("--purpose"), "{stderr}");
    let stderr = officer.fails(
        2,
        &[
            "patrol",
            "amend",
            &patrol_id,
            "--reason",
            " ",
            "--purpose",
            "X",
        ],
    );
    assert!(stderr.contains("reason"), "{stderr}");
    let shown = officer.json(&["patrol", "show", &patrol_id]);
    assert_eq!(text(&shown, "/patrol/purpose"), "Reassurance");

    // The start and purpose corrected, with the reason.
    let earlier = Utc::now() - Duration::hours(1);
    let out = officer.ok(&[
        "patrol",
        "amend",
        &patrol_id,
        "--reason",
        "Started before I opened the app",
        "--at",
        &time(earlier),
        "--purpose",
        "Reassurance on Elm Row",
    ]);
    assert!(
        out.contains("Reason: Started before I opened the app")
            || out.contains("Started before I opened the app"),
        "{out}"
    );
    let shown = officer.json(&["patrol", "show", &patrol_id]);
    assert_eq!(text(&shown, "/patrol/purpose"), "Reassurance on Elm Row");
    assert_eq!(
        text(&shown, "/patrol/correction_reason"),
        "Started before I opened the app"
    );

    // A note corrected: the amending note takes its place in the patrol's notes.
    let amended = officer.json(&[
        "note",
        "amend",
        &note_id,
        "--reason",
        "Wrong house number",
        "Gate open at no. 14",
    ]);
    assert_eq!(text(&amended, "/amends"), note_id);
    let shown = officer.json(&["patrol", "show", &patrol_id]);
    let texts: Vec<&str> = shown["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .map(|n| text(n, "/text"))
        .collect();
    assert_eq!(texts, vec!["Gate open at no. 14"]);
    let history = officer.ok(&["note", "show", &note_id]);
    assert!(history.contains("Gate open at no. 12"), "{history}");
    assert!(history.contains("(corrected)"), "{history}");
    assert!(history.contains("Wrong house number"), "{history}");

    // A contact and its promise corrected together.
    let contact = officer.json(&[
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
        "--promised",
        "Ring back",
    ]);
    let contact_id = text(&contact, "/contact/id").to_owned();
    let follow_up_id = text(&contact, "/follow_up/id").to_owned();
    officer.ok(&[
        "contact",
        "amend",
        &contact_id,
        "--reason",
        "It was a phone call",
        "--method",
        "phone",
        "--people",
        "2",
        "--promised",
        "Ring back about the street lighting",
    ]);
    let shown = officer.json(&["contact", "show", &contact_id]);
    assert_eq!(text(&shown, "/contact/method"), "phone");
    assert_eq!(shown["contact"]["people_count"], 2);
    let owed = officer.json(&["followups"]);
    let promise = owed
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|f| text(f, "/follow_up/id") == follow_up_id)
        })
        .map(|f| text(f, "/follow_up/promise").to_owned());
    assert_eq!(
        promise.as_deref(),
        Some("Ring back about the street lighting")
    );
    officer.ok(&[
        "followup",
        "amend",
        &follow_up_id,
        "--reason",
        "Agreed next week",
        "--due",
        &time(Utc::now() + Duration::days(7)),
    ]);

    // Cancelled: no longer the open patrol, so a new note links to none.
    let out = officer.ok(&[
        "patrol",
        "cancel",
        &patrol_id,
        "--reason",
        "Started by mistake",
    ]);
    assert!(out.contains("Cancelled patrol"), "{out}");
    assert_eq!(
        officer
            .json(&["patrol", "list", "--open"])
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    let later = officer.json(&["note", "add", "Lights out on the footpath"]);
    assert!(later["patrol_id"].is_null(), "{later}");
    let audit = officer.ok(&["audit"]);
    assert!(audit.contains("Started by mistake"), "{audit}");
}
