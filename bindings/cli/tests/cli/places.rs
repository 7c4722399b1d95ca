//! Places as people give them, in the terminal client: a phone, online or letter contact is
//! recorded with `--lsoa`, `--lap` or neither and no `--lat/--lon`; listings show its area; a
//! face-to-face contact without a place is refused naming the options that fix it.

use crate::shift::Officer;

#[test]
fn a_phone_contact_takes_an_lsoa_a_lap_or_nothing_and_lists_its_area() {
    let officer = Officer::set_up();
    let base = ["contact", "add", "--audience", "resident"];
    let with = |extra: &[&'static str]| {
        let mut args: Vec<&str> = base.to_vec();
        args.extend_from_slice(extra);
        args
    };

    let by_lsoa = officer.json(&with(&["--method", "phone", "--lsoa", "e01990002"]));
    assert!(by_lsoa["contact"]["place"].is_null());
    assert_eq!(by_lsoa["contact"]["lsoa_code"], "E01990002");
    assert_eq!(by_lsoa["contact"]["lap_code"], "LAP-NV", "the LSOA's LAP");

    let by_lap = officer.ok(&with(&["--method", "letter", "--lap", "lap-sm"]));
    assert!(by_lap.contains("no place (letter); LAP LAP-SM"), "{by_lap}");

    let nothing = officer.ok(&with(&["--method", "online"]));
    assert!(
        nothing.contains("no place or area given (online)"),
        "{nothing}"
    );

    let list = officer.ok(&["contact", "list"]);
    assert!(list.contains("AREA"), "{list}");
    assert!(list.contains("E01990002"), "{list}");
    assert!(list.contains("LAP-SM"), "{list}");
    assert_eq!(
        officer.json(&["contact", "list"]).as_array().map(Vec::len),
        Some(3)
    );
}

#[test]
fn a_face_to_face_contact_without_a_place_names_the_options_that_fix_it() {
    let officer = Officer::set_up();
    let stderr = officer.fails(
        2,
        &[
            "contact",
            "add",
            "--method",
            "door_knock",
            "--audience",
            "resident",
            "--lsoa",
            "E01990002",
        ],
    );
    assert!(
        stderr.starts_with("error: the place (--lat and --lon) is required for a door_knock"),
        "{stderr}"
    );
    // An LSOA that is not loaded names the closest; a LAP with a place is refused by clap.
    let stderr = officer.fails(
        2,
        &[
            "contact",
            "add",
            "--method",
            "phone",
            "--audience",
            "resident",
            "--lsoa",
            "E01999999",
        ],
    );
    assert!(stderr.contains("--lsoa"), "{stderr}");
    assert!(stderr.contains("closest"), "{stderr}");
    let stderr = officer.fails(
        2,
        &[
            "contact",
            "add",
            "--method",
            "phone",
            "--audience",
            "resident",
            "--lat",
            "52.445",
            "--lon",
            "-1.51",
            "--lap",
            "LAP-NV",
        ],
    );
    assert!(stderr.contains("--lap"), "{stderr}");
    assert_eq!(
        officer.json(&["contact", "list"]).as_array().map(Vec::len),
        Some(0)
    );
}
