//! Schema migrations for PostgreSQL: the `.sql` files in `sync-server/migrations/postgres/`,
//! applied in order in one transaction, tracked in `schema_migrations`. Several instances may
//! start at once on one database: each takes a transaction-scoped advisory lock (keyed by the
//! schema) first, so one migrates and the others then find the work done. A database newer
//! than this build is refused rather than written to with the wrong schema.

use crate::storage::{StorageError, StorageResult};
use postgres::{Client, Transaction};

/// Every migration, in order; `schema_migrations` holds one row per applied one.
pub(super) const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_initial",
        include_str!("../../../migrations/postgres/0001_initial.sql"),
    ),
    (
        "0002_audit_chain",
        include_str!("../../../migrations/postgres/0002_audit_chain.sql"),
    ),
    (
        "0003_op_ids_per_device",
        include_str!("../../../migrations/postgres/0003_op_ids_per_device.sql"),
    ),
    (
        "0004_device_audit_marks",
        include_str!("../../../migrations/postgres/0004_device_audit_marks.sql"),
    ),
    (
        "0005_triangle_corners",
        include_str!("../../../migrations/postgres/0005_triangle_corners.sql"),
    ),
    (
        "0006_retention_index",
        include_str!("../../../migrations/postgres/0006_retention_index.sql"),
    ),
    (
        "0007_team_roster",
        include_str!("../../../migrations/postgres/0007_team_roster.sql"),
    ),
    (
        "0008_retention_no_empty_personal_rows",
        include_str!("../../../migrations/postgres/0008_retention_no_empty_personal_rows.sql"),
    ),
    (
        "0009_report_reach",
        include_str!("../../../migrations/postgres/0009_report_reach.sql"),
    ),
];

