//! The device and the server decide every write alike: generated writes (role, kind, the record
//! before, the op) are judged by the device's check — `beatbook_core::store::permit_local_write`,
//! what the store runs on each captured op before a local write commits — and by the server's
//! [`decide`], the real entry point for a pushed op. Whenever the device refuses, the server
//! refuses with the protocol code of the same denial; whenever the device allows, the server
//! refuses for no permission reason except its own server-only team rule.
//!
//! A deterministic generator (a fixed-seed xorshift), so a failure reproduces exactly; the
//! case number is in the message.

use super::*;
use crate::team_rules;
use beatbook_core::ids::{TeamId, UserId};
use beatbook_core::model::{Actor, Role};
use beatbook_core::policy::fields;
use beatbook_core::store::permit_local_write;
use beatbook_core::sync::protocol::{Erasure, FieldChange, FieldState};
use serde_json::{json, Map, Value};

/// Cases per run: about 0.2 s.
const CASES: u32 = 20_000;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, in_ten: u64) -> bool {
        self.next() % 10 < in_ten
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Every field name the policy reads, and one it does not.
const FIELD_NAMES: &[&str] = &[
    fields::patrol::RECORDED_BY,
    fields::patrol::PARTICIPANTS,
    fields::patrol::KIND,
    fields::note::AUTHOR,
    fields::problem::CREATED_BY,
    fields::problem::OWNER,
    fields::stage_request::REQUESTED_BY,
    fields::stage_request::STATUS,
    fields::stage_request::DECIDED_BY,
    fields::stage_request::DECISION_REASON,
    fields::review::REVIEWER,
    fields::follow_up::REFERRED_BY,
    fields::follow_up::ANSWERED_AT,
    fields::follow_up::OUTCOME,
    fields::conflict::WINNER_AUTHOR,
    fields::conflict::LOSER_AUTHOR,
    fields::conflict::RESOLUTION,
    fields::conflict::RESOLVED_BY,
    "promise",
];

fn value(rng: &mut Rng, users: &[UserId]) -> Value {
    let user = |rng: &mut Rng| json!(rng.pick(users).to_string());
    match rng.below(9) {
        0 | 1 => user(rng),
        2 => json!([user(rng)]),
        3 => Value::Null,
        4 => json!(rng.pick(&["cip_targeted", "foot", "vehicle"])),
        5 => json!(rng.pick(&["pending", "approved", "open", "answered"])),
        6 => json!("keep_winner"),
        7 => json!([]),
        _ => json!("text"),
    }
}

fn field_map(rng: &mut Rng, users: &[UserId]) -> Map<String, Value> {
    let mut map = Map::new();
    for _ in 0..rng.below(5) {
        map.insert(rng.pick(FIELD_NAMES).to_string(), value(rng, users));
    }
    map
}

#[test]
fn the_device_and_the_server_decide_every_generated_write_alike() {
    let mut rng = Rng(0x5eed_b0a7_b00c_2026);
    let (mut allowed, mut denied) = (0, 0);
    for case in 0..CASES {
        let users = [UserId::new(), UserId::new(), UserId::new()];
        let role = *rng.pick(Role::ALL);
        let kind = *rng.pick(RecordKind::ALL);
        let device_id = DeviceId::new();
        let ctx = PushContext {
            principal: Principal {
                device_id,
                user_id: users[0],
                role,
                team_id: Some(TeamId::new()),
            },
            now: Utc::now(),
            max_skew_ms: 300_000,
            earliest_record_time: beatbook_core::model::time_sense::default_floor(),
            server_node: DeviceId::new(),
            team_members: users.iter().copied().collect(),
            device_users: Default::default(),
        };
        let before = rng.chance(6).then(|| field_map(&mut rng, &users));
        // The role-specific fields the rules read most, set often enough to matter.
        let mut sets = field_map(&mut rng, &users);
        if rng.chance(3) {
            sets.insert(fields::follow_up::OWNER.into(), value(&mut rng, &users));
        }
        let op = Op {
            op_id: Uuid::now_v7(),
            kind,
            record_id: "0193a1b2-c3d4-7000-8000-0000000000aa".into(),
            hlc: Hlc::new(ctx.now_ms(), device_id),
            author: users[0],
            device: device_id,
            fields: sets
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        FieldChange {
                            value: v.clone(),
                            base: None,
                        },
                    )
                })
                .collect(),
            erase: rng.chance(1).then(|| Erasure {
                reason: "generated".into(),
            }),
        };

        // The device: its record after the write is the record before with the op's fields.
        let mut after = before.clone().unwrap_or_default();
        after.extend(sets.clone());
        let actor = Actor {
            user_id: users[0],
            role,
            device_id,
        };
        let device = permit_local_write(&actor, before.as_ref(), &op, &after);

        // The server: the record as stored, decided by the real entry point.
        let old = Hlc::new(1, DeviceId::new());
        let current = CurrentRecord {
            exists: before.is_some(),
            meta: RecordMeta {
                team_id: ctx.principal.team_id,
                owner: before.as_ref().map(|_| users[1]),
                subject: None,
                members: Vec::new(),
            },
            state: RecordState {
                fields: before
                    .iter()
                    .flatten()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            FieldState {
                                value: v.clone(),
                                hlc: old,
                            },
                        )
                    })
                    .collect(),
                erased: false,
            },
            companion: None,
            reviewed: None,
        };
        let server = match decide(&ctx, &op, &current) {
            Decision::Reject { code, message } => Some((code, message)),
            _ => None,
        };

        let context = || {
            format!(
                "case {case}: {role} {kind} before {before:?} sets {sets:?} erase {:?}",
                op.erase.is_some()
            )
        };
        match device {
            Err(beatbook_core::Error::Denied(denial)) => {
                denied += 1;
                let (code, message) = server.unwrap_or_else(|| {
                    panic!("device refused ({denial}), server accepted: {}", context())
                });
                assert_eq!(code, denial.code.reject_code(), "{}", context());
                assert!(
                    message.contains(&format!("[{}]", denial.code)),
                    "server refused for another reason ({message}) than the device ({denial}): {}",
                    context()
                );
            }
            Err(other) => panic!("device check failed otherwise: {other}: {}", context()),
            Ok(()) => {
                allowed += 1;
                if let Some((code, message)) = server {
                    let permission = matches!(
                        code,
                        RejectCode::Forbidden | RejectCode::PersonalDataForbidden
                    );
                    let server_only =
                        team_rules::named_users_in_team(&ctx.team_members, &op).is_err();
                    assert!(
                        !permission || server_only,
                        "device allowed, server refused ({code}: {message}): {}",
                        context()
                    );
                }
            }
        }
    }
    // The generator reaches both outcomes often.
    assert!(
        allowed > CASES / 10 && denied > CASES / 10,
        "{allowed} allowed, {denied} denied"
    );
}
