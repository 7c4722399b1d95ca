//! The retention index in SQLite (`storage::retention_index`): kept in the write transaction
//! of every record ([`index`]), filled by migration 0009's step ([`backfill`]), and read by
//! ranges ([`entries`]) and parents ([`children`]).

use crate::storage::packed_values::StoredValues;
use crate::storage::retention_index::{writes_for, IndexWrite, RetentionEntry, RetentionRange};
use crate::storage::{RecordMeta, RecordRow, StorageResult};
use beatbook_core::logged_record_id::LoggedRecordId;
use beatbook_core::retention::RetainedKind;
use beatbook_core::sync::merge::RecordState;
use beatbook_core::sync::RecordKind;
use rusqlite::types::Value;
use rusqlite::{params, Connection};

/// Applies the index changes of writing `row` (in the caller's transaction), its ids as the
/// store keeps them since schema 19 (`LoggedRecordId::stored`).
pub(super) fn index(conn: &Connection, row: &RecordRow) -> StorageResult<()> {
    index_with_ids(conn, row, LoggedRecordId::stored)
}

/// [`index`], each id written as `stored_id` gives it: migration 0009's step writes them as
/// text, the form of its version (migration 0019 packs them).
fn index_with_ids(
    conn: &Connection,
    row: &RecordRow,
    stored_id: fn(&str) -> Value,
) -> StorageResult<()> {
    for write in writes_for(row) {
        match write {
            IndexWrite::Own {
                kind,
                record_id,
                team_id,
                held,
                anchor_ms,
                parent,
            } => {
                let (parent_kind, parent_id) = match parent {
                    Some((k, id)) => (Some(k.record_kind()), Some(id)),
                    None => (None, None),
                };
                conn.prepare_cached(
                    "INSERT INTO retention_index
                       (kind, record_id, team_id, held, anchor_ms, parent_kind, parent_id)
                     VALUES (?1, ?2, ?3, ?4,
                       CASE WHEN ?8 THEN ?5
                       ELSE (SELECT p.anchor_ms FROM retention_index p
                             WHERE p.kind = ?6 AND p.record_id = ?7) END,
                       ?6, ?7)
                     ON CONFLICT (kind, record_id) DO UPDATE SET team_id = excluded.team_id,
                       held = excluded.held,
                       anchor_ms = CASE WHEN ?8 THEN excluded.anchor_ms
                                   ELSE retention_index.anchor_ms END,
                       parent_kind = coalesce(excluded.parent_kind, retention_index.parent_kind),
                       parent_id = coalesce(excluded.parent_id, retention_index.parent_id)",
                )?
                .execute(params![
                    kind,
                    stored_id(&record_id),
                    team_id.as_deref().map(stored_id),
                    held,
                    anchor_ms.flatten(),
                    parent_kind,
                    parent_id.as_deref().map(stored_id),
                    anchor_ms.is_some()
                ])?;
            }
            IndexWrite::Anchor {
                kind,
                record_id,
                anchor_ms,
            } => {
                conn.prepare_cached(
                    "UPDATE retention_index SET anchor_ms = ?3 WHERE kind = ?1 AND record_id = ?2",
                )?
                .execute(params![kind, stored_id(&record_id), anchor_ms])?;
            }
            IndexWrite::Retain {
                kind,
                record_id,
                team_id,
                until_ms,
            } => {
                conn.prepare_cached(
                    "INSERT INTO retention_index
                       (kind, record_id, team_id, held, retained_until_ms)
                     VALUES (?1, ?2, ?3, 0, ?4)
                     ON CONFLICT (kind, record_id)
                     DO UPDATE SET retained_until_ms = excluded.retained_until_ms",
                )?
                .execute(params![
                    kind,
                    stored_id(&record_id),
                    team_id.as_deref().map(stored_id),
                    until_ms
                ])?;
            }
        }
    }
    Ok(())
}

/// Kinds the index holds rows for.
const INDEXED: &str = "'contact', 'contact_personal', 'note', 'patrol', 'problem', 'follow_up',
    'problem_step', 'stage_request', 'retention_review', 'conflict'";

