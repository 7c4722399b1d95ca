//! Opening a large store: build one of `records` notes (each with its search row and audit
//! entry, as `add_note` writes them) by bulk SQL on a raw keyed connection, close it, then time
//! `Store::open` and the first screen and first search after it. Sync state (`sync_records`,
//! `outbox`) is not bulk-loaded: opening reads only the schema, and neither query reads it.
//!
//! The key is raw (no passphrase derivation), so what is timed is the open itself. The file is
//! in the OS page cache (it was just written) unless `BEATBOOK_BENCH_EVICT=1`, which asks Linux
//! to drop the file's cached pages before each round (GNU `dd iflag=nocache`), so that the
//! open and the first queries read from the disk, as after a phone restarts.

use crate::fts;
use crate::setup::{self, point_in_grid};
use crate::stats::{ms, timed};
use crate::words::{Rng, Vocabulary};
use beatbook_core::ids::{DeviceId, NoteId, UserId};
use beatbook_core::store::sql_time::SqlTime;
use beatbook_core::Store;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection};
use std::path::Path;
use std::time::{Duration as Elapsed, Instant};

const ROUNDS: usize = 7;
const AUTHORS: usize = 25;
const BATCH: usize = 50_000;
/// A street name: mentioned in about 3% of notes.
const QUERY: &str = "Quarrington";

#[derive(Debug)]
pub struct OpenReport {
    pub records: usize,
    pub build: Elapsed,
    pub file_mib: f64,
    pub open: Vec<Elapsed>,
    pub first_screen: Vec<Elapsed>,
    pub first_search: Vec<Elapsed>,
    pub second_search: Vec<Elapsed>,
    /// The same first search as raw SQL ordered through FTS5's `rank` (see `fts.rs`).
    pub first_by_rank: Vec<Elapsed>,
    /// Opening a tiny database with a passphrase instead (best of three), and its PBKDF2
    /// iteration count: what the raw key saves.
    pub passphrase: (Elapsed, String),
    /// How many notes the timed search matches.
    pub query_matches: i64,
    pub evicted: bool,
}

impl OpenReport {
    pub fn open_median(&self) -> Elapsed {
        median(&self.open)
    }
}

pub fn run(records: usize, vocab: &Vocabulary) -> OpenReport {
    let dir = setup::temp_dir("open");
    let path = dir.path().join("beatbook.db");
    let (store, actor) = setup::new_store(&path);
    drop(store);
    let start = Instant::now();
    bulk_load(&path, records, actor.user_id, vocab);
    let build = start.elapsed();
    let file_mib = std::fs::metadata(&path).expect("store size").len() as f64 / 1048576.0;

    let now = Utc::now();
    let day_start = now - Duration::hours(12);
    let evict = std::env::var("BEATBOOK_BENCH_EVICT").is_ok_and(|v| v == "1");
    let (mut open, mut first_screen) = (vec![], vec![]);
    let (mut first_search, mut second_search, mut first_by_rank) = (vec![], vec![], vec![]);
    for _ in 0..ROUNDS {
        if evict {
            evict_from_os_cache(&path);
        }
        let raw = setup::raw_connection(&path, "FULL");
        first_by_rank.push(fts::time(&raw, fts::BY_RANK, QUERY, 20));
        drop(raw);
        if evict {
            evict_from_os_cache(&path);
        }
        let (store, took) = timed(|| Store::open(&path, &setup::key()));
        let store = store.expect("open the big store");
        open.push(took);
        let (today, took) = timed(|| store.todays_activity(actor.user_id, day_start, now, now));
        today.expect("today's activity");
        first_screen.push(took);
        let (hits, took) = timed(|| store.search(QUERY, 20));
        hits.expect("first search");
        first_search.push(took);
        let (hits, took) = timed(|| store.search(QUERY, 20));
        hits.expect("second search");
        second_search.push(took);
    }
    OpenReport {
        records,
        build,
        file_mib,
        open,
        first_screen,
        first_search,
        second_search,
        first_by_rank,
        passphrase: passphrase_open(dir.path()),
        query_matches: fts::matching(&setup::raw_connection(&path, "FULL"), QUERY),
        evicted: evict,
    }
}

/// Opens a one-table database keyed with a passphrase, which SQLCipher stretches with
/// PBKDF2 (its defaults); the store passes a raw key and skips this. Best of three.
fn passphrase_open(dir: &Path) -> (Elapsed, String) {
    let path = dir.join("passphrase.db");
    let open = || {
        let conn = Connection::open(&path).expect("open");
        conn.pragma_update(None, "key", "a bench passphrase")
            .expect("key");
        conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
            r.get::<_, i64>(0)
        })
        .expect("first read");
        conn
    };
    let conn = open();
    conn.execute_batch("CREATE TABLE t (x INTEGER)")
        .expect("create");
    let iterations: String = conn
        .query_row("PRAGMA kdf_iter", [], |r| r.get(0))
        .expect("kdf_iter");
    drop(conn);
    let best = (0..3).map(|_| timed(open).1).min().unwrap_or_default();
    (best, iterations)
}

