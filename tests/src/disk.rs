//! Bytes on disk, for the bench binaries that report store sizes (`contacts_bench`,
//! `year_sync_bench`): a database with its WAL, a folder, and where a database's pages go.

use std::path::{Path, PathBuf};

/// A database's bytes on disk: the file and its WAL.
pub fn store_bytes(path: &Path) -> u64 {
    [path.to_path_buf(), wal_path(path)]
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

/// Every file's bytes under a folder (the server's data folder).
pub fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok())
        .map(|entry| match entry.metadata() {
            Ok(m) if m.is_dir() => dir_bytes(&entry.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// Copies a database and its WAL, as they are, to `to` (and `to`-wal): a store kept after a
/// bench for a closer look. A WAL left at `to` by an earlier run is removed first, so that it
/// is never replayed onto this copy. Panics on an I/O error (a bench, not the app).
pub fn keep_store(from: &Path, to: &Path) {
    if let Some(folder) = to.parent() {
        std::fs::create_dir_all(folder).expect("folder for the kept stores");
    }
    if let Err(e) = std::fs::remove_file(wal_path(to)) {
        assert!(
            e.kind() == std::io::ErrorKind::NotFound,
            "an earlier WAL: {e}"
        );
    }
    std::fs::copy(from, to).expect("copy the store");
    if wal_path(from).exists() {
        std::fs::copy(wal_path(from), wal_path(to)).expect("copy its WAL");
    }
}

fn wal_path(path: &Path) -> PathBuf {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    wal.into()
}

/// Prints the database's largest tables and indexes, its WAL and its free pages (SQLite's
/// dbstat). `key_hex`: the store's raw SQLCipher key (a device's, or the server's); `None`
/// for a plain file.
pub fn print_breakdown(label: &str, path: &Path, key_hex: Option<&str>) {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
    let conn = match key_hex {
        Some(key) => crate::keyed::open_keyed(path, key, flags),
        None => rusqlite::Connection::open_with_flags(path, flags).expect("open"),
    };
    // The eight largest by default; `BEATBOOK_BENCH_BTREES` lists more (or fewer).
    let listed: i64 = std::env::var("BEATBOOK_BENCH_BTREES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let mut stmt = conn
        .prepare(
            "SELECT name, sum(pgsize), 100.0 * sum(pgsize - unused) / sum(pgsize)
             FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT ?1",
        )
        .expect("dbstat");
    let top: Vec<String> = stmt
        .query_map([listed], |r| {
            Ok(format!(
                "{} {:.1} MB ({:.0}% used)",
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)? as f64 / 1_048_576.0,
                r.get::<_, f64>(2)?
            ))
        })
        .expect("query")
        .collect::<rusqlite::Result<_>>()
        .expect("rows");
    let free: i64 = conn
        .query_row("PRAGMA freelist_count", [], |r| r.get(0))
        .expect("free");
    let page: i64 = conn
        .query_row("SELECT pgsize FROM dbstat LIMIT 1", [], |r| r.get(0))
        .expect("page");
    let wal = std::fs::metadata(wal_path(path))
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "    {label}: {}; free pages {:.1} MB; WAL {:.1} MB",
        top.join(", "),
        (free * page) as f64 / 1_048_576.0,
        wal as f64 / 1_048_576.0
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store kept where an earlier run left a WAL does not inherit that WAL.
    #[test]
    fn a_kept_store_leaves_no_earlier_wal_beside_it() {
        let dir = tempfile::tempdir().expect("dir");
        let from = dir.path().join("from.db");
        std::fs::write(&from, b"this run's file").expect("source");
        let to = dir.path().join("kept").join("store.db");
        std::fs::create_dir_all(to.parent().expect("folder")).expect("folder");
        std::fs::write(wal_path(&to), b"an earlier run's WAL").expect("stale WAL");
        keep_store(&from, &to);
        assert_eq!(std::fs::read(&to).expect("kept"), b"this run's file");
        assert!(!wal_path(&to).exists(), "the earlier WAL is gone");
    }
}
