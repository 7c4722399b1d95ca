//! A device killed with SIGKILL mid-write loses nothing it acknowledged: after each kill the
//! store opens, passes `integrity_check`, and holds every contact whose id the recorder printed.

use beatbook_core::ids::ContactId;
use beatbook_core::{Store, StoreKey};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const ROUNDS: usize = 8;

#[test]
fn every_acknowledged_contact_survives_a_sigkill() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("device.db");
    let key = StoreKey::from_bytes([42; 32]);
    let mut acknowledged: Vec<ContactId> = Vec::new();
    for round in 0..ROUNDS {
        let mut child = Command::new(env!("CARGO_BIN_EXE_recorder"))
            .arg(&path)
            .env("BEATBOOK_KEY", key.to_hex())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn recorder");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        // Kill after a different number of acknowledgements each round.
        let kill_after = 5 + round * 7;
        for _ in 0..kill_after {
            let line = lines
                .next()
                .expect("recorder stopped early")
                .expect("read line");
            acknowledged.push(line.trim().parse().expect("an id"));
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");

        let store = Store::open(&path, &key).expect("store opens after a kill");
        assert_eq!(
            store.integrity_check().expect("check"),
            Vec::<String>::new(),
            "round {round}"
        );
        for id in &acknowledged {
            store
                .contact(*id)
                .unwrap_or_else(|e| panic!("round {round}: acknowledged {id} lost: {e}"));
        }
    }
    assert_eq!(
        acknowledged.len(),
        (0..ROUNDS).map(|r| 5 + r * 7).sum::<usize>()
    );
}
