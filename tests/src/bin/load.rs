//! The full load run: `load [DEVICES] [ROUNDS]` (default 500 devices, 5 rounds of 20 notes, in
//! teams of 10) against a fresh `beatbook-server` on loopback. Prints throughput and latency
//! percentiles; exits non-zero on any error. See docs/reliability.md.
//!
//! `BEATBOOK_BENCH_DATABASE=postgres://…` runs the server on that (empty) database or schema
//! instead of the embedded store, and `BEATBOOK_BENCH_INSTANCES=N` (PostgreSQL only) starts N
//! instances on it, the devices spread over them in turn (teams span instances). Either way the
//! run then checks the stored notes and applied ops against what was pushed.

use beatbook_e2e::inspect;
use beatbook_e2e::load::{run_across, LoadConfig};
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
    let instances: usize = std::env::var("BEATBOOK_BENCH_INSTANCES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
        .max(1);
    let servers: Vec<ServerProcess> = match &postgres {
        Some(database) => (0..instances)
            .map(|_| ServerProcess::start_on(database, &[]))
            .collect(),
        None if instances > 1 => {
            eprintln!("BEATBOOK_BENCH_INSTANCES needs BEATBOOK_BENCH_DATABASE=postgres://…");
            return ExitCode::FAILURE;
        }
        None => vec![ServerProcess::start(&[])],
    };
    let urls: Vec<&str> = servers.iter().map(|s| s.url.as_str()).collect();
    let enrolling = Instant::now();
    let report = run_across(&servers[0], &urls, config);
    println!("{report}");
    let expected = (devices * rounds * config.notes_per_push) as u64;
    let (notes, applied) = match &postgres {
        Some(database) => {
            let mut db =
                postgres::Client::connect(database, postgres::NoTls).expect("connect to count");
            let count = |db: &mut postgres::Client, sql: &str| -> u64 {
                let n: i64 = db.query_one(sql, &[]).expect("count").get(0);
                n as u64
            };
            (
                count(&mut db, "SELECT count(*) FROM records WHERE kind = 'note'"),
                count(&mut db, "SELECT count(*) FROM applied_ops"),
            )
        }
        None => {
            let db = inspect::server_db(servers[0].data.path());
            (
                inspect::count(&db, "SELECT count(*) FROM records WHERE kind = 'note'", &[]),
                inspect::count(&db, "SELECT count(*) FROM applied_ops", &[]),
            )
        }
    };
    println!(
        "load: {} on {instance_count} instance(s); setup and run {:.1} s; {notes} notes and \
         {applied} applied ops on the server (expected {expected})",
        if postgres.is_some() {
            "PostgreSQL"
        } else {
            "embedded SQLite"
        },
        enrolling.elapsed().as_secs_f64(),
        instance_count = servers.len(),
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
