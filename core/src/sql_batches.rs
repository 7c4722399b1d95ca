//! Rewriting whole tables inside one transaction in bounded memory, for the device's and the
//! server's schema upgrades.
//!
//! Why: an upgrade runs in one transaction, so that a store is either upgraded or as it was.
//! Within it SQLite keeps the original of every page a statement changes until the statement
//! ends (its statement journal, so that one failed statement can be undone alone), and a sort's
//! keys until it is done; with SQLCipher both stay in memory, as a temporary file would hold
//! them unencrypted. One statement that copies, sorts or drops a whole table therefore holds
//! memory in proportion to the store (950 MB for the server's 17 → 19 upgrade at 1.35M
//! records, 331 MB for a device's 29 → 31 at as many: `docs/operations.md`, "The store").
//! Upgrade steps instead work a bounded batch of rows per statement ([`for_each_rowid_batch`]),
//! create a moved table's indexes before its rows arrive, and drop a table whose rows have all
//! moved without zeroing its pages ([`drop_moved_table`], [`drop_copied`]).

use rusqlite::{Connection, OptionalExtension};

/// Runs `batch` on each inclusive range of rowids of `table` that holds `rows` rows (the last
/// may hold fewer), in order; nothing for an empty table. `batch` must not add or remove rows
/// of `table`.
pub fn for_each_rowid_batch<E: From<rusqlite::Error>>(
    conn: &Connection,
    table: &str,
    rows: u32,
    mut batch: impl FnMut(i64, i64) -> Result<(), E>,
) -> Result<(), E> {
    let (first, last): (Option<i64>, Option<i64>) = conn.query_row(
        &format!("SELECT min(rowid), max(rowid) FROM {table}"),
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let (Some(mut low), Some(last)) = (first, last) else {
        return Ok(());
    };
    let mut batch_end = conn.prepare(&format!(
        "SELECT rowid FROM {table} WHERE rowid >= ?1 ORDER BY rowid LIMIT 1 OFFSET {}",
        rows.max(1) - 1
    ))?;
    loop {
        let high = batch_end
            .query_row([low], |r| r.get::<_, i64>(0))
            .optional()?
            .unwrap_or(last);
        batch(low, high)?;
        match high.checked_add(1) {
            Some(next) if high < last => low = next,
            _ => return Ok(()),
        }
    }
}

/// Runs `f` with `secure_delete` off on `conn`, and puts it back as it was whatever `f` gives.
///
/// With it on (as both stores run), every page a statement frees is overwritten with zeros,
/// which is a change to the page, so dropping a table of a million rows in a transaction holds
/// a copy of each of its pages in memory. Free pages this way only when every row in them is
/// still in the store, copied elsewhere in the same transaction (a moved table, the indexes of
/// a table that moves): nothing erased lingers in them, and later writes take free pages
/// before they grow the file.
fn without_zeroing<T, E: From<rusqlite::Error>>(
    conn: &Connection,
    f: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    let was: bool = conn.query_row("PRAGMA secure_delete", [], |r| r.get(0))?;
    conn.pragma_update(None, "secure_delete", false)?;
    let result = f();
    let restored = conn.pragma_update(None, "secure_delete", was);
    let value = result?;
    restored?;
    Ok(value)
}

/// Drops what `drop_sql` names (`DROP INDEX ...`, `DROP TABLE ...`) without zeroing its pages:
/// only for what the same transaction has copied elsewhere ([`without_zeroing`]).
pub fn drop_copied<E: From<rusqlite::Error>>(conn: &Connection, drop_sql: &str) -> Result<(), E> {
    without_zeroing(conn, || Ok(conn.execute_batch(drop_sql)?))
}

/// Drops the table `old` whose rows a step has moved, without zeroing its pages, once `moved`
/// is every row it holds; otherwise fails with `lost(moved, held)` and drops nothing.
pub fn drop_moved_table<E: From<rusqlite::Error>>(
    conn: &Connection,
    old: &str,
    moved: u64,
    lost: impl FnOnce(u64, u64) -> E,
) -> Result<(), E> {
    let held: u64 = conn.query_row(&format!("SELECT count(*) FROM {old}"), [], |r| r.get(0))?;
    if moved != held {
        return Err(lost(moved, held));
    }
    drop_copied(conn, &format!("DROP TABLE {old}"))
}

/// The line in a migration's SQL where its next Rust step runs.
pub const STEP_MARKER: &str = "-- @step";

/// A migration's step in Rust, failing with the store's own error.
pub type MigrationStep<E> = fn(&Connection) -> Result<(), E>;

/// Runs a migration's `sql` on `conn` with its Rust `steps`: each step where the SQL has a
/// line starting [`STEP_MARKER`], in order, and any step left after the SQL. A marked line
/// without its step fails the migration with `missing()`, before that step's place.
pub fn run_migration<E: From<rusqlite::Error>>(
    conn: &Connection,
    sql: &str,
    steps: &[MigrationStep<E>],
    missing: impl Fn() -> E,
) -> Result<(), E> {
    let mut steps = steps.iter();
    let mut part = String::new();
    for line in sql.lines() {
        if line.trim_start().starts_with(STEP_MARKER) {
            conn.execute_batch(&part)?;
            part.clear();
            let step = steps.next().ok_or_else(&missing)?;
            step(conn)?;
        } else {
            part.push_str(line);
            part.push('\n');
        }
    }
    conn.execute_batch(&part)?;
    steps.try_for_each(|step| step(conn))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rowid_batches_cover_every_row_once_in_order_up_to_the_largest_rowid() {
        let conn = Connection::open_in_memory().expect("a database");
        conn.execute_batch("CREATE TABLE t (x INTEGER); CREATE TABLE empty (x INTEGER)")
            .expect("tables");
        for rowid in [-5, 1, 2, 3, 7, 100, i64::MAX] {
            conn.execute("INSERT INTO t (rowid, x) VALUES (?1, 0)", [rowid])
                .expect("row");
        }
        let mut read = conn
            .prepare("SELECT rowid FROM t WHERE rowid BETWEEN ?1 AND ?2 ORDER BY rowid")
            .expect("read");
        let mut batches: Vec<Vec<i64>> = Vec::new();
        for_each_rowid_batch::<rusqlite::Error>(&conn, "t", 2, |low, high| {
            batches.push(
                read.query_map([low, high], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?,
            );
            Ok(())
        })
        .expect("batches");
        assert_eq!(
            batches,
            [vec![-5, 1], vec![2, 3], vec![7, 100], vec![i64::MAX]],
            "two rows a batch, each row once"
        );

        let mut none = 0;
        for_each_rowid_batch::<rusqlite::Error>(&conn, "empty", 2, |_, _| {
            none += 1;
            Ok(())
        })
        .expect("no batches");
        assert_eq!(none, 0);
    }

    #[test]
    fn secure_delete_is_put_back_as_it_was_even_when_the_work_fails() {
        let conn = Connection::open_in_memory().expect("a database");
        let secure = |conn: &Connection| -> bool {
            conn.query_row("PRAGMA secure_delete", [], |r| r.get(0))
                .expect("pragma")
        };
        for was in [true, false] {
            conn.pragma_update(None, "secure_delete", was).expect("set");
            let inside =
                without_zeroing::<_, rusqlite::Error>(&conn, || Ok(secure(&conn))).expect("ran");
            assert!(!inside, "off while the step frees pages");
            assert_eq!(secure(&conn), was);
            let failed: rusqlite::Result<()> =
                without_zeroing(&conn, || Err(rusqlite::Error::InvalidQuery));
            assert!(failed.is_err());
            assert_eq!(secure(&conn), was, "put back after a failure too");
        }
    }

    #[test]
    fn a_migrations_steps_run_where_its_sql_marks_them_and_a_missing_one_fails() {
        fn count_b(conn: &Connection) -> rusqlite::Result<()> {
            conn.execute_batch("INSERT INTO a SELECT count(*) FROM sqlite_schema WHERE name = 'b'")
        }
        let sql = "CREATE TABLE a (x);\n  -- @step: count b\nCREATE TABLE b (x);\n";
        let conn = Connection::open_in_memory().expect("a database");
        run_migration(&conn, sql, &[count_b, count_b], || {
            rusqlite::Error::InvalidQuery
        })
        .expect("migrated");
        let counts: Vec<i64> = conn
            .prepare("SELECT x FROM a ORDER BY rowid")
            .expect("read")
            .query_map([], |r| r.get(0))
            .expect("rows")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        assert_eq!(
            counts,
            [0, 1],
            "the first where marked, before b; the other after the SQL"
        );

        let conn = Connection::open_in_memory().expect("a database");
        let missing = run_migration(&conn, sql, &[], || rusqlite::Error::InvalidQuery);
        assert!(matches!(missing, Err(rusqlite::Error::InvalidQuery)));
    }

    #[test]
    fn a_moved_table_is_dropped_only_when_every_row_moved() {
        let conn = Connection::open_in_memory().expect("a database");
        conn.execute_batch("CREATE TABLE old (x); INSERT INTO old VALUES (1), (2), (3);")
            .expect("table");
        let lost = |moved, held| rusqlite::Error::InvalidColumnIndex((moved * 10 + held) as usize);
        let short = drop_moved_table(&conn, "old", 2, lost);
        assert!(matches!(
            short,
            Err(rusqlite::Error::InvalidColumnIndex(23))
        ));
        drop_moved_table(&conn, "old", 3, lost).expect("dropped");
        let left: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name = 'old'",
                [],
                |r| r.get(0),
            )
            .expect("schema");
        assert_eq!(left, 0);
    }
}
