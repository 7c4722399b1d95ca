//! Search: load notes through the public API (`Store::add_note`, one durable transaction per
//! note, as on a device), then time `Store::search` for typed queries of one or two words.
//!
//! The store ranks every matching note by BM25 before taking the best few, so a query's cost
//! grows with how many notes it matches: the figures are also split by that count. For
//! comparison only, the same queries also run as raw SQL in two other forms (see `fts.rs`).

use crate::fts;
use crate::setup::{self, point_in_grid};
use crate::stats::{self, ms, timed, Summary};
use crate::words::{Rng, Vocabulary};
use beatbook_core::model::{NewNote, NoteCategory};
use beatbook_core::Store;
use chrono::{Duration, Utc};
use std::time::{Duration as Elapsed, Instant};

/// Results per search, as a phone's first screen of hits.
pub const LIMIT: usize = 20;

/// Queries grouped by how many notes they match: label, lower bound, upper bound.
const BANDS: [(&str, i64, i64); 4] = [
    ("matching < 1k notes", 0, 1_000),
    ("matching 1k-10k notes", 1_000, 10_000),
    ("matching 10k-50k notes", 10_000, 50_000),
    ("matching >= 50k notes", 50_000, i64::MAX),
];

/// One timed query.
#[derive(Debug, Clone)]
pub struct Run {
    pub query: String,
    pub took: Elapsed,
    pub hits: usize,
    /// How many notes the query matches.
    pub matching: i64,
}

