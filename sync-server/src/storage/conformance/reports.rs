//! What reports read.

use super::{put, row};
use crate::storage::SyncStorage;
use beatbook_core::ids::TeamId;
use beatbook_core::sync::RecordKind;
use serde_json::Value;
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
            .each_report_record(team, &kinds, &mut |kind, values| {
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
