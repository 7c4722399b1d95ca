//! Version 12: a problem's analysis triangle syncs as six corner fields. A store from version 11
//! keeps its problems: each corner takes the whole triangle's clock (what the server's own
//! migration gives it, so a later edit's base matches and no false conflict is found), a held
//! problem's values and a queued edit split the same way, and a later edit of one corner sends
//! that corner alone.

use crate::common::key;
use crate::schema_upgrades::{frozen, keyed};
use beatbook_core::model::{
    Actor, AnalysisTriangle, Role, TRIANGLE_CORNERS, TRIANGLE_LOCATION, TRIANGLE_OFFENDER,
    TRIANGLE_VICTIM,
};
use beatbook_core::sync::{Hlc, RecordClocks, RecordKind};
use beatbook_core::Store;

const PROBLEM: &str = "0190a000-0000-7000-8000-0000000000b1";
const HELD: &str = "0190a000-0000-7000-8000-0000000000b2";
const OWNER: &str = "0190a000-0000-7000-8000-0000000000a2";
const DEVICE: &str = "0190a000-0000-7000-8000-0000000000d1";
const CREATED: &str = "000001a196fb0600-00000000-0190a000-0000-7000-8000-0000000000d1";
const ANALYSED: &str = "000001a196fb1600-00000002-0190a000-0000-7000-8000-0000000000d2";
const QUEUED: &str = "000001a196fb2600-00000000-0190a000-0000-7000-8000-0000000000d1";

fn clocks(fields: &[(&str, &str)]) -> Vec<u8> {
    RecordClocks {
        fields: fields
            .iter()
            .map(|(name, hlc)| ((*name).to_owned(), hlc.parse::<Hlc>().expect("hlc")))
            .collect(),
    }
    .encode()
}