/// Drops `path`'s pages from the Linux page cache (GNU coreutils `dd`).
fn evict_from_os_cache(path: &Path) {
    let status = std::process::Command::new("dd")
        .arg(format!("if={}", path.display()))
        .args(["iflag=nocache", "count=0", "status=none"])
        .status()
        .expect("run dd");
    assert!(
        status.success(),
        "dd could not drop the file from the cache"
    );
}

pub fn print(report: &OpenReport) {
    println!(
        "  built {} notes (+ search rows and audit entries) in {:.0} s; file {:.0} MiB",
        report.records,
        report.build.as_secs_f64(),
        report.file_mib
    );
    let line = |label: &str, samples: &[Elapsed]| {
        let mut sorted = samples.to_vec();
        sorted.sort_unstable();
        println!(
            "  {label:<34} median {:>10}  min {:>10}  max {:>10}  ({} rounds)",
            ms(median(samples)),
            ms(sorted[0]),
            ms(sorted[sorted.len() - 1]),
            samples.len()
        );
    };
    if report.evicted {
        println!("  the file was dropped from the OS cache before each round");
    } else {
        println!("  the file is in the OS cache (set BEATBOOK_BENCH_EVICT=1 to drop it first)");
    }
    line("Store::open", &report.open);
    line("then today's activity (1st read)", &report.first_screen);
    println!(
        "  the search below matches {} notes; LIMIT 20",
        report.query_matches
    );
    line(&format!("then search {QUERY:?}"), &report.first_search);
    line("then the same search again", &report.second_search);
    line("compare: ORDER BY rank, 1st", &report.first_by_rank);
    let (took, iterations) = &report.passphrase;
    println!(
        "  compare: a passphrase key instead (PBKDF2, {iterations} iterations): {} to open",
        ms(*took)
    );
}

fn median(samples: &[Elapsed]) -> Elapsed {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    sorted[sorted.len() / 2]
}

/// Notes spread over five years by `AUTHORS` people, one of them `actor`.
fn bulk_load(path: &Path, records: usize, actor: UserId, vocab: &Vocabulary) {
    let mut conn = setup::raw_connection(path, "OFF");
    conn.pragma_update(None, "cache_size", -262_144)
        .expect("cache size");
    let authors: Vec<UserId> = (0..AUTHORS)
        .map(|i| if i == 0 { actor } else { UserId::new() })
        .collect();
    let device = DeviceId::new();
    let now = Utc::now();
    let mut rng = Rng::new(5);
    let start = Instant::now();
    let mut done = 0;
    while done < records {
        let tx = conn.transaction().expect("begin");
        for _ in 0..BATCH.min(records - done) {
            let observed: DateTime<Utc> =
                now - Duration::minutes(rng.below(5 * 365 * 24 * 60) as i64);
            insert_note(&tx, &mut rng, vocab, &authors, device, observed);
        }
        // Every note above is indexed: the store's mark says so, as its own catch-up would
        // (`store/search_progress.rs`).
        tx.execute(
            "UPDATE search_progress SET indexed_through = (SELECT max(rowid) FROM notes)",
            [],
        )
        .expect("mark the notes indexed");
        tx.commit().expect("commit a batch");
        done += BATCH.min(records - done);
        eprintln!(
            "    bulk-loaded {done} notes in {:.0} s",
            start.elapsed().as_secs_f64()
        );
    }
}

fn insert_note(
    tx: &rusqlite::Transaction<'_>,
    rng: &mut Rng,
    vocab: &Vocabulary,
    authors: &[UserId],
    device: DeviceId,
    observed: DateTime<Utc>,
) {
    let id = NoteId::new().to_string();
    let author = authors[rng.below(authors.len())];
    let created = SqlTime::format(observed + Duration::minutes(rng.below(90) as i64));
    let place = rng
        .chance(0.7)
        .then(|| point_in_grid(rng.unit(), rng.unit()));
    let text = vocab.note(rng);
    tx.prepare_cached(
        "INSERT INTO notes (id, observed_at, text, category, lat, lon, author, created_at)
         VALUES (?1, ?2, ?3, 'observation', ?4, ?5, ?6, ?7)",
    )
    .and_then(|mut s| {
        s.execute(params![
            id,
            SqlTime::format(observed),
            text,
            place.map(|p| p.lat),
            place.map(|p| p.lon),
            author,
            created,
        ])
    })
    .expect("insert a note");
    // A note's search row is its row number with the note kind's tag (0) in the three low
    // bits (`store/search.rs`, `search_row`).
    let search_row = tx.last_insert_rowid() << 3;
    tx.prepare_cached(
        "INSERT INTO search_index (rowid, title, body) VALUES (?1, 'observation', ?2)",
    )
    .and_then(|mut s| s.execute(params![search_row, text]))
    .expect("index a note");
    tx.prepare_cached(
        "INSERT OR IGNORE INTO audit_actors (user_id, role, device_id) VALUES (?1, 'pcso', ?2)",
    )
    .and_then(|mut s| s.execute(params![author, device]))
    .expect("insert an audit actor");
    tx.prepare_cached(
        "INSERT INTO audit_entries (at, actor, action, record_kind, record_id)
         VALUES (?1, (SELECT id FROM audit_actors WHERE user_id = ?2 AND role = 'pcso'
                      AND device_id = ?3), 'collection', 'note', ?4)",
    )
    .and_then(|mut s| s.execute(params![created, author, device, id]))
    .expect("insert an audit entry");
}
