//! Finishing a replay after the server was restored from a backup (`Store::finish_replay`,
//! `device_sync/epoch.rs`): this device's own changes the restored server lacks are queued
//! again ahead of the outbox — each record's by clock, with the restored server's clock as
//! their base — changes still queued are not doubled, and pushing them brings the restored
//! server back to what the device holds.

use crate::common::fake_server::FakeServer;
use crate::common::Fixture;
use beatbook_core::model::*;
use beatbook_core::sync::protocol::OpStatus;
use beatbook_core::sync::RecordKind;
use chrono::Duration;

fn foot_patrol(f: &Fixture, purpose: &str) -> NewPatrol {
    NewPatrol {
        kind: PatrolKind::Foot,
        area: AreaRef::Lap("LAP-N".into()),
        purpose: purpose.into(),
        operation_name: None,
        participants: vec![],
        started_at: f.now(),
    }
}

fn closure(f: &Fixture) -> PatrolClosure {
    PatrolClosure {
        ended_at: f.now(),
        observations: Some("Quiet".into()),
        assessment: Some(ValueAssessment {
            purpose_met: PurposeMet::Yes,
            value_rating: 3,
            summary: "Quiet".into(),
        }),
    }
}

/// Pushes what `f.store` has queued to `server`, answering the store.
fn push_all(f: &Fixture, server: &mut FakeServer) {
    let ops = f.store.pending_ops(100).expect("pending");
    let results = server.push(&ops);
    assert!(results.iter().all(|r| r.status == OpStatus::Accepted));
    f.store
        .apply_push_results(&results, f.now())
        .expect("results");
}

#[test]
fn a_replay_queues_what_the_restored_server_lacks_once_each_ahead_of_the_outbox() {
    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "PCSO Alex");
    f.store
        .set_device_owner(pcso.device_id, pcso.user_id)
        .expect("this device is Alex's");
    let mut live = FakeServer::default();
    let mut backup = FakeServer::default();

    // Before the backup: patrol one, started.
    let one = f
        .store
        .start_patrol(&pcso, foot_patrol(&f, "Reassurance on Elm Row"))
        .expect("one");
    let started = f.store.pending_ops(10).expect("pending");
    backup.push(&started);
    push_all(&f, &mut live);
    // After it: patrol one ended, patrol two started and ended, all accepted by the live server.
    f.clock.advance(Duration::minutes(30));
    f.store
        .close_patrol(&pcso, one.id, closure(&f))
        .expect("end one");
    let two = f
        .store
        .start_patrol(&pcso, foot_patrol(&f, "Shop fronts on the parade"))
        .expect("two");
    push_all(&f, &mut live);
    f.clock.advance(Duration::minutes(30));
    f.store
        .close_patrol(&pcso, two.id, closure(&f))
        .expect("end two");
    push_all(&f, &mut live);
    // Not yet pushed when the restore is noticed: a third patrol, queued.
    f.clock.advance(Duration::minutes(5));
    let three = f
        .store
        .start_patrol(&pcso, foot_patrol(&f, "School gates"))
        .expect("three");
    let queued_before = f.store.pending_ops_from(i64::MIN, 100).expect("queued");
    assert_eq!(queued_before.len(), 1);

    // The live server is restored from the backup: pull everything it has, then finish.
    f.store
        .begin_replay(Some(uuid::Uuid::now_v7()))
        .expect("begin");
    let page = backup.pull(0, 100);
    f.store
        .apply_pull_page(&page)
        .expect("the restored server's records");
    let queued = f.store.finish_replay().expect("finish");

    let ops = f.store.pending_ops_from(i64::MIN, 100).expect("queued");
    assert_eq!(ops.len() as u64, queued + 1, "{ops:#?}");
    let (places, ops): (Vec<i64>, Vec<_>) = ops.into_iter().unzip();
    assert!(places.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(
        (places.last(), ops.last()),
        (
            queued_before.first().map(|q| &q.0),
            queued_before.first().map(|q| &q.1)
        ),
        "the queued op stays last, untouched"
    );
    let resent = &ops[..ops.len() - 1];
    // Patrol one: only its ending, on top of the restored server's clocks. Patrol two: its
    // start and its ending, in clock order, never on the restored server.
    let of = |id: String| -> Vec<_> { resent.iter().filter(|op| op.record_id == id).collect() };
    let one_ops = of(one.id.to_string());
    assert_eq!(one_ops.len(), 1, "{one_ops:#?}");
    assert!(one_ops[0].fields.contains_key("ended_at"));
    assert!(!one_ops[0].fields.contains_key("purpose"));
    assert!(
        one_ops[0]
            .fields
            .values()
            .all(|change| change.base.is_some()),
        "the restored server's clocks are the base"
    );
    let two_ops = of(two.id.to_string());
    assert_eq!(two_ops.len(), 2, "{two_ops:#?}");
    assert!(two_ops[0].hlc < two_ops[1].hlc);
    assert!(two_ops[0].fields.contains_key("purpose"));
    assert!(two_ops.iter().all(|op| op.kind == RecordKind::Patrol));
    assert!(
        of(three.id.to_string()).is_empty(),
        "still queued: not doubled"
    );
    // In key order: patrol one's id sorts before patrol two's (UUID v7, made earlier).
    assert_eq!(resent[0].record_id, one.id.to_string());

    // Pushed, they bring the restored server back to what the device holds.
    let results = backup.push(&f.store.pending_ops(100).expect("pending"));
    assert!(
        results.iter().all(|r| r.status == OpStatus::Accepted),
        "{results:?}"
    );
    let restored = backup.pull(0, 100);
    let live_now = live.pull(0, 100);
    for id in [one.id.to_string(), two.id.to_string()] {
        let field_values = |page: &beatbook_core::sync::protocol::PullResponse| {
            page.changes
                .iter()
                .find(|c| c.record_id == id)
                .map(|c| {
                    c.fields
                        .iter()
                        .map(|(name, state)| (name.clone(), state.value.clone()))
                        .collect::<Vec<_>>()
                })
                .expect("the patrol")
        };
        assert_eq!(field_values(&restored), field_values(&live_now), "{id}");
    }
    // Finishing again does nothing: the replay is over.
    assert_eq!(f.store.finish_replay().expect("again"), 0);
}
