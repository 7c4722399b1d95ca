//! Every earlier PostgreSQL schema, frozen as shipped in `tests/postgres_schemas/vN.sql` (a
//! `pg_dump` of the schema after migration N, with its bookkeeping rows), upgrades in place to
//! exactly the schema a fresh database gets, and keeps its rows usable: the device behind an
//! old token still authenticates, an old record is pulled field for field, an op applied before
//! the upgrade is still a duplicate, and a new push and pull go through on top of the old feed.
//! As the device store's `core/tests/schemas/` test: a frozen file is never edited; a schema
//! change is a new migration plus a new frozen file, and editing a shipped migration instead
//! makes the upgraded schema differ from a fresh one, and this test fail.
//!
//! Each version runs in a fresh schema of its own (`testing::TestSchema`), dropped afterwards.

use super::migrations::MIGRATIONS;
use super::testing::TestSchema;
use super::PostgresStorage;
use crate::storage::compact;
use crate::storage::conformance::{filter, row, target, write_row};
use crate::storage::{SyncStorage, TokenCheck, WriteOutcome};
use beatbook_core::ids::DeviceId;
use beatbook_core::sync::protocol::FieldState;
use beatbook_core::sync::{Hlc, RecordKind};
use postgres::{Client, NoTls};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::PathBuf;

const TEAM: &str = "0190a000-0000-7000-8000-000000000001";
const USER: &str = "0190a000-0000-7000-8000-0000000000a1";
const DEVICE: &str = "0190a000-0000-7000-8000-0000000000d1";
const NODE: &str = "0190a000-0000-7000-8000-0000000000e1";
const OLD_OP: &str = "0190a000-0000-7000-8000-0000000000f1";
const TOKEN: &[u8] = b"a device token issued before the upgrade";

fn frozen(version: usize) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/postgres_schemas/v{version}.sql"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn connect(schema: &TestSchema) -> Client {
    Client::connect(schema.url(), NoTls).expect("connect")
}

/// The old record's fields, as a device pushed them.
fn old_fields() -> compact::Fields {
    let device: DeviceId = DEVICE.parse().expect("device id");
    BTreeMap::from([
        (
            "text".to_owned(),
            FieldState {
                value: serde_json::json!("Fence down by the rec"),
                hlc: Hlc::new(1_764_000_000_000, device),
            },
        ),
        (
            "category".to_owned(),
            FieldState {
                value: serde_json::json!("community"),
                hlc: Hlc::new(1_764_000_000_001, device),
            },
        ),
    ])
}

/// Rows a database at any version so far holds: a team, a user, an enrolled device, the node
/// id, one record at seq 1 and the op that wrote it.
fn insert_old_rows(client: &mut Client) {
    let (values, clocks) = compact::split(&old_fields()).expect("compact form");
    let token_hash: [u8; 32] = Sha256::digest(TOKEN).into();
    client
        .batch_execute(&format!(
            "INSERT INTO server_meta (key, value) VALUES ('node_id', '{NODE}');
             INSERT INTO laps (code, name) VALUES ('LAP-NV', 'Northvale');
             INSERT INTO teams (id, name, lap_code, created_at) VALUES ('{TEAM}', 'Northvale NPT', 'LAP-NV', 1);
             INSERT INTO users (id, display_name, role, team_id, created_at)
               VALUES ('{USER}', 'PCSO Avery', 'pcso', '{TEAM}', 1);
             UPDATE feed SET last_seq = 1;
             INSERT INTO applied_ops (op_id, device_id, seq, received_at) VALUES ('{OLD_OP}', '{DEVICE}', 1, 2);"
        ))
        .expect("old reference rows");
    client
        .execute(
            "INSERT INTO devices (id, user_id, name, token_hash, created_at) VALUES ($1, $2, 'phone', $3, 1)",
            &[&DEVICE, &USER, &&token_hash[..]],
        )
        .expect("an old device");
    client
        .execute(
            "INSERT INTO records (kind, record_id, team_id, owner_user_id, field_values, clocks, seq,
                                  created_at, updated_at)
             VALUES ('note', 'old-note', NULL, $1, $2, $3, 1, 2, 2)",
            &[&USER, &values, &clocks],
        )
        .expect("an old record");
}

/// Tables, columns, constraints, indexes and triggers of the current schema, with its name
/// taken out: what "the same schema" means here.
fn fingerprint(client: &mut Client) -> Vec<String> {
    let schema: String = client
        .query_one("SELECT current_schema()", &[])
        .expect("schema")
        .get(0);
    let queries = [
        "SELECT table_name || '.' || column_name || ' ' || data_type || ' null=' || is_nullable
                || ' default=' || coalesce(column_default, '')
         FROM information_schema.columns WHERE table_schema = current_schema()",
        "SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
         FROM pg_constraint WHERE connamespace = current_schema()::regnamespace",
        "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()",
        // This schema's triggers only, by their table's namespace: other tests create and
        // drop schemas of their own meanwhile, and a trigger read while its table is dropped
        // gives no definition (NULL), which failed this test now and then.
        "SELECT t.tgrelid::regclass::text || ' ' || t.tgname || ' ' || pg_get_triggerdef(t.oid)
         FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace",
        "SELECT proname || ' ' || md5(prosrc) FROM pg_proc
         WHERE pronamespace = current_schema()::regnamespace",
    ];
    let mut lines: Vec<String> = queries
        .iter()
        .flat_map(|q| client.query(*q, &[]).expect("catalogue"))
        .map(|r| r.get::<_, String>(0).replace(&format!("{schema}."), ""))
        .collect();
    lines.sort();
    lines
}