/// Migration 0009's step: the index for every stored record.
pub(super) fn backfill(conn: &Connection) -> StorageResult<()> {
    let mut read = conn.prepare(&format!(
        "SELECT kind, record_id, team_id, field_values, clocks, erased, subject_kind, subject_id
         FROM records
         WHERE kind IN ({INDEXED})"
    ))?;
    let mut rows = read.query([])?;
    while let Some(r) = rows.next()? {
        let values: StoredValues = r.get(3)?;
        let clocks: Vec<u8> = r.get(4)?;
        let row = RecordRow {
            kind: r.get(0)?,
            record_id: r.get(1)?,
            meta: RecordMeta {
                team_id: r.get(2)?,
                subject: r
                    .get::<_, Option<RecordKind>>(6)?
                    .zip(r.get::<_, Option<String>>(7)?),
                ..RecordMeta::default()
            },
            state: RecordState {
                fields: crate::storage::compact::join(&values.json()?, &clocks)?,
                erased: r.get(5)?,
            },
        };
        index_with_ids(conn, &row, |id| Value::Text(id.to_owned()))?;
    }
    Ok(())
}

fn entry(kind: RetainedKind, r: &rusqlite::Row<'_>) -> rusqlite::Result<RetentionEntry> {
    Ok(RetentionEntry {
        kind,
        record_id: r.get::<_, LoggedRecordId>(0)?.0,
        team_id: r.get(1)?,
        anchor_ms: r.get(2)?,
        retained_until_ms: r.get(3)?,
    })
}

/// The held records of a range: never retained with an anchor in range, then retained with a
/// date in range; each an index range (`retention_by_anchor`, `retention_by_until`).
pub(super) fn entries(
    conn: &Connection,
    range: &RetentionRange,
) -> StorageResult<Vec<RetentionEntry>> {
    let kind = range.kind.record_kind();
    // Kept as 16 bytes since schema 19, as in `records` (`records::packed`).
    let team = range.team.map(|t| super::records::packed(t.0));
    let limit = i64::from(range.limit);
    let mut found = Vec::new();
    if let Some(through) = range.anchor_through_ms {
        let mut stmt = conn.prepare_cached(ANCHOR_RANGE)?;
        let rows = stmt.query_map(params![kind, through, team, limit], |r| {
            entry(range.kind, r)
        })?;
        for row in rows {
            found.push(row?);
        }
    }
    let left = limit - i64::try_from(found.len()).unwrap_or(limit);
    if left > 0 {
        let mut stmt = conn.prepare_cached(UNTIL_RANGE)?;
        let rows = stmt.query_map(params![kind, range.until_through_ms, team, left], |r| {
            entry(range.kind, r)
        })?;
        for row in rows {
            found.push(row?);
        }
    }
    Ok(found)
}

pub(super) const ANCHOR_RANGE: &str =
    "SELECT record_id, team_id, anchor_ms, retained_until_ms FROM retention_index
     INDEXED BY retention_by_anchor
     WHERE kind = ?1 AND held = 1 AND retained_until_ms IS NULL AND anchor_ms <= ?2
       AND (?3 IS NULL OR team_id = ?3)
     ORDER BY anchor_ms LIMIT ?4";

pub(super) const UNTIL_RANGE: &str =
    "SELECT record_id, team_id, anchor_ms, retained_until_ms FROM retention_index
     INDEXED BY retention_by_until
     WHERE kind = ?1 AND held = 1 AND retained_until_ms <= ?2
       AND (?3 IS NULL OR team_id = ?3)
     ORDER BY retained_until_ms LIMIT ?4";

