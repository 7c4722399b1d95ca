//! Where a commit's pages go, and what writing that many pages costs on its own.
//!
//! A durable commit's cost follows the number of pages it writes (each one encrypted,
//! authenticated, written to the WAL; then one `fsync`). So the contact-against-bare-commit
//! ratio splits in two: the pages the contact's rows and indexes need, and the work around
//! them. [`by_btree`] names the B-tree of every page a commit wrote — the WAL's frame headers
//! (not encrypted) give the page numbers, SQLite's `dbstat` table the B-tree that owns each —
//! and [`PageMatchedBare`] makes a bare commit that writes as many pages as a contact does (one
//! short row into each of that many one-table B-trees), which is the floor any store keeping
//! those rows and indexes pays on this cipher and disk.

use crate::setup;
use crate::stats::timed;
use rusqlite::{Connection, TransactionBehavior};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Duration;

/// The WAL's header and each frame's header, in bytes (SQLite's file format).
const WAL_HEADER: usize = 32;
const FRAME_HEADER: usize = 24;

/// The page size SQLCipher reports (as text).
fn page_size(conn: &Connection) -> usize {
    conn.query_row("PRAGMA page_size", [], |r| r.get::<_, String>(0))
        .expect("page size")
        .parse()
        .expect("a numeric page size")
}

fn truncate_wal(conn: &Connection) {
    let busy: i64 = conn
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
        .expect("checkpoint");
    assert_eq!(busy, 0, "the WAL could not be truncated");
}

/// Pages written per commit by `commit`, by the B-tree (table or index) that owns each page,
/// most first: `batches` batches of ten commits, each after the WAL was emptied, so that
/// every frame read is theirs (ten contacts stay under SQLite's automatic checkpoint at 1,000
/// frames, which would start the WAL over).
pub fn by_btree(db: &Path, batches: usize, mut commit: impl FnMut()) -> Vec<(String, f64)> {
    const COMMITS: usize = 10;
    let conn = setup::raw_connection(db, "FULL");
    let size = page_size(&conn);
    let mut frames: Vec<u32> = Vec::new();
    for _ in 0..batches {
        truncate_wal(&conn);
        for _ in 0..COMMITS {
            commit();
        }
        let wal = std::fs::read(format!("{}-wal", db.display())).expect("read the WAL");
        frames.extend(
            wal.get(WAL_HEADER..)
                .unwrap_or_default()
                .chunks_exact(FRAME_HEADER + size)
                .map(|frame| u32::from_be_bytes([frame[0], frame[1], frame[2], frame[3]])),
        );
    }
    let commits = batches * COMMITS;
    let owner: HashMap<u32, String> = conn
        .prepare("SELECT pageno, name FROM dbstat")
        .expect("dbstat (SQLITE_ENABLE_DBSTAT_VTAB)")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("read dbstat")
        .collect::<rusqlite::Result<_>>()
        .expect("dbstat rows");
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for page in frames {
        let name = owner.get(&page).cloned().unwrap_or_else(|| match page {
            1 => "(file header)".to_owned(),
            _ => "(free list)".to_owned(),
        });
        *counts.entry(name).or_default() += 1;
    }
    let mut rows: Vec<(String, f64)> = counts
        .into_iter()
        .map(|(name, n)| (name, n as f64 / commits as f64))
        .collect();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    rows
}

/// A keyed database of `btrees` one-table B-trees; each commit adds one short row to each, so
/// it writes `btrees` pages (and the file header page when a table grows a page).
pub struct PageMatchedBare {
    conn: Connection,
    inserts: Vec<String>,
}

impl PageMatchedBare {
    pub fn new(path: &Path, btrees: usize) -> Self {
        let conn = setup::raw_connection(path, "FULL");
        let mut inserts = Vec::with_capacity(btrees);
        for i in 0..btrees {
            conn.execute_batch(&format!(
                "CREATE TABLE t{i} (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"
            ))
            .expect("create a bare table");
            inserts.push(format!("INSERT INTO t{i} (body) VALUES (?1)"));
        }
        PageMatchedBare { conn, inserts }
    }

    /// One `IMMEDIATE` transaction writing one row into every table; returns its time.
    pub fn commit(&self, body: &str) -> Duration {
        let (result, took) = timed(|| -> rusqlite::Result<()> {
            let tx =
                rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
            for insert in &self.inserts {
                tx.prepare_cached(insert)?.execute([body])?;
            }
            tx.commit()
        });
        result.expect("page-matched bare commit");
        took
    }
}
