//! What reports read.

use super::{put, row};
use crate::storage::RecordRow;
use crate::storage::SyncStorage;
use beatbook_core::ids::TeamId;
use beatbook_core::sync::protocol::FieldState;
use beatbook_core::sync::RecordKind;
use serde_json::{json, Value};
use std::sync::Arc;

pub(crate) fn report_records_are_live_records_of_the_kinds_and_team(
    storage: &Arc<dyn SyncStorage>,
) {
    let storage = storage.as_ref();
    let (team, other) = (TeamId::new(), TeamId::new());
    let with_team = |kind, id: &str, t: TeamId| {
        let mut r = row(kind, id, false);
        r.meta.team_id = Some(t);
        r
    };
    put(storage, with_team(RecordKind::Contact, "mine", team));
    put(storage, with_team(RecordKind::Contact, "theirs", other));
    put(storage, with_team(RecordKind::Patrol, "patrol", team));
    put(storage, row(RecordKind::PriorityArea, "area", false));
    let mut gone = with_team(RecordKind::Contact, "gone", team);
    put(storage, gone.clone());
    gone.state = row(RecordKind::Contact, "gone", true).state;
    put(storage, gone);

    let kinds = [RecordKind::Contact, RecordKind::PriorityArea];
    let mut got: Vec<RecordKind> = storage
        .report_records(Some(team), &kinds)
        .expect("records")
        .into_iter()
        .map(|(kind, state)| {
            assert!(!state.erased);
            assert!(state.fields.contains_key("text"));
            kind
        })
        .collect();
    got.sort_by_key(|k| k.as_str());
    assert_eq!(got, vec![RecordKind::Contact, RecordKind::PriorityArea]);
    let everyone = storage.report_records(None, &kinds).expect("records");
    assert_eq!(everyone.len(), 3, "both teams' contacts and the area");

    // One at a time, the same records' values.
    for team in [Some(team), None] {
        let mut whole: Vec<(RecordKind, Value)> = storage
            .report_records(team, &kinds)
            .expect("records")
            .into_iter()
            .map(|(kind, state)| {
                let values = state.fields.into_iter().map(|(n, f)| (n, f.value));
                (kind, Value::Object(values.collect()))
            })
            .collect();
        let mut streamed = Vec::new();
        storage
            .each_report_record(team, &kinds, None, &mut |kind, values| {
                streamed.push((kind, Value::Object(values)))
            })
            .expect("records one at a time");
        let order = |rows: &mut Vec<(RecordKind, Value)>| rows.sort_by_key(|(_, v)| v.to_string());
        order(&mut whole);
        order(&mut streamed);
        assert_eq!(streamed, whole);
        assert!(!streamed.is_empty());
    }
}

/// A record of `team` (force-wide when `None`) with `values`.
fn record(kind: RecordKind, id: &str, team: Option<TeamId>, values: Value) -> RecordRow {
    let mut r = row(kind, id, false);
    r.meta.team_id = team;
    let hlc = r.state.fields.values().next().expect("a field").hlc;
    r.state.fields = match values {
        Value::Object(map) => map
            .into_iter()
            .map(|(name, value)| (name, FieldState { value, hlc }))
            .collect(),
        _ => Default::default(),
    };
    r
}

/// The ids (`id` values) of what a read by reach from `from_day` gives, sorted.
fn read_by_reach(
    storage: &dyn SyncStorage,
    team: Option<TeamId>,
    kinds: &[RecordKind],
    from_day: i64,
) -> Vec<String> {
    let mut ids = Vec::new();
    storage
        .each_report_record(team, kinds, Some(from_day), &mut |_, values| {
            ids.push(values["id"].as_str().unwrap_or_default().to_owned())
        })
        .expect("records by reach");
    ids.sort();
    ids
}

