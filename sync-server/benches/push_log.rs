//! What the s.62 log costs a push and a pull (prints figures; not a test). A push of 1,000
//! ops on contacts' personal records through the server's real decision (`apply::decide`,
//! consent rule and companion load included) into a fresh SQLite store, timed with its 1,000
//! collection entries chained in the push's transaction and with the entries left out; and
//! the 1,000 disclosure entries a pull page of those records appends. Median of the rounds.
//!
//! `cargo bench -p beatbook-server --bench push_log` (`BEATBOOK_PUSH_LOG_ROUNDS`, default 7).

use beatbook_core::ids::DeviceId;
use beatbook_core::model::Role;
use beatbook_core::sync::protocol::{FieldChange, Op, RecordKind};
use beatbook_core::sync::Hlc;
use beatbook_server::admin;
use beatbook_server::apply::{self, PushContext};
use beatbook_server::s62;
use beatbook_server::storage::{
    CurrentRecord, Decision, PendingWrite, Principal, SqliteStorage, SyncStorage, WriteTarget,
};
use chrono::Utc;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use uuid::Uuid;

const OPS: usize = 1_000;

fn op(ctx: &PushContext, kind: RecordKind, id: &str, fields: Value, counter: u32) -> Op {
    let Value::Object(map) = fields else {
        panic!("fields are an object")
    };
    Op {
        op_id: Uuid::now_v7(),
        kind,
        record_id: id.to_owned(),
        hlc: Hlc {
            wall_ms: u64::try_from(ctx.now.timestamp_millis()).unwrap_or(0),
            counter,
            node: ctx.principal.device_id,
        },
        author: ctx.principal.user_id,
        device: ctx.principal.device_id,
        fields: map
            .into_iter()
            .map(|(k, value)| (k, FieldChange { value, base: None }))
            .collect(),
        erase: None,
    }
}

fn push(storage: &dyn SyncStorage, ctx: &PushContext, ops: &[Op], log: bool) -> Duration {
    let mut decides: Vec<_> = ops
        .iter()
        .map(|op| {
            move |current: &CurrentRecord| match apply::decide(ctx, op, current) {
                Decision::Write {
                    record,
                    extra,
                    reference_rows,
                    scrub_conflicts,
                    audit,
                } => Decision::Write {
                    record,
                    extra,
                    reference_rows,
                    scrub_conflicts,
                    audit: if log { audit } else { Vec::new() },
                },
                other => other,
            }
        })
        .collect();
    let mut batch: Vec<PendingWrite<'_>> = ops
        .iter()
        .zip(decides.iter_mut())
        .map(|(op, decide)| PendingWrite {
            ahead: None,
            target: WriteTarget {
                op_id: Some(op.op_id),
                device_id: Some(ctx.principal.device_id),
                kind: op.kind,
                record_id: op.record_id.clone(),
                now_ms: ctx.now.timestamp_millis(),
                pulled_through: None,
            },
            decide,
        })
        .collect();
    let started = Instant::now();
    let outcomes = storage.write_records(&mut batch).expect("push");
    let took = started.elapsed();
    assert!(outcomes
        .iter()
        .all(|o| matches!(o, beatbook_server::storage::WriteOutcome::Applied { .. })));
    took
}

/// One round on a fresh store: (push with the log, push without, disclosures of a page).
fn round(log_first: bool) -> (Duration, Duration, Duration) {
    let mut times = [Duration::ZERO; 2];
    let mut disclose = Duration::ZERO;
    for (i, log) in [log_first, !log_first].into_iter().enumerate() {
        let _ = i;
        let dir = {
            use std::os::unix::fs::PermissionsExt;
            tempfile::Builder::new()
                .permissions(std::fs::Permissions::from_mode(0o700))
                .tempdir()
                .expect("dir")
        };
        let storage =
            SqliteStorage::open(dir.path(), &beatbook_core::StoreKey::from_bytes([1; 32]))
                .expect("open");
        let team = admin::create_team(&storage, "Bench NPT", None).expect("team");
        let user = admin::create_user(&storage, "PCSO Bench", Role::Pcso, team.id).expect("user");
        let ctx = PushContext {
            principal: Principal {
                device_id: DeviceId::new(),
                user_id: user.id,
                role: Role::Pcso,
                team_id: Some(team.id),
            },
            now: Utc::now(),
            max_skew_ms: 300_000,
            earliest_record_time: beatbook_core::model::time_sense::default_floor(),
            server_node: storage.server_node().expect("node"),
            team_members: [user.id].into_iter().collect(),
            device_users: Default::default(),
        };
        let now = ctx.now.to_rfc3339();
        let ids: Vec<String> = (0..OPS).map(|_| Uuid::now_v7().to_string()).collect();
        let contacts: Vec<Op> = ids
            .iter()
            .enumerate()
            .map(|(n, id)| {
                op(&ctx, RecordKind::Contact, id, json!({
                    "id": id, "occurred_at": now, "place": {"lat": 52.44, "lon": -1.53},
                    "lsoa_code": null, "lap_code": null, "method": "door_knock",
                    "audience": "resident", "people_count": 1, "issues": ["anti-social-behaviour"],
                    "issues_text": "Noise at night", "promised": null, "follow_up_id": null,
                    "consent_to_recontact": true, "repeat_caller": false, "vulnerable": false,
                    "repeat_location": false, "problem_id": null, "patrol_id": null,
                    "recorded_by": user.id, "redacted_at": null, "created_at": now,
                    "updated_at": now
                }), n as u32)
            })
            .collect();
        push(&storage, &ctx, &contacts, log);
        let personal: Vec<Op> = ids
            .iter()
            .enumerate()
            .map(|(n, id)| {
                op(
                    &ctx,
                    RecordKind::ContactPersonal,
                    id,
                    json!({
                        "details": {"name": format!("Bench Person {n}"), "phone": "07700 900123",
                                    "email": null, "address": "1 Example Road"},
                        "ethnicity": "NS"
                    }),
                    (OPS + n) as u32,
                )
            })
            .collect();
        times[usize::from(!log)] = push(&storage, &ctx, &personal, log);
        if log {
            // The personal records are the last OPS changes of the feed.
            let after = storage.feed_head().expect("head") - OPS as u64;
            let filter = beatbook_server::scope::feed_filter(&ctx.principal);
            let page = storage.feed_page(&filter, after, 1_000).expect("page");
            let entries = s62::disclosures(&ctx.principal, &page.rows, 1);
            assert_eq!(entries.len(), OPS);
            let started = Instant::now();
            storage.append_audits(&entries).expect("disclose");
            disclose = started.elapsed();
        }
    }
    (times[0], times[1], disclose)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let rounds: usize = std::env::var("BEATBOOK_PUSH_LOG_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let (mut with, mut without, mut disclose) = (Vec::new(), Vec::new(), Vec::new());
    for r in 0..rounds {
        let (w, wo, d) = round(r % 2 == 0);
        with.push(w);
        without.push(wo);
        disclose.push(d);
    }
    let (w, wo, d) = (median(with), median(without), median(disclose));
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("push of {OPS} personal records (SQLite, {rounds} rounds, median):");
    println!("  without s.62 entries: {:8.2} ms", ms(wo));
    println!(
        "  with {OPS} collection entries: {:8.2} ms  (+{:.2} ms, +{:.1}%)",
        ms(w),
        ms(w) - ms(wo),
        (ms(w) / ms(wo) - 1.0) * 100.0
    );
    println!(
        "pull page of {OPS} personal records: {OPS} disclosure entries appended in {:.2} ms",
        ms(d)
    );
}