#[test]
fn every_frozen_schema_upgrades_to_the_fresh_schema_and_keeps_its_rows_usable() {
    let Some(fresh) = TestSchema::create() else {
        return;
    };
    drop(PostgresStorage::open(fresh.url()).expect("a fresh database"));
    let fresh_schema = fingerprint(&mut connect(&fresh));
    assert!(
        fresh_schema.iter().any(|l| l.contains("applied_ops_pkey")),
        "the fingerprint sees constraints: {fresh_schema:?}"
    );
    assert!(
        fresh_schema.iter().any(|l| l.contains("CREATE TRIGGER")),
        "the fingerprint sees triggers: {fresh_schema:?}"
    );

    for version in 1..=MIGRATIONS.len() {
        let Some(schema) = TestSchema::create() else {
            return;
        };
        let mut client = connect(&schema);
        client
            .batch_execute(&frozen(version))
            .unwrap_or_else(|e| panic!("v{version}: the frozen schema applies: {e}"));
        insert_old_rows(&mut client);
        if version == 1 {
            client
                .batch_execute(
                    "INSERT INTO audit_log (at_ms, user_id, role, device_id, action, subject, detail)
                       VALUES (3, NULL, 'admin', NULL, 'disclosure', 'report', 'March')",
                )
                .expect("an old audit entry");
        }

        let storage = PostgresStorage::open(schema.url())
            .unwrap_or_else(|e| panic!("v{version} upgrades: {e}"));
        assert_eq!(
            fingerprint(&mut client),
            fresh_schema,
            "v{version} upgraded differs from a fresh database"
        );
        assert_eq!(storage.server_node().expect("node").to_string(), NODE);

        // The device enrolled before the upgrade still authenticates.
        let token_hash: [u8; 32] = Sha256::digest(TOKEN).into();
        match storage.authenticate(token_hash, 10).expect("authenticate") {
            TokenCheck::Active(p) => assert_eq!(p.device_id.to_string(), DEVICE, "v{version}"),
            other => panic!("v{version}: the old device is {other:?}"),
        }
        // The old record is pulled field for field.
        let page = storage.feed_page(&filter(), 0, 10).expect("pull");
        assert_eq!(page.head, 1, "v{version}");
        assert_eq!(page.rows.len(), 1, "v{version}");
        assert_eq!(page.rows[0].record_id, "old-note");
        assert_eq!(page.rows[0].state.fields, old_fields(), "v{version}");

        // The op applied before the upgrade is a duplicate from the same device.
        let device: DeviceId = DEVICE.parse().expect("device");
        let mut retry = target(
            Some(OLD_OP.parse().expect("op id")),
            RecordKind::Note,
            "old-note",
        );
        retry.device_id = Some(device);
        let outcome = storage
            .write_record(&retry, &mut |_| {
                write_row(row(RecordKind::Note, "old-note", false))
            })
            .expect("retry");
        assert!(
            matches!(outcome, WriteOutcome::Duplicate),
            "v{version}: {outcome:?}"
        );

        // A new push lands after the old feed, and a pull from the old head gets it alone.
        let mut push = target(Some(uuid::Uuid::now_v7()), RecordKind::Note, "new-note");
        push.device_id = Some(device);
        let outcome = storage
            .write_record(&push, &mut |_| {
                write_row(row(RecordKind::Note, "new-note", false))
            })
            .expect("push");
        assert!(
            matches!(outcome, WriteOutcome::Applied { seq: Some(2), .. }),
            "v{version}: {outcome:?}"
        );
        let page = storage.feed_page(&filter(), 1, 10).expect("pull");
        let ids: Vec<&str> = page.rows.iter().map(|r| r.record_id.as_str()).collect();
        assert_eq!(ids, ["new-note"], "v{version}");
        assert_eq!(page.head, 2);

        // The s.62 log is one intact chain, with what version 1 had in it.
        let verified = crate::storage::audit_chain::verify(&storage, None)
            .expect("read the chain")
            .unwrap_or_else(|e| panic!("v{version}: broken chain: {e:?}"));
        assert_eq!(verified.entries, u64::from(version == 1), "v{version}");
        drop(storage);
    }
}

#[test]
fn the_latest_schema_is_frozen() {
    // Shipping a PostgreSQL migration means freezing its schema too.
    assert!(frozen(MIGRATIONS.len()).contains("CREATE TABLE"));
}
