//! The report benchmark: the full supervisor report over one year of a 40-person team's
//! activity on a device. Prints figures, asserts nothing. See `docs/performance.md`.
//!
//! ```text
//! cargo bench -p beatbook-core --bench reports                 # a year: ~420k records
//! BEATBOOK_BENCH_QUICK=1 cargo bench -p beatbook-core --bench reports
//! ```
//!
//! The year is bulk-loaded by SQL on a raw keyed connection (see `reports/year.rs` for what
//! is in it), then the store is reopened and `Store::report` is timed: the first report after
//! opening (cold page cache of the connection), then the median of repeated ones, for the
//! whole team and for a LAP, an LSOA and a priority area. Loading and computing are also timed
//! apart (`Store::report_data`, `reports::compute`).

#[allow(dead_code)]
#[path = "field_store/setup.rs"]
mod setup;
#[allow(dead_code)]
#[path = "field_store/stats.rs"]
mod stats;
#[allow(dead_code)]
#[path = "field_store/words.rs"]
mod words;
#[path = "reports/year.rs"]
mod year;

use beatbook_core::ids::{DeviceId, UserId};
use beatbook_core::model::{Actor, Role, MAX_REVIEW_ITEMS};
use beatbook_core::reports::{compute, Period, ReportArea, ReportQuery};
use beatbook_core::store::MemberQueue;
use beatbook_core::Store;
use chrono::{TimeZone, Utc};
use stats::{heading, ms, timed, verdict};
use std::time::Duration;

const ROUNDS: usize = 9;

fn main() {
    let quick = std::env::var("BEATBOOK_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0")
        || std::env::args().any(|a| a == "--quick");
    let sizes = if quick { year::QUICK } else { year::FULL };
    println!(
        "Beatbook report benchmark ({} mode), {} CPUs, {}",
        if quick { "quick" } else { "full" },
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        Utc::now().format("%Y-%m-%d %H:%M UTC")
    );
    let dir = setup::temp_dir("reports");
    // BEATBOOK_BENCH_DB=FILE keeps the year in FILE and reuses it on the next run (profiling).
    let kept = std::env::var_os("BEATBOOK_BENCH_DB").map(std::path::PathBuf::from);
    let path = kept
        .clone()
        .unwrap_or_else(|| dir.path().join("beatbook.db"));
    let reuse = kept.is_some() && path.exists();
    let (built, build_time) = timed(|| {
        if reuse {
            year::describe(&path)
        } else {
            year::build(&path, &sizes)
        }
    });
    heading("The year");
    println!(
        "  {} patrols, {} contacts, {} follow-ups, {} notes, {} problems, {} stage requests: \
         {} records, {:.1} MiB, {} in {:.1} s",
        built.counts[0],
        built.counts[1],
        built.counts[2],
        built.counts[3],
        built.counts[4],
        built.counts[5],
        built.counts.iter().sum::<usize>(),
        std::fs::metadata(&path).map_or(0.0, |m| m.len() as f64 / 1_048_576.0),
        if reuse { "read" } else { "built" },
        build_time.as_secs_f64()
    );

    let store = Store::open(&path, &setup::key()).expect("reopen the store");
    let year = Period::new(
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("time"),
        Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0)
            .single()
            .expect("time"),
    )
    .expect("period");
    let query = |area: ReportArea| ReportQuery {
        period: year,
        area,
        as_of: Utc
            .with_ymd_and_hms(2027, 1, 5, 0, 0, 0)
            .single()
            .expect("time"),
    };

    heading("Full report, one year");
    let (first, first_time) = timed(|| store.report(&query(ReportArea::All)).expect("report"));
    println!(
        "  first after opening            {:>10}   ({} patrols, {:.0} h, {} contacts)",
        ms(first_time),
        first.patrol_hours.patrols,
        first.patrol_hours.hours,
        first.engagement.contacts
    );
    let areas = [
        ("whole team", ReportArea::All),
        ("team filter", ReportArea::Team(built.team)),
        ("one LAP", ReportArea::Lap("LAP-W".into())),
        ("one LSOA", ReportArea::Lsoa(built.lsoa.clone())),
        (
            "one priority area",
            ReportArea::Priority(built.priority_area),
        ),
    ];
    let mut whole = Duration::ZERO;
    let mut cpu = None;
    for (label, area) in areas {
        let q = query(area);
        let median = median_of(|| {
            store.report(&q).expect("report");
        });
        if label == "whole team" {
            whole = median;
        }
        println!("  {label:<30} {:>10}   (median of {ROUNDS})", ms(median));
    }
    // On a shared machine the wall time includes waiting for a CPU: Linux's schedstat says how
    // much of it the report actually ran, and how long it sat runnable but not running.
    if let Some(before) = schedstat() {
        let q = query(ReportArea::All);
        let (_, wall) = timed(|| {
            for _ in 0..ROUNDS {
                store.report(&q).expect("report");
            }
        });
        if let Some(after) = schedstat() {
            let per = |ns: u64| Duration::from_nanos(ns / ROUNDS as u64);
            println!(
                "  whole team, mean of {ROUNDS}: wall {}, on a CPU {}, waiting for a CPU {}",
                ms(wall / ROUNDS as u32),
                ms(per(after.0 - before.0)),
                ms(per(after.1 - before.1))
            );
            cpu = Some(per(after.0 - before.0));
        }
    }
    let q = query(ReportArea::All);
    let load = median_of(|| {
        store.report_data(&q.period).expect("data");
    });
    let data = store.report_data(&q.period).expect("data");
    let calc = median_of(|| {
        compute(&data, &q);
    });
    println!("  of which reading the facts     {:>10}", ms(load));
    println!("  of which computing the figures {:>10}", ms(calc));

    review_queue(&store);

    heading("Against the target");
    verdict(
        "full report, one year (median)",
        &ms(whole),
        "< 200 ms",
        whole < Duration::from_millis(200),
    );
    if let Some(cpu) = cpu {
        verdict(
            "full report, CPU time (mean)",
            &ms(cpu),
            "< 200 ms",
            cpu < Duration::from_millis(200),
        );
    }
    verdict(
        "first report after opening",
        &ms(first_time),
        "< 200 ms",
        first_time < Duration::from_millis(200),
    );
}

