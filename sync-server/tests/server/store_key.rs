//! The embedded store's key as an operator meets it, through the binary: `admin
//! new-store-key` makes one; `serve` starts with it and refuses to start without it, with a
//! key file other users can read, or with the wrong key — each with a message that says what
//! to do, never a panic; a store from before encryption at rest is refused until `admin
//! encrypt-store` converts it, after which it serves with the key and keeps its records.

use crate::common::{private_tempdir, KillOnDrop};
use beatbook_server::storage::sqlite::key::KEY_ENV;
use beatbook_server::storage::sqlite::{keyed, DB_FILE};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The binary with no key in its environment (the harness's default key removed).
fn bare() -> Command {
    let mut command = crate::common::server_command();
    command
        .env_remove(KEY_ENV)
        .env_remove("BEATBOOK_STORE_KEY_FILE");
    command
}

fn admin(data: &Path, key_file: Option<&Path>, args: &[&str]) -> Output {
    let mut command = bare();
    command.arg("admin").arg("--data").arg(data);
    if let Some(file) = key_file {
        command.arg("--store-key-file").arg(file);
    }
    command.args(args).output().expect("run admin")
}

fn new_key(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let out = bare()
        .args(["admin", "new-store-key", "--out"])
        .arg(&path)
        .output()
        .expect("run new-store-key");
    assert!(out.status.success(), "{}", stderr(&out));
    path
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `serve` on `data` with `key_file`: `Ok` once it listens, `Err(stderr)` if it exits first.
fn serve(data: &Path, key_file: Option<&Path>) -> Result<KillOnDrop, String> {
    let mut command = bare();
    command.args([
        "serve",
        "--metrics-listen",
        "none",
        "--listen",
        "127.0.0.1:0",
        "--data",
    ]);
    command.arg(data);
    if let Some(file) = key_file {
        command.arg("--store-key-file").arg(file);
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn serve");
    let mut line = String::new();
    let stdout = child.stdout.take().expect("stdout");
    // The first line is "listening on", or nothing when the server exits first.
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read stdout");
    if line.contains("listening on") {
        return Ok(KillOnDrop(child));
    }
    let out = child.wait_with_output().expect("wait");
    assert!(
        !out.status.success(),
        "exited without listening but with success"
    );
    let message = stderr(&out);
    assert!(!message.contains("panicked"), "{message}");
    Err(message)
}

#[test]
fn serve_starts_with_its_key_and_refuses_none_a_shared_key_file_or_the_wrong_key() {
    let dir = private_tempdir();
    let data = dir.path().join("data");
    let none = serve(&data, None).err().expect("refused without a key");
    assert!(
        none.contains("no store key given") && none.contains("admin new-store-key"),
        "{none}"
    );

    let key = new_key(dir.path(), "store.key");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    drop(serve(&data, Some(&key)).expect("serves with its key"));
    let created = admin(
        &data,
        Some(&key),
        &["create-team", "--name", "Northvale NPT"],
    );
    assert!(created.status.success(), "{}", stderr(&created));
    assert!(!keyed::is_plaintext(&data.join(DB_FILE)).expect("read"));

    let other = new_key(dir.path(), "other.key");
    let wrong = serve(&data, Some(&other))
        .err()
        .expect("refused: wrong key");
    assert!(wrong.contains("not this store's key"), "{wrong}");
    let listed = admin(&data, Some(&other), &["list-users"]);
    assert!(!listed.status.success());
    assert!(
        stderr(&listed).contains("not this store's key"),
        "{}",
        stderr(&listed)
    );

    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    }
    let shared = serve(&data, Some(&key))
        .err()
        .expect("refused: shared key file");
    assert!(shared.contains("chmod 600"), "{shared}");

    // The key from the environment works as the file does, and never appears in the output.
    let hex = std::fs::read_to_string(&other).expect("key");
    let from_env = bare()
        .env(KEY_ENV, hex.trim())
        .args(["admin", "--data"])
        .arg(&data)
        .arg("list-users")
        .output()
        .expect("run");
    assert!(!from_env.status.success(), "still the wrong key");
    assert!(
        !stderr(&from_env).contains(hex.trim()),
        "the key is never shown"
    );
}

/// A plain store as a server from before encryption at rest left it: a team in plain SQLite.
fn plain_store(data: &Path) {
    std::fs::create_dir_all(data).expect("dir");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(data, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    }
    let keyed_dir = data.with_extension("keyed");
    let key = crate::common::store_key();
    let storage = beatbook_server::storage::SqliteStorage::open(&keyed_dir, &key).expect("a store");
    beatbook_server::admin::create_team(&storage, "Northvale NPT", None).expect("team");
    drop(storage);
    let conn = keyed::open(
        &keyed_dir.join(DB_FILE),
        &key,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_CREATE,
    )
    .expect("open");
    let plain = data.join(DB_FILE);
    conn.execute(
        "ATTACH DATABASE ?1 AS plain KEY ''",
        [plain.to_str().expect("utf-8")],
    )
    .expect("attach");
    conn.query_row("SELECT sqlcipher_export('plain')", [], |_| Ok(()))
        .expect("export");
    let version: i64 = conn
        .query_row("PRAGMA main.user_version", [], |r| r.get(0))
        .expect("version");
    conn.execute_batch(&format!(
        "PRAGMA plain.user_version = {version}; DETACH DATABASE plain"
    ))
    .expect("version");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&plain, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    assert!(keyed::is_plaintext(&plain).expect("read"));
}

#[test]
fn a_plain_store_is_refused_until_encrypt_store_converts_it() {
    let dir = private_tempdir();
    let data = dir.path().join("data");
    plain_store(&data);
    let key = new_key(dir.path(), "store.key");
    let refused = serve(&data, Some(&key))
        .err()
        .expect("a plain store is refused");
    assert!(
        refused.contains("unencrypted store") && refused.contains("encrypt-store"),
        "{refused}"
    );
    let encrypted = admin(&data, Some(&key), &["encrypt-store"]);
    assert!(encrypted.status.success(), "{}", stderr(&encrypted));
    assert!(!keyed::is_plaintext(&data.join(DB_FILE)).expect("read"));
    let raw = std::fs::read(data.join(DB_FILE)).expect("raw");
    assert!(
        !raw.windows(13).any(|w| w == b"Northvale NPT"),
        "no name in clear"
    );
    drop(serve(&data, Some(&key)).expect("serves once encrypted"));
    let listed = admin(&data, Some(&key), &["list-users"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    assert!(
        String::from_utf8_lossy(&listed.stdout).contains("Northvale NPT"),
        "the records came across"
    );
}
