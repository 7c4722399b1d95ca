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