/// A supervisor who has reviewed nothing: the whole year waits. The queue whole against a page
/// of each member's oldest 200 (what a screen shows), and how many items each holds.
fn review_queue(store: &Store) {
    let supervisor = Actor {
        user_id: UserId::new(),
        role: Role::Supervisor,
        device_id: DeviceId::new(),
    };
    heading("Review queue, nothing reviewed (median)");
    let held = |queue: &[MemberQueue]| -> (usize, usize) {
        let items = queue.iter().map(|m| m.items.len()).sum();
        (items, queue.iter().map(|m| m.waiting).sum())
    };
    let mut whole = (0, 0);
    let time = median_of(|| whole = held(&store.review_queue(&supervisor, None).expect("queue")));
    println!(
        "  whole queue                    {:>10}   ({} items held of {} waiting)",
        ms(time),
        whole.0,
        whole.1
    );
    let mut page = (0, 0);
    let time = median_of(|| {
        page = held(
            &store
                .review_queue_page(&supervisor, None, MAX_REVIEW_ITEMS)
                .expect("page"),
        )
    });
    println!(
        "  each member's oldest {MAX_REVIEW_ITEMS}       {:>10}   ({} items held of {} waiting)",
        ms(time),
        page.0,
        page.1
    );
}

fn median_of(mut f: impl FnMut()) -> Duration {
    let mut samples: Vec<Duration> = (0..ROUNDS).map(|_| timed(&mut f).1).collect();
    samples.sort();
    samples[ROUNDS / 2]
}

/// This process's time on a CPU and time runnable but waiting for one, in ns
/// (`/proc/self/schedstat`, Linux); `None` elsewhere.
fn schedstat() -> Option<(u64, u64)> {
    let text = std::fs::read_to_string("/proc/self/schedstat").ok()?;
    let mut fields = text.split_whitespace().map(|f| f.parse::<u64>().ok());
    Some((fields.next()??, fields.next()??))
}