pub(crate) fn a_period_reads_only_the_records_that_reach_it_and_names_older_ones(
    storage: &Arc<dyn SyncStorage>,
) {
    let storage = storage.as_ref();
    let (team, other) = (TeamId::new(), TeamId::new());
    let contact = |id: &str, at: &str, t: Option<TeamId>| {
        record(
            RecordKind::Contact,
            id,
            t,
            json!({"id": id, "occurred_at": at}),
        )
    };
    put(
        storage,
        contact("january", "2026-01-10T09:00:00Z", Some(team)),
    );
    put(
        storage,
        contact("march", "2026-03-10T09:00:00Z", Some(team)),
    );
    put(
        storage,
        contact("theirs", "2026-03-10T09:00:00Z", Some(other)),
    );
    put(storage, contact("unreadable", "last Tuesday", Some(team)));
    let patrol = |id: &str, ended: Value| {
        record(
            RecordKind::Patrol,
            id,
            Some(team),
            json!({"id": id, "started_at": "2026-01-05T09:00:00Z", "ended_at": ended}),
        )
    };
    put(
        storage,
        patrol("ended-january", json!("2026-01-05T11:00:00Z")),
    );
    put(storage, patrol("still-out", Value::Null));
    let follow_up = |id: &str, status: &str, answered: Value| {
        record(
            RecordKind::FollowUp,
            id,
            Some(team),
            json!({"id": id, "status": status, "created_at": "2026-01-10T09:00:00Z",
                   "answered_at": answered}),
        )
    };
    put(storage, follow_up("open", "open", Value::Null));
    put(
        storage,
        follow_up("answered-march", "answered", json!("2026-03-02T09:00:00Z")),
    );
    put(
        storage,
        follow_up(
            "answered-january",
            "answered",
            json!("2026-01-11T09:00:00Z"),
        ),
    );
    put(
        storage,
        record(
            RecordKind::PriorityArea,
            "area",
            None,
            json!({"id": "area"}),
        ),
    );
    put(
        storage,
        record(RecordKind::Note, "note", Some(team), json!({"id": "note"})),
    );
    // Erased since: never read, whatever its time.
    let mut gone = contact("gone", "2026-03-11T09:00:00Z", Some(team));
    put(storage, gone.clone());
    gone.state = row(RecordKind::Contact, "gone", true).state;
    put(storage, gone);

    let kinds = [
        RecordKind::Contact,
        RecordKind::Patrol,
        RecordKind::FollowUp,
        RecordKind::PriorityArea,
        RecordKind::Note,
    ];
    let march = 20_513; // 2026-03-01, in days since 1970-01-01
    assert_eq!(
        read_by_reach(storage, Some(team), &kinds, march),
        vec![
            "answered-march",
            "area",
            "march",
            "open",
            "still-out",
            "unreadable"
        ],
        "this team's records reaching March, the force-wide ones, and what every period reads"
    );
    assert_eq!(
        read_by_reach(storage, None, &kinds, march),
        vec![
            "answered-march",
            "area",
            "march",
            "open",
            "still-out",
            "theirs",
            "unreadable"
        ],
        "every team's"
    );
    let all_of_2026 = read_by_reach(storage, Some(team), &kinds, 20_454);
    assert_eq!(all_of_2026.len(), 9, "{all_of_2026:?}");
    assert!(
        !all_of_2026.contains(&"note".to_owned()),
        "no report reads notes"
    );

    // By id: live ones of the kind, of the team or force-wide; others passed over.
    let mut named = Vec::new();
    let ids: Vec<String> = ["january", "theirs", "gone", "nowhere", "open"]
        .map(str::to_owned)
        .to_vec();
    storage
        .each_named_record(
            Some(team),
            RecordKind::Contact,
            &ids,
            &mut |kind, values| named.push((kind, values["id"].clone())),
        )
        .expect("named records");
    assert_eq!(named, vec![(RecordKind::Contact, json!("january"))]);
    let too_many = vec!["x".to_owned(); crate::storage::NAMED_RECORDS_MAX + 1];
    assert!(storage
        .each_named_record(None, RecordKind::Contact, &too_many, &mut |_, _| {})
        .is_err());
}
