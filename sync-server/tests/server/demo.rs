//! `serve --demo` as a newcomer meets it (issue 13, "The demo flows"): the printed steps carry
//! the port the server really listens on (never port 0), and a restarted demo prints fresh
//! codes that enrol.

use crate::common::{serve_binary, KillOnDrop};
use std::io::{BufRead, BufReader};

/// Starts `serve --demo` on a free port and returns it with what it printed up to and
/// including its "listening on" line.
fn start_demo(data: &std::path::Path) -> (KillOnDrop, Vec<String>) {
    let mut server = KillOnDrop(
        serve_binary()
            // No key given: the demo makes its own (`storage::sqlite::key::demo_key`).
            .env_remove(beatbook_server::storage::sqlite::key::KEY_ENV)
            .args(["--demo", "--data"])
            .arg(data)
            .spawn()
            .expect("the server starts"),
    );
    let mut out = BufReader::new(server.0.stdout.take().expect("stdout"));
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        let read = out.read_line(&mut line).expect("read the server's output");
        assert!(read > 0, "the server ended early:\n{}", lines.join(""));
        lines.push(line.clone());
        if line.contains("listening on ") {
            return (server, lines);
        }
    }
}

fn url_of(lines: &[String]) -> String {
    lines
        .last()
        .and_then(|l| l.trim().rsplit(' ').next())
        .expect("the address")
        .to_owned()
}

/// The code on a user's line: `  NAME  ROLE  CODE   user ID`.
fn code_of(lines: &[String], name: &str) -> String {
    let line = lines
        .iter()
        .find(|l| l.starts_with(&format!("  {name} ")))
        .unwrap_or_else(|| panic!("no code line for {name}:\n{}", lines.concat()));
    let words: Vec<&str> = line.split_whitespace().collect();
    words[words.len() - 3].to_owned()
}

fn enrol(url: &str, code: &str) -> reqwest::StatusCode {
    crate::common::http_client()
        .build()
        .expect("client")
        .post(format!("{url}/v1/enrol"))
        .json(&serde_json::json!({"code": code, "device_name": "Demo phone"}))
        .send()
        .expect("enrol")
        .status()
}

#[test]
fn the_demo_prints_its_real_address_and_fresh_codes_on_a_restart() {
    let temp = tempfile::tempdir().expect("temp dir");
    // A directory the server makes itself (0700): it refuses one other users could read.
    let data = temp.path().join("server");
    let (first, lines) = start_demo(&data);
    let url = url_of(&lines);
    assert!(!url.ends_with(":0"), "{url}");
    let printed = lines.concat();
    assert!(
        printed.contains(&format!("beatbook enrol --server {url} --code")),
        "the steps name the real address:\n{printed}"
    );
    assert!(!printed.contains("127.0.0.1:0"), "{printed}");
    // No key was given: the demo made one, said where, and its store is encrypted with it.
    let key_file = data.join(beatbook_server::storage::sqlite::key::DEMO_KEY_FILE);
    assert!(
        printed.contains(&key_file.display().to_string()),
        "the demo says where its key is:\n{printed}"
    );
    assert!(!beatbook_server::storage::sqlite::keyed::is_plaintext(
        &data.join(beatbook_server::storage::sqlite::DB_FILE)
    )
    .expect("read the store"));
    let first_code = code_of(&lines, "PCSO Sam Demo");
    assert_eq!(enrol(&url, &first_code), reqwest::StatusCode::OK);
    drop(first);

    // The restart reuses the demo's key (a new one would not open the store).
    let (_second, lines) = start_demo(&data);
    let url = url_of(&lines);
    let printed = lines.concat();
    assert!(printed.contains("already seeded"), "{printed}");
    let again = code_of(&lines, "PCSO Sam Demo");
    assert_ne!(again, first_code, "a fresh code, not the used one");
    assert_eq!(enrol(&url, &again), reqwest::StatusCode::OK);
    assert!(
        printed.contains(&format!("beatbook enrol --server {url} --code")),
        "{printed}"
    );
}
