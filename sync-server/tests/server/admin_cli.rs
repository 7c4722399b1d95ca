//! The admin command line as an administrator types it: people, teams and devices by name.

use std::path::Path;

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn admin(dir: &Path, args: &[&str]) -> Run {
    let out = crate::common::server_command()
        .args(["admin", "--data"])
        .arg(dir)
        .args(args)
        .output()
        .expect("the admin command runs");
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn an_administrator_names_teams_and_people_instead_of_typing_ids() {
    let dir = crate::common::private_tempdir();
    let team = admin(dir.path(), &["create-team", "--name", "Northvale NPT"]);
    assert!(team.ok, "{}", team.stderr);
    for (name, role) in [("PCSO Sam Demo", "pcso"), ("PCSO Alex Demo", "pcso")] {
        let user = admin(
            dir.path(),
            &[
                "create-user",
                "--name",
                name,
                "--role",
                role,
                "--team",
                "northvale",
            ],
        );
        assert!(user.ok, "{}", user.stderr);
    }
    let code = admin(dir.path(), &["enrol-code", "--user", "sam demo"]);
    assert!(code.ok, "{}", code.stderr);
    assert!(code.stderr.contains("PCSO Sam Demo"), "{}", code.stderr);
    assert_eq!(code.stdout.len(), 10, "a one-time code: {}", code.stdout);

    // Two people answer to "pcso": refused, both named, nothing issued.
    let ambiguous = admin(dir.path(), &["enrol-code", "--user", "pcso"]);
    assert!(!ambiguous.ok);
    assert!(
        ambiguous.stderr.contains("PCSO Sam Demo") && ambiguous.stderr.contains("PCSO Alex Demo"),
        "{}",
        ambiguous.stderr
    );
    assert!(ambiguous.stdout.is_empty(), "{}", ambiguous.stdout);
    let unknown = admin(
        dir.path(),
        &[
            "create-user",
            "--name",
            "X",
            "--role",
            "pcso",
            "--team",
            "southvale",
        ],
    );
    assert!(!unknown.ok);
    assert!(unknown.stderr.contains("southvale"), "{}", unknown.stderr);
}

#[test]
fn the_retention_schedule_is_set_from_the_command_line_and_refused_with_the_rule_broken() {
    let dir = crate::common::private_tempdir();
    let set = admin(
        dir.path(),
        &["retention", "set", "--kind", "contact", "--days", "365"],
    );
    assert!(set.ok, "{}", set.stderr);
    assert!(
        set.stdout
            .contains("contact           review 365 days after"),
        "{}",
        set.stdout
    );

    // Personal details kept longer than their contact: refused, naming the field.
    let longer = admin(
        dir.path(),
        &[
            "retention",
            "set",
            "--kind",
            "contact_personal",
            "--days",
            "400",
        ],
    );
    assert!(!longer.ok);
    assert!(
        longer.stderr.contains("review_after_days.contact_personal"),
        "{}",
        longer.stderr
    );
    let unknown = admin(
        dir.path(),
        &["retention", "set", "--kind", "pocketbook", "--days", "1"],
    );
    assert!(!unknown.ok);
    assert!(unknown.stderr.contains("pocketbook"), "{}", unknown.stderr);
    let notice = admin(dir.path(), &["retention", "notice", "--days", "400"]);
    assert!(!notice.ok);
    assert!(notice.stderr.contains("notice_days"), "{}", notice.stderr);

    let shown = admin(dir.path(), &["retention", "show"]);
    assert!(shown.ok, "{}", shown.stderr);
    assert!(shown.stdout.contains("review 365 days"), "{}", shown.stdout);
    assert!(
        shown.stdout.contains("contact_personal  not scheduled"),
        "{}",
        shown.stdout
    );
    let swept = admin(dir.path(), &["retention", "sweep"]);
    assert!(swept.ok, "{}", swept.stderr);
    assert!(
        swept.stdout.contains("contact           0"),
        "{}",
        swept.stdout
    );
    let due = admin(dir.path(), &["retention", "due"]);
    assert!(
        due.ok && due.stdout.contains("Nothing is due"),
        "{}",
        due.stdout
    );

    // Erasing a record the server does not hold: a clear error, nothing written.
    let erase = admin(
        dir.path(),
        &[
            "erase",
            "--kind",
            "note",
            "--id",
            "n-none",
            "--reason",
            "Court order",
            "--as",
            "Avery Admin",
        ],
    );
    assert!(!erase.ok);
    assert!(erase.stderr.contains("no note n-none"), "{}", erase.stderr);
    let kind = admin(
        dir.path(),
        &["erase", "--kind", "team", "--id", "t", "--reason", "x"],
    );
    assert!(!kind.ok);
    assert!(
        kind.stderr.contains("not erased this way"),
        "{}",
        kind.stderr
    );
}