#[derive(Debug)]
pub struct SearchReport {
    pub load_total: Elapsed,
    pub add_note: Summary,
    pub all: Summary,
    pub one_word: Summary,
    pub two_words: Summary,
    pub bands: Vec<(&'static str, Option<Summary>)>,
    /// One to three letters of a word, as when searching while typing.
    pub typing: Summary,
    /// The same queries as raw SQL: the store's SQL with a bigger page cache, the same
    /// ranking through FTS5's `rank`, and newest first.
    pub big_cache: Summary,
    pub by_rank: Summary,
    pub newest_first: Summary,
    /// The slowest distinct queries, with the best of three reruns (to tell a costly query
    /// from a moment when the machine was busy).
    pub slowest: Vec<(Run, Elapsed)>,
}

pub fn run(notes: usize, queries: usize, vocab: &Vocabulary) -> SearchReport {
    let dir = setup::temp_dir("search");
    let (store, actor) = setup::new_store(&dir.path().join("beatbook.db"));
    let (load_total, add_note) = load(&store, &actor, notes, vocab);
    let raw = setup::raw_connection(store.path(), "FULL");
    let big = setup::raw_connection(store.path(), "FULL");
    big.pragma_update(None, "cache_size", -fts::BIG_CACHE_KIB)
        .expect("cache size");

    let mut rng = Rng::new(4);
    for _ in 0..20 {
        let query = vocab.query(&mut rng);
        store.search(&query, LIMIT).expect("warm-up search");
        fts::time(&big, fts::STORE, &query, LIMIT);
        fts::time(&raw, fts::BY_RANK, &query, LIMIT);
        fts::time(&raw, fts::NEWEST_FIRST, &query, LIMIT);
    }
    let typed: Vec<String> = (0..queries).map(|_| vocab.query(&mut rng)).collect();
    let mut runs: Vec<Run> = typed.iter().map(|q| search(&store, q)).collect();
    for run in &mut runs {
        run.matching = fts::matching(&raw, &run.query);
    }
    let raw_times = |conn: &rusqlite::Connection, sql: &str| -> Vec<Elapsed> {
        let times = typed.iter().map(|q| fts::time(conn, sql, q, LIMIT));
        times.collect()
    };
    let big_cache = raw_times(&big, fts::STORE);
    let (by_rank, newest) = (
        raw_times(&raw, fts::BY_RANK),
        raw_times(&raw, fts::NEWEST_FIRST),
    );
    let typing: Vec<Elapsed> = typed
        .iter()
        .filter(|q| !q.contains(' '))
        .take(30)
        .flat_map(|q| (1..=3).map(move |n| q.chars().take(n).collect::<String>()))
        .map(|prefix| search(&store, &prefix).took)
        .collect();

    let times = |keep: &dyn Fn(&Run) -> bool| -> Vec<Elapsed> {
        runs.iter().filter(|r| keep(r)).map(|r| r.took).collect()
    };
    let bands = BANDS
        .iter()
        .map(|&(label, low, high)| {
            let band = times(&|r| (low..high).contains(&r.matching));
            (label, (!band.is_empty()).then(|| Summary::of(&band)))
        })
        .collect();
    let mut slowest: Vec<Run> = Vec::new();
    let mut by_time = runs.clone();
    by_time.sort_by_key(|r| std::cmp::Reverse(r.took));
    for run in by_time {
        if slowest.len() < 5 && !slowest.iter().any(|s| s.query == run.query) {
            slowest.push(run);
        }
    }
    SearchReport {
        load_total,
        add_note,
        all: Summary::of(&times(&|_| true)),
        one_word: Summary::of(&times(&|r| !r.query.contains(' '))),
        two_words: Summary::of(&times(&|r| r.query.contains(' '))),
        bands,
        typing: Summary::of(&typing),
        big_cache: Summary::of(&big_cache),
        by_rank: Summary::of(&by_rank),
        newest_first: Summary::of(&newest),
        slowest: slowest
            .into_iter()
            .map(|run| {
                let again = (0..3).map(|_| search(&store, &run.query).took).min();
                (run, again.unwrap_or_default())
            })
            .collect(),
    }
}

pub fn print(report: &SearchReport) {
    println!(
        "  loaded through add_note in {:.1} s ({:.0} notes/s)",
        report.load_total.as_secs_f64(),
        report.add_note.n as f64 / report.load_total.as_secs_f64()
    );
    stats::summary_row("add_note", &report.add_note);
    stats::summary_row("search, all queries", &report.all);
    stats::summary_row("search, one word", &report.one_word);
    stats::summary_row("search, two words", &report.two_words);
    for (label, summary) in &report.bands {
        match summary {
            Some(s) => stats::summary_row(&format!("  {label}"), s),
            None => println!("    {label:<32} (no queries)"),
        }
    }
    stats::summary_row("search, 1-3 letters (typing)", &report.typing);
    println!("  for comparison, the same queries as raw SQL (not the store's code):");
    stats::summary_row("  store's SQL, 64 MiB page cache", &report.big_cache);
    stats::summary_row("  same ranking, ORDER BY rank", &report.by_rank);
    stats::summary_row("  newest first, no ranking", &report.newest_first);
    println!("  slowest queries (time in the run; best of 3 reruns):");
    for (run, again) in &report.slowest {
        println!(
            "    {:>10}; {:>10}  {:>3} hits of {:>6} matching  {:?}",
            ms(run.took),
            ms(*again),
            run.hits,
            run.matching,
            run.query
        );
    }
}

/// Adds `notes` notes through the public API; returns the total time and each call's.
fn load(
    store: &Store,
    actor: &beatbook_core::model::Actor,
    notes: usize,
    vocab: &Vocabulary,
) -> (Elapsed, Summary) {
    const CATEGORIES: [NoteCategory; 6] = [
        NoteCategory::Observation,
        NoteCategory::AntiSocialBehaviour,
        NoteCategory::Environmental,
        NoteCategory::Vehicle,
        NoteCategory::Community,
        NoteCategory::Intelligence,
    ];
    let mut rng = Rng::new(3);
    let start = Instant::now();
    let mut times = Vec::with_capacity(notes);
    for i in 0..notes {
        let new = NewNote {
            observed_at: Utc::now() - Duration::minutes(rng.below(365 * 24 * 60) as i64),
            text: vocab.note(&mut rng),
            category: CATEGORIES[rng.below(CATEGORIES.len())],
            place: rng
                .chance(0.7)
                .then(|| point_in_grid(rng.unit(), rng.unit())),
            patrol_id: None,
            problem_id: None,
        };
        let (result, took) = timed(|| store.add_note(actor, new));
        result.expect("add a note");
        times.push(took);
        if (i + 1) % (notes / 10).max(1) == 0 {
            let secs = start.elapsed().as_secs_f64();
            eprintln!("    loaded {} notes in {secs:.0} s", i + 1);
        }
    }
    (start.elapsed(), Summary::of(&times))
}

fn search(store: &Store, query: &str) -> Run {
    let (hits, took) = timed(|| store.search(query, LIMIT));
    Run {
        query: query.to_owned(),
        took,
        hits: hits.expect("search").len(),
        matching: 0,
    }
}