#[test]
fn a_version_11_store_keeps_its_triangles_as_corners_with_their_clocks() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("v11.db");
    let conn = keyed(&path);
    conn.execute_batch(&frozen(11)).expect("v11 schema");
    conn.pragma_update(None, "user_version", 11)
        .expect("version");
    let triangle = r#"{"offender":"Two youths","victim":null,"location":"Rear lane","handler":null,"guardian":null,"manager":null}"#;
    conn.execute_batch(&format!(
        "INSERT INTO teams (id, name) VALUES ('0190a000-0000-7000-8000-000000000001', 'Team');
         INSERT INTO users (id, display_name, role, team_id) VALUES
           ('{OWNER}', 'PC Sam', 'officer', '0190a000-0000-7000-8000-000000000001');
         INSERT INTO device_profile (id, device_id, user_id) VALUES (1, '{DEVICE}', '{OWNER}');
         INSERT INTO problems (id, title, area_kind, area_id, category, owner, stage, triangle,
           repeat_types, responses, assessment, created_by, created_at, updated_at,
           stage_changed_at) VALUES ('{PROBLEM}', 'Garage burglaries', 'lap', 'LAP-NV',
           'burglary', '{OWNER}', 'analysis', '{triangle}', '[]', '[]', NULL, '{OWNER}',
           '2026-11-01T09:00:00.000000Z', '2026-11-01T09:00:00.000000Z',
           '2026-11-01T09:00:00.000000Z');
         INSERT INTO sync_held (kind, record_id, reason, held_at, fields) VALUES
           ('problem', '{HELD}', 'incomplete', '2026-11-02T09:00:00.000000Z',
            '{{\"title\": \"Held\", \"triangle\": {{\"offender\": null, \"victim\": \"No. 4\"}}}}');
         INSERT INTO outbox (op_id, kind, record_id, op) VALUES
           ('0190a000-0000-7000-8000-0000000000f1', 'problem', '{PROBLEM}',
            '{{\"op_id\": \"0190a000-0000-7000-8000-0000000000f1\", \"kind\": \"problem\",
              \"record_id\": \"{PROBLEM}\", \"hlc\": \"{QUEUED}\", \"author\": \"{OWNER}\",
              \"device\": \"{DEVICE}\", \"fields\": {{\"triangle\": {{\"value\": {triangle},
              \"base\": \"{ANALYSED}\"}}}}}}');"
    ))
    .expect("v11 rows");
    let mut old_fields: Vec<(&str, &str)> = [
        "id",
        "title",
        "area",
        "category",
        "owner",
        "stage",
        "repeat_types",
        "responses",
        "assessment",
        "created_by",
        "created_at",
        "updated_at",
        "stage_changed_at",
    ]
    .iter()
    .map(|name| (*name, CREATED))
    .collect();
    old_fields.push(("triangle", QUEUED));
    conn.execute(
        "INSERT INTO sync_records (kind, record_id, clocks) VALUES ('problem', ?1, ?2),
           ('problem', ?3, ?4)",
        rusqlite::params![
            PROBLEM,
            clocks(&old_fields),
            HELD,
            clocks(&[("title", ANALYSED), ("triangle", ANALYSED)])
        ],
    )
    .expect("clocks");
    drop(conn);

    let store = Store::open(&path, &key()).expect("upgrade");
    let records = store
        .synced_records(&[RecordKind::Problem])
        .expect("sync state");
    let problem = &records[&(RecordKind::Problem, PROBLEM.to_owned())];
    assert!(!problem.fields.contains_key("triangle"));
    for (corner, _, _) in TRIANGLE_CORNERS {
        assert_eq!(problem.fields[corner].hlc.to_string(), QUEUED, "{corner}");
    }
    assert_eq!(problem.fields[TRIANGLE_OFFENDER].value, "Two youths");
    assert_eq!(problem.fields[TRIANGLE_LOCATION].value, "Rear lane");
    assert_eq!(problem.fields["title"].hlc.to_string(), CREATED);
    let held = &records[&(RecordKind::Problem, HELD.to_owned())];
    assert_eq!(held.fields[TRIANGLE_VICTIM].value, "No. 4");
    assert_eq!(held.fields[TRIANGLE_VICTIM].hlc.to_string(), ANALYSED);
    assert!(!held.fields.contains_key("triangle"));

    // The edit queued before the upgrade now sets the corners, with the triangle's base.
    let queued = store.pending_ops(10).expect("ops");
    assert_eq!(queued.len(), 1);
    assert!(!queued[0].fields.contains_key("triangle"));
    assert_eq!(queued[0].fields[TRIANGLE_OFFENDER].value, "Two youths");
    assert_eq!(
        queued[0].fields[TRIANGLE_VICTIM]
            .base
            .map(|b| b.to_string())
            .as_deref(),
        Some(ANALYSED)
    );

    // A later edit of one corner sends that corner alone, based on the clock it inherited.
    let sam = Actor {
        user_id: OWNER.parse().expect("id"),
        role: Role::Officer,
        device_id: DEVICE.parse().expect("id"),
    };
    let edited = store
        .update_analysis(
            &sam,
            PROBLEM.parse().expect("id"),
            AnalysisTriangle {
                offender: Some("Two youths".into()),
                location: Some("Rear lane".into()),
                guardian: Some("Neighbourhood Watch".into()),
                ..Default::default()
            },
            vec![],
        )
        .expect("edit");
    assert_eq!(
        edited.triangle.guardian.as_deref(),
        Some("Neighbourhood Watch")
    );
    let ops = store.pending_ops(10).expect("ops");
    let edit = ops.last().expect("the edit's op");
    let corners: Vec<&str> = edit
        .fields
        .keys()
        .map(String::as_str)
        .filter(|f| f.starts_with("triangle"))
        .collect();
    assert_eq!(corners, ["triangle_guardian"]);
    assert_eq!(
        edit.fields["triangle_guardian"]
            .base
            .map(|b| b.to_string())
            .as_deref(),
        Some(QUEUED)
    );
}
