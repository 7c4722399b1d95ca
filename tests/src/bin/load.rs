//! The full load run: `load [DEVICES] [ROUNDS]` (default 500 devices, 5 rounds of 20 notes, in
//! teams of 10) against a fresh `beatbook-server` on loopback. Prints throughput and latency
//! percentiles; exits non-zero on any error. See docs/reliability.md.
//!
//! `BEATBOOK_BENCH_DATABASE=postgres://…` runs the server on that (empty) database or schema
//! instead of the embedded store, and `BEATBOOK_BENCH_INSTANCES=N` (PostgreSQL only) starts N
//! instances on it, the devices spread over them in turn (teams span instances). Either way the
//! run then checks the stored notes and applied ops against what was pushed.
//!
//! Two more modes, each printing figures (`docs/performance.md`):
//! - `load pulls [PULLERS] [RECORDS] [BURSTS]` (400, 1,000, 1): a server under `ulimit -n
//!   1024` (`BEATBOOK_BENCH_NOFILE` to change it) and a burst of concurrent pulls of every
//!   record: answers by status, latency, and the server's RSS and descriptors before, at peak
//!   and after (`beatbook_e2e::crowd`). Variables `BEATBOOK_SERVER_ENV_NAME=value` are given to the
//!   server only as `NAME=value` (`BEATBOOK_SERVER_ENV_MALLOC_ARENA_MAX=2`, an `LD_PRELOAD`).
//! - `load guesses [SECONDS]` (65): wrong enrolment codes, then unknown tokens, from one
//!   address as fast as the server answers (`beatbook_e2e::guess_rate`).

use beatbook_e2e::inspect;
use beatbook_e2e::load::{run_across, LoadConfig};
use beatbook_e2e::server::ServerProcess;
use std::process::ExitCode;
use std::time::{Duration, Instant};

fn main() -> ExitCode {
    let mode: Vec<String> = std::env::args().skip(1).collect();
    match mode.first().map(String::as_str) {
        Some("pulls") => return pulls(&mode[1..]),
        Some("guesses") => return guesses(&mode[1..]),
        _ => {}
    }
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

/// The n-th argument as a number, or `default`.
fn arg(args: &[String], n: usize, default: usize) -> usize {
    args.get(n).and_then(|a| a.parse().ok()).unwrap_or(default)
}

/// `load pulls`: see the module docs.
fn pulls(args: &[String]) -> ExitCode {
    use beatbook_e2e::crowd::{burst, seed, settle};
    use beatbook_e2e::procstat::{mib, Reading};
    use beatbook_e2e::server::Launch;
    let (pullers, records, bursts) = (arg(args, 0, 400), arg(args, 1, 1000), arg(args, 2, 1));
    let open_files = std::env::var("BEATBOOK_BENCH_NOFILE")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1024);
    let env: Vec<(String, String)> = std::env::vars()
        .filter_map(|(k, v)| Some((k.strip_prefix("BEATBOOK_SERVER_ENV_")?.to_owned(), v)))
        .collect();
    let server = ServerProcess::start_launched(
        Launch {
            open_files: Some(open_files),
            env: env.clone(),
        },
        &[],
    );
    let pid = server.pid().expect("the server runs");
    let token = seed(&server, records);
    // One pull first, as any server has served before a crowd arrives (a reader is open).
    let warm = beatbook_e2e::http::try_request(
        &server.url,
        "GET",
        "/v1/sync/pull?cursor=0&limit=1000",
        Some(&token),
        None,
    )
    .expect("a first pull");
    assert_eq!(warm.status, 200, "{}", warm.body);
    let before = Reading::of(pid).expect("the server's /proc");
    println!(
        "pulls: {pullers} concurrent pulls of {records} notes, {bursts} burst(s), server under \
         ulimit -n {open_files}, server env {env:?}"
    );
    println!(
        "before: RSS {:.1} MiB, {} fds",
        mib(before.rss_kib),
        before.fds
    );
    let mut failed = false;
    for round in 1..=bursts {
        let b = burst(&server.url, pid, &token, pullers, records);
        let after = Reading::of(pid).expect("the server is alive after the burst");
        println!(
            "burst {round}: {:.1} s; answers by status {:?}; {} of {pullers} pulls complete; \
             {} errors",
            b.elapsed.as_secs_f64(),
            b.by_status,
            b.completed,
            b.errors.len()
        );
        println!(
            "  answer latency p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms; whole pull p50 {:.0} ms, \
             p99 {:.0} ms",
            b.answer_latency.p50,
            b.answer_latency.p99,
            b.answer_latency.max,
            b.pull_latency.p50,
            b.pull_latency.p99
        );
        println!(
            "  peak during: RSS {:.1} MiB sampled (VmHWM {:.1} MiB), {} fds; just after: RSS \
             {:.1} MiB, {} fds",
            mib(b.peaks.rss_kib),
            mib(after.hwm_kib),
            b.peaks.fds,
            mib(after.rss_kib),
            after.fds
        );
        for e in b.errors.iter().take(10) {
            eprintln!("  error: {e}");
        }
        failed |= !b.errors.is_empty() || b.by_status.keys().any(|s| *s >= 500 && *s != 503);
        let readings = settle(pid, Duration::from_secs(30));
        let line: Vec<String> = readings
            .iter()
            .filter(|(at, _)| at.as_secs() % 5 == 0)
            .map(|(at, r)| format!("{}s {:.1}", at.as_secs(), mib(r.rss_kib)))
            .collect();
        println!("  RSS MiB after: {}", line.join(", "));
        if let Some((at, last)) = readings.last() {
            println!(
                "  settled after {} s: RSS {:.1} MiB, {} fds",
                at.as_secs(),
                mib(last.rss_kib),
                last.fds
            );
        }
    }
    let health = beatbook_e2e::http::try_request(&server.url, "GET", "/healthz", None, None);
    let alive = health.as_ref().is_ok_and(|h| h.status == 200);
    println!(
        "healthz afterwards: {}",
        if alive { "200" } else { "FAILED" }
    );
    if let Ok(meta) = std::fs::metadata(beatbook_e2e::server::server_binary()) {
        println!("server binary: {:.2} MiB", meta.len() as f64 / 1048576.0);
    }
    if failed || !alive {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// `load guesses`: see the module docs.
fn guesses(args: &[String]) -> ExitCode {
    use beatbook_e2e::guess_rate::{guess_for, Guess};
    let secs = arg(args, 0, 65) as u64;
    let mut failed = false;
    for guess in [Guess::EnrolmentCode, Guess::BearerToken] {
        // A fresh server each: its tallies start empty.
        let server = ServerProcess::start(&[]);
        let run = guess_for(&server, guess, Duration::from_secs(secs));
        let s = run.elapsed.as_secs_f64();
        println!(
            "{:?} from one address for {s:.1} s: {} judged ({:.3}/s), {} refused 429 unjudged \
             ({:.0}/s); by status {:?}; {} connection errors",
            run.guess,
            run.judged(),
            run.judged() as f64 / s,
            run.by_status.get(&429).copied().unwrap_or(0),
            run.by_status.get(&429).copied().unwrap_or(0) as f64 / s,
            run.by_status,
            run.errors
        );
        failed |= run.errors > 0 || run.by_status.keys().any(|s| *s >= 500);
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
