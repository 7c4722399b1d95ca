//! Reads the synced state from the files — a device's field clocks (`sync_records`) with the
//! values its tables hold, and the server's `records` and `applied_ops` straight from its
//! database — so the reliability harnesses can say "device and server agree" and "each op is
//! on the server once" without trusting the sync code under test to report it.

use beatbook_core::sync::{RecordClocks, RecordKind};
use beatbook_core::{Store, StoreKey};
use beatbook_server::storage::packed_values::{unpack, StoredValues};
use rusqlite::{Connection, OpenFlags};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// One synced field: `(kind, record_id, field)` → `(value, hlc)`.
pub type Fields = BTreeMap<(String, String, String), (Value, String)>;

/// The server's database file in its data folder, read-only, keyed with the harness's
/// server store key.
pub fn server_db(data_dir: &Path) -> Connection {
    server_db_with(data_dir, OpenFlags::SQLITE_OPEN_READ_ONLY)
}

/// The server's database file opened with `flags` (the benches write seed rows straight in).
pub fn server_db_with(data_dir: &Path, flags: OpenFlags) -> Connection {
    crate::keyed::open_keyed(
        &data_dir.join("beatbook-server.db"),
        &crate::server::store_key().to_hex(),
        flags,
    )
}

/// A device's encrypted store, opened beside (or after) the app.
pub fn device_db(path: &Path, key: &StoreKey) -> Store {
    Store::open(path, key).expect("open the device's store")
}

fn placeholders(kinds: &[&str]) -> String {
    vec!["?"; kinds.len()].join(", ")
}

/// Every field of the device's records of `kinds`, as its merge sees them: each field's clock
/// from its sync state, its value from the record's table (or held copy).
pub fn device_fields(store: &Store, kinds: &[&str]) -> Fields {
    let kinds: Vec<RecordKind> = kinds
        .iter()
        .map(|k| k.parse().expect("a record kind"))
        .collect();
    let mut out = Fields::new();
    for ((kind, id), state) in store.synced_records(&kinds).expect("the device's records") {
        for (name, field) in state.fields {
            out.insert(
                (kind.to_string(), id.clone(), name),
                (field.value, field.hlc.to_string()),
            );
        }
    }
    out
}

/// How many records of `kinds` the device holds sync state for.
pub fn device_record_count(store: &Store, kinds: &[&str]) -> u64 {
    let kinds: Vec<RecordKind> = kinds
        .iter()
        .map(|k| k.parse().expect("a record kind"))
        .collect();
    store
        .synced_records(&kinds)
        .expect("the device's records")
        .len() as u64
}

/// Every field of the server's live (not erased) records of `kinds`: values from
/// `field_values` (plain or packed, server schema version 10), clocks decoded from `clocks`
/// (version 4).
pub fn server_fields(conn: &Connection, kinds: &[&str]) -> Fields {
    let sql = format!(
        "SELECT kind, record_id, field_values, clocks FROM records WHERE erased = 0 AND kind IN ({})",
        placeholders(kinds)
    );
    let mut stmt = conn.prepare(&sql).expect("query records");
    let rows = stmt
        .query_map(rusqlite::params_from_iter(kinds), |r| {
            Ok((
                r.get::<_, String>(0)?,
                // Packed when a UUID since server schema 19, given back as its text.
                r.get::<_, beatbook_core::logged_record_id::LoggedRecordId>(1)?
                    .0,
                r.get::<_, StoredValues>(2)?,
                r.get::<_, Vec<u8>>(3)?,
            ))
        })
        .expect("read records");
    let mut out = Fields::new();
    for row in rows {
        let (kind, id, values, clocks) = row.expect("row");
        let values = values.json().unwrap_or_else(|e| panic!("{kind} {id}: {e}"));
        let mut values: BTreeMap<String, Value> =
            serde_json::from_str(&values).expect("a values object");
        let clocks = RecordClocks::decode(&clocks).expect("the record's clocks");
        for (name, hlc) in clocks.fields {
            let value = values.remove(&name).expect("a value for every clock");
            out.insert((kind.clone(), id.clone(), name), (value, hlc.to_string()));
        }
        assert!(values.is_empty(), "{kind} {id}: values without clocks");
    }
    out
}

/// Rewrites the server's packed record values as plain JSON text (which the server reads as
/// well), so that SQL's JSON functions can edit them; `packed_values::pack_plain_rows` packs
/// them again.
pub fn unpack_records(conn: &Connection) {
    let packed: Vec<(i64, Vec<u8>)> = conn
        .prepare("SELECT rowid, field_values FROM records WHERE typeof(field_values) = 'blob'")
        .expect("read records")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("read records")
        .collect::<rusqlite::Result<_>>()
        .expect("records");
    for (rowid, stored) in packed {
        let json = unpack(&stored).expect("packed values");
        conn.execute(
            "UPDATE records SET field_values = ?2 WHERE rowid = ?1",
            rusqlite::params![rowid, json.as_ref()],
        )
        .expect("plain values");
    }
}

/// How many rows a query counts (`SELECT count(*) ...`).
pub fn count(conn: &Connection, sql: &str, params: &[&str]) -> u64 {
    conn.query_row(sql, rusqlite::params_from_iter(params), |r| r.get(0))
        .expect("count")
}

/// The first difference between two field sets, for an assertion message (None when equal).
pub fn first_difference(left: &Fields, right: &Fields) -> Option<String> {
    if left == right {
        return None;
    }
    for (key, value) in left {
        match right.get(key) {
            None => {
                return Some(format!(
                    "{key:?} only on the left ({} fields vs {})",
                    left.len(),
                    right.len()
                ))
            }
            Some(other) if other != value => {
                return Some(format!("{key:?} differs: {value:?} vs {other:?}"))
            }
            _ => {}
        }
    }
    right.keys().find(|k| !left.contains_key(*k)).map(|k| {
        format!(
            "{k:?} only on the right ({} fields vs {})",
            left.len(),
            right.len()
        )
    })
}

/// Asserts that the server holds exactly the records and field states `device` holds for
/// `kinds`, that no op was applied twice (each applied op id once — the table's key — and no
/// conflict arose, which a replayed op with a stale base would cause) and that nothing was
/// refused.
pub fn assert_agree(device: &Store, server: &Connection, kinds: &[&str], context: &str) {
    let on_device = device_fields(device, kinds);
    let on_server = server_fields(server, kinds);
    if let Some(diff) = first_difference(&on_device, &on_server) {
        panic!("{context}: device and server disagree: {diff}");
    }
    assert_eq!(
        count(
            server,
            "SELECT count(*) FROM records WHERE kind = 'conflict'",
            &[]
        ),
        0,
        "{context}: a conflict arose (an op applied twice or out of order)"
    );
    assert_eq!(
        device.sync_status().expect("status").rejected_changes,
        0,
        "{context}: the server refused an op"
    );
}
