//! Clocks (docs/reliability.md, docs/sync-protocol.md "Clocks"): devices whose clocks are three
//! days fast or slow still converge with the server and each other, and the merge's documented
//! guarantees hold: a fast clock costs one refused round trip and its ops are re-stamped (no
//! spurious conflict between a device's own edits); an edit made after seeing a value wins
//! over it whatever the editing device's clock says; a concurrent edit from a slow clock loses
//! by clock order and is kept in the conflict log.

use beatbook_core::ids::ProblemId;
use beatbook_core::model::*;
use beatbook_core::StoreKey;
use beatbook_e2e::device::Device;
use beatbook_e2e::inspect;
use beatbook_e2e::server::ServerProcess;
use beatbook_e2e::skew::{set_clock_off, THREE_DAYS_MS};
use serde_json::Value;

const KINDS: &[&str] = &["problem", "conflict"];

fn key() -> StoreKey {
    StoreKey::from_bytes([5; 32])
}

fn team() -> (ServerProcess, Device, Device, Device) {
    let server = ServerProcess::start(&[]);
    let mut devices = server
        .enrol_team(
            &server.url,
            &[("Avery", "pcso"), ("Blake", "pcso"), ("Casey", "pcso")],
        )
        .into_iter();
    let (Some(a), Some(b), Some(c)) = (devices.next(), devices.next(), devices.next()) else {
        panic!("three devices");
    };
    (server, a, b, c)
}

fn open_problem(d: &Device) -> ProblemId {
    d.store
        .open_problem(
            &d.actor,
            NewProblem {
                title: "Bikes on the towpath".into(),
                area: AreaRef::Lap("Northvale".into()),
                category: CrimeCategory::AntiSocialBehaviour,
                owner: None,
                scanning_summary: "Residents report off-road bikes every evening".into(),
            },
        )
        .expect("open problem")
        .id
}

fn set_offender(d: &Device, problem: ProblemId, offender: &str) {
    d.store
        .update_analysis(
            &d.actor,
            problem,
            AnalysisTriangle {
                offender: Some(offender.into()),
                ..AnalysisTriangle::default()
            },
            vec![],
        )
        .expect("update analysis");
}

/// The offender corner of the problem's analysis triangle as the server holds it.
fn server_offender(server: &ServerProcess, problem: ProblemId) -> Value {
    let fields = inspect::server_fields(&inspect::server_db(server.data.path()), &["problem"]);
    fields
        .get(&(
            "problem".into(),
            problem.to_string(),
            TRIANGLE_OFFENDER.into(),
        ))
        .map(|(value, _)| value.clone())
        .expect("the problem's offender corner on the server")
}

fn conflicts_on_server(server: &ServerProcess) -> u64 {
    inspect::count(
        &inspect::server_db(server.data.path()),
        "SELECT count(*) FROM records WHERE kind = 'conflict'",
        &[],
    )
}

/// Every device holds exactly the server's problems and conflicts.
fn assert_converged(server: &ServerProcess, devices: &[&Device]) {
    let on_server = inspect::server_fields(&inspect::server_db(server.data.path()), KINDS);
    for (i, d) in devices.iter().enumerate() {
        let here = inspect::device_fields(&inspect::device_db(&d.path(), &key()), KINDS);
        if let Some(diff) = inspect::first_difference(&here, &on_server) {
            panic!("device {i} has not converged: {diff}");
        }
    }
}

#[test]
fn a_device_three_days_fast_is_restamped_once_and_its_own_edits_do_not_conflict() {
    let (server, a, b, _c) = team();
    set_clock_off(&a.path(), &key(), THREE_DAYS_MS);
    let problem = open_problem(&a);
    set_offender(&a, problem, "First description");
    set_offender(&a, problem, "Second description");
    let report = a.sync();
    assert!(report.restamped >= 1, "the fast ops were re-stamped");
    assert_eq!(report.pending, 0, "and then accepted");
    assert_eq!(report.rejected, 0);
    assert_eq!(
        conflicts_on_server(&server),
        0,
        "one device's sequential edits are not a conflict"
    );
    assert_eq!(server_offender(&server, problem), "Second description");
    // The re-stamped clocks are the server's time, not three days ahead.
    let fields = inspect::server_fields(&inspect::server_db(server.data.path()), &["problem"]);
    let now_ms = chrono::Utc::now().timestamp_millis() as u64;
    for (_, hlc) in fields.values() {
        let wall = u64::from_str_radix(&hlc[..16], 16).expect("hlc wall");
        assert!(
            wall <= now_ms + 60_000,
            "a stamp three days ahead stayed: {hlc}"
        );
    }
    b.sync();
    a.sync();
    assert_converged(&server, &[&a, &b]);
}

#[test]
fn an_edit_made_after_seeing_a_value_wins_whatever_the_clocks_say() {
    let (server, a, b, c) = team();
    let problem = open_problem(&b);
    b.sync();
    // Blake's clock is four minutes fast: within the server's allowed skew, so accepted.
    set_clock_off(&b.path(), &key(), 4 * 60 * 1000);
    set_offender(&b, problem, "Blake's description");
    b.sync();
    // Avery has seen Blake's value; then Avery's clock jumps three days ahead and Avery edits.
    a.sync();
    set_clock_off(&a.path(), &key(), THREE_DAYS_MS);
    set_offender(&a, problem, "Avery's description");
    let report = a.sync();
    assert!(report.restamped >= 1);
    assert_eq!(
        server_offender(&server, problem),
        "Avery's description",
        "an edit made after seeing a value must sort after it"
    );
    // Casey has seen Avery's value; Casey's clock is three days slow; Casey edits after it.
    c.sync();
    set_clock_off(&c.path(), &key(), -THREE_DAYS_MS);
    set_offender(&c, problem, "Casey's description");
    c.sync();
    assert_eq!(server_offender(&server, problem), "Casey's description");
    assert_eq!(
        conflicts_on_server(&server),
        0,
        "sequential edits, no conflict"
    );
    for d in [&a, &b, &c] {
        d.sync();
    }
    assert_converged(&server, &[&a, &b, &c]);
}

#[test]
fn a_concurrent_edit_from_a_slow_clock_loses_by_clock_order_and_is_kept_as_a_conflict() {
    let (server, a, b, c) = team();
    let problem = open_problem(&a);
    a.sync();
    c.sync();
    // Casey (three days slow) edits without having seen Avery's later edit.
    set_clock_off(&c.path(), &key(), -THREE_DAYS_MS);
    set_offender(&a, problem, "Avery's description");
    a.sync();
    set_offender(&c, problem, "Casey's description");
    let report = c.sync();
    assert_eq!(report.rejected, 0, "a slow clock is not refused");
    assert_eq!(server_offender(&server, problem), "Avery's description");
    let conflicts = inspect::server_fields(&inspect::server_db(server.data.path()), &["conflict"]);
    let kept = conflicts
        .values()
        .any(|(value, _)| value.to_string().contains("Casey's description"));
    assert!(
        kept,
        "the losing value is in the conflict log: {conflicts:?}"
    );
    for d in [&a, &b, &c] {
        d.sync();
    }
    assert_converged(&server, &[&a, &b, &c]);
}
