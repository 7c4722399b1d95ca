//! The full load run: `load [DEVICES] [ROUNDS]` (default 500 devices, 5 rounds of 20 notes, in
//! teams of 10) against a fresh `beatbook-server` on loopback. Prints throughput and latency
//! percentiles; exits non-zero on any error. See docs/reliability.md.
//! `BEATBOOK_BENCH_DATABASE=postgres://…` runs the server on that (empty) database instead of the
//! embedded store; the run then checks the counts through the server's feed head.

use beatbook_e2e::inspect;
use beatbook_e2e::load::{run, LoadConfig};
use beatbook_e2e::server::ServerProcess;
use std::process::ExitCode;
use std::time::{Duration, Instant};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>());
    let devices = args.next().and_then(Result::ok).unwrap_or(500);
    let rounds = args.next().and_then(Result::ok).unwrap_or(5);
    let config = LoadConfig {
        devices,
        team_size: 10,
        rounds,
        notes_per_push: 20,
        deadline: Duration::from_secs(300),
    };
    let postgres = std::env::var("BEATBOOK_BENCH_DATABASE")
        .ok()
        .filter(|d| !d.is_empty());
    let server = match &postgres {
        Some(database) => ServerProcess::start_on(database, &[]),
        None => ServerProcess::start(&[]),
    };
    let enrolling = Instant::now();
    let report = run(&server, config);
    println!("{report}");
    let expected = (devices * rounds * config.notes_per_push) as u64;
    if postgres.is_some() {
        // No file to inspect: the errors are the check (every push was answered in full).
        println!(
            "load (PostgreSQL): setup and run {:.1} s; {expected} notes expected",
            enrolling.elapsed().as_secs_f64()
        );
        for e in report.errors.iter().take(20) {
            eprintln!("error: {e}");
        }
        return if report.errors.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    }
    let db = inspect::server_db(server.data.path());
    let notes = inspect::count(&db, "SELECT count(*) FROM records WHERE kind = 'note'", &[]);
    let applied = inspect::count(&db, "SELECT count(*) FROM applied_ops", &[]);
    println!(
        "load: setup and run {:.1} s; {notes} notes and {applied} applied ops on the server \
         (expected {expected})",
        enrolling.elapsed().as_secs_f64()
    );
    for e in report.errors.iter().take(20) {
        eprintln!("error: {e}");
    }
    if report.errors.is_empty() && notes == expected && applied == expected {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
