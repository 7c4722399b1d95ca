//! The field store benchmark: prints figures, asserts nothing. See `docs/performance.md`.
//!
//! ```text
//! cargo bench -p beatbook-core --bench field_store               # full sizes
//! BEATBOOK_BENCH_QUICK=1 cargo bench -p beatbook-core --bench field_store
//! BEATBOOK_BENCH_ONLY=write,sync cargo bench -p beatbook-core --bench field_store
//! ```
//!
//! Sections: `write` (a contact end to end against a bare one-row commit and against a bare
//! commit writing as many pages, with the contact's pages by B-tree), `sync` (a commit
//! under `synchronous = FULL` against `NORMAL`), `search` (p50/p99 over 100k notes) and
//! `open` (opening a store of 1M records). Stores go in a temporary folder under
//! `BEATBOOK_BENCH_DIR`, or else Cargo's `target/tmp`.

#[path = "field_store/fts.rs"]
mod fts;
#[path = "field_store/open.rs"]
mod open;
#[path = "field_store/pages.rs"]
mod pages;
#[path = "field_store/search.rs"]
mod search;
#[path = "field_store/setup.rs"]
mod setup;
#[path = "field_store/stats.rs"]
mod stats;
#[path = "field_store/words.rs"]
mod words;
#[path = "field_store/write.rs"]
mod write;

use stats::{heading, ms, verdict};
use std::time::Duration;

#[derive(Debug, Clone, Copy)]
struct Sizes {
    writes: usize,
    notes: usize,
    queries: usize,
    records: usize,
}

const FULL: Sizes = Sizes {
    writes: 2_000,
    notes: 100_000,
    queries: 1_000,
    records: 1_000_000,
};

const QUICK: Sizes = Sizes {
    writes: 300,
    notes: 10_000,
    queries: 1_000,
    records: 50_000,
};

fn main() {
    let quick = std::env::var("BEATBOOK_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0")
        || std::env::args().any(|a| a == "--quick");
    let only = std::env::var("BEATBOOK_BENCH_ONLY").unwrap_or_default();
    let wanted = |section: &str| only.is_empty() || only.split(',').any(|s| s.trim() == section);
    let sizes = if quick { QUICK } else { FULL };
    let vocab = words::Vocabulary::new();

    println!(
        "Beatbook field store benchmark ({} mode), {} CPUs, {}",
        if quick { "quick" } else { "full" },
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")
    );
    println!("SQLCipher, raw 256-bit key, WAL, synchronous = FULL unless stated.");
    let mut verdicts: Vec<(String, String, &str, bool)> = Vec::new();

    if wanted("write") {
        heading(&format!(
            "Recording one contact vs a bare one-row commit ({} each, interleaved)",
            sizes.writes
        ));
        let report = write::contact_vs_bare(sizes.writes, &vocab);
        write::print_contact(&report);
        let ratio = report.ratio();
        verdicts.push((
            "contact / bare commit (means)".into(),
            format!("{ratio:.2}x"),
            "<= 1.5x",
            ratio <= 1.5,
        ));
    }

    if wanted("sync") {
        heading(&format!(
            "One-row commit, synchronous FULL vs NORMAL ({} each, interleaved)",
            sizes.writes
        ));
        let (full, normal) = write::full_vs_normal(sizes.writes, &vocab);
        stats::summary_row("synchronous = FULL", &full);
        stats::summary_row("synchronous = NORMAL", &normal);
        println!(
            "  FULL costs {} more per commit (mean), {:.1}x NORMAL",
            ms(full.mean.saturating_sub(normal.mean)),
            full.mean.as_secs_f64() / normal.mean.as_secs_f64()
        );
    }

    if wanted("search") {
        heading(&format!(
            "Search over {} notes ({} queries, limit {})",
            sizes.notes,
            sizes.queries,
            search::LIMIT
        ));
        let report = search::run(sizes.notes, sizes.queries, &vocab);
        search::print(&report);
        verdicts.push((
            format!("search p99 ({} notes)", sizes.notes),
            ms(report.all.p99),
            "< 10 ms",
            report.all.p99 < Duration::from_millis(10),
        ));
    }

    if wanted("open") {
        heading(&format!("Opening a store of {} records", sizes.records));
        let report = open::run(sizes.records, &vocab);
        open::print(&report);
        let median = report.open_median();
        verdicts.push((
            format!("open median ({} records)", report.records),
            ms(median),
            "< 100 ms",
            median < Duration::from_millis(100),
        ));
    }

    if !verdicts.is_empty() {
        heading("Against the targets");
        for (label, value, target, met) in &verdicts {
            verdict(label, value, target, *met);
        }
    }
}