/// The held children of a governed record.
pub(super) fn children(
    conn: &Connection,
    parent: RetainedKind,
    parent_id: &str,
) -> StorageResult<Vec<(RecordKind, String)>> {
    let mut rows = conn
        .prepare_cached(
            "SELECT kind, record_id FROM retention_index
             WHERE parent_kind = ?1 AND parent_id = ?2 AND held = 1",
        )?
        .query_map(
            params![parent.record_kind(), LoggedRecordId::stored(parent_id)],
            |r| Ok((r.get::<_, RecordKind>(0)?, r.get::<_, LoggedRecordId>(1)?.0)),
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    // By kind and id as text: SQLite would order a packed id after every id kept as text.
    rows.sort_by(|a, b| (a.0.as_str(), &a.1).cmp(&(b.0.as_str(), &b.1)));
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::sqlite::migrations::migrate;
    use crate::storage::sqlite::{open_test_file, private_tempdir, SqliteStorage};
    use crate::storage::SyncStorage;

    fn plan(conn: &Connection, sql: &str) -> String {
        let mut stmt = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .expect("explain");
        let rows = stmt
            .query_map(params!["contact", 0_i64, None::<String>, 10_i64], |r| {
                r.get::<_, String>(3)
            })
            .expect("plan")
            .collect::<rusqlite::Result<Vec<_>>>()
            .expect("rows");
        rows.join("; ")
    }

    #[test]
    fn what_is_expired_is_an_index_range_never_a_scan() {
        let dir = private_tempdir();
        let storage =
            SqliteStorage::open(dir.path(), &crate::storage::sqlite::test_key()).expect("open");
        let conn = open_test_file(storage.path());
        let anchor = plan(&conn, ANCHOR_RANGE);
        assert!(
            anchor.contains(
                "SEARCH retention_index USING INDEX retention_by_anchor (kind=? AND anchor_ms<?)"
            ),
            "{anchor}"
        );
        let until = plan(&conn, UNTIL_RANGE);
        assert!(
            until.contains("SEARCH retention_index USING INDEX retention_by_until (kind=? AND retained_until_ms<?)"),
            "{until}"
        );
        for p in [&anchor, &until] {
            assert!(!p.contains("SCAN"), "{p}");
        }
        let mut stmt = conn
            .prepare(
                "EXPLAIN QUERY PLAN SELECT kind, record_id FROM retention_index
                 WHERE parent_kind = ?1 AND parent_id = ?2 AND held = 1 ORDER BY kind, record_id",
            )
            .expect("explain");
        let children: Vec<String> = stmt
            .query_map(params!["contact", "c1"], |r| r.get::<_, String>(3))
            .expect("plan")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        assert!(
            children
                .iter()
                .any(|p| p.contains("USING INDEX retention_by_parent")),
            "{children:?}"
        );
    }

    /// Index entries (leaf cells) of `index`, by SQLite's `dbstat`.
    fn entries_in(conn: &Connection, index: &str) -> i64 {
        conn.query_row(
            "SELECT coalesce(sum(ncell), 0) FROM dbstat WHERE name = ?1 AND pagetype = 'leaf'",
            [index],
            |r| r.get(0),
        )
        .expect("dbstat")
    }

    #[test]
    fn a_version_13_store_keeps_its_ranges_with_only_their_rows_indexed() {
        let (_dir, mut conn) = crate::storage::sqlite::store_at_version(13);
        conn.execute_batch(
            "INSERT INTO retention_index
               (kind, record_id, team_id, held, anchor_ms, retained_until_ms, parent_kind, parent_id)
             VALUES ('contact', 'due', NULL, 1, 100, NULL, NULL, NULL),
                    ('contact', 'later', NULL, 1, 900, NULL, NULL, NULL),
                    ('contact', 'kept', NULL, 1, 50, 300, NULL, NULL),
                    ('contact', 'gone', NULL, 0, 10, NULL, NULL, NULL),
                    ('follow_up', 'child', NULL, 1, NULL, NULL, 'contact', 'due');",
        )
        .expect("old index rows");
        assert_eq!(entries_in(&conn, "retention_by_until"), 4);
        migrate(&mut conn).expect("upgrade");
        assert_eq!(entries_in(&conn, "retention_by_until"), 1, "only 'kept'");
        assert_eq!(
            entries_in(&conn, "retention_by_anchor"),
            2,
            "'due' and 'later'"
        );
        let due = |anchor_through_ms, until_through_ms| {
            entries(
                &conn,
                &RetentionRange {
                    kind: RetainedKind::Contact,
                    anchor_through_ms,
                    until_through_ms,
                    team: None,
                    limit: 10,
                },
            )
            .expect("range")
            .into_iter()
            .map(|e| e.record_id)
            .collect::<Vec<_>>()
        };
        assert_eq!(due(Some(500), 200), ["due"]);
        assert_eq!(due(Some(1_000), 300), ["due", "later", "kept"]);
        assert_eq!(due(None, 300), ["kept"]);
        assert_eq!(
            children(&conn, RetainedKind::Contact, "due").expect("children"),
            [(RecordKind::FollowUp, "child".to_owned())]
        );
    }

    #[test]
    fn a_version_15_store_drops_the_rows_of_personal_details_it_does_not_hold() {
        let (_dir, mut conn) = crate::storage::sqlite::store_at_version(15);
        conn.execute_batch(
            "INSERT INTO records (kind, record_id, field_values, clocks, erased, seq, created_at,
                                  updated_at)
             VALUES ('contact_personal', 'with', '{}', x'010000', 0, 1, 1, 1),
                    ('contact_personal', 'redacted', '{}', x'010000', 0, 2, 1, 1),
                    ('contact_personal', 'erased', '{}', x'010000', 1, 3, 1, 1);
             INSERT INTO retention_index
               (kind, record_id, team_id, held, anchor_ms, retained_until_ms, parent_kind, parent_id)
             VALUES ('contact', 'with', NULL, 1, 100, NULL, NULL, NULL),
                    ('contact', 'without', NULL, 1, 100, NULL, NULL, NULL),
                    ('contact_personal', 'with', NULL, 1, 100, NULL, 'contact', 'with'),
                    ('contact_personal', 'without', NULL, 0, 100, NULL, NULL, NULL),
                    ('contact_personal', 'redacted', NULL, 0, 100, NULL, 'contact', 'redacted'),
                    ('contact_personal', 'erased', NULL, 0, NULL, NULL, 'contact', 'erased'),
                    ('contact_personal', 'kept', NULL, 0, NULL, 500, NULL, NULL);",
        )
        .expect("old rows");
        migrate(&mut conn).expect("upgrade");
        let personal: Vec<String> = conn
            .prepare(
                "SELECT record_id FROM retention_index WHERE kind = 'contact_personal'
                 ORDER BY record_id",
            )
            .expect("read")
            .query_map([], |r| r.get(0))
            .expect("rows")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        assert_eq!(
            personal,
            ["erased", "kept", "redacted", "with"],
            "only the row of a contact's personal details never stored goes"
        );
        let contacts: i64 = conn
            .query_row(
                "SELECT count(*) FROM retention_index WHERE kind = 'contact'",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(contacts, 2);
    }

    #[test]
    fn a_version_8_store_gets_its_retention_index_from_its_records() {
        use beatbook_core::sync::protocol::FieldState;
        use beatbook_core::sync::Hlc;
        let (dir, mut conn) = crate::storage::sqlite::store_at_version(8);
        let hlc = Hlc::new(1, beatbook_core::ids::DeviceId::new());
        let put = |kind: &str, id: &str, fields: serde_json::Value| {
            let serde_json::Value::Object(map) = fields else {
                panic!("an object")
            };
            let fields: crate::storage::compact::Fields = map
                .into_iter()
                .map(|(k, value)| (k, FieldState { value, hlc }))
                .collect();
            let (values, clocks) = crate::storage::compact::split(&fields).expect("split");
            conn.execute(
                "INSERT INTO records (kind, record_id, field_values, clocks, seq, created_at,
                   updated_at) VALUES (?1, ?2, ?3, ?4, (SELECT count(*) + 1 FROM records), 1, 1)",
                params![kind, id, values, clocks],
            )
            .expect("an old record");
        };
        put(
            "contact",
            "c1",
            serde_json::json!({"id": "c1", "occurred_at": "2026-01-01T00:00:00Z"}),
        );
        put(
            "contact_personal",
            "c1",
            serde_json::json!({"details": {"name": "Ada Example"}}),
        );
        put(
            "follow_up",
            "f1",
            serde_json::json!({"id": "f1", "contact_id": "c1"}),
        );
        // A contact without personal details: no row for them.
        put(
            "contact",
            "c2",
            serde_json::json!({"id": "c2", "occurred_at": "2026-01-02T00:00:00Z"}),
        );
        migrate(&mut conn).expect("upgrade");
        let held: Vec<(String, bool, Option<i64>)> = conn
            .prepare("SELECT kind, held, anchor_ms FROM retention_index ORDER BY kind, record_id")
            .expect("read")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("rows")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        let anchor = Some(1_767_225_600_000);
        assert_eq!(
            held,
            [
                ("contact".to_owned(), true, anchor),
                ("contact".to_owned(), true, Some(1_767_312_000_000)),
                ("contact_personal".to_owned(), true, anchor),
                ("follow_up".to_owned(), true, None),
            ]
        );
        drop(conn);
        let storage =
            SqliteStorage::open(dir.path(), &crate::storage::sqlite::test_key()).expect("storage");
        assert_eq!(
            storage
                .retention_children(RetainedKind::Contact, "c1")
                .expect("children"),
            [
                (RecordKind::ContactPersonal, "c1".to_owned()),
                (RecordKind::FollowUp, "f1".to_owned())
            ]
        );
    }
}