/// A step a migration takes after its SQL, in the same transaction, for what SQL cannot do.
type ConvertStep = fn(&mut Transaction<'_>) -> StorageResult<()>;

/// The Rust step of a migration, by its name.
fn convert_step(name: &str) -> Option<ConvertStep> {
    match name {
        "0002_audit_chain" => Some(|tx| super::audit::adopt_legacy(tx)),
        "0005_triangle_corners" => Some(split_triangles),
        "0006_retention_index" => Some(super::retention::backfill),
        "0009_report_reach" => Some(super::reports::fill_report_reach),
        _ => None,
    }
}

/// Migration 0005's step: every stored problem's `triangle` split into its corner fields
/// (`storage::triangle_corners`, as the SQLite store's 0008).
fn split_triangles(tx: &mut Transaction<'_>) -> StorageResult<()> {
    let rows = tx.query(
        "SELECT record_id, field_values, clocks FROM records WHERE kind = 'problem' AND NOT erased",
        &[],
    )?;
    for r in rows {
        let (id, values, clocks): (String, String, Vec<u8>) =
            (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
        if let Some((values, clocks)) =
            crate::storage::triangle_corners::split_stored(&values, &clocks)?
        {
            tx.execute(
                "UPDATE records SET field_values = $2, clocks = $3
                 WHERE kind = 'problem' AND record_id = $1",
                &[&id, &values, &clocks],
            )?;
        }
    }
    Ok(())
}

/// The advisory lock's first key (the second is the schema's hash): "BBMG".
const MIGRATION_LOCK: i32 = 0x4242_4d47;

/// Brings the database's schema up to date.
pub(super) fn migrate(client: &mut Client) -> StorageResult<()> {
    migrate_to(client, MIGRATIONS)
}

fn migrate_to(client: &mut Client, migrations: &[(&str, &str)]) -> StorageResult<()> {
    let mut tx = client.transaction()?;
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))",
        &[&MIGRATION_LOCK],
    )?;
    // Looked up before creating: a least-privilege role (no CREATE on the schema) may then
    // start on an up-to-date database (docs/operations.md, "Roles").
    let tracked: bool = tx
        .query_one("SELECT to_regclass('schema_migrations') IS NOT NULL", &[])?
        .try_get(0)?;
    if !tracked {
        tx.batch_execute(
            "CREATE TABLE schema_migrations (
               version    INTEGER PRIMARY KEY,
               name       TEXT NOT NULL,
               applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
             )",
        )?;
    }
    let applied: i64 = tx
        .query_one("SELECT count(*) FROM schema_migrations", &[])?
        .try_get(0)?;
    let applied = usize::try_from(applied)
        .map_err(|_| StorageError::Corrupt("negative schema version".into()))?;
    if applied > MIGRATIONS.len() {
        return Err(StorageError::Invalid(format!(
            "the database has schema version {applied}, newer than this server ({}); upgrade the server",
            MIGRATIONS.len()
        )));
    }
    for (index, (name, sql)) in migrations.iter().enumerate().skip(applied) {
        tx.batch_execute(sql)?;
        if let Some(step) = convert_step(name) {
            step(&mut tx)?;
        }
        let version = i32::try_from(index + 1)
            .map_err(|_| StorageError::Invalid("too many migrations".into()))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
            &[&version, name],
        )?;
        tracing::info!(migration = name, "applied schema migration");
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::TestSchema;
    use super::super::PostgresStorage;
    use crate::storage::{StorageError, SyncStorage};

    #[test]
    fn instances_starting_at_once_migrate_once_and_share_one_node_id() {
        let Some(schema) = TestSchema::create() else {
            return;
        };
        let url = schema.url().to_owned();
        let starts: Vec<_> = (0..3)
            .map(|_| {
                let url = url.clone();
                std::thread::spawn(move || PostgresStorage::open(&url))
            })
            .collect();
        let nodes: Vec<_> = starts
            .into_iter()
            .map(|s| {
                s.join()
                    .expect("thread")
                    .expect("open")
                    .server_node()
                    .expect("node")
            })
            .collect();
        assert!(nodes.iter().all(|n| *n == nodes[0]), "{nodes:?}");
        let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
        let versions: i64 = client
            .query_one("SELECT count(*) FROM schema_migrations", &[])
            .expect("count")
            .get(0);
        assert_eq!(versions, super::MIGRATIONS.len() as i64);
    }

    #[test]
    fn a_database_from_before_the_chain_keeps_its_audit_entries_chained() {
        let Some(schema) = TestSchema::create() else {
            return;
        };
        let mut client = postgres::Client::connect(schema.url(), postgres::NoTls).expect("connect");
        super::migrate_to(&mut client, &super::MIGRATIONS[..1]).expect("version 1");
        client
            .batch_execute(
                "INSERT INTO audit_log (at_ms, user_id, role, device_id, action, subject, detail)
                   VALUES (1, NULL, 'admin', NULL, 'disclosure', 'report', 'March'),
                          (2, NULL, 'admin', NULL, 'consultation', 'follow_up', 'April')",
            )
            .expect("old entries");
        let storage = PostgresStorage::open(schema.url()).expect("upgrade");
        let verified = crate::storage::audit_chain::verify(&storage, None)
            .expect("read")
            .expect("intact");
        assert_eq!(verified.entries, 2);
        let details: Vec<_> = storage
            .audit_log(10)
            .expect("log")
            .into_iter()
            .map(|e| e.detail.unwrap_or_default())
            .collect();
        assert_eq!(details, ["April", "March"]);
        let old: bool = client
            .query_one("SELECT to_regclass('audit_log') IS NOT NULL", &[])
            .expect("query")
            .get(0);
        assert!(!old, "the old log was folded into the chain");
    }

    #[test]
    fn a_database_newer_than_this_server_is_refused() {
        let Some(schema) = TestSchema::create() else {
            return;
        };
        drop(PostgresStorage::open(schema.url()).expect("open"));
        let mut client = postgres::Client::connect(schema.url(), postgres::NoTls).expect("connect");
        client
            .execute(
                "INSERT INTO schema_migrations (version, name) VALUES (999, 'from the future')",
                &[],
            )
            .expect("future version");
        assert!(matches!(
            PostgresStorage::open(schema.url()),
            Err(StorageError::Invalid(_))
        ));
    }

    #[test]
    fn a_version_3_database_keeps_its_problems_triangles_as_corners_with_their_clocks() {
        use beatbook_core::model::{TRIANGLE_CORNERS, TRIANGLE_LOCATION};
        use beatbook_core::sync::protocol::FieldState;
        use beatbook_core::sync::Hlc;
        let Some(schema) = TestSchema::create() else {
            return;
        };
        let mut client = postgres::Client::connect(schema.url(), postgres::NoTls).expect("connect");
        super::migrate_to(&mut client, &super::MIGRATIONS[..3]).expect("version 3");
        let node: beatbook_core::ids::DeviceId = "0190a000-0000-7000-8000-0000000000d1"
            .parse()
            .expect("node");
        let analysed = Hlc::new(1_764_000_000_500, node);
        let old: crate::storage::compact::Fields = [
            (
                "title",
                serde_json::json!("Garage burglaries"),
                Hlc::new(1_764_000_000_000, node),
            ),
            (
                "triangle",
                serde_json::json!({"offender": null, "location": "Rear lane"}),
                analysed,
            ),
        ]
        .into_iter()
        .map(|(n, value, hlc)| (n.to_owned(), FieldState { value, hlc }))
        .collect();
        let (values, clocks) = crate::storage::compact::split(&old).expect("split");
        client
            .execute(
                "INSERT INTO records (kind, record_id, field_values, clocks, seq, created_at, updated_at)
                 VALUES ('problem', 'p1', $1, $2, 1, 1, 1)",
                &[&values, &clocks],
            )
            .expect("an old problem");
        client
            .execute("UPDATE feed SET last_seq = 1", &[])
            .expect("feed");
        let storage = PostgresStorage::open(schema.url()).expect("upgrade");
        let page = storage
            .feed_page(&crate::storage::conformance::filter(), 0, 10)
            .expect("page");
        let fields = &page.rows[0].state.fields;
        assert!(!fields.contains_key("triangle"));
        assert_eq!(fields[TRIANGLE_LOCATION].value, "Rear lane");
        for (corner, _, _) in TRIANGLE_CORNERS {
            assert_eq!(fields[corner].hlc, analysed, "{corner}");
        }
        assert_eq!(page.rows[0].seq, 1);
    }

    #[test]
    fn a_version_7_database_drops_the_rows_of_personal_details_it_does_not_hold() {
        let Some(schema) = TestSchema::create() else {
            return;
        };
        let mut client = postgres::Client::connect(schema.url(), postgres::NoTls).expect("connect");
        super::migrate_to(&mut client, &super::MIGRATIONS[..7]).expect("version 7");
        client
            .batch_execute(
                "INSERT INTO records (kind, record_id, field_values, clocks, erased, seq, created_at,
                                      updated_at)
                 VALUES ('contact_personal', 'with', '{}', '\\x', FALSE, 1, 1, 1),
                        ('contact_personal', 'erased', '{}', '\\x', TRUE, 2, 1, 1);
                 INSERT INTO retention_index
                   (kind, record_id, team_id, held, anchor_ms, retained_until_ms, parent_kind,
                    parent_id)
                 VALUES ('contact', 'without', NULL, TRUE, 100, NULL, NULL, NULL),
                        ('contact_personal', 'with', NULL, TRUE, 100, NULL, 'contact', 'with'),
                        ('contact_personal', 'without', NULL, FALSE, 100, NULL, NULL, NULL),
                        ('contact_personal', 'erased', NULL, FALSE, NULL, NULL, 'contact', 'erased'),
                        ('contact_personal', 'kept', NULL, FALSE, NULL, 500, NULL, NULL);",
            )
            .expect("old rows");
        super::migrate_to(&mut client, super::MIGRATIONS).expect("upgrade");
        let personal: Vec<String> = client
            .query(
                "SELECT record_id FROM retention_index WHERE kind = 'contact_personal'
                 ORDER BY record_id",
                &[],
            )
            .expect("read")
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(personal, ["erased", "kept", "with"]);
    }
}
