//! `admin verify`: checks that a store file (the live store, or a backup before it is
//! restored) is one a server can serve from without losing or repeating a change.
//!
//! Read-only: opens the file read-only with the store's key (a file the key does not open
//! fails with the store-key error, before any check), so it can check a running server's store (one read
//! transaction; writers carry on). The checks:
//! - **integrity**: SQLite's `PRAGMA integrity_check` (every page, index and constraint);
//! - **schema**: the schema version is one this build can serve (an older one is migrated when
//!   the server opens it; a newer one is refused);
//! - **epoch**: the store has one (`storage::epoch`);
//! - **feed**: feed continuity — no record, and no remembered op, holds a seq above the feed's
//!   counter (the counter would hand it out again: two changes under one seq, and a device
//!   that pulled one would skip the other), and every remembered op's record change is still
//!   at or below it. Gaps between records' seqs are normal (a record changed again moves to a
//!   new seq) and are not reported;
//! - **audit chain**: see [`audit_chain`], the hook for a hash-chained audit log.

use super::BackupError;
use beatbook_core::StoreKey;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::fmt;
use std::path::Path;

/// One check's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    /// What was found (counts, versions; never record values).
    pub detail: String,
}

/// Every check's outcome, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub checks: Vec<Check>,
}

impl Verification {
    /// The names of the failed checks, or `None` if all passed.
    pub fn failed(&self) -> Option<String> {
        let failed: Vec<&str> = self
            .checks
            .iter()
            .filter(|c| !c.ok)
            .map(|c| c.name)
            .collect();
        (!failed.is_empty()).then(|| failed.join(", "))
    }
}

impl fmt::Display for Verification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for check in &self.checks {
            let mark = if check.ok { "ok  " } else { "FAIL" };
            writeln!(f, "{mark} {:<12} {}", check.name, check.detail)?;
        }
        Ok(())
    }
}

/// Verifies the store file at `path`.
pub fn verify_file(path: &Path, key: &StoreKey) -> Result<Verification, BackupError> {
    if !path.is_file() {
        return Err(BackupError::NoStore(path.to_owned()));
    }
    let conn = crate::storage::sqlite::keyed::open(
        path,
        key,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // One snapshot for every check.
    conn.execute_batch("BEGIN")?;
    let checks = vec![
        integrity(&conn)?,
        schema(&conn)?,
        epoch(&conn)?,
        feed(&conn)?,
        audit_chain(&conn)?,
    ];
    conn.execute_batch("COMMIT")?;
    Ok(Verification { checks })
}

fn integrity(conn: &Connection) -> Result<Check, BackupError> {
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let problems: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<_>>()?;
    let ok = problems == ["ok"];
    Ok(Check {
        name: "integrity",
        ok,
        detail: if ok {
            "integrity_check: ok".into()
        } else {
            // SQLite's messages name pages and indexes, not values.
            format!(
                "integrity_check: {} problem(s), first: {}",
                problems.len(),
                problems.first().map(String::as_str).unwrap_or("")
            )
        },
    })
}

fn schema(conn: &Connection) -> Result<Check, BackupError> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let supported = crate::storage::sqlite::migrations::LATEST as i64;
    let (ok, detail) = match found {
        v if v == supported => (true, format!("version {v} (current)")),
        v if (1..supported).contains(&v) => (
            true,
            format!("version {v}; the server migrates it to {supported} when it opens it"),
        ),
        v => (
            false,
            format!("version {v}; this server reads 1 to {supported}"),
        ),
    };
    Ok(Check {
        name: "schema",
        ok,
        detail,
    })
}

fn epoch(conn: &Connection) -> Result<Check, BackupError> {
    let value: Option<String> = conn
        .query_row(
            "SELECT value FROM server_meta WHERE key = ?1",
            [crate::storage::epoch::EPOCH_KEY],
            |r| r.get(0),
        )
        .optional()?;
    Ok(match value.map(|v| uuid::Uuid::parse_str(&v)) {
        Some(Ok(epoch)) => Check {
            name: "epoch",
            ok: true,
            detail: epoch.to_string(),
        },
        Some(Err(_)) => Check {
            name: "epoch",
            ok: false,
            detail: "the stored epoch is not a UUID".into(),
        },
        // A store from before epochs: the server gives it one when it opens it.
        None => Check {
            name: "epoch",
            ok: true,
            detail: "none yet (made when the server opens the store)".into(),
        },
    })
}

fn feed(conn: &Connection) -> Result<Check, BackupError> {
    let (head, records, top_record): (i64, i64, Option<i64>) = conn.query_row(
        "SELECT (SELECT last_seq FROM feed WHERE id = 1),
                (SELECT count(*) FROM records),
                (SELECT max(seq) FROM records)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let (ops, top_op): (i64, Option<i64>) =
        conn.query_row("SELECT count(*), max(seq) FROM applied_ops", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let mut problems = Vec::new();
    if head < 0 {
        problems.push(format!("the feed counter is negative ({head})"));
    }
    if let Some(top) = top_record.filter(|&t| t > head) {
        problems.push(format!(
            "a record holds seq {top}, above the feed counter {head} (it would be handed out again)"
        ));
    }
    if let Some(top) = top_op.filter(|&t| t > head) {
        problems.push(format!(
            "an applied op holds seq {top}, above the feed counter {head}"
        ));
    }
    let ok = problems.is_empty();
    Ok(Check {
        name: "feed",
        ok,
        detail: if ok {
            format!("head {head}; {records} records, {ops} applied ops, none above the head")
        } else {
            problems.join("; ")
        },
    })
}

/// The s.62 log's hash chain (`crate::storage::audit_chain`), recomputed in `seq` order from
/// this snapshot: fails on the first entry edited, removed or moved, naming it. (A cut-off end
/// shows only against a head kept off the host: `admin audit verify --head`.)
fn audit_chain(conn: &Connection) -> Result<Check, BackupError> {
    use crate::storage::audit_chain::{hex, Verifier};
    let mut verifier = Verifier::default();
    let mut after = 0;
    loop {
        let page = crate::storage::sqlite::audit::page(conn, after, 1_000)?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for row in &page {
            if let Err(broken) = verifier.check(row) {
                return Ok(Check {
                    name: "audit chain",
                    ok: false,
                    detail: broken.to_string(),
                });
            }
        }
    }
    let verified = verifier.verified();
    Ok(Check {
        name: "audit chain",
        ok: true,
        detail: match verified.head {
            Some((seq, hash)) => format!(
                "{} entries, hash chain intact; head {seq} {}",
                verified.entries,
                hex(&hash)
            ),
            None => "no entries yet".to_owned(),
        },
    })
}
